"""The compiled token pass decides exactly as the token registry's own loop.

``token_outcome`` (under ``prepare_token``, ``generate_token`` and the clients) runs the token
registry compiled into one function (``engine.compiler`` with the token's ``Operation``). The
reference is the registry's loop (``spec_after_rules``, what ``token_outcome`` ran before): the
same spec and warnings, or the same violations (rule, field, message, severity, in order), or
the same error, on random token options, refused ones included, for the default registry,
random policy registries and registries holding rules the compiler calls in place.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.kinds import Default
from opentok_rules.engine.registry import RuleRegistry, rule
from opentok_rules.engine.shared import spec_after_rules
from opentok_rules.operations.token import prepare as token_pipeline
from opentok_rules.operations.token.rules import TOKEN_OPTION_KEYS, _good_class
from opentok_rules.operations.token.spec import TokenSpec
from opentok_rules.session_ids import make_session_id
from opentok_rules.values import Role, utf8_encodable

OWNER = "123456"
SID = make_session_id(OWNER)
OTHER_SID = make_session_id("654321")
NOW = 1_750_000_000.25


class Foreign(enum.Enum):
    """Another library's enum: read by its member's name."""

    moderator = "m"
    PUBLISHER = "p"


class Text(str):
    """A str subclass: judged and signed as its characters."""


ROLES = st.one_of(
    st.none(),
    st.sampled_from(["publisher", "subscriber", "moderator", "SUBSCRIBER", "Moderator", "admin"]),
    st.sampled_from([*Role, *Foreign]),
    st.sampled_from(["subscriber", "PUBLISHER"]).map(Text),
    st.integers(0, 2),
)
EXPIRES = st.one_of(
    st.none(),
    st.integers(int(NOW) - 10, int(NOW) + 31 * 86400),
    st.sampled_from([int(NOW), int(NOW) + 1, int(NOW) + 30 * 86400, int(NOW) + 30 * 86400 + 1]),
    st.floats(NOW - 10, NOW + 40 * 86400),
    st.just(dt.datetime(2025, 6, 16, tzinfo=dt.timezone.utc)),
    st.sampled_from(["tomorrow", True]),
)
DATA = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(["", "x" * 999, "x" * 1000, "\ud800", "name=Ann"]),
    st.sampled_from(["abc"]).map(Text),
    st.integers(0, 3),
)
CLASSES = st.one_of(
    st.none(),
    st.lists(
        st.sampled_from(["focus", "full", "a b", "", "\u00a0x", "\ud800", "y" * 600]), max_size=3
    ),
    st.lists(st.sampled_from(["focus", "full"]), max_size=2).map(tuple),
    st.sampled_from(["focus", 3, [1], [Text("t")]]),
)
TYPES = st.one_of(st.none(), st.sampled_from(["JWT", "jwt", "T1", "t1", "T2", 1]))
VALUES = {
    "role": ROLES,
    "expire_time": EXPIRES,
    "data": DATA,
    "initial_layout_class_list": CLASSES,
    "token_type": TYPES,
}
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        **VALUES,
        "rolle": st.just("publisher"),
        "api_key": st.just("x"),
        "now": st.just(5),
        "owner": st.just(OWNER),
    },
)
SESSION_IDS = st.one_of(
    st.just(SID),
    st.just(OTHER_SID),
    st.just(SID).map(Text),
    st.text(max_size=5),
    st.integers(0, 2),
)
BACKENDS = st.sampled_from([("OpenTok", ("JWT", "T1")), ("Vonage", ("JWT",))])


def by_loop(
    registry: RuleRegistry,
    session_id: object,
    backend: tuple[str, tuple[str, ...]],
    options: dict[str, Any],
) -> tuple[TokenSpec, tuple[otr.Violation, ...]]:
    """What token_outcome decided before it was compiled: the registry's loop."""
    working = {
        **options,
        "session_id": session_id,
        "owner": OWNER,
        "backend": backend[0],
        "token_types": backend[1],
        "now": NOW,
        "option_names": tuple(options),
    }
    issued_at = int(NOW)
    return spec_after_rules(
        registry,
        working,
        lambda rules_left: token_pipeline.spec_of(rules_left, issued_at),
        "token",
        "TokenSpec",
    )


def by_pass(
    registry: RuleRegistry | None,
    session_id: object,
    backend: tuple[str, tuple[str, ...]],
    options: dict[str, Any],
) -> tuple[TokenSpec, tuple[otr.Violation, ...]]:
    checked = token_pipeline.token_outcome(
        OWNER,
        session_id,  # type: ignore[arg-type]
        clock=lambda: NOW,
        rules=registry,
        backend=backend[0],
        token_types=backend[1],
        **options,
    )
    return checked.value, checked.warnings


def said(violations: Any) -> list[tuple[object, ...]]:
    return [(v.rule, v.field, v.message, v.severity) for v in violations]


def outcome(run: Callable[[], Any]) -> tuple[object, ...]:
    try:
        spec, warnings = run()
    except otr.ValidationError as err:
        return ("refused", said(err.violations))
    except Exception as exc:  # the same error either way is what is held
        return ("error", type(exc).__name__, str(exc))
    fields = [(name, type(value), value) for name, value in vars_of(spec)]
    return ("ok", fields, said(warnings))


def vars_of(spec: TokenSpec) -> list[tuple[str, object]]:
    names = ("session_id", "role", "issued_at", "expire_time", "data")
    return [(name, getattr(spec, name)) for name in (*names, "initial_layout_class_list")] + [
        ("token_type", spec.token_type)
    ]


def same(
    registry: RuleRegistry,
    session_id: object,
    backend: tuple[str, tuple[str, ...]],
    options: dict[str, Any],
    default: bool = False,
) -> None:
    expected = outcome(lambda: by_loop(registry, session_id, backend, dict(options)))
    given_rules = None if default else registry
    assert outcome(lambda: by_pass(given_rules, session_id, backend, dict(options))) == expected


DEFAULT = otr.default_token_rules()


@settings(max_examples=examples(400), deadline=None)
@given(SESSION_IDS, BACKENDS, OPTIONS)
def test_the_default_rules_compiled_decide_as_their_loop(
    session_id: object, backend: Any, options: Any
) -> None:
    same(DEFAULT, session_id, backend, options)


@settings(max_examples=examples(200), deadline=None)
@given(SESSION_IDS, BACKENDS, OPTIONS)
def test_the_private_default_registry_decides_as_the_loop(
    session_id: object, backend: Any, options: Any
) -> None:
    same(DEFAULT, session_id, backend, options, default=True)


def _house_table(draw: st.DrawFn, number: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["max_ttl", "allowed", "forbidden", "required", "length"]))
    table: dict[str, Any] = {"id": f"house-{number}", "kind": kind}
    key = draw(st.sampled_from(list(TOKEN_OPTION_KEYS)))
    if kind == "max_ttl":
        table["seconds"] = draw(st.sampled_from([60, 3600, 86400, 86401]))
    elif kind == "allowed":
        table["key"] = key
        table["values"] = draw(
            st.lists(st.sampled_from(["publisher", "subscriber", "JWT", "x"]), min_size=1)
        )
    elif kind in ("forbidden", "required"):
        table["keys"] = [key]
    else:
        table["key"] = key
        table["min"], table["max"] = 1, 5
    if kind != "max_ttl" and draw(st.booleans()):
        table["severity"] = "warn"
    where = draw(st.sampled_from([None, "before", "after"]))
    if where is not None:
        table[where] = draw(st.sampled_from(list(DEFAULT.ids())))
    return table


@st.composite
def policies(draw: st.DrawFn) -> RuleRegistry:
    """A policy's token registry: house rules around the library's, some of them disabled."""
    tables = [_house_table(draw, number) for number in range(draw(st.integers(0, 4)))]
    disabled = draw(st.lists(st.sampled_from(list(DEFAULT.ids())), max_size=2, unique=True))
    try:
        return otr.load_policy({"token": tables, "disable": disabled}).token_rules
    except otr.PolicyError:
        # A policy the loader refuses (a rule placed next to a disabled one, say): the
        # library's rules alone, still a registry to hold the compiled pass to.
        return otr.load_policy({}).token_rules


@settings(max_examples=examples(300), deadline=None)
@given(policies(), SESSION_IDS, BACKENDS, OPTIONS)
def test_a_policys_rules_compiled_decide_as_their_loop(
    registry: RuleRegistry, session_id: object, backend: Any, options: Any
) -> None:
    same(registry, session_id, backend, options)


@rule("no-long-data", "Data of more than 3 characters is cut to 3, with a warning.")
def cuts_data(options: dict[str, Any]) -> Any:
    data = options.get("data")
    if isinstance(data, str) and len(data) > 3:
        options["data"] = data[:3]
        return "data cut to 3 characters"
    return None


def mixed(where: int) -> RuleRegistry:
    registry = DEFAULT.copy()
    ids = registry.ids()
    registry.insert_before(ids[where % len(ids)], cuts_data)
    # A kind whose compiled form reads locals the token pass has not: called in place.
    registry.insert_after(
        ids[(where + 2) % len(ids)], Default(id="role-default", key="role", value="subscriber")
    )
    return registry


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 6), SESSION_IDS, BACKENDS, OPTIONS)
def test_rules_called_in_place_decide_as_their_loop(
    where: int, session_id: object, backend: Any, options: Any
) -> None:
    same(mixed(where), session_id, backend, options)


def test_the_librarys_token_rules_are_all_compiled() -> None:
    by_pass(DEFAULT, SID, ("OpenTok", ("JWT", "T1")), {})
    source = DEFAULT._state.passes["token"].source
    assert "called in place" not in source
    registry = mixed(0)
    by_pass(registry, SID, ("OpenTok", ("JWT", "T1")), {})
    assert registry._state.passes["token"].source.count("called in place") == 2


def test_an_edit_applies_to_the_next_call() -> None:
    registry = otr.default_token_rules()
    assert by_pass(registry, SID, ("OpenTok", ("JWT", "T1")), {"role": "moderator"})
    first = registry._state.passes["token"]
    registry.add(
        otr.load_policy(
            {
                "token": [
                    {"id": "no-mods", "kind": "allowed", "key": "role", "values": ["publisher"]}
                ]
            }
        ).token_rules.get("no-mods")
    )
    with pytest.raises(otr.ValidationError) as caught:
        by_pass(registry, SID, ("OpenTok", ("JWT", "T1")), {"role": "moderator"})
    assert [v.rule for v in caught.value.violations] == ["no-mods"]
    assert registry._state.passes["token"] is not first


def _old_good_class(item: object) -> bool:
    return type(item) is str and bool(item) and not any(char.isspace() for char in item)


@settings(max_examples=examples(500), deadline=None)
@given(
    st.one_of(
        st.text(max_size=8), st.text(alphabet=" \t\n\x0b\x1c\x85\u00a0\u2028\u3000ab", max_size=4)
    )
)
def test_a_layout_class_is_whitespace_free_as_isspace_says(item: str) -> None:
    """_good_class's str.split test is the per-character isspace test it replaced."""
    assert _good_class(item) is (_old_good_class(item) and utf8_encodable(item))


def test_a_rule_that_normalizes_a_default_to_an_equal_member_runs_in_the_loop_too() -> None:
    """A default role "subscriber" is normalized to Role.SUBSCRIBER (equal to it, as a str
    enum): the registry's loop runs the role rule as the compiled pass does."""
    registry = DEFAULT.copy()
    registry.insert_after(
        "token-known-keys", Default(id="role-default", key="role", value="subscriber")
    )
    spec, _ = by_loop(registry, SID, ("OpenTok", ("JWT", "T1")), {})
    assert spec.role is Role.SUBSCRIBER
    assert by_pass(registry, SID, ("OpenTok", ("JWT", "T1")), {})[0].role is Role.SUBSCRIBER
