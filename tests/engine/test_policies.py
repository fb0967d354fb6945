"""Policies (API.md section 7): files, mappings, extend, placement, plugins, every PolicyError."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from _support.api import ROUTED_ONLY_TOML
from _support.plugins import install
from _support.policies import ALLOWED, BROKEN_POLICIES, NAME_ARCHIVES
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import ArchiveMode, MediaMode, PolicyError
from opentok_rules.engine import policies
from opentok_rules.kinds import Network
from opentok_rules.testing import Emulator

DEFAULT_IDS = otr.default_rules().ids()
TOKEN_IDS = otr.default_token_rules().ids()

COMPANY = (
    ROUTED_ONLY_TOML
    + """

[[session]]
id = "acme-archive-names"
kind = "pattern"
key = "archive_name"
pattern = "acme-[a-z0-9-]+"

[[session]]
id = "acme-network"
kind = "network"
key = "location"
networks = ["10.0.0.0/8", "192.168.0.0/16"]
"""
    + NAME_ARCHIVES
    + """
[[token]]
id = "acme-two-hours"
kind = "max_ttl"
seconds = 7200
"""
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(source: Any) -> str:
    with pytest.raises(PolicyError) as caught:
        otr.load_policy(source)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, otr.OpenTokError)
    return str(caught.value)


# --- loading ---


def test_a_company_policy_from_a_file(tmp_path: Path) -> None:
    path = write(tmp_path / "opentok-rules.toml", COMPANY)
    policy = otr.load_policy(path)
    assert policy.source == path
    assert policy.rules.ids() == (
        *DEFAULT_IDS,
        "acme-routed-only",
        "acme-archive-names",
        "acme-network",
        "acme-name-archives",
    )
    assert policy.token_rules.ids() == (*TOKEN_IDS, "acme-two-hours")
    assert policy.rules.get("acme-network") == Network(
        id="acme-network", key="location", networks=["10.0.0.0/8", "192.168.0.0/16"]
    )
    assert policy.rules.get("acme-network").source == str(path)  # type: ignore[attr-defined]
    assert policy.rules._memo is not None  # a policy of kinds leaves the memo on

    ok = otr.prepare_session(media_mode="routed", location="10.1.2.3", rules=policy.rules)
    assert ok.warnings == ()
    warned = otr.prepare_session(media_mode="routed", archive_mode="always", rules=policy.rules)
    assert [w.rule for w in warned.warnings] == ["acme-name-archives"]
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(
            media_mode="relayed", archive_name="weekly", location="1.2.3.4", rules=policy.rules
        )
    assert [(v.rule, v.field) for v in caught.value.violations] == [
        ("manual-archive-forbids-name-and-resolution", "archive_name"),
        ("acme-routed-only", "media_mode"),
        ("acme-archive-names", "archive_name"),
        ("acme-network", "location"),
    ]
    assert caught.value.violations[1].message == (
        "Acme sessions are routed; set media_mode='routed'."
    )


def test_a_mapping_makes_the_same_policy(tmp_path: Path) -> None:
    path = write(tmp_path / "opentok-rules.toml", COMPANY)
    from_file = otr.load_policy(str(path))
    from_mapping = otr.load_policy(policies._toml(path))  # the file's table, as a mapping
    assert from_mapping.source is None
    assert list(from_mapping.rules) == list(from_file.rules)
    assert list(from_mapping.token_rules) == list(from_file.token_rules)
    assert from_mapping.rules.get("acme-network").source is None  # type: ignore[attr-defined]


def test_base_and_disable() -> None:
    policy = otr.load_policy({"base": "strict", "disable": ["location-ipv4", "token-data-length"]})
    assert policy.rules.ids() == tuple(i for i in DEFAULT_IDS if i != "location-ipv4")
    assert policy.token_rules.ids() == tuple(i for i in TOKEN_IDS if i != "token-data-length")
    with pytest.raises(otr.ValidationError, match="not a session option"):
        otr.prepare_session({"media_mod": "routed"}, rules=policy.rules)  # strict
    # Without location-ipv4 the spec still refuses what the service would (the last line of
    # defence), as a session-spec violation rather than the rule's.
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(location="nowhere", rules=policy.rules)
    assert [(v.rule, v.field) for v in caught.value.violations] == [("session-spec", "location")]


def test_an_empty_policy_is_the_default_rules() -> None:
    policy = otr.load_policy({})
    assert policy.rules.ids() == DEFAULT_IDS
    assert policy.token_rules.ids() == TOKEN_IDS


def test_before_and_after_place_a_rule() -> None:
    policy = otr.load_policy(
        {
            "session": [
                {"id": "a", "kind": "forbidden", "keys": ["e2ee"], "before": "known-keys"},
                {"id": "b", "kind": "forbidden", "keys": ["e2ee"], "after": "media-mode"},
                {"id": "c", "kind": "forbidden", "keys": ["e2ee"], "after": "b"},
            ],
            "token": [{"id": "t", "kind": "max_ttl", "seconds": 60, "before": "token-type"}],
        }
    )
    assert policy.rules.ids()[:5] == ("a", "known-keys", "media-mode", "b", "c")
    assert policy.token_rules.ids()[-2:] == ("t", "token-type")


def test_extend_chains_relative_to_each_file(tmp_path: Path) -> None:
    write(
        tmp_path / "org" / "base.toml",
        """\
        base = "strict"
        [[session]]
        id = "org-routed"
        kind = "allowed"
        key = "media_mode"
        values = ["routed"]
        """,
    )
    write(
        tmp_path / "org" / "team" / "team.toml",
        """\
        extend = "../base.toml"
        [[token]]
        id = "team-hour"
        kind = "max_ttl"
        seconds = 3600
        """,
    )
    service = write(
        tmp_path / "service" / "opentok-rules.toml",
        """\
        extend = "../org/team/team.toml"
        disable = ["org-routed"]
        [[session]]
        id = "service-names"
        kind = "pattern"
        key = "archive_name"
        pattern = "svc-.*"
        before = "known-keys"
        """,
    )
    policy = otr.load_policy(service)
    assert policy.rules.ids() == ("service-names", *DEFAULT_IDS)  # org-routed disabled here
    assert policy.token_rules.ids() == (*TOKEN_IDS, "team-hour")
    assert policy.token_rules.get("team-hour").source == str(  # type: ignore[attr-defined]
        (tmp_path / "org" / "team" / "team.toml").resolve()
    )
    # The base came from the root of the chain: strict.
    with pytest.raises(otr.ValidationError, match="not a session option"):
        otr.prepare_session({"x": 1}, rules=policy.rules)


def test_a_pyproject_table(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        """\
        [project]
        name = "acme"

        [[tool.opentok-rules.session]]
        id = "routed"
        kind = "allowed"
        key = "media_mode"
        values = ["routed"]
        """,
    )
    assert otr.load_policy(path).rules.ids()[-1] == "routed"


def test_find_policy_walks_up(tmp_path: Path) -> None:
    deep = tmp_path / "project" / "src" / "pkg"
    deep.mkdir(parents=True)
    assert otr.find_policy(deep) is None
    write(tmp_path / "project" / "pyproject.toml", '[project]\nname = "x"\n')
    assert otr.find_policy(deep) is None  # a pyproject.toml without the table is passed over
    write(tmp_path / "project" / "pyproject.toml", 'tool = "opentok-rules"\n')
    assert otr.find_policy(deep) is None  # nor with a "tool" that is no table
    pyproject = write(
        tmp_path / "project" / "pyproject.toml", '[tool.opentok-rules]\nbase = "strict"\n'
    )
    assert otr.find_policy(deep) == pyproject.resolve()
    assert otr.find_policy(str(deep / "module.py")) == pyproject.resolve()  # a file: its folder
    nearer = write(tmp_path / "project" / "src" / "opentok-rules.toml", "")
    assert otr.find_policy(deep) == nearer.resolve()
    beside = write(tmp_path / "project" / "src" / "pkg" / "opentok-rules.toml", "")
    assert otr.find_policy(deep) == beside.resolve()


def test_find_policy_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "opentok-rules.toml", COMPANY)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert otr.find_policy() == path.resolve()


def test_the_clients_take_a_policys_registries(tmp_path: Path) -> None:
    policy = otr.load_policy(write(tmp_path / "opentok-rules.toml", COMPANY))
    with (
        Emulator() as emulator,
        otr.OpenTok(
            emulator.api_key,
            emulator.api_secret,
            emulator.url,
            rules=policy.rules,
            token_rules=policy.token_rules,
        ) as client,
    ):
        with pytest.raises(otr.ValidationError, match="acme-routed-only"):
            client.create_session(media_mode="relayed")
        session = client.create_session(media_mode="routed", archive_mode="always")
        assert [w.rule for w in session.warnings] == ["acme-name-archives"]
        with pytest.raises(otr.ValidationError, match="acme-two-hours"):
            session.generate_token()  # a day, by default
        assert session.generate_token(expire_time=int(emulator_now()) + 3600)


def emulator_now() -> float:
    import time

    return time.time()


def test_the_vonage_client_takes_them_too(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    policy = otr.load_policy(write(tmp_path / "opentok-rules.toml", COMPANY))
    with (
        Emulator(backend="vonage") as emulator,
        otr.VonageVideo(
            emulator.application_id,
            emulator.private_key,
            api_url=emulator.url,
            rules=policy.rules,
            token_rules=policy.token_rules,
        ) as client,
    ):
        with pytest.raises(otr.ValidationError, match="acme-routed-only"):
            client.create_session(media_mode="relayed")
        session = client.create_session(media_mode="routed")
        with pytest.raises(otr.ValidationError, match="acme-two-hours"):
            session.generate_token()


# --- every PolicyError, with its message ---


def _policy_file(tmp_path: Path, text: str) -> Path:
    return write(tmp_path / "opentok-rules.toml", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    BROKEN_POLICIES,
)
def test_every_policy_error_names_file_rule_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _policy_file(tmp_path, text)
    message = refused(path)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_toml_syntax_errors_keep_line_and_column(tmp_path: Path) -> None:
    path = _policy_file(tmp_path, "[[session]]\nid = 'x'\nkind = allowed\n")
    message = refused(path)
    assert message.startswith(f"{path}: is not valid TOML: ")
    assert "(at line 3, column 8)" in message


def test_a_missing_file(tmp_path: Path) -> None:
    assert refused(tmp_path / "nope.toml") == f"{tmp_path / 'nope.toml'}: no such policy file"


def test_a_pyproject_without_the_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert refused(path) == f"{path}: has no [tool.opentok-rules] table"


def test_extend_refuses_a_missing_file_and_cycles(tmp_path: Path) -> None:
    path = write(tmp_path / "a" / "opentok-rules.toml", "extend = '../b/b.toml'\n")
    message = refused(path)
    assert message == (
        f"{path}: extend: {(tmp_path / 'b' / 'b.toml').resolve()} does not exist "
        "(paths are relative to the file)"
    )
    write(tmp_path / "b" / "b.toml", "extend = 'c.toml'\n")
    write(tmp_path / "b" / "c.toml", "extend = '../a/opentok-rules.toml'\n")
    message = refused(path)
    a, b, c = (
        path.resolve(),
        (tmp_path / "b" / "b.toml").resolve(),
        (tmp_path / "b" / "c.toml").resolve(),
    )
    assert message == f"{c}: extend: extends itself in a cycle: {a} -> {b} -> {c} -> {a}"
    write(tmp_path / "self.toml", "extend = 'self.toml'\n")
    assert "extends itself in a cycle" in refused(tmp_path / "self.toml")


def test_a_duplicate_across_extend_names_both_places(tmp_path: Path) -> None:
    write(tmp_path / "org.toml", f"[[session]]\n{ALLOWED}")
    # The token rule talks about a token option (issue 29: a rule's options are its table's).
    token_rule = ALLOWED.replace('"media_mode"', '"role"').replace('"routed"', '"publisher"')
    path = write(tmp_path / "opentok-rules.toml", f"extend = 'org.toml'\n[[token]]\n{token_rule}")
    message = refused(path)
    assert message.startswith(f"{path}: token[0] (id 'acme-x'): id: 'acme-x' is taken already")
    assert f"(by {(tmp_path / 'org.toml').resolve()}: session[0] (id 'acme-x'))" in message


def test_a_mapping_says_so_in_its_errors() -> None:
    assert refused({"session": [{"id": "x", "kind": "alowed"}]}) == (
        "policy mapping: session[0] (id 'x'): kind: unknown kind 'alowed'; did you mean 'allowed'?"
    )
    assert refused({"session": ["x"]}) == "policy mapping: session[0]: must be a table; got 'x'"
    with pytest.raises(TypeError, match="a path"):
        otr.load_policy(5)  # type: ignore[arg-type]


# --- plugins: entry points in the group opentok_rules.kinds ---

PLUGIN_MODULE = """
from typing import ClassVar

import attrs

from opentok_rules import Violation


@attrs.frozen(kw_only=True)
class EvenLength:
    kind: ClassVar[str] = "even_length"
    id: str
    key: str
    source: str | None = None

    @property
    def description(self) -> str:
        return f"{self.key} has an even length"

    def apply(self, options):
        value = options.get(self.key)
        if isinstance(value, str) and len(value) % 2:
            return (Violation(self.id, self.key, f"{self.key} must have an even length"),)
        return ()
"""


def install_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, entry_points: str
) -> None:
    """A distribution ``name`` with these entry points, importable from ``tmp_path``."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    install(site, f"{name}_kinds", PLUGIN_MODULE, entry_points, distribution=name)
    monkeypatch.syspath_prepend(str(site))


def test_a_plugin_kind_is_imported_when_a_policy_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    install_plugin(tmp_path, monkeypatch, "acme", "even_length = acme_kinds:EvenLength")
    otr.load_policy({"session": []})
    assert "acme_kinds" not in sys.modules  # not named: not imported
    path = _policy_file(
        tmp_path, "[[session]]\nid = 'even'\nkind = 'even_length'\nkey = 'archive_name'\n"
    )
    policy = otr.load_policy(path)
    rule = policy.rules.get("even")
    assert type(rule).__name__ == "EvenLength"
    assert rule.source == str(path)  # type: ignore[attr-defined]
    assert policy.rules._memo is None  # a plugin may do anything: no remembering
    with pytest.raises(otr.ValidationError, match="even length"):
        otr.prepare_session(
            media_mode="routed", archive_mode="always", archive_name="abc", rules=policy.rules
        )
    # Its misspelt fields get the same hints as a built-in kind's.
    misspelt = _policy_file(
        tmp_path, "[[session]]\nid = 'even'\nkind = 'even_lenght'\nkey = 'archive_name'\n"
    )
    assert "unknown kind 'even_lenght'; did you mean 'even_length'?" in refused(misspelt)
    sys.modules.pop("acme_kinds", None)


def test_a_plugin_that_cannot_be_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(tmp_path, monkeypatch, "broken", "gone = broken_nowhere:Gone")
    path = _policy_file(tmp_path, "[[session]]\nid = 'g'\nkind = 'gone'\n")
    with pytest.raises(PolicyError) as caught:
        otr.load_policy(path)
    assert str(caught.value) == (
        f"{path}: session[0] (id 'g'): kind: the plugin kind 'gone' (entry point gone = "
        "broken_nowhere:Gone) cannot be imported: ModuleNotFoundError: No module named "
        "'broken_nowhere'"
    )
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)


def test_a_plugin_named_like_a_built_in_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(tmp_path, monkeypatch, "clash", "allowed = clash_kinds:EvenLength")
    path = _policy_file(tmp_path, f"[[session]]\n{ALLOWED}")
    assert refused(path) == (
        f"{path}: session[0] (id 'acme-x'): kind: the plugin entry point allowed = "
        "clash_kinds:EvenLength (group opentok_rules.kinds) has the name of the built-in kind "
        "'allowed'; rename the plugin's entry point"
    )


def test_a_plugin_that_is_not_an_attrs_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(tmp_path, monkeypatch, "odd", "odd = json:dumps")
    path = _policy_file(tmp_path, "[[session]]\nid = 'o'\nkind = 'odd'\n")
    assert "(entry point odd = json:dumps) is not an attrs class" in refused(path)


# --- a random policy as TOML text and as the equal mapping: the same verdicts ---

KEYS = ["media_mode", "archive_mode", "archive_name", "location", "e2ee"]
NAMES = st.sampled_from(KEYS)
SCALARS = st.one_of(
    st.sampled_from(["routed", "relayed", "always", "manual", "acme-1", "10.0.0.1"]),
    st.booleans(),
    st.integers(-2, 2),
)
WHEN = st.dictionaries(
    NAMES, st.one_of(SCALARS, st.lists(SCALARS, min_size=1, max_size=3)), max_size=2
)


@st.composite
def rule_tables(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["required", "forbidden", "allowed", "pattern", "length", "network"])
    )
    table: dict[str, Any] = {"id": f"r{index}", "kind": kind}
    if kind in ("required", "forbidden"):
        table["keys"] = draw(st.lists(NAMES, min_size=1, max_size=2, unique=True))
    else:
        table["key"] = draw(NAMES)
    if kind == "allowed":
        table["values"] = draw(st.lists(SCALARS, min_size=1, max_size=3))
    elif kind == "pattern":
        table["pattern"] = draw(st.sampled_from(["acme-.*", "rout.*", "[0-9.]+", ".*"]))
    elif kind == "length":
        low = draw(st.integers(0, 6))
        table["min"], table["max"] = low, low + draw(st.integers(0, 6))
    elif kind == "network":
        table["networks"] = draw(
            st.lists(st.sampled_from(["10.0.0.0/8", "1.2.3.0/24"]), min_size=1, max_size=2)
        )
    if draw(st.booleans()):
        table["when"] = draw(WHEN)
    if draw(st.booleans()):
        table["severity"] = draw(st.sampled_from(["deny", "warn"]))
    if draw(st.booleans()):
        table["message"] = draw(st.text(min_size=1, max_size=10))
    return table


@st.composite
def policy_mappings(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 4))
    mapping: dict[str, Any] = {"session": [draw(rule_tables(i)) for i in range(count)]}
    if draw(st.booleans()):
        mapping["base"] = draw(st.sampled_from(["default", "strict"]))
    if draw(st.booleans()):
        mapping["disable"] = draw(
            st.lists(st.sampled_from(DEFAULT_IDS[3:]), unique=True, max_size=2)
        )
    return mapping


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters escaped."""
    escaped = "".join(
        f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F or char in '"\\' else char
        for char in text
    )
    return f'"{escaped}"'


def toml_value(value: Any) -> str:
    """``value`` written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def toml_text(mapping: dict[str, Any]) -> str:
    lines = [f"{key} = {toml_value(value)}" for key, value in mapping.items() if key != "session"]
    for table in mapping["session"]:
        lines.append("\n[[session]]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"


OPTION_VALUES = st.one_of(
    st.none(),
    SCALARS,
    st.sampled_from([*MediaMode, *ArchiveMode]),
    st.text(max_size=5),
)
OPTIONS = st.dictionaries(st.sampled_from([*KEYS, "other"]), OPTION_VALUES, max_size=5)


def verdict(rules: otr.RuleRegistry, options: dict[str, Any]) -> object:
    try:
        prepared = otr.prepare_session(options, rules=rules)
    except otr.ValidationError as exc:
        return ("refused", exc.violations)
    return (prepared.spec, prepared.warnings)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mapping=policy_mappings(), calls=st.lists(OPTIONS, min_size=1, max_size=6))
def test_a_policy_as_toml_text_and_as_a_mapping_gives_the_same_verdicts(
    tmp_path: Path, mapping: dict[str, Any], calls: list[dict[str, Any]]
) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(toml_text(mapping), encoding="utf-8")
    outcomes: list[object] = []
    for source in (mapping, path):
        try:
            policy = otr.load_policy(source)
        except PolicyError as exc:
            outcomes.append(("policy error", str(exc).split(": ", 1)[1]))
            continue
        outcomes.append(tuple(verdict(policy.rules, options) for options in calls))
    assert outcomes[0] == outcomes[1]
