"""The emulator's console: its page and JSON endpoints, spoken to over real HTTP.

The browser itself is driven in ``test_emulator_browser.py``; here the endpoints are checked
for what they answer, what they refuse, and what they never show (the api secret, the
private key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import attrs
import jwt
import pytest
from _support.api import FIELD_NAMES
from _support.cli import run
from _support.emulator import call, post_json
from _support.paths import ROOT
from _support.properties import examples
from _support.raw_http import send_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.operations.session.convert import spec_to_dict
from opentok_rules.testing import Emulator

CONSOLE_FILES = ROOT / "opentok_rules" / "testing" / "console"
# JSON that a JSON object of options can hold, as a browser would send it.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
OPTION_KEYS = st.sampled_from([*FIELD_NAMES, "other"])
OPTION_VALUES = st.one_of(
    st.sampled_from(["routed", "relayed", "manual", "always", "12.34.56.78", "640x480"]),
    st.booleans(),
    JSON_VALUES,
)


def get_json(emulator: Emulator, path: str) -> Any:
    status, headers, body = call(emulator, "GET", path)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)


def raw_create(emulator: Emulator, params: Mapping[str, str]) -> int:
    now = int(time.time())
    claims = {"iss": emulator.api_key, "ist": "project", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, emulator.api_secret, algorithm="HS256")
    status, _, _ = call(
        emulator,
        "POST",
        "/session/create",
        urlencode(params).encode(),
        {"X-OPENTOK-AUTH": token, "Content-Type": "application/x-www-form-urlencoded"},
    )
    return status


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


# --- The page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/console/style.css", "text/css; charset=utf-8"),
        ("/console/app.js", "text/javascript; charset=utf-8"),
    ],
)
def test_the_page_and_its_files_are_served(
    emulator: Emulator, path: str, content_type: str
) -> None:
    status, headers, body = call(emulator, "GET", path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    name = "index.html" if path == "/" else path.rsplit("/", 1)[1]
    assert body == (CONSOLE_FILES / name).read_bytes()


def test_the_page_fetches_nothing_from_elsewhere() -> None:
    for path in CONSOLE_FILES.iterdir():
        text = path.read_text()
        # Every URL the page uses is its own, absolute-path: /console/...
        assert not re.search(r"(?:https?:)?//[a-z0-9]", text, re.I), path.name
        assert "@import" not in text
    page = (CONSOLE_FILES / "index.html").read_text()
    assert set(re.findall(r'(?:src|href)="([^"]+)"', page)) == {
        "/console/style.css",
        "/console/app.js",
    }
    assert "<script>" not in page  # no inline script: the page's own CSP would block it


BUILD_WHEEL = """
import sys
from setuptools import build_meta
build_meta.build_wheel(sys.argv[1])
"""


def test_a_wheel_ships_the_console(tmp_path: Path) -> None:
    pytest.importorskip("wheel", reason="building a wheel needs the wheel package (build-system)")
    # Built from a copy, so the build leaves nothing behind in the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "opentok_rules",
        source / "opentok_rules",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    assert 'build-backend = "setuptools.build_meta"' in (ROOT / "pyproject.toml").read_text()
    # The build backend pyproject.toml names, called as a frontend calls it (PEP 517's
    # build_wheel, in the project's folder), without pip's start-up (0.8 s of CPU).
    completed = subprocess.run(
        [sys.executable, "-c", BUILD_WHEEL, str(tmp_path)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", "style.css", "app.js"):
        assert f"opentok_rules/testing/console/{name}" in names


def test_other_methods_and_paths_are_refused(emulator: Emulator) -> None:
    status, headers, body = call(emulator, "POST", "/", b"")
    assert (status, headers["Allow"]) == (405, "GET")
    assert call(emulator, "GET", "/console/api/try")[0] == 405
    assert call(emulator, "GET", "/console/api/nothing")[0] == 404
    assert call(emulator, "GET", "/console/nothing.js")[0] == 404
    assert json.loads(body)["code"] == 405


def test_the_console_answers_only_to_local_host_names(emulator: Emulator) -> None:
    port = urlsplit(emulator.url).port
    status, _, body = call(emulator, "GET", "/", headers={"Host": f"rebound.example:{port}"})
    assert status == 403
    assert "Host" in json.loads(body)["message"]
    assert call(emulator, "GET", "/", headers={"Host": f"localhost:{port}"})[0] == 200


def test_console_requests_are_not_service_requests(emulator: Emulator) -> None:
    before = len(emulator.requests)
    get_json(emulator, "/console/api/rules")
    post_json(emulator, "/console/api/try", {})
    assert len(emulator.requests) == before


# --- Sessions -------------------------------------------------------------------------------


def test_sessions_are_listed_newest_first_with_form_and_answer() -> None:
    with Emulator() as emulator:
        with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
            created = client.create_session(media_mode="routed", location="12.34.56.78")
        assert raw_create(emulator, {"p2p.preference": "enabled", "e2ee": "true"}) == 400
        call(emulator, "POST", "/session/create", b"a=%%%")  # refused: no token

        answer = get_json(emulator, "/console/api/sessions")

    assert answer["last"] == 3
    newest, refused, first = answer["sessions"]
    assert [entry["seq"] for entry in answer["sessions"]] == [3, 2, 1]
    assert first["status"] == 200
    assert first["session_id"] == created.session_id
    assert first["backend"] == "opentok"
    assert dict(first["params"]) == created_params(created)
    assert first["reason"] is None
    assert refused["params"] == [["p2p.preference", "enabled"], ["e2ee", "true"]]
    assert refused["session_id"] is None
    assert refused["reason"] == "e2ee 'true' requires p2p.preference 'disabled' (routed media)"
    assert newest["status"] == 403
    assert newest["params"] is None  # not a form: shown as the text it was
    assert newest["body"] == "a=%%%"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])


def created_params(session: Any) -> dict[str, str]:
    return {
        "p2p.preference": "disabled",
        "archiveMode": "manual",
        "location": session.location,
        "e2ee": "false",
    }


def test_sessions_after_a_seq_are_only_the_newer_ones() -> None:
    with Emulator() as emulator:
        for _ in range(3):
            assert raw_create(emulator, {"p2p.preference": "disabled"}) == 200
        answer = get_json(emulator, "/console/api/sessions?after=1")
        assert [entry["seq"] for entry in answer["sessions"]] == [3, 2]
        assert get_json(emulator, "/console/api/sessions?after=3")["sessions"] == []


@pytest.mark.parametrize("after", ["-1", "x", "1.5", "9" * 30, ""])
def test_a_bad_after_is_refused(emulator: Emulator, after: str) -> None:
    status, _, body = call(emulator, "GET", f"/console/api/sessions?after={after}")
    assert status == 400
    assert "after must be a whole number" in json.loads(body)["message"]


# --- Rules ----------------------------------------------------------------------------------


def test_the_rules_are_the_default_registry_in_order(emulator: Emulator) -> None:
    answer = get_json(emulator, "/console/api/rules")
    assert answer["policy"] is None
    assert [rule["id"] for rule in answer["rules"]] == list(otr.default_rules().ids())
    first = answer["rules"][0]
    assert first == {
        "id": "known-keys",
        "description": otr.default_rules().get("known-keys").description,
        "kind": "known_keys",  # issue 27: every library rule is a kind
        "severity": "deny",
        "source": None,
    }


@attrs.frozen
class _Policy:
    """What the console needs of a policy: ``.rules`` (and, when it has one, ``.source``)."""

    rules: RuleRegistry
    source: str | None = None


@attrs.frozen
class _RoutedOnly:
    id: str = "acme-routed-only"
    description: str = "Acme sessions are routed."
    kind: str = "allowed"
    severity: str = "deny"
    source: str = "/etc/acme/opentok-rules.toml"

    def apply(self, options: Any) -> Any:
        from opentok_rules.errors import Violation

        if str(options.get("media_mode")) != "routed":
            return [Violation(self.id, "media_mode", "Acme sessions are routed.")]
        return []


def _acme_rules() -> RuleRegistry:
    rules = otr.default_rules()
    rules.add(_RoutedOnly())
    return rules


def test_a_policy_object_chooses_the_rules_of_rules_and_try() -> None:
    policy = _Policy(_acme_rules(), "/etc/acme/opentok-rules.toml")
    with Emulator(policy=policy) as emulator:
        assert emulator.rules.ids() == policy.rules.ids()
        assert emulator.rules is not policy.rules  # a copy: later edits do not leak in
        answer = get_json(emulator, "/console/api/rules")
        status, verdict = post_json(emulator, "/console/api/try", {"media_mode": "relayed"})
        # The service itself still checks what the real service checks.
        assert raw_create(emulator, {"p2p.preference": "enabled"}) == 200

    assert answer["policy"] == "/etc/acme/opentok-rules.toml"
    assert answer["rules"][-1] == {
        "id": "acme-routed-only",
        "description": "Acme sessions are routed.",
        "kind": "allowed",
        "severity": "deny",
        "source": "/etc/acme/opentok-rules.toml",
    }
    assert status == 200
    assert [v["rule"] for v in verdict["violations"]] == ["acme-routed-only"]


def test_a_registry_is_a_policy_too() -> None:
    with Emulator(policy=otr.strict_rules()) as emulator:
        _, verdict = post_json(emulator, "/console/api/try", {"media_mod": "routed"})
    assert [v["rule"] for v in verdict["violations"]] == ["known-keys"]
    assert "media_mode" in verdict["violations"][0]["message"]


def test_warn_rules_of_a_policy_mapping_are_warnings() -> None:
    policy = {
        "session": [
            {
                "id": "acme-prefer-routed",
                "kind": "allowed",
                "key": "media_mode",
                "values": ["routed"],
                "severity": "warn",
            }
        ]
    }
    with Emulator(policy=policy) as emulator:
        _, verdict = post_json(emulator, "/console/api/try", {"media_mode": "relayed"})
        answer = get_json(emulator, "/console/api/rules")
    prepared = otr.prepare_session({"media_mode": "relayed"}, rules=otr.load_policy(policy).rules)
    assert verdict["ok"] is True
    assert verdict["violations"] == []
    assert verdict["warnings"] == [
        {"rule": w.rule, "field": w.field, "message": w.message, "severity": "warn"}
        for w in prepared.warnings
    ]
    assert [w["rule"] for w in verdict["warnings"]] == ["acme-prefer-routed"]
    assert answer["rules"][-1]["severity"] == "warn"
    assert answer["policy"] is None  # a mapping comes from no file


def test_an_unusable_policy_file_is_refused_when_the_emulator_is_made(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text('[[session]]\nid = "x"\nkind = "no-such-kind"\n')
    with pytest.raises(otr.PolicyError, match="no-such-kind"):
        Emulator(policy=path)


@pytest.mark.parametrize("policy", [42, object(), _Policy.__new__(_Policy)])
def test_an_unusable_policy_is_refused(policy: object) -> None:
    with pytest.raises((TypeError, AttributeError)):
        Emulator(policy=policy)


def test_a_policy_path_is_read_with_load_policy(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(
        'base = "default"\n\n[[session]]\nid = "acme-routed-only"\nkind = "allowed"\n'
        'key = "media_mode"\nvalues = ["routed"]\n'
    )
    with Emulator(policy=path) as emulator:
        answer = get_json(emulator, "/console/api/rules")
        _, verdict = post_json(emulator, "/console/api/try", {"media_mode": "relayed"})
    assert answer["rules"][-1]["id"] == "acme-routed-only"
    assert answer["rules"][-1]["source"] == str(path)
    assert [v["rule"] for v in verdict["violations"]] == ["acme-routed-only"]


# --- Try ------------------------------------------------------------------------------------


def test_try_gives_spec_and_params(emulator: Emulator) -> None:
    options = {"media_mode": "routed", "archive_mode": "always", "archive_name": "demo"}
    status, verdict = post_json(emulator, "/console/api/try", options)
    prepared = otr.prepare_session(options)
    assert status == 200
    assert verdict == {
        "ok": True,
        "spec": json.loads(json.dumps(spec_to_dict(prepared.spec))),
        "params": prepared.params,
        "violations": [],
        "warnings": [],
    }


def test_try_lists_every_violation_with_its_rule(emulator: Emulator) -> None:
    options = {"media_mode": "relayed", "e2ee": True, "location": "1.2.3", "archive_mode": "x"}
    _, verdict = post_json(emulator, "/console/api/try", options)
    assert verdict["ok"] is False
    assert [v["rule"] for v in verdict["violations"]] == [
        "relayed-forbids-e2ee",
        "location-ipv4",
        "archive-mode-valid",
    ]
    assert all(v["severity"] == "deny" and v["message"] for v in verdict["violations"])


def test_try_agrees_with_the_check_command(emulator: Emulator) -> None:
    flags = ["--media-mode", "relayed", "--e2ee", "--location", "12.34.56.78"]
    completed = run("check", "--json", *flags)
    assert completed.returncode == 2
    from_cli = [v["rule"] for v in json.loads(completed.stdout)]
    options = {"media_mode": "relayed", "e2ee": True, "location": "12.34.56.78"}
    _, verdict = post_json(emulator, "/console/api/try", options)
    assert [v["rule"] for v in verdict["violations"]] == from_cli == ["relayed-forbids-e2ee"]


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(OPTION_KEYS, OPTION_VALUES, max_size=7))
def test_try_agrees_with_prepare_session_on_any_json(
    emulator: Emulator, options: dict[str, Any]
) -> None:
    status, verdict = post_json(emulator, "/console/api/try", options)
    assert status == 200
    prepared, violations = _prepared(options)
    assert verdict["ok"] is (prepared is not None)
    assert [v["rule"] for v in verdict["violations"]] == [v.rule for v in violations]
    assert [v["message"] for v in verdict["violations"]] == [v.message for v in violations]
    assert verdict["params"] == (None if prepared is None else prepared.params)


def _prepared(options: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
    try:
        return otr.prepare_session(options), ()
    except otr.ValidationError as error:
        return None, error.violations


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object, not an array"),
        (b'"routed"', "JSON object, not a string"),
        (b"null", "JSON object, not null"),
        (b'{"e2ee": NaN}', "not JSON"),
        (b'{"a": Infinity}', "not JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[" * 60000, "nested too deeply"),
        (b"", "not JSON"),
    ],
)
def test_bad_input_to_try_is_a_400_with_a_json_message(
    emulator: Emulator, body: bytes, named: str
) -> None:
    status, headers, answer = call(emulator, "POST", "/console/api/try", body)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    parsed = json.loads(answer)
    assert parsed["code"] == 400
    assert named in parsed["message"]
    assert "Traceback" not in parsed["message"]


def test_a_huge_body_is_refused_unread_and_the_connection_closed(emulator: Emulator) -> None:
    head = (
        "POST /console/api/try HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * 1024 * 1024}\r\n\r\n"
    )
    transcript = send_raw(emulator.url, head.encode() + b"{" * 1000)
    [answer] = transcript.answers
    assert answer.status == 400
    assert "over 65536 bytes" in json.loads(answer.body)["message"]
    assert transcript.closed


# --- Token ----------------------------------------------------------------------------------


def inspect(emulator: Emulator, token: object) -> tuple[int, Any]:
    return post_json(emulator, "/console/api/token", {"token": token})


def test_a_jwt_from_the_client_verifies_with_claims_and_dates(emulator: Emulator) -> None:
    with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
        session = client.create_session(media_mode="routed")
        token = session.generate_token(role="moderator", data="name=Ada")
    status, answer = inspect(emulator, token)
    claims = jwt.decode(token, emulator.api_secret, algorithms=["HS256"])
    assert status == 200
    assert answer["readable"] is True
    assert answer["format"] == "JWT"
    assert answer["header"]["alg"] == "HS256"
    assert answer["claims"] == claims
    assert answer["verifies"] is True
    assert answer["problem"] is None
    assert answer["expired"] is False
    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(claims["exp"]))
    assert answer["dates"]["exp"] == exp


def test_a_t1_token_verifies_and_its_times_are_dates(emulator: Emulator) -> None:
    with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
        session = client.create_session()
        token = session.generate_token(token_type="T1", expire_time=int(time.time()) + 600)
    _, answer = inspect(emulator, token)
    assert answer["format"] == "T1"
    assert answer["verifies"] is True
    assert answer["claims"]["session_id"] == session.session_id
    assert answer["claims"]["partner_id"] == emulator.api_key
    assert answer["dates"]["expire_time"].endswith("Z")
    assert answer["expired"] is False


def _t1(secret: str, data: str, partner: str) -> str:
    sig = hmac.new(secret.encode(), data.encode(), hashlib.sha1).hexdigest()
    return "T1==" + base64.b64encode(f"partner_id={partner}&sig={sig}:{data}".encode()).decode()


def test_tokens_from_other_credentials_do_not_verify(emulator: Emulator) -> None:
    with Emulator() as other:
        with otr.OpenTok(other.api_key, other.api_secret, api_url=other.url) as client:
            foreign = client.create_session().generate_token()
        with otr.OpenTok(emulator.api_key, other.api_secret, api_url=emulator.url) as client:
            session_id = raw_session_id(emulator)
            wrong_secret = client.generate_token(session_id)
    t1_data = f"session_id={session_id}&create_time=1&expire_time=2&role=publisher&nonce=1"
    cases = {
        foreign: "signature does not verify",
        wrong_secret: "signature does not verify",
        _t1(other.api_secret, t1_data, emulator.api_key): "signature does not verify",
        _t1(emulator.api_secret, t1_data, other.api_key): "partner_id",
    }
    for token, problem in cases.items():
        _, answer = inspect(emulator, token)
        assert answer["verifies"] is False
        assert problem in answer["problem"]
    _, answer = inspect(emulator, _t1(emulator.api_secret, t1_data, emulator.api_key))
    assert (answer["verifies"], answer["expired"]) == (True, True)


def raw_session_id(emulator: Emulator) -> str:
    assert raw_create(emulator, {"p2p.preference": "disabled"}) == 200
    return emulator.sessions[-1].session_id


def test_an_expired_token_says_so(emulator: Emulator) -> None:
    now = int(time.time())
    claims = {
        "iss": emulator.api_key,
        "ist": "project",
        "iat": now - 600,
        "exp": now - 60,
        "session_id": raw_session_id(emulator),
    }
    _, answer = inspect(emulator, jwt.encode(claims, emulator.api_secret, algorithm="HS256"))
    assert (answer["verifies"], answer["expired"]) == (True, True)


@pytest.mark.parametrize("exp", [10**400, -(10**400), 10**20, -1, 1e308])
def test_times_no_date_can_show_are_shown_as_null(emulator: Emulator, exp: float) -> None:
    claims = {"iss": emulator.api_key, "ist": "project", "iat": 0, "exp": exp}
    status, answer = inspect(emulator, jwt.encode(claims, emulator.api_secret, algorithm="HS256"))
    assert status == 200
    assert answer["dates"] == {"iat": "1970-01-01T00:00:00Z", "exp": None}
    assert answer["expired"] is (None if abs(exp) > 253402300799 else exp < time.time())


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("not a token", "three dot-separated parts"),
        ("a.b.c", "base64url-encoded JSON"),
        ("T1==%%%", "not a T1 token"),
        ("T1==" + base64.b64encode(b"no colon").decode(), "no ':'"),
    ],
)
def test_unreadable_tokens_say_why(emulator: Emulator, token: str, problem: str) -> None:
    status, answer = inspect(emulator, token)
    assert status == 200
    assert answer == {"readable": False, "problem": answer["problem"]}
    assert problem in answer["problem"]


@pytest.mark.parametrize("token", [None, 5, ["x"], "", "x" * 20000])
def test_a_token_that_is_no_string_or_too_long_is_a_400(emulator: Emulator, token: object) -> None:
    status, answer = inspect(emulator, token)
    assert status == 400
    assert answer["code"] == 400


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200) | st.builds(lambda a: "T1==" + a, st.text(max_size=50)))
def test_any_pasted_text_gets_a_json_answer(emulator: Emulator, token: str) -> None:
    status, answer = inspect(emulator, token)
    assert status in (200, 400)
    assert isinstance(answer, dict)


def test_a_vonage_token_verifies_on_a_vonage_emulator() -> None:
    pytest.importorskip("cryptography", reason="the vonage backend needs cryptography")
    with Emulator(backend="vonage") as emulator:
        with otr.VonageVideo(
            emulator.application_id, emulator.private_key, api_url=emulator.url
        ) as client:
            token = client.create_session(media_mode="routed").generate_token()
        _, answer = inspect(emulator, token)
        _, t1 = inspect(emulator, _t1("s" * 40, "session_id=x", "1"))
        info = get_json(emulator, "/console/api/info")
        [logged] = get_json(emulator, "/console/api/sessions")["sessions"]
    assert logged["backend"] == "vonage"
    assert logged["status"] == 200
    assert logged["session_id"] == emulator.sessions[0].session_id
    assert answer["verifies"] is True
    assert answer["header"]["alg"] == "RS256"
    assert answer["claims"]["application_id"] == emulator.application_id
    assert t1["verifies"] is False
    assert "JWT client tokens only" in t1["problem"]
    assert info["backend"] == "vonage"
    assert info["project_id"] == emulator.application_id


# --- Secrets --------------------------------------------------------------------------------


def _every_answer(emulator: Emulator, token: str) -> list[bytes]:
    answers = [call(emulator, "GET", path)[2] for path in READ_PATHS]
    for path, body in [
        ("/console/api/try", {"media_mode": "routed", "e2ee": True}),
        ("/console/api/try", {"media_mode": "relayed", "e2ee": True}),
        ("/console/api/token", {"token": token}),
        ("/console/api/token", {"token": "x.y.z"}),
        ("/console/api/token", {"token": 5}),
    ]:
        answers.append(call(emulator, "POST", path, json.dumps(body).encode())[2])
    answers.append(call(emulator, "POST", "/console/api/try", b"{")[2])
    answers.append(call(emulator, "PUT", "/console/api/rules")[2])
    return answers


READ_PATHS = [
    "/",
    "/console/style.css",
    "/console/app.js",
    "/console/api/info",
    "/console/api/sessions",
    "/console/api/rules",
    "/console/api/nothing",
]


def test_no_answer_shows_the_api_secret() -> None:
    with Emulator() as emulator:
        with otr.OpenTok(emulator.api_key, emulator.api_secret, api_url=emulator.url) as client:
            token = client.create_session(media_mode="routed").generate_token()
        answers = _every_answer(emulator, token)
    assert len(answers) == len(READ_PATHS) + 7
    for answer in answers:
        assert emulator.api_secret.encode() not in answer


def test_no_answer_shows_the_private_key() -> None:
    pytest.importorskip("cryptography", reason="the vonage backend needs cryptography")
    with Emulator(backend="vonage") as emulator:
        key = emulator.private_key
        with otr.VonageVideo(emulator.application_id, key, api_url=emulator.url) as client:
            token = client.create_session(media_mode="routed").generate_token()
        answers = _every_answer(emulator, token)
    # Any line of the key's base64 body would give part of it away.
    lines = [line.encode() for line in key.splitlines() if not line.startswith("-----")]
    for answer in answers:
        assert not any(line in answer for line in lines)
