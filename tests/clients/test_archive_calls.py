"""The archive calls of every client (OpenTok, VonageVideo, blocking and asyncio) against a
scripted service on 127.0.0.1: the requests they send, the answers they read, hostile ones too."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import jwt
import pytest
from _support.archives import weekly_body
from _support.clients import Sync, client_params, rsa_pair
from _support.http import LocalServer, Reply
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.http.archive_answers import MAX_LISTED, read_archive, read_archive_list
from opentok_rules.http.transport import Response
from opentok_rules.session_ids import make_session_id

API_KEY = "123456"
API_SECRET = "0123456789abcdef0123456789abcdef01234567"
APPLICATION_ID = "3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
ARCHIVE_ID = "b40ef09b-3811-4726-b508-e41a0f96c68f"
CREATED_MS = 1_384_221_730_000


def archive_json(session_id: str, **changes: Any) -> dict[str, Any]:
    """An archive as the REST reference shows one."""
    data = {
        "id": ARCHIVE_ID,
        "sessionId": session_id,
        "status": "started",
        "createdAt": CREATED_MS,
        "name": "weekly",
        "duration": 0,
        "size": 0,
        "url": None,
        "outputMode": "composed",
        "streamMode": "auto",
        "resolution": "640x480",
        "hasAudio": True,
        "hasVideo": True,
        "reason": "",
        "partnerId": 123456,
        "event": "archive",
    }
    data.update(changes)
    return data


@attrs.frozen
class Kind:
    name: str
    owner: str
    asynchronous: bool
    auth_header: str

    def make(self, url: str, **kwargs: Any) -> Sync:
        if self.owner == API_KEY:
            cls: Any = otr.AsyncOpenTok if self.asynchronous else otr.OpenTok
            return Sync(lambda: cls(API_KEY, API_SECRET, url, **kwargs), self.asynchronous)
        pem = rsa_pair()[0]
        cls = otr.AsyncVonageVideo if self.asynchronous else otr.VonageVideo
        return Sync(lambda: cls(APPLICATION_ID, pem, api_url=url, **kwargs), self.asynchronous)

    def claims(self, header: str) -> dict[str, Any]:
        if self.owner == API_KEY:
            found: dict[str, Any] = jwt.decode(header, API_SECRET, algorithms=["HS256"])
            return found
        assert header.startswith("Bearer ")
        return jwt.decode(header[7:], rsa_pair()[1], algorithms=["RS256"])

    def secrets(self) -> list[str]:
        if self.owner == API_KEY:
            return [API_SECRET]
        return rsa_pair()[0].splitlines()[2:-2]


KINDS = client_params(
    lambda name, backend, asynchronous: Kind(
        name,
        APPLICATION_ID if backend == "vonage" else API_KEY,
        asynchronous,
        "authorization" if backend == "vonage" else "x-opentok-auth",
    )
)


class Script:
    """The scripted service: answers by (method, path without query); records what came."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.session_id = make_session_id(owner)
        self.answers: dict[tuple[str, str], tuple[int, bytes]] = {}

    def answer(self, method: str, path: str, status: int, body: Any = b"") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[(method, f"/v2/project/{self.owner}/archive{path}")] = (status, data)

    def __call__(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        if path == "/session/create":
            answer = [{"session_id": self.session_id, "project_id": self.owner}]
            return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()
        status, data = self.answers.get((method, path.partition("?")[0]), (418, b""))
        return status, {"Content-Type": "application/json"}, data


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> Kind:
    value: Kind = request.param
    return value


@pytest.fixture
def script(kind: Kind) -> Script:
    return Script(kind.owner)


@pytest.fixture
def server(script: Script) -> Iterator[LocalServer]:
    with LocalServer(script) as running:
        yield running


@pytest.fixture
def client(kind: Kind, server: LocalServer) -> Iterator[Sync]:
    made = kind.make(server.origin)
    try:
        yield made
    finally:
        made.close()


def test_start_archive_posts_the_checked_body_and_reads_the_archive(
    kind: Kind, script: Script, server: LocalServer, client: Sync
) -> None:
    script.answer("POST", "", 200, archive_json(script.session_id))
    archive = client.start_archive(
        script.session_id, name="weekly", resolution="1280x720", layout={"type": "pip"}
    )
    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == f"/v2/project/{kind.owner}/archive"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == weekly_body(script.session_id, layout={"type": "pip"})
    assert kind.claims(request.headers[kind.auth_header])  # a valid REST credential
    assert archive.id == ARCHIVE_ID
    assert archive.session_id == script.session_id
    assert archive.status == "started"
    assert archive.created_at == datetime.datetime(
        2013, 11, 12, 2, 2, 10, tzinfo=datetime.timezone.utc
    )
    assert archive.output_mode is otr.OutputMode.COMPOSED
    assert archive.stream_mode is otr.StreamMode.AUTO
    assert (archive.has_audio, archive.has_video, archive.resolution) == (True, True, "640x480")


def test_session_start_archive_records_that_session(
    kind: Kind, script: Script, server: LocalServer, client: Sync
) -> None:
    script.answer("POST", "", 200, archive_json(script.session_id))
    session = client.create_session(media_mode="routed")
    archive = client.wait(session.start_archive(name="weekly"))
    assert archive.session_id == session.session_id
    assert json.loads(server.requests[-1].body)["sessionId"] == session.session_id


def test_stop_get_delete_and_layout_use_the_rest_paths(
    kind: Kind, script: Script, server: LocalServer, client: Sync
) -> None:
    stopped = archive_json(script.session_id, status="stopped", reason="user initiated")
    available = archive_json(
        script.session_id, status="available", url="https://example.test/a.mp4?sig=SECRET"
    )
    script.answer("POST", f"/{ARCHIVE_ID}/stop", 200, stopped)
    script.answer("GET", f"/{ARCHIVE_ID}", 200, available)
    script.answer("DELETE", f"/{ARCHIVE_ID}", 204)
    script.answer("PUT", f"/{ARCHIVE_ID}/layout", 200)
    assert client.stop_archive(ARCHIVE_ID).reason == "user initiated"
    got = client.get_archive(ARCHIVE_ID)
    assert got.url == "https://example.test/a.mp4?sig=SECRET"
    assert "SECRET" not in repr(got)  # a download link is not shown
    assert client.delete_archive(ARCHIVE_ID) is None
    assert client.set_archive_layout(ARCHIVE_ID, "custom", stylesheet="a {}") is None
    base = f"/v2/project/{kind.owner}/archive/{ARCHIVE_ID}"
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", base + "/stop"),
        ("GET", base),
        ("DELETE", base),
        ("PUT", base + "/layout"),
    ]
    assert json.loads(server.requests[-1].body) == {"type": "custom", "stylesheet": "a {}"}
    assert "content-type" not in server.requests[1].headers  # no body, no content type


def test_list_archives_pages_and_filters_by_session(
    kind: Kind, script: Script, server: LocalServer, client: Sync
) -> None:
    items = [archive_json(script.session_id, id=f"a{n}") for n in range(3)]
    script.answer("GET", "", 200, {"count": 7, "items": items})
    page = client.list_archives(script.session_id, offset=2, count=3)
    assert [each.id for each in page] == ["a0", "a1", "a2"]
    assert page.total == 7
    assert len(page) == 3
    assert page[1].id == "a1"
    assert [a.id for a in page[1:]] == ["a1", "a2"]
    assert server.requests[0].path == (
        f"/v2/project/{kind.owner}/archive?offset=2&count=3&sessionId={script.session_id}"
    )
    client.list_archives()
    assert server.requests[1].path == f"/v2/project/{kind.owner}/archive?offset=0"


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (404, otr.NotFoundError, "no such archive or session (Archive not found)"),
        (409, otr.ConflictError, "(Archive is not in started state)"),
        (400, otr.RequestError, "the service found the options invalid"),
        (403, otr.AuthenticationError, "refused the credentials"),
        (500, otr.RequestError, "the service failed"),
    ],
)
def test_refusals_are_the_librarys_errors_with_the_services_message(
    kind: Kind,
    script: Script,
    client: Sync,
    status: int,
    error: type[Exception],
    words: str,
) -> None:
    message = {404: "Archive not found", 409: "Archive is not in started state"}.get(status, "x")
    script.answer("POST", f"/{ARCHIVE_ID}/stop", status, {"message": message})
    with pytest.raises(error) as caught:
        client.stop_archive(ARCHIVE_ID)
    assert words in str(caught.value)
    assert caught.value.status == status  # type: ignore[attr-defined]


def test_nothing_is_sent_for_refused_options_or_ids(
    kind: Kind, script: Script, server: LocalServer, client: Sync
) -> None:
    with pytest.raises(otr.ValidationError) as caught:
        client.start_archive(script.session_id, has_audio=False, has_video=False)
    assert [v.rule for v in caught.value.violations] == ["archive-audio-or-video"]
    for bad in ("../x", "a/b", "", "a b", "x" * 300, 5, None, "a?b=c"):
        with pytest.raises(otr.ValidationError):
            client.get_archive(bad)
    for offset, count in ((-1, None), (0, 0), (0, MAX_LISTED + 1), (True, None), (0, "5")):
        with pytest.raises(otr.ValidationError):
            client.list_archives(offset=offset, count=count)
    with pytest.raises(otr.ValidationError):
        client.list_archives(session_id="bad\nid")
    with pytest.raises(otr.ValidationError) as caught:
        client.set_archive_layout(ARCHIVE_ID, "custom")
    assert [v.rule for v in caught.value.violations] == ["archive-custom-layout-stylesheet"]
    assert server.requests == []


def test_the_clients_archive_rules_decide(kind: Kind, script: Script, server: LocalServer) -> None:
    policy = otr.load_policy(
        {"archive": [{"id": "acme-names", "kind": "required", "keys": ["name"]}]}
    )
    made = kind.make(server.origin, archive_rules=policy.archive_rules)
    try:
        with pytest.raises(otr.ValidationError) as caught:
            made.start_archive(script.session_id)
        assert [v.rule for v in caught.value.violations] == ["acme-names"]
    finally:
        made.close()
    assert server.requests == []


def _deep(levels: int) -> bytes:
    return b'{"id": ' + b"[" * levels + b"]" * levels + b"}"


HOSTILE: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("html", b"<html><body>proxy error</body></html>"),
    ("not json", b"{nope"),
    ("an array", b"[1, 2]"),
    ("nested too deeply", _deep(100_000)),
    ("no id", json.dumps({"sessionId": "1_x", "status": "started", "createdAt": 1}).encode()),
    ("id with a newline", json.dumps(archive_json("1_x", id="a\r\nSet-Cookie: x")).encode()),
    ("id too long", json.dumps(archive_json("1_x", id="a" * 256)).encode()),
    ("no status", json.dumps(archive_json("1_x", status=None)).encode()),
    ("createdAt a string", json.dumps(archive_json("1_x", createdAt="yesterday")).encode()),
    ("createdAt huge", json.dumps(archive_json("1_x", createdAt=10**30)).encode()),
    ("createdAt 50 digits", json.dumps(archive_json("1_x", createdAt=10**49)).encode()),
    ("size negative", json.dumps(archive_json("1_x", size=-1)).encode()),
    ("NaN", b'{"id": NaN}'),
    ("trailing data", json.dumps(archive_json("1_x")).encode() + b" {}"),
    ("not utf-8", b'{"id": "\xff"}'),
]


@pytest.mark.parametrize("body", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_archive_answers_end_in_request_error(
    kind: Kind, script: Script, client: Sync, body: bytes
) -> None:
    script.answer("GET", f"/{ARCHIVE_ID}", 200, body)
    with pytest.raises(otr.RequestError) as caught:
        client.get_archive(ARCHIVE_ID)
    assert type(caught.value) is otr.RequestError
    assert "\n" not in str(caught.value)
    assert "Set-Cookie" not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        {"count": 1},
        {"count": 1, "items": {"a": 1}},
        {"count": 1, "items": [1]},
        {"count": 10**50, "items": []},
        {"count": MAX_LISTED + 1, "items": [archive_json("1_x")] * (MAX_LISTED + 1)},
    ],
    ids=["no items", "items not a list", "an item not an object", "huge count", "too many"],
)
def test_hostile_list_answers_end_in_request_error(
    kind: Kind, script: Script, client: Sync, body: dict[str, Any]
) -> None:
    script.answer("GET", "", 200, body)
    with pytest.raises(otr.RequestError):
        client.list_archives()


def test_an_echoed_credential_is_never_shown(
    kind: Kind, script: Script, server: LocalServer, client: Sync
) -> None:
    # A broken service echoes the request's auth header (a live JWT) in its 404 message.
    def echo(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        said = {"message": f"unknown archive; you sent {headers[kind.auth_header]}"}
        return 404, {"Content-Type": "application/json"}, json.dumps(said).encode()

    with LocalServer(echo) as echoing:
        made = kind.make(echoing.origin)
        try:
            with pytest.raises(otr.NotFoundError) as caught:
                made.get_archive(ARCHIVE_ID)
        finally:
            made.close()
        sent = echoing.requests[0].headers[kind.auth_header].removeprefix("Bearer ")
    text = str(caught.value)
    assert "<redacted token>" in text
    assert sent not in text
    assert not any(secret in text for secret in kind.secrets())


def test_unknown_modes_are_kept_as_text_and_odd_optional_fields_dropped() -> None:
    data = archive_json(
        "1_x", outputMode="mosaic", streamMode=None, name=7, duration="long", hasAudio="yes"
    )
    archive = read_archive(Response(200, {}, json.dumps(data).encode()), "get_archive")
    assert archive.output_mode == "mosaic"
    assert (archive.stream_mode, archive.name, archive.duration, archive.has_audio) == (
        None,
        None,
        None,
        None,
    )


def test_an_archive_list_is_a_sequence_with_a_total() -> None:
    items = [archive_json("1_x", id=f"a{n}") for n in range(2)]
    page = read_archive_list(Response(200, {}, json.dumps({"count": 2, "items": items}).encode()))
    same = read_archive_list(Response(200, {}, json.dumps({"count": 2, "items": items}).encode()))
    assert page == same
    assert list(reversed(page)) == [page[1], page[0]]
    assert page.index(page[1]) == 1
    assert repr(page).endswith("total=2)")
    no_count = read_archive_list(Response(200, {}, json.dumps({"items": items}).encode()))
    assert no_count.total == 2


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        name: JSON | st.just(value)
        for name, value in archive_json("1_x").items()
        if name not in ("partnerId", "event")
    },
)


@settings(max_examples=examples(300), deadline=None)
@given(data=FIELDS, status=st.sampled_from([200, 201, 400, 404, 409, 500]))
def test_any_json_answer_ends_in_an_archive_or_a_request_error(
    data: dict[str, Any], status: int
) -> None:
    response = Response(status, {}, json.dumps(data).encode())
    try:
        archive = read_archive(response, "get_archive")
    except otr.RequestError as exc:
        failed = exc
        assert failed.status == status
        return
    except otr.AuthenticationError:  # pragma: no cover - no 401/403 here
        raise
    assert 200 <= status < 300
    assert archive.id
    assert archive.id.isprintable()
    assert archive.created_at.tzinfo is not None
