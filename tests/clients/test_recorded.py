"""The params we build equal the form bodies the Ruby SDK sent in the recorded exchanges."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from _support.paths import RECORDED_CREATE_SESSION

from opentok_rules import SessionSpec, prepare_session

RECORDED = RECORDED_CREATE_SESSION
EXCHANGES: list[dict[str, Any]] = json.loads(RECORDED.read_text(encoding="utf-8"))

# The Ruby SDK leaves these out when they are not given; we always send them (API.md section 2).
ALWAYS_SENT_DEFAULTS = {"archiveMode": "manual", "e2ee": "false"}


def test_there_are_recorded_exchanges() -> None:
    assert len(EXCHANGES) >= 12
    names = [each["name"] for each in EXCHANGES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[each["name"] for each in EXCHANGES])
def test_params_match_the_recorded_form_body(exchange: dict[str, Any]) -> None:
    request = exchange["request"]
    assert request["method"] == "POST"
    assert request["url"].endswith("/session/create")
    pairs = parse_qsl(request["form_body"], keep_blank_values=True, strict_parsing=True)
    sent = dict(pairs)
    assert len(sent) == len(pairs), "a key was sent twice"
    expected = {**ALWAYS_SENT_DEFAULTS, **sent}

    prepared = prepare_session(exchange["options"])

    assert prepared.params == expected
    assert prepared.params == prepared.spec.to_params()
    assert SessionSpec.from_params(expected) == prepared.spec
