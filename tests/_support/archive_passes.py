"""What the property tests of the compiled archive passes share: the values they try, how an
outcome is compared, and the plugin rules the compiler calls in place."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.kinds import SessionId, ValueKind
from opentok_rules.engine.registry import RuleRegistry, rule
from opentok_rules.operations.session.rules import MediaModeRule
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

#: Option names and plain values for random policies' rules.
KEYS = st.sampled_from(list(ARCHIVE_OPTION_KEYS))
SCALARS = st.one_of(
    st.sampled_from(TEXTS[:6] + list(ARCHIVE_LAYOUT_TYPES) + list(ARCHIVE_RESOLUTIONS)),
    st.booleans(),
    st.integers(0, 50),
)


#: Random archive options: every kind of value, a layout (a table, a type or a wrong thing).
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

#: The same, the valid values weighing more: a specialized pass's own end is where most
#: is folded.
USUAL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(TEXTS),
    st.integers(-5, 7_000_000),
    st.sampled_from([14, 15, 40, 41, 100_000, 6_000_001, 200_000.0]),
    st.sampled_from([*OutputMode, *StreamMode, *Foreign]),
    st.sampled_from(TEXTS).map(Text),
)
USUAL_LAYOUTS = st.one_of(
    st.sampled_from([*ARCHIVE_LAYOUT_TYPES, "weird"]),
    st.dictionaries(
        st.sampled_from(["type", "stylesheet", "screenshare_type", "screenshareType"]),
        st.one_of(st.none(), st.sampled_from([*ARCHIVE_LAYOUT_TYPES, "css {}"])),
        max_size=3,
    ),
)
#: Random key subsets of the archive's options (a few with an unknown key, or the layout's).
USUAL_OPTIONS = st.dictionaries(
    st.sampled_from([*OPTION_NAMES, "layout_type", "bogus"]), USUAL_VALUES, max_size=7
).flatmap(
    lambda found: st.one_of(
        st.just(found), USUAL_LAYOUTS.map(lambda layout: {**found, "layout": layout})
    )
)
USUAL_SESSION_IDS = st.one_of(st.just(SID), st.just("2_abc-_"), st.none(), st.just("3_x"))


def said(violations: Any) -> list[tuple[object, ...]]:
    return [(v.rule, v.field, v.message, v.severity) for v in violations]


def outcome(run: Callable[[], Any]) -> tuple[object, ...]:
    """What ``run`` decided, comparable: the answer, the violations, or the error."""
    try:
        prepared = run()
    except otr.ValidationError as err:
        return ("refused", said(err.violations))
    except Exception as exc:  # the same error either way is what is held
        return ("error", type(exc).__name__, str(exc))
    # repr: True and 1 are equal, and must not be taken for each other.
    return ("ok", repr(prepared.spec), repr(prepared.body), said(prepared.warnings))


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


@rule("fills", "Drops a resolution and fills a name and a bitrate.")
def fills(options: dict[str, Any]) -> Any:
    if options.get("resolution") == "640x480":
        del options["resolution"]
        options["name"] = "filled"
        options["max_bitrate"] = 150_000
    return "no bitrate of 5" if options.get("max_bitrate") == 5 else None


def plugin_registry(base: RuleRegistry, where: int, *more: Any) -> RuleRegistry:
    """``base`` with rules the compiler calls in place, at places ``where`` picks: a plugin
    kind, a plain rule that writes, a subclass deciding in its own code, a session rule (its
    compiled form reads session options as locals, which an archive pass has not), ``more``."""
    registry = base.copy()
    ids = registry.ids()
    registry.insert_before(
        ids[where % len(ids)],
        AcmeTag(id="acme-tag", key="multi_archive_tag", message="tags start with acme-"),
    )
    registry.insert_after(ids[(where + 3) % len(ids)], fills)
    registry.add(ReadsEverything(id="reads-everything", key="session_id"))
    registry.add(MediaModeRule(id="media-mode-here"))
    for each in more:
        registry.add(each)
    return registry


@functools.cache
def _library_ids(*, strict: bool) -> list[str]:
    rules = otr.strict_archive_rules() if strict else otr.default_archive_rules()
    return list(rules.ids())


def kind_table(draw: st.DrawFn) -> dict[str, Any]:
    """A house rule's table of a random kind on random archive options."""
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
        table = kind_table(draw)
        table["id"] = f"house-{number}"
        where = draw(st.sampled_from([None, "after", "before"]))
        if where is not None:
            table[where] = draw(st.sampled_from(_library_ids(strict=True)[:30]))
        tables.append(table)
    disabled = draw(st.lists(st.sampled_from(_library_ids(strict=False)), max_size=3, unique=True))
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
