"""The archive passes specialized to a call's keys decide exactly as the registry's own loop.

``prepare_archive`` runs, for the usual call, a pass compiled for exactly the options the call
gives (``engine.compiler.keyed_pass``): the options it does not give are None from the start
and what that decides is folded away (``engine.fold``). The reference is the registry's loop
(``spec_after_rules``): the same spec, body and warnings, or the same violations (rule, field,
message, severity, in order), or the same error, on random key subsets, for the default and
strict rules, random policies with ``[[archive]]`` rules, and registries with rules the compiler
calls in place (a plugin rule, a plugin kind, a subclass, session rules). The table of
specialized passes is bounded, falls back to the general pass for keys it does not specialize
to, and is replaced by every edit of the registry.
"""

from __future__ import annotations

import random
import warnings
from typing import Any

import pytest
from _support.archive_passes import (
    SID,
    USUAL_OPTIONS,
    USUAL_SESSION_IDS,
    Text,
    outcome,
    plugin_registry,
    policies,
)
from _support.properties import examples
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.compiler import KEYED_LIMIT, compile_rules, compiled_pass, keyed_pass
from opentok_rules.engine.fold import fold
from opentok_rules.engine.kinds import Forbidden
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.shared import spec_after_rules
from opentok_rules.operations.archive import prepare as archives
from opentok_rules.operations.archive.spec import build_spec
from opentok_rules.values import (
    ARCHIVE_OPTION_KEYS,
)

OPTIONS = USUAL_OPTIONS
SESSION_IDS = USUAL_SESSION_IDS


def working_of(session_id: object, options: dict[str, Any]) -> dict[str, Any] | None:
    """The working dict prepare_archive hands to the pass, or None when it refuses first."""
    try:
        return archives.working_options(session_id, dict(options), {})
    except otr.ValidationError:
        return None


def by_loop(registry: RuleRegistry, working: dict[str, Any]) -> Any:
    spec, warnings = spec_after_rules(registry, dict(working), build_spec, "archive", "ArchiveSpec")
    return otr.PreparedArchive(spec, spec.to_body(), warnings)


#: By the registry's snapshot itself (held here, so its id is never another's) and the keys.
_SPECIALIZED: dict[tuple[object, frozenset[str]], Any] = {}


def specialized(registry: RuleRegistry, keys: frozenset[str]) -> Any:
    """The pass of ``registry`` specialized to ``keys``, compiled once per snapshot and keys
    (outside the registry's bounded table, so every example meets one)."""
    state = registry._state
    found = _SPECIALIZED.get((state, keys))
    if found is None:
        general = compiled_pass(registry, archives._operation()).function
        found = compile_rules(state.rules, archives._operation(), state.ids, keys, general)
        _SPECIALIZED[state, keys] = found
    return found


def same_specialized(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> None:
    working = working_of(session_id, options)
    if working is None:
        return
    expected = outcome(lambda: by_loop(registry, working))
    keys = list(working)
    if not all(key.__class__ is str for key in keys) or not set(keys) <= set(ARCHIVE_OPTION_KEYS):
        function = keyed_pass(registry, archives._operation(), working)
        assert function is compiled_pass(registry, archives._operation()).function
        return
    function = specialized(registry, frozenset(keys)).function
    assert outcome(lambda: function(dict(working), True)) == expected
    # The same pass serves every order of the same keys.
    random.Random(len(keys)).shuffle(keys)
    shuffled = {key: working[key] for key in keys}
    assert outcome(lambda: function(shuffled, True)) == expected
    # The session id apart (engine.apart): the caller's dict without it, read, never written.
    caller = {key: working[key] for key in keys if key != "session_id"}
    before = list(caller.items())
    assert outcome(lambda: function(caller, True, False, session_id)) == expected
    assert [(key, value) for key, value in before] == list(caller.items())
    assert all(caller[key] is value for key, value in before)
    # Through prepare_archive with a fresh snapshot (an empty table: the first call notes the
    # keys, the second compiles their pass, the third takes the session id apart), and its
    # outcome (the clients' entry point).
    fresh = registry.copy()
    for _ in range(3):
        given_options = dict(options)
        through = outcome(
            lambda: otr.prepare_archive(session_id, given_options, rules=fresh)  # type: ignore[arg-type]  # noqa: B023
        )
        assert through == expected
        assert list(given_options.items()) == list(options.items())
    again = fresh.copy()
    for _ in range(2):
        assert outcome(lambda: by_outcome(again, session_id, options)) == expected


def by_outcome(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> Any:
    checked = archives.archive_outcome(session_id, dict(options), registry, {})
    return otr.PreparedArchive(checked.value, checked.value.to_body(), checked.warnings)


DEFAULT = otr.default_archive_rules()
STRICT = otr.strict_archive_rules()


@settings(max_examples=examples(300), deadline=None)
@given(SESSION_IDS, OPTIONS)
def test_the_default_rules_specialized_decide_as_their_loop(
    session_id: object, options: Any
) -> None:
    same_specialized(DEFAULT, session_id, options)


@settings(max_examples=examples(300), deadline=None)
@given(SESSION_IDS, OPTIONS)
def test_the_strict_rules_specialized_decide_as_their_loop(
    session_id: object, options: Any
) -> None:
    same_specialized(STRICT, session_id, options)


# ---- random policies ----------------------------------------------------------------------


@settings(max_examples=examples(200, costly=True), deadline=None)
@given(policies(), SESSION_IDS, OPTIONS)
def test_a_policys_rules_specialized_decide_as_their_loop(
    registry: RuleRegistry, session_id: object, options: Any
) -> None:
    same_specialized(registry, session_id, options)


# ---- rules the compiler calls in place ----------------------------------------------------


PLUGINS = {
    (base, where): plugin_registry(registry, where)
    for base, registry in (("default", DEFAULT), ("strict", STRICT))
    for where in (0, 7, 19)
}


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(sorted(PLUGINS)), SESSION_IDS, OPTIONS)
def test_a_plugin_registry_specialized_decides_as_its_loop(
    which: tuple[str, int], session_id: object, options: Any
) -> None:
    same_specialized(PLUGINS[which], session_id, options)


# ---- the table: bounded, a fallback, replaced by edits --------------------------------------


def test_the_table_is_bounded_and_calls_past_it_decide_as_the_loop() -> None:
    registry = otr.default_archive_rules()
    names = ["name", "resolution", "multi_archive_tag", "max_bitrate", "has_audio", "stream_mode"]
    shapes = []
    for mask in range(1, 64):
        options = {
            key: {"max_bitrate": 200_000, "has_audio": True, "stream_mode": "auto"}.get(key, "x")
            for position, key in enumerate(names)
            if mask >> position & 1
        }
        options.pop("resolution", None)  # "x" is no resolution: valid options only
        if options:
            shapes.append(options)
    for options in shapes * 2:
        working = archives.working_options(SID, options, {})
        expected = outcome(lambda: by_loop(registry, working))  # noqa: B023
        given = dict(options)
        assert outcome(lambda: otr.prepare_archive(SID, given, rules=registry)) == expected  # noqa: B023
    table = registry._state.passes["archive"].keyed
    assert len(table) <= KEYED_LIMIT
    # Past the bound, a new key tuple is served by the general pass and not remembered.
    working = archives.working_options(SID, {"name": "a", "resolution": "640x480"}, {})
    if tuple(working) not in table:
        assert keyed_pass(registry, archives._operation(), working) is (
            registry._state.passes["archive"].function
        )
        assert tuple(working) not in table


@pytest.mark.parametrize(
    "options",
    [
        {1: "x", "name": "a"},  # a key that is no str
        {Text("name"): "a"},  # a str subclass
        {"name": "a", "bogus": 1},  # a key that is no option
    ],
    ids=["int-key", "str-subclass-key", "unknown-key"],
)
def test_keys_it_does_not_specialize_to_go_to_the_general_pass(options: dict[Any, Any]) -> None:
    registry = otr.default_archive_rules()
    working = archives.working_options(SID, options, {})
    general = compiled_pass(registry, archives._operation()).function
    assert keyed_pass(registry, archives._operation(), working) is general
    expected = outcome(lambda: by_loop(registry, working))
    assert outcome(lambda: otr.prepare_archive(SID, dict(options), rules=registry)) == expected
    assert not any(isinstance(key, frozenset) for key in registry._state.passes["archive"].keyed)


def test_a_specialized_pass_hands_other_keys_to_the_general_pass() -> None:
    """The pass checks the dict it is given: another dict of the same size or another size
    is decided by the general pass (a wrong choice costs time, never a result)."""
    function = specialized(DEFAULT, frozenset({"session_id", "name"})).function
    for options in (
        {"resolution": "800x600"},  # same size, other keys: refused by the general pass
        {"name": "a", "resolution": "800x600"},  # another size
        {"max_bitrate": 1},
    ):
        working = archives.working_options(SID, options, {})
        expected = outcome(lambda: by_loop(DEFAULT, working))  # noqa: B023
        assert outcome(lambda: function(dict(working), True)) == expected  # noqa: B023
        assert expected[0] == "refused"


def test_the_first_call_with_some_keys_compiles_nothing_more() -> None:
    """A registry made for one call (some servers make one per request) compiles its general
    pass alone; the second call with the same keys compiles their pass."""
    registry = otr.default_archive_rules()
    otr.prepare_archive(SID, name="weekly", rules=registry)
    table = registry._state.passes["archive"].keyed
    assert table == {("name", "session_id"): None}
    otr.prepare_archive(SID, name="monthly", rules=registry)
    function = table[frozenset({"session_id", "name"})]
    assert table[("name", "session_id")] is function
    assert function is not registry._state.passes["archive"].function


def test_an_edit_replaces_the_specialized_passes() -> None:
    registry = otr.default_archive_rules()
    for _ in range(2):
        assert otr.prepare_archive(SID, name="weekly", rules=registry).body["name"] == "weekly"
    before = registry._state.passes["archive"]
    assert frozenset({"session_id", "name"}) in before.keyed
    registry.add(Forbidden(id="no-names", keys=["name"], message="no names here"))
    for _ in range(2):
        with pytest.raises(otr.ValidationError) as refused:
            otr.prepare_archive(SID, name="weekly", rules=registry)
        assert [v.rule for v in refused.value.violations] == ["no-names"]
    after = registry._state.passes["archive"]
    assert after is not before
    assert frozenset({"session_id", "name"}) in after.keyed
    assert frozenset({"session_id", "name"}) in before.keyed  # the old snapshot's, untouched
    registry.remove("no-names")
    assert otr.prepare_archive(SID, name="weekly", rules=registry).body["name"] == "weekly"


def test_the_specialized_source_leaves_out_what_the_keys_decide() -> None:
    registry = otr.default_archive_rules()
    for _ in range(2):
        otr.prepare_archive(SID, name="weekly", rules=registry)
    function = registry._state.passes["archive"].keyed[frozenset({"session_id", "name"})]
    general = registry._state.passes["archive"].source
    source = specialized(registry, frozenset({"session_id", "name"})).source
    assert function.__code__.co_filename == (
        specialized(registry, frozenset({"session_id", "name"})).filename
    )
    # The layout, the encoding and the known-keys checks are all decided: none is left.
    for gone in ("layout_type", "max_bitrate is", "quantization_parameter is", "issuperset"):
        assert gone in general
        assert gone not in source
    assert "options['name']" in source


# ---- the folding itself ---------------------------------------------------------------------

NAMES = ["a", "b", "c"]
KNOWN = {"_T": True, "_S": "s", "_FS": frozenset({"s", "t", 1}), "_N": None, "_str": str}


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    """A random expression of the forms the generated passes use, over locals a, b and c
    (some set to plain values before it), the namespace's values and literals."""
    leaf = st.sampled_from([*NAMES, *KNOWN, "None", "True", "False", "'s'", "0", "1"])
    if depth == 0:
        return draw(leaf)
    inner = expressions(depth - 1)
    form = draw(st.integers(0, 8))
    if form == 0:
        return draw(leaf)
    if form == 1:
        parts = draw(st.lists(inner, min_size=2, max_size=3))
        return "(" + f" {draw(st.sampled_from(['and', 'or']))} ".join(parts) + ")"
    if form == 2:
        return f"(not {draw(inner)})"
    if form == 3:
        op = draw(st.sampled_from(["is", "is not", "==", "!=", "<=", "in", "not in"]))
        right = draw(st.one_of(inner, st.just("_FS"), st.just("'st'")))
        return f"({draw(inner)} {op} {right})"
    if form == 4:
        return f"({draw(inner)} if {draw(inner)} else {draw(inner)})"
    if form == 5:
        return f"(({draw(inner)}).__class__ is _str)"
    if form == 6:
        return f"(_seen.append({draw(inner)}) or {draw(inner)})"
    if form == 7:
        return f"(_w := {draw(inner)})"
    return draw(leaf)


VALUES_OF_LOCALS = st.sampled_from([None, True, False, 0, 1, "s", "t", 2.5, (), "x" * 3])


@settings(max_examples=examples(500), deadline=None)
@given(
    tests=st.lists(expressions(), min_size=1, max_size=4),
    fixed=st.dictionaries(st.sampled_from(NAMES), VALUES_OF_LOCALS),
    given_values=st.fixed_dictionaries(dict.fromkeys(NAMES, VALUES_OF_LOCALS)),
)
# A local known to be 1 next to ``is``: 1 == True, but ``1 is a`` is a SyntaxWarning.
@example(tests=["1", "(b is a)"], fixed={}, given_values=dict.fromkeys(NAMES))
# Known operands that decide, or pass the question on, after ones that act.
@example(tests=["(_seen.append(1) or a) and False"], fixed={}, given_values=dict.fromkeys(NAMES))
@example(
    tests=["((a is None) and _T)", "(b is None and False)"],
    fixed={},
    given_values=dict.fromkeys(NAMES),
)
def test_folding_keeps_what_a_function_does(
    tests: list[str], fixed: dict[str, Any], given_values: dict[str, Any]
) -> None:
    """A function that sets some locals to plain values and then tests expressions of them
    (branches, assignments, calls with effects): folded, it returns and does the same."""
    lines = ["def compiled_pass(a, b, c):", "    _seen = []"]
    lines += [f"    {name} = {value!r}" for name, value in fixed.items()]
    for number, test in enumerate(tests):
        lines.append(f"    if {test}:")
        lines.append(f"        _seen.append({number})")
        lines.append(f"        b = {test}")
        lines.append("    else:")
        lines.append(f"        _seen.append(-{number})")
        # A block that folds away (None is known false): its test alone remains, dropped
        # where it does nothing, kept where it does (a call, an assignment).
        lines.append(f"    if {test}:")
        lines.append("        if _N:")
        lines.append(f"            _seen.append({100 + number})")
    lines.append("    return (_seen, a, b, c)")
    source = "\n".join(lines) + "\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            compile(source, "<test>", "exec")
        except SyntaxError:
            assume(False)  # ``is`` with a literal: no source the compiler writes
        folded = fold(source, dict(KNOWN))
        compile(folded, "<folded>", "exec")  # no new warning either

    def run(text: str) -> tuple[object, ...]:
        namespace: dict[str, Any] = dict(KNOWN)
        exec(text, namespace)
        try:
            return ("ok", namespace["compiled_pass"](**given_values))
        except Exception as exc:
            return ("error", type(exc).__name__)

    assert run(folded) == run(source)


def test_an_if_reads_its_test_for_its_truth_and_goes_when_nothing_is_left() -> None:
    source = (
        "def compiled_pass(a, b):\n"
        "    if a is None and False:\n"
        "        b = 1\n"
        "    if not (a is None and _T):\n"
        "        b = 2\n"
        "    if b is not None:\n"
        "        if _N:\n"
        "            b = 3\n"
        "    if (_f(a) or b) and False:\n"
        "        b = 4\n"
        "    return b\n"
    )
    folded = fold(source, {"_T": True, "_N": None})
    assert folded == (
        "def compiled_pass(a, b):\n"
        "    if not a is None:\n"
        "        b = 2\n"
        "    if (_f(a) or b) and False:\n"
        "        b = 4\n"
        "    return b\n"
    )  # a test that acts (a call) is left as it is


# ---- the session id apart (engine.apart) ------------------------------------------------------


def test_the_third_call_with_the_same_keys_takes_the_session_id_apart() -> None:
    registry = otr.default_archive_rules()
    options = {"name": "weekly", "max_bitrate": 200_000.0}  # a whole float: the spec's own end
    answers = [otr.prepare_archive(SID, options, rules=registry) for _ in range(3)]
    assert options == {"name": "weekly", "max_bitrate": 200_000.0}
    compiled = registry._state.passes["archive"]
    function = compiled.apart[("name", "max_bitrate")]
    assert function is compiled.keyed[("name", "max_bitrate", "session_id")]
    assert "session_id=_IN_DICT" in compiled_source(function)
    assert {repr(each) for each in answers} == {repr(answers[0])}
    assert answers[0].spec.max_bitrate == 200_000
    assert answers[0].spec.session_id == SID


def test_a_dict_of_other_keys_handed_apart_goes_to_the_general_pass_whole() -> None:
    registry = otr.default_archive_rules()
    for _ in range(2):
        otr.prepare_archive(SID, {"name": "weekly"}, rules=registry)
    function = registry._state.passes["archive"].apart[("name",)]
    for other in ({"resolution": "640x480"}, {"name": "a", "bogus": 1}, {}):
        expected = outcome(lambda: by_loop(registry, {**other, "session_id": SID}))  # noqa: B023
        given_options = dict(other)
        assert outcome(lambda: function(given_options, True, False, SID)) == expected  # noqa: B023
        assert given_options == other


def compiled_source(function: Any) -> str:
    import linecache

    return "".join(linecache.getlines(function.__code__.co_filename))
