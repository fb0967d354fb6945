"""The emulator records archives: the service's endpoints and state machine, over real HTTP.

``POST /v2/project/{project}/archive`` starts an archive ("started"), ``.../{id}/stop`` stops it
(the answer says "stopped", the record is "available" at once), ``GET``/``DELETE .../{id}``
read and delete it, ``PUT .../{id}/layout`` changes a composed archive's layout and ``GET
.../archive`` pages through them, newest first. Start options are refused with 400 by the
library's own archive rules (``prepare_archive``), word for word.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import jwt
import pytest
import urllib3
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

import opentok_rules as otr
from opentok_rules.operations.archive.prepare import prepare_layout
from opentok_rules.session_ids import make_session_id
from opentok_rules.testing import Emulator
from opentok_rules.testing._archives import MAX_LIST_COUNT, ArchiveRefusal, ArchiveStore

RESOLUTIONS = ("640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920")
LAYOUT_TYPES = ("bestFit", "custom", "horizontalPresentation", "pip", "verticalPresentation")


class Api:
    """The archive endpoints of one emulator, spoken to with urllib3 and real credentials."""

    def __init__(self, emulator: Emulator, pool: urllib3.PoolManager) -> None:
        self.emulator = emulator
        self.pool = pool
        self.project = emulator.application_id if emulator.backend == "vonage" else emulator.api_key

    @property
    def base(self) -> str:
        return f"{self.emulator.url}/v2/project/{self.project}/archive"

    def auth(self) -> dict[str, str]:
        now = int(time.time())
        if self.emulator.backend == "vonage":
            claims = {"application_id": self.project, "iat": now, "exp": now + 300}
            claims["jti"] = str(uuid.uuid4())
            token = jwt.encode(claims, self.emulator.private_key, algorithm="RS256")
            return {"Authorization": "Bearer " + token}
        claims = {"iss": self.project, "ist": "project", "iat": now, "exp": now + 300}
        return {"X-OPENTOK-AUTH": jwt.encode(claims, self.emulator.api_secret, algorithm="HS256")}

    def call(
        self,
        method: str,
        path: str = "",
        body: object = None,
        *,
        raw: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = {**self.auth(), "Content-Type": "application/json", **(headers or {})}
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        answer = self.pool.request(method, self.base + path, body=data, headers=sent)
        if answer.status == 204:
            assert answer.data == b""
            return 204, None
        return answer.status, json.loads(answer.data)

    def session(self, *, routed: bool = True) -> str:
        form = "p2p.preference=" + ("disabled" if routed else "enabled")
        answer = self.pool.request(
            "POST",
            self.emulator.url + "/session/create",
            body=form,
            headers={
                **self.auth(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        assert answer.status == 200, answer.data
        session_id: str = json.loads(answer.data)[0]["session_id"]
        return session_id

    def start(self, session_id: str, **options: Any) -> tuple[int, Any]:
        return self.call("POST", "", {"sessionId": session_id, **options})

    def started(self, session_id: str, **options: Any) -> dict[str, Any]:
        status, answer = self.start(session_id, **options)
        assert status == 200, answer
        return dict(answer)

    def list(self, **query: object) -> tuple[int, Any]:
        text = "&".join(f"{name}={value}" for name, value in query.items())
        return self.call("GET", "?" + text if text else "")


@pytest.fixture(scope="module")
def pool() -> Iterator[urllib3.PoolManager]:
    with urllib3.PoolManager(retries=False, timeout=10) as manager:
        yield manager


@pytest.fixture(scope="module")
def opentok_emulator() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def vonage_emulator() -> Iterator[Emulator]:
    pytest.importorskip("cryptography", reason="the vonage backend needs cryptography")
    with Emulator(backend="vonage") as emulator:
        yield emulator


@pytest.fixture(params=["opentok", "vonage"])
def api(request: pytest.FixtureRequest, pool: urllib3.PoolManager) -> Api:
    emulator = request.getfixturevalue(f"{request.param}_emulator")
    return Api(emulator, pool)


@pytest.fixture
def opentok_api(opentok_emulator: Emulator, pool: urllib3.PoolManager) -> Api:
    return Api(opentok_emulator, pool)


def library_messages(session_id: str, options: Mapping[str, Any]) -> list[str]:
    """The messages of the deny violations ``prepare_archive`` finds ([] if it accepts)."""
    try:
        otr.prepare_archive(session_id, dict(options))
    except otr.ValidationError as error:
        return [v.message for v in error.violations if str(v.severity) != "warn"]
    return []


def layout_messages(layout: Mapping[str, Any]) -> list[str]:
    """The messages of what ``set_archive_layout``'s check (``prepare_layout``) refuses."""
    try:
        prepare_layout(layout.get("type"), layout.get("stylesheet"), layout.get("screenshareType"))
    except otr.ValidationError as error:
        return [v.message for v in error.violations if str(v.severity) != "warn"]
    return []


# --- The whole life of an archive -------------------------------------------------------------


def test_an_archive_is_started_stopped_read_listed_and_deleted(api: Api) -> None:
    session_id = api.session()
    before = time.time()
    started = api.started(session_id, name="weekly")
    assert started["status"] == "started"
    assert started["sessionId"] == session_id
    assert started["name"] == "weekly"
    assert isinstance(started["createdAt"], int)
    assert before * 1000 - 1000 <= started["createdAt"] <= time.time() * 1000
    assert (started["outputMode"], started["streamMode"]) == ("composed", "auto")
    assert (started["hasAudio"], started["hasVideo"]) == (True, True)
    assert started["resolution"] == "640x480"  # the service's default for a composed archive
    assert (started["url"], started["size"], started["duration"]) == (None, 0, 0)
    uuid.UUID(started["id"])
    if api.emulator.backend == "vonage":
        assert started["applicationId"] == api.project
        assert "partnerId" not in started
    else:
        assert started["projectId"] == started["partnerId"] == api.project
    archive_id = started["id"]
    [held] = [a for a in api.emulator.archives if a.id == archive_id]
    assert (held.status, held.session_id, held.name) == ("started", session_id, "weekly")

    status, stopped = api.call("POST", f"/{archive_id}/stop")
    assert status == 200
    assert stopped["status"] == "stopped"
    assert stopped["reason"] == "user initiated"
    assert stopped["url"] is None

    status, available = api.call("GET", f"/{archive_id}")
    assert status == 200
    assert available["status"] == "available"
    assert available["url"].startswith("https://archives.emulator.invalid/")
    assert available["url"].endswith(f"/{archive_id}/archive.mp4")
    assert available["size"] > 0
    assert available["createdAt"] == started["createdAt"]

    status, listed = api.list(sessionId=session_id)
    assert status == 200
    assert listed == {"count": 1, "items": [available]}

    assert api.call("DELETE", f"/{archive_id}") == (204, None)
    assert api.call("GET", f"/{archive_id}")[0] == 404
    assert api.call("DELETE", f"/{archive_id}")[0] == 404
    assert api.list(sessionId=session_id)[1] == {"count": 0, "items": []}
    assert archive_id not in {a.id for a in api.emulator.archives}


def test_emulator_archives_is_a_snapshot_newest_first() -> None:
    with Emulator() as emulator, urllib3.PoolManager(retries=False) as pool:
        api = Api(emulator, pool)
        first = api.started(api.session())["id"]
        second = api.started(api.session())["id"]
        snapshot = emulator.archives
        assert [a.id for a in snapshot] == [second, first]
        snapshot.clear()
        assert len(emulator.archives) == 2
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            emulator.archives[0].status = "available"  # type: ignore[misc]
        api.call("POST", f"/{first}/stop")
        assert snapshot == []
        assert [a.status for a in emulator.archives] == ["started", "available"]
    assert Emulator().archives == []


# --- What the service refuses: the state machine --------------------------------------------


def test_a_session_records_one_archive_at_a_time_per_tag(api: Api) -> None:
    session_id = api.session()
    first = api.started(session_id)
    status, refused = api.start(session_id)
    assert status == 409
    assert "already being recorded" in refused["message"]
    assert first["id"] in refused["message"]
    tagged = api.started(session_id, multiArchiveTag="second")
    status, refused = api.start(session_id, multiArchiveTag="second")
    assert status == 409
    assert "'second'" in refused["message"]
    assert tagged["id"] in refused["message"]
    api.started(api.session())  # another session is another matter
    api.started(session_id, multiArchiveTag="third")
    assert api.call("POST", f"/{first['id']}/stop")[0] == 200
    api.started(session_id)  # the untagged one has stopped


def test_a_relayed_session_cannot_be_archived(api: Api) -> None:
    status, refused = api.start(api.session(routed=False))
    assert status == 409
    assert "relayed" in refused["message"]


def test_an_unknown_session_is_404_and_a_malformed_id_400(api: Api) -> None:
    made_up = make_session_id(api.project)
    status, refused = api.start(made_up)
    assert status == 404
    assert made_up[:40] in refused["message"]
    status, refused = api.start("not-a-session-id")
    assert status == 400
    assert refused["message"] == "; ".join(library_messages("not-a-session-id", {}))
    for body in ({}, {"sessionId": ""}, {"sessionId": 12}, {"sessionId": None}):
        status, refused = api.call("POST", "", body)
        assert status == 400
        assert refused["message"] == "sessionId is required: the id of the session to record"


def test_stop_delete_and_layout_follow_the_state(api: Api) -> None:
    session_id = api.session()
    archive_id = api.started(session_id)["id"]
    status, refused = api.call("DELETE", f"/{archive_id}")
    assert status == 409
    assert "'started'" in refused["message"]
    assert "stop it first" in refused["message"]
    layout = {"type": "custom", "stylesheet": "stream { width: 50%; }"}
    status, changed = api.call("PUT", f"/{archive_id}/layout", layout)
    assert status == 200
    assert changed["id"] == archive_id
    [held] = [a for a in api.emulator.archives if a.id == archive_id]
    assert held.layout == layout
    assert api.call("POST", f"/{archive_id}/stop")[0] == 200
    status, refused = api.call("POST", f"/{archive_id}/stop")
    assert status == 409
    assert "'available'" in refused["message"]
    status, refused = api.call("PUT", f"/{archive_id}/layout", {"type": "pip"})
    assert status == 409
    assert "being recorded" in refused["message"]
    assert api.call("DELETE", f"/{archive_id}")[0] == 204
    for method, path in [("POST", "/stop"), ("PUT", "/layout"), ("GET", ""), ("DELETE", "")]:
        status, refused = api.call(method, f"/{archive_id}{path}", {"type": "pip"})
        assert status == 404
        assert archive_id in refused["message"]


def test_layout_changes_are_checked_by_the_library_rules(api: Api) -> None:
    session_id = api.session()
    archive_id = api.started(session_id)["id"]
    for layout in (
        {"type": "custom"},
        {"type": "pip", "stylesheet": "stream {}"},
        {"type": "pip", "screenshareType": "bestFit"},
        {"type": "diagonal"},
        {"type": 5},
        {"stylesheet": "stream {}"},
        {},
    ):
        status, refused = api.call("PUT", f"/{archive_id}/layout", layout)
        assert status == 400, layout
        expected = layout_messages(layout)
        assert expected
        assert refused["message"] == "; ".join(expected)
    status, refused = api.call("PUT", f"/{archive_id}/layout", {"type": "pip", "size": "big"})
    assert (status, refused["message"]) == (
        400,
        "a layout takes type, stylesheet and screenshareType; 'size' is none",
    )
    status, _ = api.call(
        "PUT", f"/{archive_id}/layout", {"type": "bestFit", "screenshareType": "pip"}
    )
    assert status == 200
    [held] = [a for a in api.emulator.archives if a.id == archive_id]
    assert held.layout == {"type": "bestFit", "screenshareType": "pip"}
    individual = api.started(api.session(), outputMode="individual")
    status, refused = api.call("PUT", f"/{individual['id']}/layout", {"type": "pip"})
    assert status == 400
    assert "individual" in refused["message"]
    assert individual["resolution"] is None


# --- What the service refuses: the start options, by the library's rules ---------------------


@pytest.mark.parametrize(
    "options",
    [
        {"hasAudio": False, "hasVideo": False},
        {"outputMode": "individual", "resolution": "1280x720"},
        {"outputMode": "individual", "layout": {"type": "pip"}},
        {"outputMode": "sideways"},
        {"layout": {"type": "custom"}},
        {"maxBitrate": 99_999},
        {"quantizationParameter": 41},
        {"resolution": "1x1", "maxBitrate": 7_000_000},
        {"name": 5},
    ],
)
def test_bad_start_options_are_refused_with_the_library_messages(
    opentok_api: Api, options: dict[str, Any]
) -> None:
    session_id = opentok_api.session()
    snake = {
        "hasAudio": "has_audio",
        "hasVideo": "has_video",
        "outputMode": "output_mode",
        "maxBitrate": "max_bitrate",
        "quantizationParameter": "quantization_parameter",
    }
    expected = library_messages(session_id, {snake.get(k, k): v for k, v in options.items()})
    assert expected, "the library takes these options: the case is wrong"
    status, refused = opentok_api.start(session_id, **options)
    assert status == 400
    assert refused == {"code": 400, "message": "; ".join(expected)}
    assert not [a for a in opentok_api.emulator.archives if a.session_id == session_id]


def test_the_encoding_options_are_in_the_answer(opentok_api: Api) -> None:
    session_id = opentok_api.session()
    started = opentok_api.started(session_id, maxBitrate=1_000_000)
    assert started["maxBitrate"] == 1_000_000
    assert "quantizationParameter" not in started
    tagged = opentok_api.started(session_id, quantizationParameter=20, multiArchiveTag="qp")
    assert tagged["quantizationParameter"] == 20
    assert "maxBitrate" not in tagged


def test_only_a_composed_archive_has_a_layout_to_change() -> None:
    store = ArchiveStore()
    archive = store.start({"sessionId": "1_x", "outputMode": "individual"}, relayed=False)
    with pytest.raises(ArchiveRefusal) as refused:
        store.set_layout(archive.id, {"type": "pip"})
    assert refused.value.status == 400
    assert "individual" in refused.value.message
    with pytest.raises(ArchiveRefusal) as refused:
        store.start({"sessionId": "1_x", "outputMode": "individual"}, relayed=True)
    assert refused.value.status == 409


def test_null_is_not_given_and_unknown_keys_are_ignored(opentok_api: Api) -> None:
    # What the opentok SDK sends for a start with its defaults.
    started = opentok_api.started(
        opentok_api.session(),
        name=None,
        resolution=None,
        multiArchiveTag=None,
        maxBitrate=None,
        hasTranscription=False,
        outputMode="composed",
    )
    assert (started["name"], started["resolution"]) == (None, "640x480")


json_values = st.none() | st.booleans() | st.integers(-10, 7_000_000) | st.text(max_size=12)
start_options = st.fixed_dictionaries(
    {},
    optional={
        "name": st.none() | st.text(max_size=90) | st.integers(),
        "hasAudio": st.booleans() | json_values,
        "hasVideo": st.booleans() | json_values,
        "outputMode": st.sampled_from(["composed", "individual", "both"]) | json_values,
        "streamMode": st.sampled_from(["auto", "manual"]) | json_values,
        "resolution": st.sampled_from(RESOLUTIONS) | json_values,
        "layout": st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(LAYOUT_TYPES) | json_values,
                "stylesheet": st.just("stream { top: 0; }") | json_values,
                "screenshareType": st.sampled_from(LAYOUT_TYPES) | json_values,
            },
        )
        | json_values,
        "maxBitrate": st.integers(50_000, 7_000_000) | json_values,
        "quantizationParameter": st.integers(10, 45) | json_values,
    },
)
SNAKE = {
    "name": "name",
    "hasAudio": "has_audio",
    "hasVideo": "has_video",
    "outputMode": "output_mode",
    "streamMode": "stream_mode",
    "resolution": "resolution",
    "layout": "layout",
    "maxBitrate": "max_bitrate",
    "quantizationParameter": "quantization_parameter",
}


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(options=start_options)
def test_the_emulator_refuses_exactly_what_the_library_refuses(
    options: dict[str, Any], opentok_emulator: Emulator, pool: urllib3.PoolManager
) -> None:
    api = Api(opentok_emulator, pool)
    session_id = api.session()
    library = {SNAKE[k]: v for k, v in options.items() if v is not None}
    try:
        prepared = otr.prepare_archive(session_id, library)
    except (otr.ValidationError, TypeError) as error:
        status, refused = api.start(session_id, **options)
        assert status == 400, (options, refused)
        if isinstance(error, otr.ValidationError):
            messages = [v.message for v in error.violations if str(v.severity) != "warn"]
            assert refused["message"] == "; ".join(messages)
        return
    status, started = api.start(session_id, **options)
    assert status == 200, (options, started)
    body = prepared.body
    for key in ("name", "hasAudio", "hasVideo", "outputMode", "streamMode", "maxBitrate"):
        assert started.get(key) == body.get(key), key
    composed = body["outputMode"] == "composed"
    assert started["resolution"] == (body.get("resolution", "640x480") if composed else None)
    [held] = [a for a in opentok_emulator.archives if a.id == started["id"]]
    assert held.layout == (body.get("layout", {"type": "bestFit"}) if composed else None)
    assert api.call("POST", f"/{started['id']}/stop")[0] == 200


layouts = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(LAYOUT_TYPES) | json_values,
        "stylesheet": st.just("stream { top: 0; }") | json_values,
        "screenshareType": st.sampled_from(LAYOUT_TYPES) | json_values,
    },
)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts)
def test_a_layout_change_is_refused_exactly_when_the_library_refuses_it(
    layout: dict[str, Any], opentok_emulator: Emulator, pool: urllib3.PoolManager
) -> None:
    api = Api(opentok_emulator, pool)
    archive_id = api.started(api.session())["id"]
    status, answer = api.call("PUT", f"/{archive_id}/layout", layout)
    given_fields = {k: v for k, v in layout.items() if v is not None}
    try:
        checked = prepare_layout(
            given_fields.get("type"),
            given_fields.get("stylesheet"),
            given_fields.get("screenshareType"),
        )
    except (otr.ValidationError, TypeError) as error:
        assert status == 400, (layout, answer)
        if isinstance(error, otr.ValidationError):
            assert answer["message"] == "; ".join(layout_messages(given_fields))
    else:
        assert status == 200, (layout, answer)
        [held] = [a for a in opentok_emulator.archives if a.id == archive_id]
        assert held.layout == checked.to_body()
    assert api.call("POST", f"/{archive_id}/stop")[0] == 200


# --- The list ------------------------------------------------------------------------------


def test_the_list_pages_newest_first_and_filters_by_session() -> None:
    with Emulator() as emulator, urllib3.PoolManager(retries=False) as pool:
        api = Api(emulator, pool)
        one, two = api.session(), api.session()
        started = []
        for index in range(7):
            session_id = one if index % 2 else two
            started.append(api.started(session_id, multiArchiveTag=str(index))["id"])
        newest_first = started[::-1]
        for offset in range(9):
            for count in range(9):
                status, page = api.list(offset=offset, count=count)
                assert status == 200
                assert page["count"] == 7
                assert [a["id"] for a in page["items"]] == newest_first[offset : offset + count]
        status, page = api.list()
        assert [a["id"] for a in page["items"]] == newest_first
        status, page = api.list(sessionId=one, offset=1)
        assert page["count"] == 3
        assert [a["id"] for a in page["items"]] == newest_first[1::2][1:]
        assert api.list(sessionId=two)[1]["count"] == 4
        assert api.list(sessionId=make_session_id(api.project))[1] == {"count": 0, "items": []}
        assert api.list(sessionId="")[1]["count"] == 7  # an empty filter is none


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?offset=-1", "offset must be a whole number of at least 0, got '-1'"),
        ("?count=two", "count must be a whole number of at least 0, got 'two'"),
        ("?count=1.5", "count must be a whole number of at least 0, got '1.5'"),
        ("?count=%C2%B2", "count must be a whole number of at least 0, got '²'"),
        ("?count=9999999999", "count must be a whole number of at least 0, got '9999999999'"),
        ("?offset=1&offset=2", "query parameter 'offset' is given more than once"),
        ("?offset", "the query string is not a valid urlencoded form"),
    ],
)
def test_bad_list_queries_are_refused(opentok_api: Api, query: str, message: str) -> None:
    assert opentok_api.call("GET", query) == (400, {"code": 400, "message": message})


def test_a_count_above_the_maximum_gets_the_maximum() -> None:
    store = ArchiveStore()
    for index in range(MAX_LIST_COUNT + 5):
        store.start(
            {"sessionId": "1_x", "multiArchiveTag": str(index)},
            relayed=False,
        )
    total, page = store.page(offset=0, count=MAX_LIST_COUNT + 5, session_id=None)
    assert (total, len(page)) == (MAX_LIST_COUNT + 5, MAX_LIST_COUNT)
    assert page[0].multi_archive_tag == str(MAX_LIST_COUNT + 4)


# --- The requests themselves ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("", "GET, POST"), ("/x", "DELETE, GET"), ("/x/stop", "POST"), ("/x/layout", "PUT")],
)
def test_each_resource_names_its_methods(opentok_api: Api, path: str, allowed: str) -> None:
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        if method in allowed.split(", "):
            continue
        answer = opentok_api.pool.request(
            method, opentok_api.base + path, headers=opentok_api.auth()
        )
        assert answer.status == 405
        assert answer.headers["Allow"] == allowed
        assert method in json.loads(answer.data)["message"]


def test_other_paths_under_the_project_are_not_archives(opentok_api: Api) -> None:
    for path in ("/x/stop/now", "/x/streams", "/x/y"):
        answer = opentok_api.pool.request("GET", opentok_api.base + path)
        assert answer.status == 404


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "message"),
    [
        (b'{"sessionId": "1_x"', "application/json", 400, "not valid JSON"),
        (b'["1_x"]', "application/json", 400, "must be a JSON object"),
        (b'{"sessionId": "a", "sessionId": "b"}', "application/json", 400, "more than once"),
        (b'{"sessionId": "1_x", "maxBitrate": NaN}', "application/json", 400, "NaN is not"),
        (b'{"name": "\xff"}', "application/json", 400, "UTF-8"),
        (b"[" * 100_000, "application/json", 400, "nested too deeply"),
        (b"sessionId=1_x", "application/x-www-form-urlencoded", 415, "application/json"),
    ],
)
def test_start_bodies_that_are_not_json_objects_are_refused(
    opentok_api: Api, raw: bytes, content_type: str, status: int, message: str
) -> None:
    got, answer = opentok_api.call("POST", "", raw=raw, headers={"Content-Type": content_type})
    assert got == status
    assert message in answer["message"]


def test_credentials_are_checked_before_anything_else(api: Api) -> None:
    session_id = api.session()
    archive_id = api.started(session_id)["id"]
    for method, path in [("GET", ""), ("POST", ""), ("GET", f"/{archive_id}")]:
        answer = api.pool.request(method, api.base + path, body=b"{}")
        assert answer.status in (401, 403)
    wrong = api.base.replace(f"/project/{api.project}/", "/project/12345/")
    answer = api.pool.request("GET", wrong, headers=api.auth())
    assert answer.status == 403
    assert "12345" in json.loads(answer.data)["message"]
    assert [a.status for a in api.emulator.archives if a.id == archive_id] == ["started"]


def test_archive_requests_are_recorded_with_credentials_redacted(opentok_api: Api) -> None:
    archive_id = opentok_api.started(opentok_api.session())["id"]
    opentok_api.call("POST", f"/{archive_id}/stop")
    last = opentok_api.emulator.requests[-1]
    assert (last.method, last.status) == ("POST", 200)
    assert last.path.endswith(f"/archive/{archive_id}/stop")
    assert last.headers["X-OPENTOK-AUTH"] == "<redacted>"


def test_an_oversized_body_is_refused_unread(opentok_api: Api) -> None:
    status, answer = opentok_api.call("POST", "", raw=b"{" + b" " * (1024 * 1024 + 1) + b"}")
    assert status == 413
    assert "over" in answer["message"]


# --- The store's clock: durations and sizes ---------------------------------------------------


def test_duration_and_size_come_from_the_clock() -> None:
    now = [1_700_000_000.0]
    store = ArchiveStore(clock=lambda: now[0])
    archive = store.start({"sessionId": "1_x", "outputMode": "individual"}, relayed=False)
    assert (archive.resolution, archive.layout) == (None, None)
    now[0] += 63.4
    stopped = store.stop(archive.id)
    assert (stopped.status, stopped.duration, stopped.size) == ("stopped", 63, 0)
    held = store.get(archive.id)
    assert (held.status, held.duration, held.size) == ("available", 63, 63 * 125_000)
    assert held.answer(backend="opentok", project_id="1")["updatedAt"] == 1_700_000_063_400


# --- The model: every sequence of calls against a simple record of what should be -------------


@attrs.define
class ModelArchive:
    session: int
    tag: str | None
    composed: bool
    status: str = "started"


class ArchiveMachine(RuleBasedStateMachine):
    """Random sequences of archive calls, each answer checked against a plain model."""

    archives = Bundle("archives")

    def __init__(self) -> None:
        super().__init__()
        self.emulator = Emulator().start()
        self.pool = urllib3.PoolManager(retries=False, timeout=10)
        self.api = Api(self.emulator, self.pool)
        self.model: dict[str, ModelArchive] = {}
        self.order: list[str] = []  # started ids, oldest first (deleted ones removed)
        self.sessions: list[str] = []
        self.relayed: set[int] = set()

    @initialize()
    def make_sessions(self) -> None:
        for index, routed in enumerate((True, True, False)):
            self.sessions.append(self.api.session(routed=routed))
            if not routed:
                self.relayed.add(index)

    @rule(
        target=archives,
        session=st.integers(0, 2),
        tag=st.sampled_from([None, "a", "b"]),
        composed=st.booleans(),
    )
    def start(self, session: int, tag: str | None, composed: bool) -> str:
        options: dict[str, Any] = {"outputMode": "composed" if composed else "individual"}
        if tag is not None:
            options["multiArchiveTag"] = tag
        status, answer = self.api.start(self.sessions[session], **options)
        busy = any(
            a.session == session and a.tag == tag and a.status == "started"
            for a in self.model.values()
        )
        if session in self.relayed:
            assert (status, "relayed" in answer["message"]) == (409, True)
            return "never-started"
        if busy:
            assert status == 409, answer
            return "never-started"
        assert status == 200, answer
        assert answer["status"] == "started"
        self.model[answer["id"]] = ModelArchive(session, tag, composed)
        self.order.append(answer["id"])
        return str(answer["id"])

    @rule(archive_id=archives)
    def stop(self, archive_id: str) -> None:
        status, answer = self.api.call("POST", f"/{archive_id}/stop")
        known = self.model.get(archive_id)
        if known is None:
            assert status == 404
        elif known.status == "started":
            assert (status, answer["status"]) == (200, "stopped")
            known.status = "available"
        else:
            assert status == 409

    @rule(archive_id=archives)
    def get(self, archive_id: str) -> None:
        status, answer = self.api.call("GET", f"/{archive_id}")
        known = self.model.get(archive_id)
        if known is None:
            assert status == 404
        else:
            assert (status, answer["status"]) == (200, known.status)
            assert answer["outputMode"] == ("composed" if known.composed else "individual")
            assert (answer["url"] is not None) == (known.status == "available")

    @rule(archive_id=archives)
    def delete(self, archive_id: str) -> None:
        status, _ = self.api.call("DELETE", f"/{archive_id}")
        known = self.model.get(archive_id)
        if known is None:
            assert status == 404
        elif known.status == "available":
            assert status == 204
            del self.model[archive_id]
            self.order.remove(archive_id)
        else:
            assert status == 409

    @rule(archive_id=archives, layout=st.sampled_from(["pip", "bestFit"]))
    def layout(self, archive_id: str, layout: str) -> None:
        status, _ = self.api.call("PUT", f"/{archive_id}/layout", {"type": layout})
        known = self.model.get(archive_id)
        if known is None:
            assert status == 404
        elif not known.composed:
            assert status == 400
        elif known.status != "started":
            assert status == 409
        else:
            assert status == 200

    @rule(
        offset=st.integers(0, 6),
        count=st.integers(0, 6),
        session=st.none() | st.integers(0, 2),
    )
    def list(self, offset: int, count: int, session: int | None) -> None:
        query: dict[str, object] = {"offset": offset, "count": count}
        if session is not None:
            query["sessionId"] = self.sessions[session]
        status, page = self.api.list(**query)
        expected = [
            archive_id
            for archive_id in self.order[::-1]
            if session is None or self.model[archive_id].session == session
        ]
        assert status == 200
        assert page["count"] == len(expected)
        assert [a["id"] for a in page["items"]] == expected[offset : offset + count]

    @invariant()
    def the_emulator_holds_what_the_model_holds(self) -> None:
        if not self.sessions:
            return
        held = [(a.id, a.status) for a in self.emulator.archives]
        assert held == [(i, self.model[i].status) for i in self.order[::-1]]

    def teardown(self) -> None:
        self.pool.clear()
        self.emulator.stop()


ArchiveMachine.TestCase.settings = settings(
    max_examples=examples(40),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_the_archive_state_machine = ArchiveMachine.TestCase


# --- The console --------------------------------------------------------------------------


def test_the_console_lists_the_archives_without_credentials() -> None:
    with Emulator() as emulator, urllib3.PoolManager(retries=False) as pool:
        api = Api(emulator, pool)
        assert json.loads(pool.request("GET", emulator.url + "/console/api/archives").data) == {
            "total": 0,
            "archives": [],
        }
        session_id = api.session()
        first = api.started(session_id, name="<b>first</b>")["id"]
        api.call("POST", f"/{first}/stop")
        second = api.started(session_id, outputMode="individual", hasAudio=False)["id"]
        answer = pool.request("GET", emulator.url + "/console/api/archives")
        assert answer.status == 200
        data = json.loads(answer.data)
    assert data["total"] == 2
    newest, oldest = data["archives"]
    assert (newest["id"], newest["status"], newest["output_mode"]) == (
        second,
        "started",
        "individual",
    )
    assert (newest["has_audio"], newest["layout"], newest["url"]) == (False, None, None)
    assert (oldest["id"], oldest["status"], oldest["name"]) == (first, "available", "<b>first</b>")
    assert oldest["url"].endswith("/archive.mp4")
    assert oldest["created"].endswith("Z")
    assert emulator.api_secret not in answer.data.decode()
