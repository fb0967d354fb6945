"""The service emulator, spoken to over raw HTTP so the library's client plays no part."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import pytest

from opentok_rules.session_ids import session_id_fields
from opentok_rules.testing import EmulatedSession, Emulator

CREATE = "/session/create"
FORM = "application/x-www-form-urlencoded"
_DELETE = object()


def make_token(emulator: Emulator, *, secret: str | None = None, **claims: Any) -> str:
    """A project token for ``emulator``; a claim given as ``_DELETE`` is left out."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": emulator.api_key,
        "ist": "project",
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not _DELETE}
    return jwt.encode(payload, secret or emulator.api_secret, algorithm="HS256")


@contextmanager
def connect(emulator: Emulator) -> Iterator[http.client.HTTPConnection]:
    parts = urlsplit(emulator.url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        yield connection
    finally:
        connection.close()


def exchange(
    connection: http.client.HTTPConnection,
    *,
    method: str = "POST",
    path: str = CREATE,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection.request(method, path, body=body, headers=dict(headers or {}))
    response = connection.getresponse()
    return response.status, response.headers, response.read()


def create(
    emulator: Emulator,
    params: Mapping[str, str] | None = None,
    *,
    accept: str = "application/json",
    token: str | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    headers = {
        "Content-Type": FORM,
        "Accept": accept,
        "X-OPENTOK-AUTH": make_token(emulator) if token is None else token,
    }
    with connect(emulator) as connection:
        return exchange(connection, body=urlencode(params or {}).encode(), headers=headers)


def error_message(status: int, body: bytes) -> str:
    answer = json.loads(body)
    assert answer["code"] == status
    assert isinstance(answer["message"], str)
    return answer["message"]


CREATE_DT = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} GMT \d{4}$")


def test_create_answers_json_like_the_service(opentok_emulator: Emulator) -> None:
    params = {"p2p.preference": "disabled", "location": "12.34.56.78"}
    status, headers, body = create(opentok_emulator, params)

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    [answer] = json.loads(body)
    assert set(answer) == {
        "session_id",
        "project_id",
        "partner_id",
        "create_dt",
        "media_server_url",
    }
    assert answer["project_id"] == answer["partner_id"] == opentok_emulator.api_key
    assert answer["media_server_url"] == ""
    assert CREATE_DT.match(answer["create_dt"])
    fields = session_id_fields(answer["session_id"])
    assert fields is not None
    assert fields[1:3] == (opentok_emulator.api_key, "12.34.56.78")


def test_create_answers_xml_without_a_json_accept(opentok_emulator: Emulator) -> None:
    status, headers, body = create(opentok_emulator, {}, accept="*/*")

    assert status == 200
    assert headers["Content-Type"] == "text/xml"
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sessions>')
    session = ET.fromstring(body).find("Session")
    assert session is not None
    assert session.findtext("partner_id") == opentok_emulator.api_key
    assert CREATE_DT.match(session.findtext("create_dt") or "")
    fields = session_id_fields(session.findtext("session_id") or "")
    assert fields is not None
    assert fields[1:3] == (opentok_emulator.api_key, "")


def test_ids_are_unique_and_one_connection_is_reused(opentok_emulator: Emulator) -> None:
    ids = []
    with connect(opentok_emulator) as connection:
        for _ in range(50):
            headers = {"X-OPENTOK-AUTH": make_token(opentok_emulator), "Accept": "application/json"}
            status, _, body = exchange(connection, headers=headers)
            assert status == 200
            ids.append(json.loads(body)[0]["session_id"])

    assert len(set(ids)) == 50
    assert [session.session_id for session in opentok_emulator.sessions] == ids
    assert len({request.client_port for request in opentok_emulator.requests}) == 1


def test_sessions_record_the_params(opentok_emulator: Emulator) -> None:
    params = {
        "p2p.preference": "disabled",
        "archiveMode": "always",
        "archiveName": "foo",
        "archiveResolution": "720x1280",
        "location": "10.0.0.255",
        "somethingNew": "ignored",
    }
    before = time.time()
    status, _, body = create(opentok_emulator, params)

    assert status == 200
    [session] = opentok_emulator.sessions
    assert isinstance(session, EmulatedSession)
    assert session.params == params
    assert session.session_id == json.loads(body)[0]["session_id"]
    assert before <= session.created_at <= time.time()


def test_given_credentials_are_used() -> None:
    secret = secrets.token_hex(20)
    with Emulator("123456", secret) as emulator:
        assert (emulator.api_key, emulator.api_secret) == ("123456", secret)
        assert create(emulator)[0] == 200


@pytest.mark.parametrize(("api_key", "api_secret"), [("", None), ("12~34", None), (None, "short")])
def test_unusable_credentials_are_refused(api_key: str | None, api_secret: str | None) -> None:
    with pytest.raises(ValueError, match="api_"):
        Emulator(api_key, api_secret)


def test_generated_credentials_look_real() -> None:
    emulator = Emulator()
    assert re.fullmatch(r"[1-9]\d{7}", emulator.api_key)
    assert re.fullmatch(r"[0-9a-f]{40}", emulator.api_secret)


def _bad_token(kind: str, emulator: Emulator) -> str | None:
    now = int(time.time())
    tokens: dict[str, Callable[[], str | None]] = {
        "wrong secret": lambda: make_token(emulator, secret=secrets.token_hex(20)),
        "wrong iss": lambda: make_token(emulator, iss="99999999"),
        "wrong ist": lambda: make_token(emulator, ist="account"),
        "no ist": lambda: make_token(emulator, ist=_DELETE),
        "expired": lambda: make_token(emulator, iat=now - 600, exp=now - 10),
        "no exp": lambda: make_token(emulator, exp=_DELETE),
        "iat 5 minutes ahead": lambda: make_token(emulator, iat=now + 300, exp=now + 600),
        "no iat": lambda: make_token(emulator, iat=_DELETE),
        "HS512": lambda: jwt.encode(
            {"iss": emulator.api_key, "ist": "project", "iat": now, "exp": now + 300},
            emulator.api_secret + emulator.api_secret,
            algorithm="HS512",
        ),
        "garbage": lambda: "not-a.jwt.at-all",
        "missing header": lambda: None,
    }
    return tokens[kind]()


@pytest.mark.parametrize(
    "kind",
    [
        "wrong secret",
        "wrong iss",
        "wrong ist",
        "no ist",
        "expired",
        "no exp",
        "iat 5 minutes ahead",
        "no iat",
        "HS512",
        "garbage",
        "missing header",
    ],
)
def test_bad_tokens_are_forbidden(opentok_emulator: Emulator, kind: str) -> None:
    token = _bad_token(kind, opentok_emulator)
    headers = {"Content-Type": FORM}
    if token is not None:
        headers["X-OPENTOK-AUTH"] = token
    with connect(opentok_emulator) as connection:
        status, _, body = exchange(connection, body=b"p2p.preference=enabled", headers=headers)

    assert status == 403
    assert error_message(403, body)
    if token:
        assert token.encode() not in body
    assert opentok_emulator.sessions == []


def test_a_slightly_fast_client_clock_is_tolerated(opentok_emulator: Emulator) -> None:
    now = int(time.time())
    assert create(opentok_emulator, token=make_token(opentok_emulator, iat=now + 30))[0] == 200


ROUTED = {"p2p.preference": "disabled"}
ALWAYS = {"p2p.preference": "disabled", "archiveMode": "always"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"p2p.preference": "maybe"}, ["p2p.preference"]),
        ({"archiveMode": "sometimes"}, ["archiveMode"]),
        ({"archiveMode": "always", "p2p.preference": "enabled"}, ["archiveMode", "p2p.preference"]),
        ({"archiveMode": "always"}, ["archiveMode", "p2p.preference"]),
        ({"e2ee": "yes"}, ["e2ee"]),
        ({"e2ee": "true", "p2p.preference": "enabled"}, ["e2ee", "p2p.preference"]),
        ({"e2ee": "true", **ALWAYS}, ["e2ee", "archiveMode"]),
        ({"location": "1.2.3"}, ["location"]),
        ({"location": "01.2.3.4"}, ["location"]),
        ({"location": "256.1.1.1"}, ["location"]),
        ({"location": "\u0661.2.3.4"}, ["location"]),
        ({"location": ""}, ["location"]),
        ({"archiveName": "x" * 81, **ALWAYS}, ["archiveName", "80"]),
        ({"archiveResolution": "1x1", **ALWAYS}, ["archiveResolution"]),
        ({"archiveName": "foo", **ROUTED}, ["archiveName", "always"]),
        ({"archiveResolution": "640x480", **ROUTED}, ["archiveResolution", "always"]),
    ],
)
def test_bad_params_are_refused(
    opentok_emulator: Emulator, params: dict[str, str], named: list[str]
) -> None:
    status, headers, body = create(opentok_emulator, params)

    assert status == 400
    assert headers["Content-Type"] == "application/json"
    message = error_message(400, body)
    for name in named:
        assert name in message
    assert opentok_emulator.sessions == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"location": "0.0.0.0"},
        {"location": "255.255.255.255"},
        {"e2ee": "true", **ROUTED},
        {"e2ee": "false", "archiveMode": "manual"},
        {"archiveName": "x" * 80, "archiveResolution": "1080x1920", **ALWAYS},
    ],
)
def test_good_params_are_accepted(opentok_emulator: Emulator, params: dict[str, str]) -> None:
    assert create(opentok_emulator, params)[0] == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"p2p.preference", FORM, 400),
        (b"p2p.preference=enabled&p2p.preference=disabled", FORM, 400),
        (b"location=%FF", FORM, 400),
        (b'{"p2p.preference": "enabled"}', "application/json", 415),
    ],
)
def test_malformed_forms_are_refused(
    opentok_emulator: Emulator, body: bytes, content_type: str, status: int
) -> None:
    headers = {"Content-Type": content_type, "X-OPENTOK-AUTH": make_token(opentok_emulator)}
    with connect(opentok_emulator) as connection:
        answer = exchange(connection, body=body, headers=headers)

    assert answer[0] == status
    assert error_message(status, answer[2])


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_paths_are_not_found(opentok_emulator: Emulator, method: str) -> None:
    with connect(opentok_emulator) as connection:
        status, _, body = exchange(connection, method=method, path="/session/nope")

    assert status == 404
    assert "/session/nope" in error_message(404, body)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_not_allowed(opentok_emulator: Emulator, method: str) -> None:
    with connect(opentok_emulator) as connection:
        status, headers, body = exchange(connection, method=method)
        assert (status, headers["Allow"]) == (405, "POST")
        assert method in error_message(405, body)
        # The connection stays usable after an error answer.
        assert exchange(connection, method="HEAD")[0] == 405


def test_an_oversized_body_is_refused_unread(opentok_emulator: Emulator) -> None:
    with connect(opentok_emulator) as connection:
        connection.putrequest("POST", CREATE)
        connection.putheader("Content-Length", str(1024 * 1024 + 1))
        connection.endheaders()
        response = connection.getresponse()

        assert response.status == 413
        assert response.headers["Connection"] == "close"
        assert error_message(413, response.read())


def test_repr_and_records_keep_the_secret(opentok_emulator: Emulator) -> None:
    token = make_token(opentok_emulator)
    create(opentok_emulator, token=token)

    assert opentok_emulator.api_secret not in repr(opentok_emulator)
    assert opentok_emulator.url in repr(opentok_emulator)
    [request] = opentok_emulator.requests
    assert request.headers["X-OPENTOK-AUTH"] == "<redacted>"
    assert token not in repr(request)
    assert request.status == 200


def test_start_and_stop_are_idempotent_and_stop_closes_the_port() -> None:
    emulator = Emulator()
    emulator.stop()
    with pytest.raises(RuntimeError):
        _ = emulator.url
    assert emulator.start() is emulator.start()
    url = emulator.url
    with connect(emulator) as connection:
        assert exchange(connection, headers={"X-OPENTOK-AUTH": make_token(emulator)})[0] == 200
        emulator.stop()
        emulator.stop()

        assert not emulator.running
        with pytest.raises(ConnectionError):  # the kept-alive connection was cut
            exchange(connection, headers={"X-OPENTOK-AUTH": make_token(emulator)})
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()


def test_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, opentok_rules.testing.pytest_plugin\n"
        "assert 'opentok_rules.testing._emulator' not in sys.modules\n"
        "assert 'http.server' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
