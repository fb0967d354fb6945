"""The service emulator, spoken to over raw HTTP so the library's client plays no part."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import pytest
from _support.emulator import (
    CREATE,
    DELETE,
    FORM,
    connect,
    create,
    exchange,
    make_token,
    vonage_token,
)
from _support.ids import stable_id

from opentok_rules.session_ids import session_id_fields
from opentok_rules.testing import EmulatedSession, Emulator


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
        "no ist": lambda: make_token(emulator, ist=DELETE),
        "expired": lambda: make_token(emulator, iat=now - 600, exp=now - 10),
        "no exp": lambda: make_token(emulator, exp=DELETE),
        "iat 5 minutes ahead": lambda: make_token(emulator, iat=now + 300, exp=now + 600),
        "no iat": lambda: make_token(emulator, iat=DELETE),
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


# --- Bursts and slow clients ---------------------------------------------------------------


def _create_in_thread(emulator: Emulator, start: threading.Barrier, results: list[object]) -> None:
    try:
        start.wait(timeout=10)
        status, _, _ = create(emulator)
        results.append(status)
    except Exception as error:  # recorded, so the test can show what went wrong
        results.append(error)


def test_a_burst_of_200_clients_is_answered() -> None:
    clients = 200
    with Emulator() as emulator:
        start = threading.Barrier(clients)
        results: list[object] = []
        threads = [
            threading.Thread(target=_create_in_thread, args=(emulator, start, results))
            for _ in range(clients)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        elapsed = time.monotonic() - began
    failures = [result for result in results if result != 200]
    assert failures == []
    assert len(results) == clients
    assert len(emulator.sessions) == clients
    assert elapsed < 30


def _idle_client(emulator: Emulator) -> socket.socket:
    """A client that connects and sends nothing."""
    parts = urlsplit(emulator.url)
    assert parts.hostname is not None
    assert parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _drip(emulator: Emulator, stop: threading.Event, cut: list[float]) -> None:
    """A client that sends a request one byte every 0.1 s, for ever; notes when it was cut."""
    request = b"POST /session/create HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: 1\r\n" * 1000
    with _idle_client(emulator) as client:
        for byte in request:
            if stop.wait(0.1):
                return
            try:
                client.sendall(bytes([byte]))
            except OSError:
                cut.append(time.monotonic())
                return


@contextmanager
def slow_clients(emulator: Emulator, idle: int, dripping: int) -> Iterator[list[socket.socket]]:
    stop = threading.Event()
    cut: list[float] = []
    sockets = [_idle_client(emulator) for _ in range(idle)]
    drippers = [
        threading.Thread(target=_drip, args=(emulator, stop, cut), daemon=True)
        for _ in range(dripping)
    ]
    for thread in drippers:
        thread.start()
    try:
        time.sleep(0.3)  # let them all take their threads
        yield sockets
    finally:
        stop.set()
        for thread in drippers:
            thread.join(timeout=5)
        for client in sockets:
            client.close()


def test_slow_clients_below_the_cap_do_not_delay_a_good_one() -> None:
    with Emulator() as emulator, slow_clients(emulator, idle=30, dripping=10):
        began = time.monotonic()
        status, _, _ = create(emulator)
        assert status == 200
        assert time.monotonic() - began < 1.0


def test_slow_clients_above_the_cap_hold_a_good_one_only_until_they_time_out() -> None:
    # Twice as many slow clients as threads: the good client waits in the backlog until the
    # slow ones are cut, never for ever.
    with (
        Emulator(max_threads=4, request_timeout=1.0) as emulator,
        slow_clients(emulator, idle=4, dripping=4) as idle,
    ):
        began = time.monotonic()
        status, _, _ = create(emulator)
        waited = time.monotonic() - began
        assert status == 200
        assert waited < 4.0
        for client in idle:
            client.settimeout(3)
            assert client.recv(1) == b""  # closed by the emulator, not left hanging


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout() -> None:
    with Emulator(request_timeout=0.5) as emulator, connect(emulator) as connection:
        headers = {"Content-Type": FORM, "X-OPENTOK-AUTH": make_token(emulator)}
        status, _, _ = exchange(connection, body=b"", headers=headers)
        assert status == 200
        sock = connection.sock
        assert sock is not None
        sock.settimeout(3)
        began = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - began < 2.0


@pytest.mark.parametrize(
    "limits",
    [
        {"max_threads": 0},
        {"max_threads": 1.5},
        {"max_threads": True},
        {"request_timeout": 0},
        {"request_timeout": -1.0},
        {"request_timeout": float("inf")},
        {"request_timeout": float("nan")},
    ],
    ids=stable_id,
)
def test_unusable_limits_are_refused(limits: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(limits))):
        Emulator(**limits)


# --- The Vonage Video API backend -----------------------------------------------------------


def _needs_cryptography() -> Any:
    return pytest.importorskip("cryptography", reason="the vonage backend needs cryptography")


def new_rsa_pem() -> str:
    """A fresh RSA private key that is not the emulator's."""
    _needs_cryptography()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public_pem(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def vonage_create(
    emulator: Emulator,
    authorization: str | None,
    params: Mapping[str, str] | None = None,
    *,
    header: str = "Authorization",
) -> tuple[int, bytes]:
    headers = {"Content-Type": FORM, "Accept": "application/json"}
    if authorization is not None:
        headers[header] = authorization
    body = urlencode(params or {"p2p.preference": "disabled"}).encode()
    with connect(emulator) as connection:
        status, _, answer = exchange(connection, body=body, headers=headers)
    return status, answer


@pytest.fixture(scope="module")
def vonage() -> Iterator[Emulator]:
    # One application for the module: making an RSA key costs some 100 ms.
    _needs_cryptography()
    with Emulator(backend="vonage") as emulator:
        yield emulator


def test_a_vonage_emulator_has_an_application(vonage: Emulator) -> None:
    assert vonage.backend == "vonage"
    assert uuid.UUID(vonage.application_id).version == 4
    assert vonage.private_key.startswith("-----BEGIN PRIVATE KEY-----\n")  # PKCS#8
    assert vonage.private_key not in repr(vonage)
    assert vonage.application_id in repr(vonage)
    with pytest.raises(AttributeError, match="application_id and private_key"):
        _ = vonage.api_key
    with pytest.raises(AttributeError, match="private_key"):
        _ = vonage.api_secret


def test_an_opentok_emulator_has_no_application() -> None:
    emulator = Emulator()
    assert emulator.backend == "opentok"
    with pytest.raises(AttributeError, match='backend="vonage"'):
        _ = emulator.application_id
    with pytest.raises(AttributeError, match="api_secret"):
        _ = emulator.private_key


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "vonage", "api_key": "12345678"}, "OpenTok credentials"),
        ({"backend": "vonage", "api_secret": "s" * 40}, "OpenTok credentials"),
        ({"backend": "tokbox"}, "'opentok' or 'vonage'"),
    ],
    ids=stable_id,
)
def test_unusable_backends_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Emulator(**kwargs)


def test_a_vonage_session_embeds_the_application_id(vonage: Emulator) -> None:
    params = {"p2p.preference": "disabled", "location": "12.34.56.78"}
    status, body = vonage_create(vonage, f"Bearer {vonage_token(vonage)}", params)
    assert status == 200
    [answer] = json.loads(body)
    assert answer["project_id"] == vonage.application_id
    fields = session_id_fields(answer["session_id"])
    assert fields is not None
    assert fields[:3] == ("1", vonage.application_id, "12.34.56.78")
    assert any(s.session_id == answer["session_id"] for s in vonage.sessions)


def test_a_vonage_token_is_checked_against_the_public_key_only(vonage: Emulator) -> None:
    # Decoding with the public half is what the service does; the test does the same.
    token = vonage_token(vonage)
    claims = jwt.decode(token, public_pem(vonage.private_key), algorithms=["RS256"])
    assert claims["application_id"] == vonage.application_id
    assert vonage_create(vonage, f"bearer {token}")[0] == 200  # the scheme is case-blind


def _bad_vonage_authorization(kind: str, emulator: Emulator) -> str | None:
    now = int(time.time())
    claims = {"application_id": emulator.application_id, "iat": now, "exp": now + 900}
    makers: dict[str, Callable[[], str | None]] = {
        "missing header": lambda: None,
        "empty bearer": lambda: "Bearer ",
        "basic scheme": lambda: "Basic dXNlcjpwYXNz",
        "token without scheme": lambda: vonage_token(emulator),
        "garbage": lambda: "Bearer not-a.jwt.at-all",
        "wrong key": lambda: "Bearer " + vonage_token(emulator, key=new_rsa_pem()),
        "expired": lambda: "Bearer " + vonage_token(emulator, iat=now - 1000, exp=now - 10),
        "iat 5 minutes ahead": lambda: (
            "Bearer " + vonage_token(emulator, iat=now + 300, exp=now + 900)
        ),
        "nbf ahead": lambda: "Bearer " + vonage_token(emulator, nbf=now + 300),
        "no iat": lambda: "Bearer " + vonage_token(emulator, iat=DELETE),
        "no exp": lambda: "Bearer " + vonage_token(emulator, exp=DELETE),
        "no jti": lambda: "Bearer " + vonage_token(emulator, jti=DELETE),
        "empty jti": lambda: "Bearer " + vonage_token(emulator, jti=""),
        "no application_id": lambda: "Bearer " + vonage_token(emulator, application_id=DELETE),
        "RS512": lambda: "Bearer " + vonage_token(emulator, algorithm="RS512"),
        "PS256": lambda: "Bearer " + vonage_token(emulator, algorithm="PS256"),
        "alg none": lambda: "Bearer " + jwt.encode({**claims, "jti": "x"}, "", algorithm="none"),
        "X-OPENTOK-AUTH instead": lambda: vonage_token(emulator),
    }
    return makers[kind]()


UNAUTHORIZED_KINDS = [
    "missing header",
    "empty bearer",
    "basic scheme",
    "token without scheme",
    "garbage",
    "wrong key",
    "expired",
    "iat 5 minutes ahead",
    "nbf ahead",
    "no iat",
    "no exp",
    "no jti",
    "empty jti",
    "no application_id",
    "RS512",
    "PS256",
    "alg none",
    "X-OPENTOK-AUTH instead",
]


@pytest.mark.parametrize("kind", UNAUTHORIZED_KINDS)
def test_bad_vonage_tokens_are_unauthorized(vonage: Emulator, kind: str) -> None:
    before = len(vonage.sessions)
    authorization = _bad_vonage_authorization(kind, vonage)
    header = "X-OPENTOK-AUTH" if kind == "X-OPENTOK-AUTH instead" else "Authorization"
    status, body = vonage_create(vonage, authorization, header=header)
    assert status == 401
    message = error_message(401, body)
    assert "token" in message.lower() or "authorization" in message.lower()
    token = (authorization or "").split(" ")[-1]
    if len(token) > 20:  # a real token, never echoed back
        assert token.encode() not in body
    assert len(vonage.sessions) == before


def test_the_public_key_as_an_hmac_secret_is_unauthorized(vonage: Emulator) -> None:
    now = int(time.time())
    claims = {"application_id": vonage.application_id, "iat": now, "exp": now + 900, "jti": "x"}
    # PyJWT refuses to sign with a PEM as an HMAC secret, so the token is assembled by hand.
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    secret = public_pem(vonage.private_key).encode()
    signature = _b64url(hmac.new(secret, signing_input, hashlib.sha256).digest())
    status, body = vonage_create(vonage, f"Bearer {header}.{payload}.{signature}")
    assert status == 401
    assert "RS256" in error_message(401, body)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def test_another_applications_token_is_forbidden(vonage: Emulator) -> None:
    token = vonage_token(vonage, application_id=str(uuid.uuid4()))
    status, body = vonage_create(vonage, f"Bearer {token}")
    assert status == 403
    assert "application_id" in error_message(403, body)


def test_the_vonage_form_checks_are_the_same(vonage: Emulator) -> None:
    authorization = f"Bearer {vonage_token(vonage)}"
    status, body = vonage_create(vonage, authorization, {"archiveMode": "always"})
    assert status == 400
    assert "p2p.preference" in error_message(400, body)
    status, body = vonage_create(vonage, authorization, {"location": "01.2.3.4"})
    assert status == 400


def test_vonage_records_redact_the_bearer_token(vonage: Emulator) -> None:
    token = vonage_token(vonage)
    vonage_create(vonage, f"Bearer {token}")
    request = vonage.requests[-1]
    assert request.headers["Authorization"] == "<redacted>"
    assert token not in repr(vonage.requests)
    assert token not in repr(request.headers)


def test_the_default_emulator_works_without_cryptography() -> None:
    code = (
        "import sys\n"
        "sys.modules['cryptography'] = None  # as if it were not installed\n"
        "from opentok_rules.testing import Emulator\n"
        "with Emulator() as emulator:\n"
        "    assert emulator.url.startswith('http://127.0.0.1:')\n"
        "try:\n"
        "    Emulator(backend='vonage')\n"
        "except ImportError as error:\n"
        "    assert 'pip install \"opentok-rules[vonage]\"' in str(error), error\n"
        "else:\n"
        "    raise AssertionError('the vonage backend started without cryptography')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
