"""Issue 29: a request made for the other backend is told which emulator it wants.

A Vonage Video API client (``Authorization: Bearer``) at the OpenTok emulator gets its 403 with
a hint to start the emulator with ``--vonage``; an OpenTok client (``X-OPENTOK-AUTH``) at the
Vonage emulator gets its 401 with the reverse hint. A request with neither header, or with the
right one, is answered as before.
"""

from __future__ import annotations

import json

import jwt
import pytest
from _support.emulator import call
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.testing import Emulator

pytest.importorskip("cryptography", reason='pip install -e ".[vonage]"')


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    return str(data.get("message", data)) if isinstance(data, dict) else str(data)


def refusal_at_the_other_emulator(vonage_client: bool) -> otr.AuthenticationError:
    """What the emulator of the other backend answers a client's ``create_session``: a Vonage
    client at the OpenTok emulator, or an OpenTok client at the Vonage one."""
    with Emulator() as opentok, Emulator(backend="vonage") as vonage:
        client: otr.OpenTok | otr.VonageVideo
        if vonage_client:
            client = otr.VonageVideo(vonage.application_id, vonage.private_key, api_url=opentok.url)
        else:
            client = otr.OpenTok("123456", "x" * 40, api_url=vonage.url)
        with client, pytest.raises(otr.AuthenticationError) as caught:
            client.create_session(media_mode="routed")
    return caught.value


def test_the_vonage_client_at_the_opentok_emulator_is_told_to_use_vonage() -> None:
    refused = refusal_at_the_other_emulator(vonage_client=True)
    assert refused.status == 403
    assert "missing X-OPENTOK-AUTH header" in str(refused)
    assert "--vonage" in str(refused)


def test_the_opentok_client_at_the_vonage_emulator_is_told_to_leave_out_vonage() -> None:
    refused = refusal_at_the_other_emulator(vonage_client=False)
    assert refused.status == 401
    assert "X-OPENTOK-AUTH" in str(refused)
    assert "without --vonage" in str(refused)


def test_the_hint_is_only_for_the_other_backends_header() -> None:
    form = b"p2p.preference=enabled"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with Emulator() as opentok:
        status, _, body = call(opentok, "POST", "/session/create", form, headers)
        assert (status, _message(body)) == (403, "missing X-OPENTOK-AUTH header")
        # A wrong OpenTok token is an OpenTok problem: no hint about the other backend.
        bad = {**headers, "X-OPENTOK-AUTH": "not-a-jwt", "Authorization": "Bearer x"}
        status, _, body = call(opentok, "POST", "/session/create", form, bad)
        assert status == 403
        assert "--vonage" not in _message(body)
    with Emulator(backend="vonage") as vonage:
        status, _, body = call(vonage, "POST", "/session/create", form, headers)
        assert status == 401
        assert "--vonage" not in _message(body)


@settings(max_examples=examples(40), deadline=None)
@given(token=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1))
def test_any_bearer_token_at_the_opentok_emulator_gets_the_hint_and_never_echoes(
    token: str,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with Emulator() as opentok:
        status, _, body = call(opentok, "POST", "/session/create", b"", headers)
    message = _message(body)
    assert status == 403
    assert "--vonage" in message
    if len(token) > 12:
        assert token not in message  # a credential is never repeated back


def test_a_real_opentok_token_is_still_accepted() -> None:
    with Emulator() as opentok:
        client = otr.OpenTok(opentok.api_key, opentok.api_secret, api_url=opentok.url)
        with client:
            assert client.create_session().session_id
    assert jwt  # the module the emulator verifies tokens with
