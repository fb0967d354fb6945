"""The compiled archive pass decides exactly as the archive registry's own loop.

``prepare_archive`` and ``archive_outcome`` run the archive registry compiled into one function
(``engine.compiler`` with the archive's ``Operation`` from ``opentok_rules.archives``). The
reference is the registry's loop (``spec_after_rules``, what ``prepare_archive`` ran before):
the same spec, body and warnings, or the same violations (rule, field, message, severity, in
order), or the same error, on random archive options for the default, strict and random policy
registries, including rules the compiler calls in place (plain rules, plugin kinds, a session
rule in an archive registry).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import archives
from opentok_rules.engine.kinds import Forbidden, SessionId, ValueKind
from opentok_rules.engine.registry import RuleRegistry, rule
from opentok_rules.engine.session_rules import ArchiveResolutionValidRule, MediaModeRule
from opentok_rules.engine.shared import spec_after_rules
from opentok_rules.values import (
    ARCHIVE_LAYOUT_TYPES,
    ARCHIVE_OPTION_KEYS,
    ARCHIVE_RESOLUTIONS,
    OutputMode,
    StreamMode,
)

SID = "1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"


class Foreign(enum.Enum):
    """Another library's enum: read by its member's name."""

    composed = "composed"
    MANUAL = "manual"
    odd = 3


class Text(str):
    """A str subclass: judged and sent as its characters."""


TEXTS = [
    "composed",
    "individual",
    "auto",
    "manual",
    "",
    "acme-1",
    "x" * 90,
    "\ud800",
    *ARCHIVE_RESOLUTIONS,
    *ARCHIVE_LAYOUT_TYPES,
    "800x600",
]

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(TEXTS),
    st.text(max_size=4),
    st.integers(-5, 7_000_000),
    st.sampled_from([14, 15, 40, 41, 99_999, 100_000, 6_000_000, 6_000_001, 200_000.0, 1.5]),
    st.sampled_from([*OutputMode, *StreamMode, *Foreign]),
    st.sampled_from(TEXTS).map(Text),
    st.lists(st.integers(0, 3), max_size=2),
)

LAYOUT_FIELDS = ["type", "stylesheet", "screenshare_type", "screenshareType", "bogus"]
LAYOUTS = st.one_of(
    st.none(),
    st.sampled_from([*ARCHIVE_LAYOUT_TYPES, "weird"]),
    st.dictionaries(st.sampled_from(LAYOUT_FIELDS), VALUES, max_size=3),
    st.integers(0, 2),
)

OPTION_NAMES = [key for key in ARCHIVE_OPTION_KEYS if not key.startswith("layout_")]
OPTIONS = st.dictionaries(
    st.sampled_from([*OPTION_NAMES, "layout_type", "bogus", "nme"]), VALUES, max_size=6
).flatmap(
    lambda found: st.one_of(st.just(found), LAYOUTS.map(lambda layout: {**found, "layout": layout}))
)
SESSION_IDS = st.one_of(
    st.just(SID),
    st.just("2_abc-_"),
    st.text(max_size=6),
    st.none(),
    st.integers(0, 3),
    # Near-ids: the session id kind's compiled form tests each character.
    st.tuples(
        st.sampled_from(["1_", "2_", "3_", "1"]),
        st.text(alphabet="aZ09-_+/=\u00e9\u0663\uff41", max_size=8),
    ).map("".join),
)


def by_loop(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> Any:
    """What prepare_archive decided before it was compiled: the registry's loop."""
    working = archives._working(session_id, options, {})
    spec, warnings = spec_after_rules(registry, working, archives._build, "archive", "ArchiveSpec")
    return otr.PreparedArchive(spec, spec.to_body(), warnings)


def by_pass(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> Any:
    return otr.prepare_archive(session_id, dict(options), rules=registry)  # type: ignore[arg-type]


def by_outcome(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> Any:
    checked = archives.archive_outcome(session_id, dict(options), registry, {})
    return otr.PreparedArchive(checked.value, checked.value.to_body(), checked.warnings)


def said(violations: Any) -> list[tuple[object, ...]]:
    return [(v.rule, v.field, v.message, v.severity) for v in violations]


def outcome(run: Callable[[], Any]) -> tuple[object, ...]:
    try:
        prepared = run()
    except otr.ValidationError as err:
        return ("refused", said(err.violations))
    except Exception as exc:  # the same error either way is what is held
        return ("error", type(exc).__name__, str(exc))
    # repr: True and 1 are equal, and must not be taken for each other.
    return ("ok", repr(prepared.spec), repr(prepared.body), said(prepared.warnings))


def same(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> None:
    expected = outcome(lambda: by_loop(registry, session_id, dict(options)))
    assert outcome(lambda: by_pass(registry, session_id, options)) == expected
    assert outcome(lambda: by_outcome(registry, session_id, options)) == expected


DEFAULT = otr.default_archive_rules()
STRICT = otr.strict_archive_rules()


@settings(max_examples=examples(300), deadline=None)
@given(SESSION_IDS, OPTIONS)
def test_the_default_rules_compiled_decide_as_their_loop(session_id: object, options: Any) -> None:
    same(DEFAULT, session_id, options)


@settings(max_examples=examples(300), deadline=None)
@given(SESSION_IDS, OPTIONS)
def test_the_strict_rules_compiled_decide_as_their_loop(session_id: object, options: Any) -> None:
    same(STRICT, session_id, options)


@settings(max_examples=examples(150), deadline=None)
@given(OPTIONS)
def test_the_private_default_registry_decides_as_the_loop(options: Any) -> None:
    expected = outcome(lambda: by_loop(DEFAULT, SID, dict(options)))
    assert outcome(lambda: otr.prepare_archive(SID, dict(options))) == expected


# ---- random policies ----------------------------------------------------------------------

KEYS = st.sampled_from(list(ARCHIVE_OPTION_KEYS))
SCALARS = st.one_of(
    st.sampled_from(TEXTS[:6] + list(ARCHIVE_LAYOUT_TYPES) + list(ARCHIVE_RESOLUTIONS)),
    st.booleans(),
    st.integers(0, 50),
)


def _kind_table(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            [
                "required",
                "forbidden",
                "allowed",
                "pattern",
                "length",
                "type",
                "range",
                "exclusive",
                "default",
                "session_id",
            ]
        )
    )
    table: dict[str, Any] = {"kind": kind}
    if kind in ("required", "forbidden", "exclusive"):
        table["keys"] = draw(st.lists(KEYS, min_size=2 if kind == "exclusive" else 1, max_size=3))
    else:
        table["key"] = draw(KEYS)
    if kind == "allowed":
        table["values"] = draw(st.lists(SCALARS, min_size=1, max_size=3))
    elif kind == "pattern":
        table["pattern"] = draw(st.sampled_from(["acme-.+", "[a-z]*", "(composed|pip)"]))
    elif kind == "length":
        table["min"], table["max"] = draw(st.sampled_from([(1, 5), (0, 2), (3, 90)]))
    elif kind == "type":
        table["type"] = draw(st.sampled_from(["bool", "str", "int", "number", "list", "table"]))
    elif kind == "range":
        table["min"], table["max"] = draw(st.sampled_from([(0, 50), (15, 40), (100_000, 200_000)]))
    elif kind == "default":
        table["value"] = draw(SCALARS)
    if kind != "default" and draw(st.booleans()):
        table["when"] = {
            draw(KEYS): draw(st.one_of(SCALARS, st.lists(SCALARS, min_size=1, max_size=2)))
        }
    if kind != "default" and draw(st.booleans()):
        table["severity"] = "warn"
    if kind != "default" and draw(st.booleans()):
        table["message"] = "house rule: {key} is wrong here"
    return table


@st.composite
def policies(draw: st.DrawFn) -> RuleRegistry:
    """A policy's archive registry: house rules of every kind around the library's, some of
    the library's disabled, on the default or strict base."""
    tables = []
    for number in range(draw(st.integers(0, 5))):
        table = _kind_table(draw)
        table["id"] = f"house-{number}"
        where = draw(st.sampled_from([None, "after", "before"]))
        if where is not None:
            table[where] = draw(st.sampled_from(list(STRICT.ids())[:30]))
        tables.append(table)
    disabled = draw(st.lists(st.sampled_from(list(DEFAULT.ids())), max_size=3, unique=True))
    policy = {
        "base": draw(st.sampled_from(["default", "strict"])),
        "disable": disabled,
        "archive": tables,
    }
    try:
        return otr.load_policy(policy).archive_rules
    except otr.PolicyError:
        # A policy the loader refuses (a rule placed next to a disabled one, say): its
        # library rules alone, still a registry to hold the compiled pass to.
        return otr.load_policy({"base": policy["base"]}).archive_rules


@settings(max_examples=examples(300), deadline=None)
@given(policies(), SESSION_IDS, OPTIONS)
def test_a_policys_rules_compiled_decide_as_their_loop(
    registry: RuleRegistry, session_id: object, options: Any
) -> None:
    same(registry, session_id, options)


# ---- rules the compiler calls in place ----------------------------------------------------


@attrs.frozen(kw_only=True)
class AcmeTag(ValueKind):
    """A plugin kind: the tag starts with ``acme-``."""

    def holds(self, value: object) -> bool:
        return isinstance(value, str) and value.startswith("acme-")


@attrs.frozen(kw_only=True)
class ReadsEverything(SessionId):
    """A subclass that decides in its own code: called in place."""

    def apply(self, options: Any) -> Any:
        return () if options.get("name") != "no" else SessionId.apply(self, {"x": 1})


@rule("renames", "Drops a resolution and fills a name.")
def renames(options: dict[str, Any]) -> Any:
    if options.get("resolution") == "640x480":
        del options["resolution"]
        options["name"] = "renamed"
    return "no bitrate of 5" if options.get("max_bitrate") == 5 else None


def mixed_registry(base: RuleRegistry, where: int) -> RuleRegistry:
    registry = base.copy()
    ids = registry.ids()
    registry.insert_before(
        ids[where % len(ids)],
        AcmeTag(id="acme-tag", key="multi_archive_tag", message="tags start with acme-"),
    )
    registry.insert_after(ids[(where + 3) % len(ids)], renames)
    registry.add(ReadsEverything(id="reads-everything", key="session_id"))
    # Session rules in an archive registry: their compiled forms read session options as
    # local variables, which the archive pass has not; they are called in place.
    registry.add(MediaModeRule(id="media-mode-here"))
    registry.add(ArchiveResolutionValidRule(id="session-resolution-here"))
    return registry


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from([DEFAULT, STRICT]), st.integers(0, 30), SESSION_IDS, OPTIONS)
def test_rules_called_in_place_decide_as_their_loop(
    base: RuleRegistry, where: int, session_id: object, options: Any
) -> None:
    same(mixed_registry(base, where), session_id, options)


def test_rules_called_in_place_are_said_so_in_the_source() -> None:
    registry = mixed_registry(DEFAULT, 5)
    with pytest.raises(otr.ValidationError, match="no option 'media_mode'"):
        otr.prepare_archive(SID, name="x", rules=registry)  # the session rule fills media_mode
    source = registry._state.passes["archive"].source
    assert source.count("called in place") == 4  # renames, the subclass, the two session rules
    assert "AcmeTag" in source  # a plugin ValueKind is compiled


@pytest.mark.parametrize("registry", [DEFAULT, STRICT], ids=["default", "strict"])
def test_the_librarys_archive_rules_are_all_compiled(registry: RuleRegistry) -> None:
    otr.prepare_archive(SID, name="x", rules=registry)
    source = registry._state.passes["archive"].source
    assert "called in place" not in source
    assert source.count("\n    # ") > len(registry)  # a comment per rule, and the end's


def test_an_edit_replaces_the_compiled_pass() -> None:
    registry = otr.default_archive_rules()
    with pytest.raises(otr.ValidationError):
        otr.prepare_archive(SID, resolution="800x600", rules=registry)
    first = registry._state.passes["archive"]
    registry.remove("archive-resolution")
    assert otr.prepare_archive(SID, resolution="800x600", rules=registry).body["resolution"] == (
        "800x600"
    )
    assert registry._state.passes["archive"] is not first
    registry.add(Forbidden(id="no-tags", keys=["multi_archive_tag"]))
    with pytest.raises(otr.ValidationError) as refused:
        otr.prepare_archive(SID, multi_archive_tag="b", rules=registry)
    assert [v.rule for v in refused.value.violations] == ["no-tags"]


def test_a_session_pass_and_an_archive_pass_of_one_registry_do_not_mix() -> None:
    registry = otr.default_archive_rules()
    otr.prepare_archive(SID, name="x", rules=registry)
    assert registry._state.compiled is None  # the session's slot is the session pipeline's
    assert set(registry._state.passes) == {"archive"}


#: The characters of base64url text, the body of a session id.
BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@settings(max_examples=examples(500), deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.text(
            alphabet=[*sorted(BASE64URL), "\u00e9", "\u0663", "\uff41", "+", "/", "="], max_size=12
        ).map(lambda body: "1_" + body),
        st.sampled_from([SID, "2_a", "1_", "3_abc", "1_" + "a" * 253, "1_" + "a" * 254]),
    )
)
def test_the_session_id_kind_holds_of_base64url_ids_only(value: str) -> None:
    """SessionId.holds (isascii and isalnum, for speed) is its definition: "1_" or "2_" and
    base64url characters, 3 to 255 characters in all."""
    expected = (
        3 <= len(value) <= 255 and value[:2] in ("1_", "2_") and BASE64URL.issuperset(value[2:])
    )
    assert SessionId(id="s", key="session_id").holds(value) is expected
