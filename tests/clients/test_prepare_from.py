"""The clients prepare a session through ``prepare_session_from`` and send the params it made:
keyword options merged over the mapping, a keyword named ``rules`` an option like any other,
and the form body the very params ``spec.to_params()`` gives, new or repeated."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.http.transport import Request, Response
from opentok_rules.operations.session.prepare import prepare_session_from

ANSWER = json.dumps([{"session_id": "1_MX4xMjM0NTZ-fn4", "project_id": "123456"}]).encode()


class _Recording:
    """A transport that keeps every request and answers a session."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def handle_request(self, request: Request) -> Response:
        self.requests.append(request)
        return Response(200, {"content-type": "application/json"}, ANSWER)

    def close(self) -> None:
        pass


def test_keywords_are_merged_over_the_mapping() -> None:
    prepared = prepare_session_from(
        {"media_mode": "routed", "location": "bad"}, None, {"location": "10.0.0.1"}
    )
    assert prepared == otr.prepare_session(media_mode="routed", location="10.0.0.1")


def test_a_keyword_named_rules_is_an_option_not_the_registry() -> None:
    prepared = prepare_session_from(None, None, {"rules": otr.strict_rules()})
    assert [(w.rule, w.field) for w in prepared.warnings] == [("known-keys", "rules")]
    with pytest.raises(otr.ValidationError) as caught:
        prepare_session_from(None, otr.strict_rules(), {"rules": "x"})
    assert [(v.rule, v.field) for v in caught.value.violations] == [("known-keys", "rules")]


OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "media_mode": st.sampled_from(["routed", "relayed"]),
        "location": st.sampled_from(["10.0.0.1", "192.168.1.20"]),
        "archive_name": st.sampled_from(["weekly", "daily standup"]),
        "e2ee": st.booleans(),
    },
)


@given(st.lists(OPTIONS, min_size=1, max_size=6))
@settings(max_examples=examples(40))
def test_the_body_sent_is_the_specs_params_new_or_repeated(
    calls: list[dict[str, Any]],
) -> None:
    transport = _Recording()
    client = otr.OpenTok("123456", "0123456789abcdef0123456789abcdef01234567", transport=transport)
    for options in [*calls, *calls]:  # each shape twice: the second from what was kept
        try:
            session = client.create_session(**options)
        except otr.ValidationError:
            continue
        body = dict(parse_qsl(transport.requests[-1].body.decode("ascii"), strict_parsing=True))
        assert body == session.spec.to_params() == otr.prepare_session(options).params
