"""Project tokens for the emulator, made by hand (PyJWT) so a test can bend any claim, and
session-create calls sent to it over raw HTTP, so the library's client plays no part."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt

from opentok_rules.testing import Emulator

DELETE = object()


def make_token(emulator: Emulator, *, secret: str | None = None, **claims: Any) -> str:
    """A project token for ``emulator``; a claim given as ``DELETE`` is left out."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": emulator.api_key,
        "ist": "project",
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not DELETE}
    return jwt.encode(payload, secret or emulator.api_secret, algorithm="HS256")


def vonage_token(
    emulator: Emulator, *, key: str | None = None, algorithm: str = "RS256", **claims: Any
) -> str:
    """An application JWT as the Vonage SDKs sign it; a claim given as ``DELETE`` is left out."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "application_id": emulator.application_id,
        "iat": now,
        "exp": now + 900,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not DELETE}
    return jwt.encode(payload, key or emulator.private_key, algorithm=algorithm)


#: The path of the service's session-create call.
CREATE = "/session/create"
#: A form body's content type, as the SDKs send session options.
FORM = "application/x-www-form-urlencoded"


@contextmanager
def connect(emulator: Emulator) -> Iterator[http.client.HTTPConnection]:
    """A raw HTTP connection to ``emulator``, closed when the block ends."""
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
    """One request on ``connection``: the answer's status, headers and body."""
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
    """A session-create call with ``params`` as a form, authorised by a fresh project token
    (or ``token``)."""
    headers = {
        "Content-Type": FORM,
        "Accept": accept,
        "X-OPENTOK-AUTH": make_token(emulator) if token is None else token,
    }
    with connect(emulator) as connection:
        return exchange(connection, body=urlencode(params or {}).encode(), headers=headers)


def vonage_sdk_client(vonage_sdk: Any, emulator: Emulator) -> Any:
    """The official Vonage SDK's client (``vonage`` 4.x, given as ``vonage_sdk``) for
    ``emulator``: only the host changes, the SDK itself still says https:// (set
    ``REQUESTS_CA_BUNDLE`` to the emulator's CA file)."""
    return vonage_sdk.Vonage(
        vonage_sdk.Auth(application_id=emulator.application_id, private_key=emulator.private_key),
        vonage_sdk.HttpClientOptions(video_host=urlsplit(emulator.url).netloc),
    )


def call(
    emulator: Emulator,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    parts = urlsplit(emulator.url)
    assert parts.hostname == "127.0.0.1"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def post_json(emulator: Emulator, path: str, data: object) -> tuple[int, Any]:
    body = json.dumps(data).encode()
    status, headers, answer = call(
        emulator, "POST", path, body, {"Content-Type": "application/json"}
    )
    assert headers["Content-Type"] == "application/json"
    return status, json.loads(answer)
