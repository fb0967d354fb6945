"""The ``opentok_emulator`` pytest fixture, which the installed package registers for everyone.

These tests ask for the fixture by name without importing it: it comes from the ``pytest11``
entry point, exactly as it does in another project that installs the library.
"""

from __future__ import annotations

import textwrap

import jwt
import pytest

import opentok_rules as otr
from opentok_rules.client import OpenTok
from opentok_rules.session_ids import session_id_fields
from opentok_rules.testing import Emulator

pytest_plugins = ["pytester"]

#: The other plugins installed here, left out of the other project's run: they are not what is
#: tested (ours still comes from its entry point) and loading them is most of the run's CPU.
OTHERS_OFF = ("-p", "no:xdist", "-p", "no:hypothesispytest", "-p", "no:anyio")


def test_the_fixture_is_a_running_emulator(opentok_emulator: Emulator) -> None:
    assert isinstance(opentok_emulator, Emulator)
    assert opentok_emulator.running
    assert opentok_emulator.url.startswith("http://127.0.0.1:")
    assert opentok_emulator.sessions == []
    assert opentok_emulator.requests == []


def test_create_a_session_and_a_token_against_the_fixture(opentok_emulator: Emulator) -> None:
    with OpenTok(
        opentok_emulator.api_key, opentok_emulator.api_secret, opentok_emulator.url
    ) as client:
        session = client.create_session(media_mode="routed", location="12.34.56.78")
        token = session.generate_token(role="subscriber", data="user=42")

    [emulated] = opentok_emulator.sessions
    assert emulated.session_id == session.session_id
    assert emulated.params == {
        "p2p.preference": "disabled",
        "archiveMode": "manual",
        "location": "12.34.56.78",
        "e2ee": "false",
    }
    fields = session_id_fields(session.session_id)
    assert fields is not None
    assert fields[1] == opentok_emulator.api_key
    [request] = opentok_emulator.requests
    assert (request.method, request.path, request.status) == ("POST", "/session/create", 200)
    assert request.headers["X-OPENTOK-AUTH"] == "<redacted>"

    claims = jwt.decode(
        token,
        opentok_emulator.api_secret,
        algorithms=["HS256"],
        issuer=opentok_emulator.api_key,
    )
    assert claims["session_id"] == session.session_id
    assert claims["role"] == "subscriber"
    assert claims["connection_data"] == "user=42"


def test_the_entry_point_serves_another_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The point is the entry point: nothing in the other project names the plugin.
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytester.makepyfile(
        test_app=textwrap.dedent(
            """
            from opentok_rules import OpenTok

            seen = []


            def test_app_creates_a_routed_session(opentok_emulator):
                seen.append(opentok_emulator)
                client = OpenTok(
                    opentok_emulator.api_key,
                    opentok_emulator.api_secret,
                    opentok_emulator.url,
                )
                session = client.create_session(media_mode="routed")
                client.close()
                [created] = opentok_emulator.sessions
                assert created.session_id == session.session_id
                assert created.params["p2p.preference"] == "disabled"


            def test_each_test_gets_its_own_emulator(opentok_emulator):
                [previous] = seen
                assert not previous.running
                assert opentok_emulator.running
                assert opentok_emulator.api_key != previous.api_key
                assert opentok_emulator.sessions == []
            """
        )
    )

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *OTHERS_OFF, "-W", "error")

    result.assert_outcomes(passed=2)


def test_the_vonage_fixture_serves_the_vonage_client(vonage_emulator: Emulator) -> None:
    assert vonage_emulator.running
    assert vonage_emulator.backend == "vonage"
    with otr.VonageVideo(
        vonage_emulator.application_id, vonage_emulator.private_key, api_url=vonage_emulator.url
    ) as client:
        session = client.create_session(media_mode="routed", archive_mode="always")
        token = session.generate_token(role="publisher")

    [emulated] = vonage_emulator.sessions
    assert emulated.session_id == session.session_id
    assert emulated.params["archiveMode"] == "always"
    fields = session_id_fields(session.session_id)
    assert fields is not None
    assert fields[1] == vonage_emulator.application_id
    [request] = vonage_emulator.requests
    assert request.headers["Authorization"] == "<redacted>"
    assert "X-OPENTOK-AUTH" not in request.headers
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["application_id"] == vonage_emulator.application_id
    assert claims["session_id"] == session.session_id


def test_the_vonage_fixture_skips_with_a_reason_without_cryptography(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytester.makeconftest(
        """
        import sys

        sys.modules["cryptography"] = None  # as if it were not installed
        """
    )
    pytester.makepyfile(
        test_app="""
        def test_uses_vonage(vonage_emulator):
            raise AssertionError("must be skipped")


        def test_opentok_still_works(opentok_emulator):
            assert opentok_emulator.running
        """
    )

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *OTHERS_OFF, "-rs")

    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*opentok-rules[[]vonage[]]*"])
