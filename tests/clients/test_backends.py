"""One behavioural suite for every client: OpenTok and Vonage, blocking and asyncio.

Each test runs against a real HTTP server on 127.0.0.1 through each of the four clients. The
async clients are driven through ``_support.clients.Sync``, which runs their coroutines on one
private event loop, so the very same test body holds every client to the very same promises.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import jwt
import pytest
from _support.clients import Sync, has, rsa_pair
from _support.http import LocalServer, Reply, free_port
from _support.paths import RECORDED_CREATE_SESSION

import opentok_rules as otr
from opentok_rules.session_ids import make_session_id, session_id_fields

API_KEY = "123456"
API_SECRET = "0123456789abcdef0123456789abcdef01234567"
APPLICATION_ID = "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
RECORDED = json.loads(RECORDED_CREATE_SESSION.read_text())


# OpenTok, VonageVideo, or Sync around an async client: each has create_session,
# generate_token and close. Typed loosely on purpose: the tests pass wrong options too.
Client = Any


@attrs.frozen
class Kind:
    """One client under test: how to make it and how to check what it signs."""

    name: str
    make: Callable[..., Client] = attrs.field(repr=False)
    owner: str
    auth_header: str
    decode: Callable[[str], dict[str, Any]] = attrs.field(repr=False)
    secret_texts: Callable[[], list[str]] = attrs.field(repr=False)


def _opentok_kind(asynchronous: bool) -> Kind:
    def make(url: str, **kwargs: Any) -> Client:
        if asynchronous:
            return Sync(
                lambda: otr.AsyncOpenTok(API_KEY, API_SECRET, url, **kwargs), asynchronous=True
            )
        return otr.OpenTok(API_KEY, API_SECRET, url, **kwargs)

    def decode(header: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(header, API_SECRET, algorithms=["HS256"])
        return claims

    return Kind(
        "AsyncOpenTok" if asynchronous else "OpenTok",
        make,
        API_KEY,
        "x-opentok-auth",
        decode,
        lambda: [API_SECRET],
    )


def _vonage_kind(asynchronous: bool) -> Kind:
    def make(url: str, **kwargs: Any) -> Client:
        pem = rsa_pair()[0]
        if asynchronous:
            return Sync(
                lambda: otr.AsyncVonageVideo(APPLICATION_ID, pem, api_url=url, **kwargs),
                asynchronous=True,
            )
        return otr.VonageVideo(APPLICATION_ID, pem, api_url=url, **kwargs)

    def decode(header: str) -> dict[str, Any]:
        assert header.startswith("Bearer ")
        claims: dict[str, Any] = jwt.decode(header[7:], rsa_pair()[1], algorithms=["RS256"])
        return claims

    def secret_texts() -> list[str]:
        lines = rsa_pair()[0].splitlines()
        return lines[2:-2]  # the key material, not the BEGIN/END armour

    return Kind(
        "AsyncVonageVideo" if asynchronous else "VonageVideo",
        make,
        APPLICATION_ID,
        "authorization",
        decode,
        secret_texts,
    )


def _kinds() -> list[Any]:
    need_vonage = pytest.mark.skipif(
        not has("cryptography"), reason='needs cryptography: pip install ".[vonage]"'
    )
    need_async = pytest.mark.skipif(
        not has("aiohttp"),
        reason='needs the async HTTP library: pip install ".[async]"',
    )
    return [
        pytest.param(_opentok_kind(False), id="OpenTok"),
        pytest.param(_vonage_kind(False), id="VonageVideo", marks=need_vonage),
        pytest.param(_opentok_kind(True), id="AsyncOpenTok", marks=need_async),
        pytest.param(_vonage_kind(True), id="AsyncVonageVideo", marks=[need_vonage, need_async]),
    ]


@pytest.fixture(params=_kinds())
def kind(request: pytest.FixtureRequest) -> Kind:
    value: Kind = request.param
    return value


def json_answer(owner: str) -> Callable[[str, str, Mapping[str, str], bytes], Reply]:
    def handler(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        answer = [{"session_id": make_session_id(owner), "project_id": owner}]
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    return handler


def fixed(status: int, body: bytes) -> Callable[[str, str, Mapping[str, str], bytes], Reply]:
    def handler(method: str, path: str, headers: Mapping[str, str], body_: bytes) -> Reply:
        return status, {"Content-Type": "application/json"}, body

    return handler


@pytest.fixture
def server(kind: Kind) -> Iterator[LocalServer]:
    with LocalServer(json_answer(kind.owner)) as running:
        yield running


def form(body: bytes) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(body.decode(), strict_parsing=True))


@pytest.mark.parametrize("exchange", RECORDED, ids=[e["name"] for e in RECORDED])
def test_the_recorded_option_sets_send_the_recorded_form(
    kind: Kind, server: LocalServer, exchange: dict[str, Any]
) -> None:
    client = kind.make(server.origin)
    try:
        session = client.create_session(exchange["options"])
    finally:
        client.close()
    (request,) = server.requests
    expected = {"archiveMode": "manual", "e2ee": "false"}
    expected.update(urllib.parse.parse_qsl(exchange["request"]["form_body"]))
    assert (request.method, request.path) == ("POST", "/session/create")
    assert form(request.body) == expected
    assert request.headers["accept"] == "application/json"
    assert request.headers["accept-encoding"] == "identity"
    assert request.headers["user-agent"].startswith(f"opentok-rules/{otr.__version__} ")
    assert session_id_fields(session.session_id)[1] == kind.owner  # type: ignore[index]


def test_the_rest_auth_header_carries_the_backends_claims(kind: Kind, server: LocalServer) -> None:
    before = int(time.time())
    client = kind.make(server.origin)
    try:
        client.create_session(media_mode="routed")
    finally:
        client.close()
    claims = kind.decode(server.requests[0].headers[kind.auth_header])
    assert before - 1 <= claims["iat"] <= time.time() + 1
    assert len(claims["jti"]) >= 16
    if kind.owner == API_KEY:
        assert (claims["iss"], claims["ist"]) == (API_KEY, "project")
        assert claims["exp"] == claims["iat"] + 300
    else:
        assert claims["application_id"] == APPLICATION_ID
        assert claims["exp"] == claims["iat"] + 900
        assert "x-opentok-auth" not in server.requests[0].headers


def test_invalid_options_never_reach_the_network(kind: Kind, server: LocalServer) -> None:
    client = kind.make(server.origin)
    try:
        with pytest.raises(otr.ValidationError) as caught:
            client.create_session(archive_mode="always", e2ee=True)
    finally:
        client.close()
    assert [v.rule for v in caught.value.violations] == [
        "always-archive-requires-routed",
        "relayed-forbids-e2ee",
        "always-archive-forbids-e2ee",
    ]
    assert server.requests == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, otr.AuthenticationError), (403, otr.AuthenticationError), (500, otr.RequestError)],
)
def test_error_statuses_raise_the_same_errors(
    kind: Kind, status: int, error: type[otr.OpenTokError]
) -> None:
    with LocalServer(fixed(status, b'{"message": "no"}')) as refusing:
        client = kind.make(refusing.origin)
        try:
            with pytest.raises(error) as caught:
                client.create_session()
        finally:
            client.close()
    assert getattr(caught.value, "status", None) == status


def test_the_deadline_bounds_a_stalled_call(kind: Kind) -> None:
    release = threading.Event()

    def stall(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        release.wait(10)
        return 200, {}, b"[]"

    with LocalServer(stall) as stalled:
        client = kind.make(stalled.origin, timeout=(2.0, 5.0), deadline=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(otr.RequestError) as caught:
                client.create_session()
        finally:
            release.set()
            client.close()
    assert time.monotonic() - started < 2.0
    assert caught.value.status is None


def test_tokens_name_the_backends_owner(kind: Kind, server: LocalServer) -> None:
    client = kind.make(server.origin)
    try:
        session = client.create_session(media_mode="routed")
        token = client.generate_token(session.session_id, role="moderator", data="name=Ann")
        with pytest.raises(otr.ValidationError) as caught:
            client.generate_token(make_session_id("someone-else"))
    finally:
        client.close()
    assert [v.field for v in caught.value.violations] == ["session_id"]
    if kind.owner == API_KEY:
        claims = jwt.decode(token, API_SECRET, algorithms=["HS256"])
        assert claims["iss"] == API_KEY
    else:
        claims = jwt.decode(token, rsa_pair()[1], algorithms=["RS256"])
        assert claims["application_id"] == APPLICATION_ID
    assert claims["session_id"] == session.session_id
    assert (claims["role"], claims["connection_data"]) == ("moderator", "name=Ann")


def _every_error(kind: Kind) -> Iterator[tuple[str, BaseException]]:
    """One error of each kind a client raises: validation, network, auth, answer, timeout."""

    def caught(call: Callable[[], object]) -> BaseException:
        try:
            call()
        except otr.OpenTokError as exc:
            return exc
        raise AssertionError("no error was raised")

    with LocalServer(json_answer(kind.owner)) as ok:
        client = kind.make(ok.origin)
        try:
            yield "options", caught(lambda: client.create_session(e2ee="yes"))
            yield "token", caught(lambda: client.generate_token("nope", role="king"))
        finally:
            client.close()
    client = kind.make(f"http://127.0.0.1:{free_port()}")
    try:
        yield "refused", caught(lambda: client.create_session())
    finally:
        client.close()
    for name, status, body in [("403", 403, b"{}"), ("garbage", 200, b"[[[")]:
        with LocalServer(fixed(status, body)) as server:
            client = kind.make(server.origin)
            try:
                yield name, caught(client.create_session)
            finally:
                client.close()
    release = threading.Event()

    def stall(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        release.wait(10)
        return 200, {}, b"[]"

    with LocalServer(stall) as server:
        client = kind.make(server.origin, deadline=0.3)
        try:
            yield "timeout", caught(lambda: client.create_session())
        finally:
            release.set()
            client.close()


def test_no_secret_in_any_error_even_with_captured_locals(kind: Kind) -> None:
    seen = []
    for name, error in _every_error(kind):
        seen.append(name)
        text = "".join(
            traceback.TracebackException.from_exception(error, capture_locals=True).format()
        )
        text += repr(error) + str(error)
        for secret in kind.secret_texts():
            assert secret not in text, f"the {name} error shows the secret"
        assert "eyJ" not in text, f"the {name} error shows a JWT"
    assert seen == ["options", "token", "refused", "403", "garbage", "timeout"]


def test_reprs_show_no_credential(kind: Kind, server: LocalServer) -> None:
    client = kind.make(server.origin)
    try:
        session = client.create_session()
        texts = [repr(client), str(client), repr(session)]
        if isinstance(client, Sync):
            texts += [repr(client.client), repr(vars(client.client))]
        else:
            texts.append(repr(vars(client)))
    finally:
        client.close()
    for text in texts:
        for secret in kind.secret_texts():
            assert secret not in text
