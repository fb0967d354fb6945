"""The compiled pass (engine/compiler.py) against the registry's own loop, which it replaces.

The property: for any options and any registry (the library's rules reordered, some removed,
rules of a user's inserted anywhere), the compiled function gives the same spec (with the same
value types), the same violations in the same order, or the same exception, as the registry's
loop followed by ``SessionSpec(**options)``; and every rule of a user's sees the same dict, key
order included.
"""

from __future__ import annotations

import enum
import ipaddress
import linecache
import pickle
import re
import subprocess
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import attrs
import pytest
from _support.cli import run as run_command
from _support.properties import heavy
from hypothesis import example, given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import (
    ArchiveMode,
    MediaMode,
    Options,
    RuleRegistry,
    SessionSpec,
    ValidationError,
    Violation,
    compiled_source,
    default_rules,
    kinds,
    rule,
    strict_rules,
)
from opentok_rules.engine.compiler import compile_rules
from opentok_rules.engine.registry import MEMO_SIZE
from opentok_rules.operations.session import prepare as pipeline
from opentok_rules.operations.session.rules import MediaModeRule

SETTINGS = heavy(1000, costly=True)

# ---- odd values -------------------------------------------------------------------------------


class Liar(str):
    """A str that says it equals anything and has a length of 3."""

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return str.__hash__(self)

    def __len__(self) -> int:
        return 3


class ForeignMedia(enum.Enum):
    """Another library's media modes: the name says what it means, the value does not."""

    routed = "disabled"
    relayed = "enabled"


class ForeignArchive(enum.Enum):
    ALWAYS = 1
    MANUAL = 2


class StrArchive(str, enum.Enum):
    always = "always"


def near(*good: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(good) | st.sampled_from([*good, ""]).map(
        lambda text: text.upper() if text else " "
    )


ODD = st.sampled_from([None, 0, 1, True, False, 2.5, b"routed", ["routed"], object])
# Half of each option's values are ones the rules accept, so that whole option sets often
# pass and reach the spec; the other half are odd in every way the rules must judge.
media_modes = st.one_of(
    st.sampled_from(["routed", "relayed", *MediaMode, None]),
    near("routed", "relayed")
    | st.sampled_from([*ForeignMedia, Liar("routed"), Liar("x"), "x"])
    | ODD,
)
archive_modes = st.one_of(
    st.sampled_from(["manual", "always", *ArchiveMode, None]),
    near("manual", "always")
    | st.sampled_from([*ForeignArchive, StrArchive.always, Liar("always"), "bogus"])
    | ODD,
)
e2ees = st.one_of(st.sampled_from([True, False, None]), st.sampled_from(["true", 1, 0, Liar("x")]))
locations = st.one_of(
    st.ip_addresses(v=4).map(str) | st.ip_addresses(v=4).map(ipaddress.IPv4Address),
    st.sampled_from(["256.1.1.1", "01.2.3.4", "", " 1.2.3.4", Liar("1.2.3.4"), "1.2.3.4\n"]) | ODD,
)
names = st.one_of(
    st.text(min_size=1, max_size=6) | st.sampled_from(["", "standup", "é" * 80]),
    st.text(min_size=79, max_size=82) | st.sampled_from(["\ud800", Liar("n")]) | ODD,
)
resolutions = st.one_of(
    st.sampled_from([*otr.ARCHIVE_RESOLUTIONS, None]),
    st.sampled_from(["800x600", "", Liar("640x480")]) | ODD,
)
VALUES = {
    "media_mode": media_modes,
    "archive_mode": archive_modes,
    "e2ee": e2ees,
    "location": locations,
    "archive_name": names,
    "archive_resolution": resolutions,
}
# A valid option set with every option, routed and archived, one or two of them then changed:
# the pass must agree also where everything but one value is fine.
nearly_valid = st.tuples(
    st.fixed_dictionaries(
        {
            "media_mode": st.sampled_from(["routed", MediaMode.ROUTED]),
            "archive_mode": st.sampled_from(["always", ArchiveMode.ALWAYS]),
            "e2ee": st.sampled_from([False, None]),
            "location": st.ip_addresses(v=4).map(str),
            "archive_name": st.text(min_size=1, max_size=10),
            "archive_resolution": st.sampled_from(otr.ARCHIVE_RESOLUTIONS),
        }
    ),
    st.lists(st.sampled_from(sorted(VALUES)), max_size=2, unique=True).flatmap(
        lambda changed: st.fixed_dictionaries({key: VALUES[key] for key in changed})
    ),
).map(lambda both: {**both[0], **both[1]})
OTHER_KEYS: dict[Any, st.SearchStrategy[Any]] = {
    **VALUES,
    "trace_id": st.just("abc"),
    "medai_mode": st.just("routed"),
    3: st.just(None),  # a key that is not even a str
}
any_options = st.fixed_dictionaries({}, optional=OTHER_KEYS).flatmap(
    lambda chosen: st.permutations(list(chosen.items())).map(dict)
)
options_strategy = st.one_of(any_options, nearly_valid)


# ---- rules of a user's ------------------------------------------------------------------------

#: What the rules of a user's saw, in order: the compiled and the looped run each fill one.
SEEN: list[list[tuple[Any, Any]]] = []


@attrs.frozen
class Recorder:
    """Writes down the dict it is given, key order and values."""

    id: str
    description: str = "Records the options."

    def apply(self, options: Options) -> Sequence[Violation]:
        SEEN.append(list(options.items()))
        return ()


@attrs.frozen
class Meddler:
    """Changes the options the way a careless rule might, refusing now and then."""

    id: str
    action: str
    description: str = "Meddles."
    # Declared as the registry's contract asks (what it may write), or None (anything).
    honest: bool = False
    fills: frozenset[str] | None = attrs.field()

    @fills.default
    def _fills(self) -> frozenset[str] | None:
        return WRITES.get(self.action, frozenset())

    def apply(self, options: Options) -> Sequence[Violation]:
        if self.action == "always-e2ee":  # issue 20's example: a forbidden state, unnormalized
            options.update(archive_mode="always", e2ee=True)
        elif self.action == "drop-media":
            options.pop("media_mode", None)
        elif self.action == "junk-key":
            options["junk"] = 1
        elif self.action == "long-name":
            options["archive_name"] = "x" * 90
        elif self.action == "none-media":
            options["media_mode"] = None
        elif self.action == "refuse" and "archive_name" in options:
            return (Violation(self.id, "archive_name", "no names here"),)
        elif self.action == "list":
            return [Violation(self.id, None, "a list of one")]
        elif self.action == "two":
            return (Violation(self.id, None, "one"), Violation(self.id, None, "two"))
        elif self.action == "bad-return" and options.get("e2ee") is True:
            return "oops"  # type: ignore[return-value]
        elif self.action == "raise" and options.get("location") == "1.1.1.1":
            raise RuntimeError("the rule failed")
        return ()


@rule("user-message", "Refuses a relayed archive by message.")
def user_message(options: Options) -> str | None:
    if options.get("media_mode") is MediaMode.RELAYED and options.get("archive_name"):
        return "relayed sessions here have no names"
    return None


class SubclassedMedia(MediaModeRule):
    """A subclass of a library rule: the compiler must call it, not inline its parent."""


WRITES = {
    "always-e2ee": frozenset({"archive_mode", "e2ee"}),
    "drop-media": frozenset({"media_mode"}),
    "junk-key": frozenset({"junk"}),
    "long-name": frozenset({"archive_name"}),
    "none-media": frozenset({"media_mode"}),
}
ACTIONS = (
    "always-e2ee",
    "drop-media",
    "junk-key",
    "long-name",
    "none-media",
    "refuse",
    "list",
    "two",
    "bad-return",
    "raise",
)
user_rules = st.one_of(
    st.builds(Recorder, id=st.just("recorder")),
    st.builds(
        Meddler,
        id=st.just("meddler"),
        action=st.sampled_from(ACTIONS),
        honest=st.booleans(),
    ).map(lambda m: m if m.honest else attrs.evolve(m, fills=None)),
    st.just(user_message),
)


# ---- random policies of the built-in kinds ----------------------------------------------------

POLICY_KEYS = [*sorted(VALUES), "trace_id"]
SCALARS = st.sampled_from(
    ["routed", "relayed", "always", "manual", "640x480", "standup", "12.34.56.78", True, False, 1]
)
keys_lists = st.lists(st.sampled_from(POLICY_KEYS), min_size=1, max_size=3, unique=True)
common = {
    "id": st.just("policy"),  # made unique when the registry is drawn
    "severity": st.sampled_from(["deny", "warn"]),
    "message": st.none() | st.just("house rule"),
    "when": st.just({})
    | st.dictionaries(
        st.sampled_from(POLICY_KEYS),
        SCALARS | st.lists(SCALARS, min_size=1, max_size=3),
        max_size=2,
    ),
}
kind_rules = st.one_of(
    st.builds(kinds.Required, keys=keys_lists, **common),
    st.builds(kinds.Forbidden, keys=keys_lists, **common),
    st.builds(
        kinds.Allowed,
        key=st.sampled_from(POLICY_KEYS),
        values=st.lists(SCALARS, min_size=1, max_size=4),
        **common,
    ),
    st.builds(
        kinds.Pattern,
        key=st.sampled_from(POLICY_KEYS),
        pattern=st.sampled_from(["[a-z0-9 ]+", "r.*", "10\\..*", "", ".{0,5}", "(?i)ROUTED"]),
        **common,
    ),
    st.builds(
        kinds.Length,
        key=st.sampled_from(POLICY_KEYS),
        min=st.none() | st.integers(0, 5),
        max=st.integers(5, 90),
        **common,
    ),
    st.builds(
        kinds.Network,
        key=st.sampled_from(POLICY_KEYS),
        networks=st.lists(
            st.sampled_from(
                ["10.0.0.0/8", "12.34.0.0/16", "0.0.0.0/0", "192.168.1.0/24", "::/0", "1.2.3.4/32"]
            ),
            min_size=1,
            max_size=3,
        ),
        **common,
    ),
    st.builds(kinds.MaxTTL, seconds=st.integers(1, 10_000), **common),
)


@st.composite
def registries(draw: st.DrawFn) -> RuleRegistry:
    base = draw(st.sampled_from([default_rules, strict_rules]))()
    library = list(base)
    if draw(st.booleans()):
        library = draw(st.permutations(library))
    kept = [each for each in library if draw(st.integers(0, 9)) > 0]  # each dropped 1 in 10
    if draw(st.integers(0, 9)) == 0:
        kept = [SubclassedMedia() if isinstance(r, MediaModeRule) else r for r in kept]
    extra = draw(st.lists(user_rules, max_size=3, unique_by=lambda r: r.id))
    policy = draw(st.lists(kind_rules, max_size=6))
    extra += [attrs.evolve(each, id=f"policy-{n}") for n, each in enumerate(policy)]
    for each in extra:
        kept.insert(draw(st.integers(0, len(kept))), each)
    return RuleRegistry(kept)


# ---- the two passes ---------------------------------------------------------------------------

Outcome = tuple[str, Any, list[list[tuple[Any, Any]]]]


def _typed(spec: SessionSpec) -> tuple[tuple[type, Any], ...]:
    return tuple((type(value), value) for value in attrs.astuple(spec, recurse=False))


def run(function: Any, options: dict[Any, Any]) -> Outcome:
    """What ``function`` makes of ``options``: the spec (value types too) and the warnings,
    the violations refused, or the exception raised; and what rules of a user's saw."""
    SEEN.clear()
    try:
        spec, warnings = function(dict(options))
    except ValidationError as err:
        outcome: tuple[str, Any] = ("refused", err.violations)
    except Exception as exc:  # a rule's own failure must surface the same way
        outcome = ("raised", (type(exc), str(exc)))
    else:
        outcome = ("spec", (_typed(spec), warnings))
    return (*outcome, [list(seen) for seen in SEEN])


def looped(registry: RuleRegistry) -> Any:
    return lambda options: pipeline._interpreted(options, registry)


ENDS = pipeline._ends()


def compiled(registry: RuleRegistry) -> Any:
    function = compile_rules(tuple(registry), ENDS).function
    return lambda options: function(options, False)


def compiled_prepared(registry: RuleRegistry) -> Any:
    """The pass as prepare_session calls it: a PreparedSession whose params are the spec's."""
    function = compile_rules(tuple(registry), ENDS).function

    def run(options: Options) -> tuple[SessionSpec, tuple[Violation, ...]]:
        prepared = function(options, True)
        assert type(prepared) is otr.PreparedSession
        assert prepared.params == prepared.spec.to_params()
        assert list(prepared.params.items()) == list(prepared.spec.to_params().items())
        return prepared.spec, prepared.warnings

    return run


@SETTINGS
@given(options_strategy, registries())
@example({"e2ee": True}, RuleRegistry([Meddler("meddler", "bad-return")]))  # names the rule
@example({"archive_name": "n"}, RuleRegistry([Meddler("meddler", "list"), *default_rules()]))
def test_compiled_pass_agrees_with_the_registry_loop(
    options: dict[Any, Any], registry: RuleRegistry
) -> None:
    expected = run(looped(registry), options)
    assert run(compiled(registry), options) == expected
    assert run(compiled_prepared(registry), options) == expected


def _pair(prepared: otr.PreparedSession) -> tuple[SessionSpec, tuple[Violation, ...]]:
    return prepared.spec, prepared.warnings


@SETTINGS
@given(options_strategy, st.sampled_from([default_rules, strict_rules]))
def test_prepare_session_agrees_with_the_loop_for_the_library_rules(
    options: dict[Any, Any], make: Any
) -> None:
    registry = make()
    expected = run(looped(make()), options)
    assert run(lambda o: _pair(otr.prepare_session(o, rules=registry)), options) == expected
    # Again: the second call may come from the remembered specs.
    assert run(lambda o: _pair(otr.prepare_session(o, rules=registry)), options) == expected


# ---- what the compiler makes of the default rules ---------------------------------------------


def _builds_spec_directly(source: str) -> bool:
    """Whether the pass makes the spec itself: through its maker, or the class's own slots."""
    return re.search(r"spec = (_SessionSpec_maker\(\)|_new\(_SessionSpec\))", source) is not None


def test_the_default_rules_build_the_spec_directly() -> None:
    source = compiled_source()
    assert _builds_spec_directly(source)
    assert "_finish(" not in source
    assert "found = " not in source  # no rule called in place
    spec = otr.prepare_session(media_mode="routed", archive_mode="always").spec
    assert spec == SessionSpec(MediaMode.ROUTED, ArchiveMode.ALWAYS)
    assert hash(spec) == hash(SessionSpec(MediaMode.ROUTED, ArchiveMode.ALWAYS))
    assert pickle.loads(pickle.dumps(spec)) == spec
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        spec.e2ee = True  # type: ignore[misc]


def test_a_rule_of_yours_last_hands_the_spec_to_its_own_checks() -> None:
    registry = default_rules()
    registry.add(Meddler("late", "always-e2ee"))
    source = compiled_source(registry)
    assert "spec = _finish(options)" in source
    assert not _builds_spec_directly(source)


def test_any_rule_of_yours_hands_the_spec_to_its_own_checks() -> None:
    # Even first, before the library's rules: the spec is built without its checks only
    # where the pipeline skips them too (the library's rules alone, and kinds).
    registry = default_rules()
    registry.insert_before("known-keys", Recorder("first"))
    assert not _builds_spec_directly(compiled_source(registry))
    policy = default_rules()
    policy.insert_before("known-keys", kinds.Required(id="named", keys=["archive_name"]))
    assert _builds_spec_directly(compiled_source(policy))


def test_a_subclass_of_a_library_rule_is_called_in_place() -> None:
    registry = default_rules()
    registry.replace("media-mode", SubclassedMedia())
    source = compiled_source(registry)
    assert "_r2_apply(options)" in source
    assert "_finish(options)" in source  # media_mode is no longer proved by the library


def test_an_edit_compiles_again_and_the_source_follows() -> None:
    registry = default_rules()
    before = compiled_source(registry)
    assert otr.prepare_session(rules=registry).spec == SessionSpec()
    registry.remove("archive-name-length")
    after = compiled_source(registry)
    assert before != after
    assert "ArchiveNameLengthRule" in before
    assert "ArchiveNameLengthRule" not in after
    assert "_finish(options)" in after  # archive_name is not proved without its rule
    long = {"media_mode": "routed", "archive_mode": "always", "archive_name": "x" * 200}
    with pytest.raises(ValidationError) as info:  # the spec's own check, as without the compiler
        otr.prepare_session(long, rules=registry)
    assert [(v.rule, v.field) for v in info.value.violations] == [("session-spec", "archive_name")]


def test_the_same_shape_shares_one_code_object() -> None:
    first, second = default_rules(), default_rules()
    one = compile_rules(tuple(first), ENDS)
    two = compile_rules(tuple(second), ENDS)
    assert one.filename == two.filename
    assert one.function.__code__ is two.function.__code__
    assert one.function is not two.function  # each with its own rules in its namespace


def test_compiled_source_wants_a_registry() -> None:
    with pytest.raises(TypeError, match="RuleRegistry"):
        compiled_source([])  # type: ignore[arg-type]


# ---- values stay out of the source ------------------------------------------------------------


def test_ids_and_messages_of_a_users_rules_never_become_source() -> None:
    sneaky = 'x"\nimport os  # '
    registry = default_rules()
    registry.add(Meddler(sneaky, "refuse"))
    registry.insert_before("known-keys", Meddler("import-os", "two"))
    source = compiled_source(registry)
    assert sneaky not in source
    assert "import os" not in source
    assert "no names here" not in source
    assert "(a rule whose id is not plain text)" in source
    compile(source, "<check>", "exec")  # still well-formed Python
    with pytest.raises(ValidationError) as info:
        otr.prepare_session({"archive_name": "n"}, rules=registry)
    assert [v.rule for v in info.value.violations] == [
        "import-os",
        "import-os",
        "manual-archive-forbids-name-and-resolution",
        sneaky,
    ]


# ---- tracebacks -------------------------------------------------------------------------------


def test_a_traceback_through_the_compiled_pass_shows_its_source() -> None:
    registry = default_rules()
    registry.add(Meddler("boom", "raise"))
    with pytest.raises(RuntimeError) as info:
        otr.prepare_session(location="1.1.1.1", rules=registry)
    text = "".join(traceback.format_exception(info.value))
    assert "<opentok_rules compiled pass" in text
    assert "found = _r13_apply(options)" in text  # the generated line, read from linecache


def test_the_source_survives_a_cleared_linecache() -> None:
    registry = default_rules()
    registry.add(Meddler("boom", "raise"))
    otr.prepare_session(rules=registry)
    linecache.clearcache()
    again = default_rules()
    again.add(Meddler("boom", "raise"))
    with pytest.raises(RuntimeError) as info:
        otr.prepare_session(location="1.1.1.1", rules=again)
    assert "found = _r13_apply(options)" in "".join(traceback.format_exception(info.value))


# ---- laziness ---------------------------------------------------------------------------------


def test_the_compiler_waits_for_the_first_pass() -> None:
    code = (
        "import sys, opentok_rules as o; a = 'opentok_rules.engine.compiler' in sys.modules; "
        "o.prepare_session(); print(a, 'opentok_rules.engine.compiler' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "True"]


# ---- the remembered specs beside the compiled pass --------------------------------------------


def _routed(name: str) -> dict[str, Any]:
    return {"media_mode": "routed", "archive_mode": "always", "archive_name": name}


def test_a_memo_that_serves_keeps_serving() -> None:
    registry = default_rules()
    repeated = [_routed(f"repeated {n}") for n in range(8)]
    for n in range(4 * MEMO_SIZE):  # one call in two repeats: the memo pays for itself
        otr.prepare_session(_routed(f"fresh {n}"), rules=registry)
        otr.prepare_session(repeated[n % 8], rules=registry)
    assert registry._state.memo_pause <= 0
    first = otr.prepare_session(repeated[0], rules=registry)
    assert pipeline.session_outcome(repeated[0], registry, {}).value is first.spec


@pytest.mark.parametrize("size", [0, 2, 3, 4, 39, 40, 41])
@pytest.mark.parametrize("name_of", [str, Liar])
def test_a_length_kind_decides_at_its_bounds_as_the_loop_does(size: int, name_of: type) -> None:
    registry = default_rules()
    registry.add(kinds.Length(id="house-length", key="archive_name", min=3, max=40))
    options = {
        "media_mode": "routed",
        "archive_mode": "always",
        "archive_name": name_of("n" * size),
    }
    assert run(compiled(registry), options) == run(looped(registry), options)


# ---- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_the_rules_command_prints_the_compiled_source(strict: bool) -> None:
    flags = ["--strict"] if strict else []
    result = run_command("rules", "--source", *flags)
    assert result.returncode == 0, result.stderr
    assert result.stdout == compiled_source(strict_rules() if strict else default_rules())
    assert result.stdout.count("def compiled_pass(options, prepared, returning=False):") == 1
    assert ("(strict)" in result.stdout) is strict


def test_a_refusal_is_made_once_only_when_it_does_not_name_the_value() -> None:
    from opentok_rules.engine.compiler import _Writer

    @rule("names-it", "Names the value it refuses.")
    def names_it(options: Options) -> str:
        return f"got {options.get('archive_name')!r}"

    writer = _Writer((names_it,), ENDS)
    assert writer.refusal(1, names_it, {"archive_name": "a"}, {"archive_name": "a"}, what="x")
    assert (
        writer.refusal(1, names_it, {"archive_name": "a"}, {"archive_name": "b"}, what="y") is None
    )


def test_a_policys_values_are_namespace_names_never_source() -> None:
    registry = default_rules()
    registry.add(kinds.Pattern(id="p", key="archive_name", pattern="zz[0-9]+qq"))
    registry.add(kinds.Allowed(id="a", key="media_mode", values=["acme-special"]))
    registry.add(kinds.Network(id="n", key="location", networks=["10.99.0.0/16"]))
    registry.add(kinds.Length(id="l", key="trace-key", min=7, max=4242))
    registry.add(kinds.Forbidden(id="f", keys=['x-sneaky"); import os; ("']))
    source = compiled_source(registry)
    for text in ("zz[0-9]+qq", "acme-special", "10.99", "4242", "trace-key", "sneaky", "import"):
        assert text not in source
    compile(source, "<check>", "exec")
