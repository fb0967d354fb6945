"""OpenTok.create_session against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jwt
import pytest
from _support.http import LocalServer, ReceivedRequest, Reply, free_port
from _support.paths import RECORDED_CREATE_SESSION

import opentok_rules as otr
from opentok_rules.http.transport import Request, Response
from opentok_rules.http.urllib3_transport import Urllib3Transport
from opentok_rules.session_ids import make_session_id

API_KEY = "123456"
API_SECRET = "0123456789abcdef0123456789abcdef01234567"
RECORDED = json.loads(RECORDED_CREATE_SESSION.read_text())
SESSION_ID = "1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"
JSON_ANSWER = [
    {
        "session_id": SESSION_ID,
        "project_id": API_KEY,
        "partner_id": API_KEY,
        "create_dt": "Mon Mar 17 00:41:31 PDT 2014",
        "media_server_url": "",
        "session_status": None,
        "properties": {"ignored": True},
    }
]


def answer(status: int, body: bytes | str, content_type: str = "application/json") -> Any:
    data = body.encode() if isinstance(body, str) else body

    def handler(method: str, path: str, headers: Mapping[str, str], body_: bytes) -> Reply:
        return status, {"Content-Type": content_type}, data

    return handler


def client_for(server: LocalServer, **kwargs: Any) -> otr.OpenTok:
    return otr.OpenTok(API_KEY, API_SECRET, api_url=server.origin, **kwargs)


def sent_form(request: ReceivedRequest) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request.body.decode(), strict_parsing=True))


@pytest.fixture
def json_server() -> Iterator[LocalServer]:
    with LocalServer(answer(200, json.dumps(JSON_ANSWER))) as server:
        yield server


@pytest.mark.parametrize("exchange", RECORDED, ids=[e["name"] for e in RECORDED])
def test_recorded_exchanges(exchange: dict[str, Any]) -> None:
    recorded = exchange["response"]
    handler = answer(recorded["status"], recorded["body"], recorded["content_type"])
    with LocalServer(handler) as server, client_for(server) as client:
        before = int(time.time())
        session = client.create_session(exchange["options"])
        (request,) = server.requests

    expected = {"archiveMode": "manual", "e2ee": "false"}
    expected.update(urllib.parse.parse_qsl(exchange["request"]["form_body"]))
    assert request.method == "POST"
    assert request.path == "/session/create"
    assert sent_form(request) == expected
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith(f"opentok-rules/{otr.__version__} ")

    claims = jwt.decode(request.headers["x-opentok-auth"], API_SECRET, algorithms=["HS256"])
    assert claims["iss"] == API_KEY
    assert claims["ist"] == "project"
    assert before - 1 <= claims["iat"] <= time.time() + 1
    assert claims["iat"] < claims["exp"] <= claims["iat"] + 300
    assert len(claims["jti"]) >= 16

    recorded_id = recorded["body"].split("<session_id>")[1].split("</session_id>")[0]
    assert session.session_id == recorded_id == str(session)
    assert session.record.partner_id == "123456"
    options = exchange["options"]
    assert session.media_mode == ("routed" if options.get("media_mode") == "routed" else "relayed")
    assert session.archive_mode == options.get("archive_mode", "manual")
    assert session.location == options.get("location")
    assert session.archive_name == options.get("archive_name")
    assert session.archive_resolution == options.get("archive_resolution")
    assert session.e2ee is options.get("e2ee", False)


def test_json_answer_is_structured_into_the_record(json_server: LocalServer) -> None:
    with client_for(json_server) as client:
        session = client.create_session(media_mode="routed", location="12.34.56.78")
    assert session.record == otr.SessionRecord(
        session_id=SESSION_ID,
        project_id=API_KEY,
        partner_id=API_KEY,
        create_dt="Mon Mar 17 00:41:31 PDT 2014",
        media_server_url="",
    )
    assert session.spec == otr.SessionSpec(media_mode="routed", location="12.34.56.78")


def test_numeric_project_id_in_json_becomes_text() -> None:
    body = json.dumps([{"session_id": SESSION_ID, "project_id": 123456}])
    with LocalServer(answer(200, body)) as server, client_for(server) as client:
        assert client.create_session().record.project_id == "123456"


def test_options_by_mapping_keywords_and_spec(json_server: LocalServer) -> None:
    with client_for(json_server) as client:
        client.create_session({"media_mode": "relayed"}, media_mode="routed")
        client.create_session(otr.SessionSpec(media_mode="routed", archive_mode="always"))
    forms = [sent_form(r) for r in json_server.requests]
    assert forms[0]["p2p.preference"] == "disabled"
    assert forms[1]["archiveMode"] == "always"


def test_invalid_options_never_reach_the_network(json_server: LocalServer) -> None:
    with client_for(json_server) as client:
        with pytest.raises(otr.ValidationError) as caught:
            client.create_session(archive_mode="always", e2ee=True)
        with pytest.raises(otr.ValidationError):
            client.create_session(otr.SessionSpec(archive_mode="always"))
    assert [v.rule for v in caught.value.violations] == [
        "always-archive-requires-routed",
        "relayed-forbids-e2ee",
        "always-archive-forbids-e2ee",
    ]
    assert json_server.requests == []


def test_the_clients_own_rules_are_used(json_server: LocalServer) -> None:
    with client_for(json_server, rules=otr.strict_rules()) as client:
        with pytest.raises(otr.ValidationError, match="did you mean 'media_mode'"):
            client.create_session({"medai_mode": "routed"})
    assert json_server.requests == []


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials(status: int) -> None:
    body = json.dumps({"code": status, "message": "Invalid token"})
    with LocalServer(answer(status, body)) as server, client_for(server) as client:
        with pytest.raises(otr.AuthenticationError, match="Invalid token") as caught:
            client.create_session()
    assert caught.value.status == status
    assert isinstance(caught.value, otr.OpenTokError)


@pytest.mark.parametrize("status", [400, 404, 409, 500, 502])
def test_error_statuses(status: int) -> None:
    with LocalServer(answer(status, '{"message": "nope"}')) as server, client_for(server) as c:
        with pytest.raises(otr.RequestError, match=f"HTTP {status}") as caught:
            c.create_session()
    assert caught.value.status == status


BAD_ANSWERS = {
    "empty": (b"", "application/json", "empty answer"),
    "malformed-json": (b'[{"session_id": ', "application/json", "malformed"),
    "html": (b"<!DOCTYPE html><html><body>Login</body></html>", "text/html", "HTML page"),
    "no-id-json": (b'[{"project_id": "1"}]', "application/json", "no session_id"),
    "empty-list": (b"[]", "application/json", "no session_id"),
    "no-id-xml": (
        b"<sessions><Session><partner_id>1</partner_id></Session></sessions>",
        "text/xml",
        "no session_id",
    ),
    "broken-xml": (b"<sessions><Session><session_id>x</sess", "text/xml", "refused"),
    "too-long-id": (
        json.dumps([{"session_id": "1_" + "A" * 300}]).encode(),
        "application/json",
        "invalid session id",
    ),
    "plain-text": (b"OK", "text/plain", "could not be read"),
}


@pytest.mark.parametrize(("body", "kind", "message"), BAD_ANSWERS.values(), ids=BAD_ANSWERS)
def test_bad_answers(body: bytes, kind: str, message: str) -> None:
    with LocalServer(answer(200, body, kind)) as server, client_for(server) as client:
        with pytest.raises(otr.RequestError, match=message) as caught:
            client.create_session()
    assert caught.value.status == 200


def test_oversized_answer_is_refused_without_reading_it() -> None:
    chunk = b"[" + b" " * 65536

    def endless(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return 200, {"Content-Type": "application/json"}, (chunk for _ in range(64))

    with LocalServer(endless) as server, client_for(server) as client:
        with pytest.raises(otr.RequestError, match="larger than"):
            client.create_session()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<sessions><Session><session_id>&lol9;</session_id></Session></sessions>"""


def test_billion_laughs_is_refused_quickly() -> None:
    with LocalServer(answer(200, BILLION_LAUGHS, "text/xml")) as server, client_for(server) as c:
        started = time.perf_counter()
        with pytest.raises(otr.RequestError, match="DTD") as caught:
            c.create_session()
    assert time.perf_counter() - started < 1.0
    assert "lollol" not in str(caught.value)


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-CONTENT")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file://{secret_file}">]>'
        "<sessions><Session><session_id>&x;</session_id></Session></sessions>"
    ).encode()
    with LocalServer(answer(200, body, "text/xml")) as server, client_for(server) as client:
        with pytest.raises(otr.RequestError) as caught:
            client.create_session()
    assert "TOP-SECRET-CONTENT" not in str(caught.value)
    assert caught.value.__cause__ is not None


def test_a_stalled_server_times_out_promptly() -> None:
    release = threading.Event()

    def stall(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        release.wait(5)
        return 200, {}, b"[]"

    with LocalServer(stall) as server:
        try:
            with client_for(server, timeout=0.3) as client:
                started = time.perf_counter()
                with pytest.raises(otr.RequestError, match=r"[Tt]imed out") as caught:
                    client.create_session()
                elapsed = time.perf_counter() - started
        finally:
            release.set()
    assert elapsed < 2.0
    assert caught.value.status is None
    assert caught.value.__cause__ is not None
    assert len(server.requests) == 1  # a read timeout is never retried


def test_nothing_listening() -> None:
    port = free_port()
    transport = Urllib3Transport(connect_timeout=1.0, sleep=lambda _: None)
    client = otr.OpenTok(
        API_KEY, API_SECRET, api_url=f"http://127.0.0.1:{port}", transport=transport
    )
    with pytest.raises(otr.RequestError, match="connect") as caught:
        client.create_session()
    assert caught.value.status is None
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize("status", [429, 503])
def test_busy_answers_are_retried_after_the_wait(status: int) -> None:
    waits: list[float] = []
    replies = iter([(status, {"Retry-After": "2"}, b"")])

    def busy_then_ok(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        return next(
            replies, (200, {"Content-Type": "application/json"}, json.dumps(JSON_ANSWER).encode())
        )

    with LocalServer(busy_then_ok) as server:
        transport = Urllib3Transport(sleep=waits.append)
        with client_for(server, transport=transport) as client:
            assert client.create_session().session_id == SESSION_ID
    assert waits == [2.0]
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body


def test_busy_to_the_end_is_an_error() -> None:
    with LocalServer(answer(503, b"", "text/plain")) as server:
        transport = Urllib3Transport(retries=1, sleep=lambda _: None)
        with client_for(server, transport=transport) as client:
            with pytest.raises(otr.RequestError, match="unavailable") as caught:
                client.create_session()
    assert caught.value.status == 503
    assert len(server.requests) == 2


def test_redirect_to_another_origin_never_carries_the_auth_header() -> None:
    with LocalServer(answer(200, json.dumps(JSON_ANSWER))) as other:

        def redirect(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
            return 307, {"Location": other.url("/session/create")}, b""

        with LocalServer(redirect) as server, client_for(server) as client:
            with pytest.raises(otr.RequestError) as caught:
                client.create_session()
    assert caught.value.status == 307
    assert other.requests == []


def test_secret_and_signature_never_shown(
    json_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_for(json_server)
    session = client.create_session(media_mode="routed")
    token = json_server.requests[0].headers["x-opentok-auth"]
    signature = token.rsplit(".", 1)[1]
    texts = [repr(client), repr(session), str(session), repr(client._backend.auth)]
    texts += [record.getMessage() for record in caplog.records]
    with LocalServer(answer(403, '{"message": "bad"}')) as refusing:
        with pytest.raises(otr.AuthenticationError) as caught:
            client_for(refusing).create_session()
    texts += [str(caught.value), repr(caught.value)]
    assert any("opentok_rules" in record.name for record in caplog.records)
    for text in texts:
        assert API_SECRET not in text
        assert signature not in text
        assert token not in text


def test_project_token_is_reused_briefly_then_renewed(json_server: LocalServer) -> None:
    now = [1_800_000_000.0]
    with client_for(json_server, clock=lambda: now[0]) as client:
        client.create_session()
        now[0] += 4.0
        client.create_session()
        now[0] += 2.0
        client.create_session()
    tokens = [r.headers["x-opentok-auth"] for r in json_server.requests]
    assert tokens[0] == tokens[1] != tokens[2]
    claims = jwt.decode(
        tokens[2],
        API_SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iat"] == 1_800_000_006


def test_user_agent_suffix(json_server: LocalServer) -> None:
    with client_for(json_server, user_agent_suffix="acme-app/2.1") as client:
        client.create_session()
    assert json_server.requests[0].headers["user-agent"].endswith(" acme-app/2.1")


def test_threads_share_one_client() -> None:
    def unique(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        item = [{"session_id": make_session_id(API_KEY)}]
        return 200, {"Content-Type": "application/json"}, json.dumps(item).encode()

    ids: list[str] = []
    errors: list[BaseException] = []

    def work(client: otr.OpenTok) -> None:
        try:
            for _ in range(50):
                ids.append(client.create_session(media_mode="routed").session_id)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    with LocalServer(unique) as server, client_for(server) as client:
        threads = [threading.Thread(target=work, args=(client,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(ids) == 400
    assert len(set(ids)) == 400


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", API_SECRET), "api_key must be a non-empty"),
        ((API_KEY, "  "), "api_secret must be a non-empty"),
        ((API_KEY, "abc\r\nX-Evil: 1"), "control characters"),
        ((API_KEY + "\n", API_SECRET), "control characters"),
        ((API_KEY, API_SECRET, "ftp://example.com"), "http"),
        ((API_KEY, API_SECRET, "api.opentok.com"), "http"),
        ((API_KEY, API_SECRET, "https://user:pw@api.opentok.com"), "credentials"),
    ],
)
def test_credentials_are_checked_up_front(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        otr.OpenTok(*args)
    assert "abc\r\n" not in str(caught.value)


def test_repr_and_numeric_key() -> None:
    client = otr.OpenTok(123456, API_SECRET, api_url="http://127.0.0.1:1/")
    assert repr(client) == "OpenTok(api_key='123456', api_url='http://127.0.0.1:1')"
    with pytest.raises(ValueError, match="timeout"):
        otr.OpenTok(API_KEY, API_SECRET, timeout=1.0, transport=Urllib3Transport())


class Canned:
    """A transport that records each request and answers the canned session."""

    def __init__(self) -> None:
        self.seen: list[Request] = []

    def handle_request(self, request: Request) -> Response:
        self.seen.append(request)
        return Response(200, {}, json.dumps(JSON_ANSWER).encode())

    def close(self) -> None:
        pass


def test_a_swapped_transport_gets_the_request() -> None:
    canned = Canned()
    seen = canned.seen
    client = otr.OpenTok(API_KEY, API_SECRET, transport=canned)
    assert client.create_session().session_id == SESSION_ID
    assert seen[0].url == "https://api.opentok.com/session/create"
    assert "<redacted>" in repr(seen[0])


def test_the_same_request_is_reused_while_its_auth_header_is_and_cannot_be_changed() -> None:
    canned = Canned()
    seen = canned.seen
    now = [1_800_000_000.0]
    client = otr.OpenTok(API_KEY, API_SECRET, transport=canned, clock=lambda: now[0])
    client.create_session(media_mode="routed")
    client.create_session(media_mode="routed")
    client.create_session(media_mode="relayed")
    now[0] += 6.0  # past the auth token's reuse
    client.create_session(media_mode="relayed")
    assert seen[0] is seen[1]  # same options, same token: the very same request
    assert seen[2] is not seen[1]
    assert seen[2].body != seen[1].body
    assert seen[3] is not seen[2]
    assert seen[3].body == seen[2].body
    assert seen[3].headers["X-OPENTOK-AUTH"] != seen[2].headers["X-OPENTOK-AUTH"]
    with pytest.raises(TypeError):
        seen[0].headers["X-Extra"] = "shared requests are read-only"  # type: ignore[index]
