"""The real client against the emulator: the whole path with no service and no mocks."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest

import opentok_rules as otr
from opentok_rules.session_ids import session_id_fields
from opentok_rules.testing import Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


def test_create_and_tokens(emulator: Emulator) -> None:
    with otr.OpenTok(emulator.api_key, emulator.api_secret, emulator.url) as client:
        session = client.create_session(
            media_mode="routed", archive_mode="always", archive_resolution="1280x720"
        )
        token = session.generate_token(role="moderator", data="name=Ann")
        t1 = client.generate_token(session.session_id, token_type="T1")
    recorded = next(s for s in emulator.sessions if s.session_id == session.session_id)
    assert recorded.params == session.spec.to_params()
    fields = session_id_fields(session.session_id)
    assert fields is not None
    assert fields[1] == emulator.api_key
    claims = jwt.decode(token, emulator.api_secret, algorithms=["HS256"])
    assert (claims["role"], claims["session_id"]) == ("moderator", session.session_id)
    assert claims["connection_data"] == "name=Ann"
    assert t1.startswith("T1==")


def test_location_travels_into_the_id(emulator: Emulator) -> None:
    with otr.OpenTok(emulator.api_key, emulator.api_secret, emulator.url) as client:
        session = client.create_session(location="12.34.56.78")
    fields = session_id_fields(session.session_id)
    assert fields is not None
    assert fields[2] == "12.34.56.78"
    assert session.record.project_id == emulator.api_key


def test_wrong_secret_is_an_authentication_error(emulator: Emulator) -> None:
    wrong = "f" * 40
    with otr.OpenTok(emulator.api_key, wrong, emulator.url) as client:
        with pytest.raises(otr.AuthenticationError) as caught:
            client.create_session()
    assert caught.value.status == 403
    assert wrong not in str(caught.value)


def test_another_projects_key_is_refused(emulator: Emulator) -> None:
    with otr.OpenTok("99999999", emulator.api_secret, emulator.url) as client:
        with pytest.raises(otr.AuthenticationError, match="iss"):
            client.create_session()


def test_a_client_with_loosened_rules_still_sends_nothing_the_service_refuses(
    emulator: Emulator,
) -> None:
    # Removing the client-side rule does not let the options out: the spec is the last line of
    # defence, and refuses them as a session-spec violation before anything is sent.
    rules = otr.default_rules()
    rules.remove("archive-name-length")
    with otr.OpenTok(emulator.api_key, emulator.api_secret, emulator.url, rules=rules) as client:
        with pytest.raises(otr.ValidationError, match="archive_name is 81 characters") as caught:
            client.create_session(media_mode="routed", archive_mode="always", archive_name="n" * 81)
        session = client.create_session(media_mode="routed", archive_mode="always")
    assert [(v.rule, v.field) for v in caught.value.violations] == [
        ("session-spec", "archive_name")
    ]
    assert session.archive_mode is otr.ArchiveMode.ALWAYS


def test_xml_answers_are_read_too(emulator: Emulator) -> None:
    from opentok_rules.http import Request, Response, Urllib3Transport

    class AcceptXml:
        """A transport that asks for XML, as older endpoints and proxies answer."""

        def __init__(self) -> None:
            self.inner = Urllib3Transport()

        def handle_request(self, request: Request) -> Response:
            headers = {**request.headers, "Accept": "text/xml"}
            response = self.inner.handle_request(
                Request(request.method, request.url, headers, request.body)
            )
            assert response.headers["content-type"].startswith("text/xml")
            return response

        def close(self) -> None:
            self.inner.close()

    with otr.OpenTok(
        emulator.api_key, emulator.api_secret, emulator.url, transport=AcceptXml()
    ) as client:
        session = client.create_session(media_mode="routed")
    assert session.record.partner_id == emulator.api_key
    assert session.record.project_id is None


# --- The Vonage Video API backend, through the library's own client ---------------------------


@pytest.fixture(scope="module")
def vonage() -> Iterator[Emulator]:
    pytest.importorskip("cryptography", reason="the vonage backend needs cryptography")
    with Emulator(backend="vonage") as running:
        yield running


def test_vonage_sessions_and_tokens(vonage: Emulator) -> None:
    with otr.VonageVideo(vonage.application_id, vonage.private_key, api_url=vonage.url) as client:
        session = client.create_session(media_mode="routed", location="12.34.56.78")
    recorded = next(s for s in vonage.sessions if s.session_id == session.session_id)
    assert recorded.params == session.spec.to_params()
    assert session.record.project_id == vonage.application_id
    fields = session_id_fields(session.session_id)
    assert fields is not None
    assert fields[1:3] == (vonage.application_id, "12.34.56.78")


def test_another_applications_key_is_an_authentication_error(vonage: Emulator) -> None:
    with Emulator(backend="vonage") as other:
        key = other.private_key
    with otr.VonageVideo(vonage.application_id, key, api_url=vonage.url) as client:
        with pytest.raises(otr.AuthenticationError) as caught:
            client.create_session()
    assert caught.value.status == 401
    assert "signature" in str(caught.value)
    assert "PRIVATE KEY" not in str(caught.value)


def test_another_applications_id_is_forbidden(vonage: Emulator) -> None:
    with Emulator(backend="vonage") as other:
        other_id = other.application_id
    with otr.VonageVideo(other_id, vonage.private_key, api_url=vonage.url) as client:
        with pytest.raises(otr.AuthenticationError) as caught:
            client.create_session()
    assert caught.value.status == 403
