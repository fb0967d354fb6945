"""The built-in kinds (API.md section 7): each alone, in a registry, and warnings end to end."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import ArchiveMode, MediaMode, Role, Violation, default_rules, prepare_session
from opentok_rules.engine.kinds import BUILTIN_KINDS, FieldProblem, Kind
from opentok_rules.engine.registry import MEMO_SIZE
from opentok_rules.kinds import (
    Allowed,
    Forbidden,
    Length,
    MaxTTL,
    Network,
    Pattern,
    Required,
)
from opentok_rules.testing import Emulator

API_KEY = "123456"
API_SECRET = "0123456789abcdef0123456789abcdef01234567"


def verdict(rule: Kind, **options: Any) -> list[tuple[str | None, str]]:
    """(field, severity) of each violation ``rule`` finds in ``options``."""
    return [(each.field, each.severity) for each in rule.apply(dict(options))]


# --- each kind: holds, fails, absent key, `when` true and false, enum values as strings ---


def test_required() -> None:
    rule = Required(id="named", keys=["archive_name", "location"])
    assert verdict(rule, archive_name="a", location="1.2.3.4") == []
    assert verdict(rule, archive_name="a") == [("location", "deny")]
    assert verdict(rule, archive_name=None, location="1.2.3.4") == [("archive_name", "deny")]
    assert verdict(rule) == [("archive_name", "deny"), ("location", "deny")]
    assert rule.description == "archive_name and location are given"
    (found,) = rule.apply({"archive_name": "a"})
    assert found.message == "location must be given"


def test_required_when() -> None:
    rule = Required(id="named", keys=["archive_name"], when={"archive_mode": "always"})
    assert verdict(rule, archive_mode=ArchiveMode.ALWAYS) == [("archive_name", "deny")]
    assert verdict(rule, archive_mode="always") == [("archive_name", "deny")]
    assert verdict(rule, archive_mode="manual") == []
    assert verdict(rule) == []  # a `when` key that is absent: the rule does not apply
    assert rule.description == "archive_name is given (when archive_mode is always)"


def test_forbidden() -> None:
    rule = Forbidden(id="no-e2ee", keys=["e2ee"])
    assert verdict(rule) == []
    assert verdict(rule, e2ee=None) == []
    assert verdict(rule, e2ee=False) == [("e2ee", "deny")]
    assert rule.apply({"e2ee": True})[0].message == "e2ee must not be given; got True"
    when = Forbidden(id="no-e2ee", keys=["e2ee"], when={"media_mode": ["relayed", "routed"]})
    assert verdict(when, e2ee=True, media_mode=MediaMode.RELAYED) == [("e2ee", "deny")]
    assert verdict(when, e2ee=True, media_mode="other") == []
    assert when.description == "e2ee is not given (when media_mode is one of relayed, routed)"


def test_allowed() -> None:
    rule = Allowed(id="routed-only", key="media_mode", values=["routed"])
    assert verdict(rule) == []
    assert verdict(rule, media_mode="routed") == []
    assert verdict(rule, media_mode=MediaMode.ROUTED) == []  # an enum member is its str
    assert verdict(rule, media_mode=MediaMode.RELAYED) == [("media_mode", "deny")]
    (found,) = rule.apply({"media_mode": MediaMode.RELAYED})
    assert found == Violation(
        "routed-only", "media_mode", "media_mode must be one of 'routed'; got 'relayed'"
    )
    assert rule.description == "media_mode is one of routed"
    assert rule.reads == frozenset({"media_mode"})


def test_allowed_compares_types_plainly() -> None:
    rule = Allowed(id="e2ee-off", key="e2ee", values=[False])
    assert verdict(rule, e2ee=False) == []
    assert verdict(rule, e2ee=0) == [("e2ee", "deny")]  # 0 == False, but it is not False
    assert verdict(rule, e2ee="false") == [("e2ee", "deny")]
    numbers = Allowed(id="n", key="n", values=[1, 2.5])
    assert verdict(numbers, n=1.0) == verdict(numbers, n=2.5) == []
    assert verdict(numbers, n=True) == [("n", "deny")]
    assert verdict(numbers, n="1") == [("n", "deny")]


def test_allowed_when() -> None:
    rule = Allowed(
        id="roles", key="role", values=["subscriber"], when={"e2ee": True}, severity="warn"
    )
    assert verdict(rule, role=Role.MODERATOR, e2ee=True) == [("role", "warn")]
    assert verdict(rule, role=Role.MODERATOR, e2ee=False) == []
    assert verdict(rule, role=Role.MODERATOR, e2ee=1) == []  # 1 is not True
    assert rule.reads == frozenset({"role", "e2ee"})
    assert rule.description == "role is one of subscriber (when e2ee is true)"


def test_pattern() -> None:
    rule = Pattern(id="acme-names", key="archive_name", pattern="acme-[a-z0-9-]+")
    assert verdict(rule) == []
    assert verdict(rule, archive_name="acme-weekly") == []
    assert verdict(rule, archive_name="acme-weekly!") == [("archive_name", "deny")]
    assert verdict(rule, archive_name="x-acme-weekly") == [("archive_name", "deny")]  # whole
    assert verdict(rule, archive_name=5) == [("archive_name", "deny")]
    (found,) = rule.apply({"archive_name": "weekly"})
    assert found.message == "archive_name must match 'acme-[a-z0-9-]+'; got 'weekly'"
    modes = Pattern(id="m", key="media_mode", pattern="rout.*", when={"archive_mode": "always"})
    assert verdict(modes, media_mode=MediaMode.ROUTED, archive_mode=ArchiveMode.ALWAYS) == []
    assert verdict(modes, media_mode=MediaMode.RELAYED, archive_mode=ArchiveMode.ALWAYS) == [
        ("media_mode", "deny")
    ]
    assert verdict(modes, media_mode=MediaMode.RELAYED, archive_mode=ArchiveMode.MANUAL) == []
    assert modes.description == "media_mode matches rout.* (when archive_mode is always)"


def test_length() -> None:
    rule = Length(id="short", key="archive_name", min=3, max=5)
    assert verdict(rule) == []
    assert [verdict(rule, archive_name="x" * n) for n in (2, 3, 5, 6)] == [
        [("archive_name", "deny")],
        [],
        [],
        [("archive_name", "deny")],
    ]
    assert verdict(rule, archive_name=["a", "b", "c"]) == []
    assert verdict(rule, archive_name=12345) == [("archive_name", "deny")]
    (found,) = rule.apply({"archive_name": "abcdef"})
    assert found.message == "archive_name must be 3 to 5 characters long; it is 6"
    assert Length(id="x", key="k", max=80).description == "k is at most 80 long"
    at_least = Length(id="x", key="k", min=1, when={"media_mode": "routed"})
    assert verdict(at_least, k="", media_mode=MediaMode.ROUTED) == [("k", "deny")]
    assert verdict(at_least, k="", media_mode=MediaMode.RELAYED) == []


def test_network() -> None:
    rule = Network(id="ours", key="location", networks=["10.0.0.0/8", "2001:db8::/32"])
    assert verdict(rule) == []
    assert verdict(rule, location="10.1.2.3") == []
    assert verdict(rule, location=ipaddress.IPv4Address("10.9.9.9")) == []
    assert verdict(rule, location="2001:db8::1") == []
    assert verdict(rule, location="11.1.2.3") == [("location", "deny")]
    assert verdict(rule, location="not an address") == [("location", "deny")]
    assert verdict(rule, location=167837953) == [("location", "deny")]  # an int is no address
    (found,) = rule.apply({"location": "11.1.2.3"})
    assert found.message == (
        "location must be an address in 10.0.0.0/8, 2001:db8::/32; got '11.1.2.3'"
    )
    when = Network(id="ours", key="location", networks=["10.0.0.0/8"], when={"e2ee": True})
    assert verdict(when, location="11.1.2.3", e2ee=True) == [("location", "deny")]
    assert verdict(when, location="11.1.2.3", e2ee=False) == []


def test_max_ttl() -> None:
    rule = MaxTTL(id="two-hours", seconds=7200)
    now = 1_700_000_000.25
    assert verdict(rule, now=now, expire_time=1_700_007_200) == []
    assert verdict(rule, now=now, expire_time=1_700_007_201) == [("expire_time", "deny")]
    # Absent: the default lifetime of a day.
    assert verdict(rule, now=now) == [("expire_time", "deny")]
    assert verdict(MaxTTL(id="day", seconds=86400), now=now) == []
    # Before token-expire-time normalizes it: a datetime counts the same.
    later = dt.datetime.fromtimestamp(1_700_003_600, tz=dt.timezone.utc)
    assert verdict(rule, now=now, expire_time=later) == []
    assert verdict(rule, now=now, expire_time="soon") == []  # token-expire-time refuses it
    assert verdict(rule, expire_time=1) == []  # no `now`: not a token's options
    when = MaxTTL(id="mods", seconds=60, when={"role": "moderator"})
    assert verdict(when, now=now, role=Role.MODERATOR) == [("expire_time", "deny")]
    assert verdict(when, now=now, role=Role.PUBLISHER) == []
    assert rule.description == "the token expires at most 7200 seconds after it is made"


def test_a_message_and_a_severity_of_ones_own() -> None:
    rule = Allowed(
        id="acme-routed",
        key="media_mode",
        values=["routed"],
        message="Acme sessions are routed",
        severity="warn",
    )
    assert rule.apply({"media_mode": "relayed"}) == (
        Violation("acme-routed", "media_mode", "Acme sessions are routed", "warn"),
    )


def test_a_message_names_the_key_at_fault_as_key() -> None:
    rule = Forbidden(id="plain", keys=["archive_name", "location"], message="drop {key}, please")
    found = rule.apply({"archive_name": "a", "location": "1.2.3.4"})
    assert [v.message for v in found] == ["drop archive_name, please", "drop location, please"]
    required = Required(id="r", keys=["e2ee"], message="{key} is needed", when={"x": 1})
    assert [v.message for v in required.apply({"x": 1})] == ["e2ee is needed"]


@pytest.mark.parametrize(
    ("make", "field", "text"),
    [
        (lambda: Allowed(id="", key="k", values=["a"]), "id", "non-empty string"),
        (lambda: Allowed(id="a", key="k", values=[]), "values", "non-empty list"),
        (lambda: Allowed(id="a", key="k", values="ab"), "values", "non-empty list"),
        (lambda: Allowed(id="a", key="k", values=[None]), "values", "holds None"),
        (lambda: Allowed(id="a", key=3, values=["x"]), "key", "option name"),  # type: ignore[arg-type]
        (lambda: Allowed(id="a", key="k", values=["x"], severity="error"), "severity", "'warn'"),
        (lambda: Allowed(id="a", key="k", values=["x"], message=""), "message", "non-empty"),
        (lambda: Allowed(id="a", key="k", values=["x"], when=["k"]), "when", "table"),
        (lambda: Allowed(id="a", key="k", values=["x"], when={"k": []}), "when", "non-empty"),
        (lambda: Required(id="a", keys="archive_name"), "keys", "list of option names"),
        (lambda: Forbidden(id="a", keys=[""]), "keys", "list of option names"),
        (lambda: Pattern(id="a", key="k", pattern="(a"), "pattern", "missing ), unterminated"),
        (lambda: Pattern(id="a", key="k", pattern=3), "pattern", "regular expression string"),  # type: ignore[arg-type]
        (lambda: Length(id="a", key="k"), "max", "min, max or both"),
        (lambda: Length(id="a", key="k", min=5, max=4), "max", "below min (5)"),
        (lambda: Length(id="a", key="k", min=-1), "min", "0 or more"),
        (lambda: Length(id="a", key="k", max=True), "max", "whole number"),
        (lambda: Network(id="a", key="k", networks=["10.0.0.1/8"]), "networks", "'10.0.0.0/8'?"),
        (lambda: Network(id="a", key="k", networks=["10.0.0/33"]), "networks", "CIDR form"),
        (lambda: Network(id="a", key="k", networks="10.0.0.0/8"), "networks", "non-empty list"),
        (lambda: MaxTTL(id="a", seconds=0), "seconds", "above 0"),
        (lambda: MaxTTL(id="a", seconds=1.5), "seconds", "whole number"),  # type: ignore[arg-type]
    ],
)
def test_unusable_fields_are_refused_naming_the_field(make: Any, field: str, text: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        make()
    assert caught.value.field == field
    assert text in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_violation_is_deny_or_warn() -> None:
    assert Violation("r", None, "m").severity == "deny"
    assert Violation("r", None, "m", "warn").severity == "warn"
    with pytest.raises(ValueError, match="'deny' or 'warn'; got 'error'"):
        Violation("r", None, "m", "error")


def test_the_kinds_by_name() -> None:
    assert sorted(BUILTIN_KINDS) == [
        "allowed",
        "default",  # issue 27's generic kinds: default, normalize, range, type
        "exclusive",
        "forbidden",
        "length",
        "max_ttl",
        "network",
        "normalize",
        "pattern",
        "range",
        "required",
        "session_id",
        "type",
    ]
    assert all(cls.kind == name for name, cls in BUILTIN_KINDS.items())


# --- in a registry: skipping, remembering, warnings ---

ROUTED_ONLY = Allowed(id="acme-routed-only", key="media_mode", values=["routed"])
NAMED = Pattern(id="acme-names", key="archive_name", pattern="acme-.*", severity="warn")


def company_rules() -> otr.RuleRegistry:
    rules = default_rules()
    rules.add(ROUTED_ONLY)
    rules.add(NAMED)
    return rules


def test_a_registry_of_kinds_keeps_remembering_specs() -> None:
    rules = company_rules()
    assert rules._memo is not None
    first = prepare_session(media_mode="routed", archive_mode="always", archive_name="acme-1")
    again = prepare_session(
        {"media_mode": "routed", "archive_mode": "always", "archive_name": "acme-1"}, rules=rules
    )
    assert again.spec == first.spec
    remembered = rules._memo
    assert remembered is not None
    assert len(remembered) == 1
    # The same options again: the very same spec, from the memo.
    third = prepare_session(
        {"media_mode": "routed", "archive_mode": "always", "archive_name": "acme-1"}, rules=rules
    )
    assert third.spec is again.spec
    assert len(remembered) <= MEMO_SIZE


def test_a_rule_of_ones_own_turns_the_memo_off_as_before() -> None:
    rules = company_rules()

    @otr.rule("mine", "Anything.")
    def mine(options: otr.Options) -> None:
        return None

    rules.add(mine)
    assert rules._memo is None


def test_a_remembered_outcome_keeps_its_warnings() -> None:
    rules = company_rules()
    options = {"media_mode": "routed", "archive_mode": "always", "archive_name": "weekly"}
    first = prepare_session(options, rules=rules)
    second = prepare_session(options, rules=rules)
    assert second.spec is first.spec
    assert (
        first.warnings
        == second.warnings
        == (
            Violation(
                "acme-names",
                "archive_name",
                "archive_name must match 'acme-.*'; got 'weekly'",
                "warn",
            ),
        )
    )


def test_warnings_never_refuse_and_denials_do() -> None:
    rules = company_rules()
    ok = prepare_session(media_mode="routed", rules=rules)
    assert ok.warnings == ()
    with pytest.raises(otr.ValidationError) as caught:
        prepare_session(media_mode="relayed", archive_mode="always", archive_name="x", rules=rules)
    # Only the refusals are raised; the warning is not among them.
    assert [v.rule for v in caught.value.violations] == [
        "always-archive-requires-routed",
        "acme-routed-only",
    ]


def test_kinds_are_skipped_where_they_read_nothing() -> None:
    rules = default_rules()
    rules.add(NAMED)
    rules.add(Required(id="named", keys=["archive_name"], when={"archive_mode": "always"}))
    plan = rules._plan(rules._plans, frozenset({"media_mode"}))
    assert NAMED.apply not in plan  # nothing it reads: skipped
    plan = rules._plan(rules._plans, frozenset({"archive_name"}))
    assert NAMED.apply in plan
    # A key its `when` reads, given alone, is no work either: the library's own kind rule
    # (manual-archive-forbids-name-and-resolution) costs nothing when only archive_mode is.
    manual = rules.get("manual-archive-forbids-name-and-resolution")
    assert manual.apply not in rules._plan(rules._plans, frozenset({"archive_mode"}))
    assert manual.apply in rules._plan(rules._plans, frozenset({"archive_resolution"}))
    # `required` has work to do exactly where the key is missing, so it is never skipped
    # for missing keys; archive_mode is always filled in by archive-mode-default.
    with pytest.raises(otr.ValidationError, match="archive_name must be given"):
        prepare_session(media_mode="routed", archive_mode="always", rules=rules)
    assert prepare_session(media_mode="routed", rules=rules).warnings == ()


def test_a_required_key_filled_by_an_earlier_rule_is_given() -> None:
    rules = default_rules()
    rules.add(Required(id="mode", keys=["archive_mode"]))
    rules.add(Required(id="place", keys=["location"]))
    with pytest.raises(otr.ValidationError) as caught:
        prepare_session(rules=rules)
    assert [v.rule for v in caught.value.violations] == ["place"]
    assert prepare_session(location="1.2.3.4", rules=rules).spec.location == "1.2.3.4"


# Options as a caller might give them: keys the kinds read, values of every plain sort.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["routed", "relayed", "always", "manual", "acme-1", "10.0.0.1", "1.2.3.4"]),
    st.sampled_from([*MediaMode, *ArchiveMode]),
    st.text(max_size=6),
)
OPTIONS = st.dictionaries(
    st.sampled_from(["media_mode", "archive_mode", "archive_name", "location", "e2ee", "x"]),
    VALUES,
    max_size=5,
)


def _outcome(options: dict[str, Any], rules: otr.RuleRegistry) -> object:
    try:
        prepared = prepare_session(options, rules=rules)
    except otr.ValidationError as exc:
        return ("refused", exc.violations)
    return (prepared.spec, prepared.warnings)


def _rules_without_memo() -> otr.RuleRegistry:
    rules = company_rules()
    rules.add(Network(id="ours", key="location", networks=["10.0.0.0/8"], severity="warn"))
    rules.add(Forbidden(id="no-e2ee", keys=["e2ee"], when={"archive_mode": "always"}))
    return rules


@given(st.lists(OPTIONS, min_size=1, max_size=8))
def test_skipping_and_remembering_never_change_a_verdict(calls: list[dict[str, Any]]) -> None:
    fast = _rules_without_memo()
    slow = _rules_without_memo()
    assert fast._memo is not None
    for options in calls + calls:  # each twice: the second time from the memo
        slow._plans.clear()
        slow._memo = None  # no memo, and a plan made afresh for every call
        expected = _outcome(options, slow)
        assert _outcome(options, fast) == expected
        # Every rule run on its own, in order, says the same as the registry.
        working = dict(options)
        found: list[Violation] = []
        for each in slow:
            found.extend(each.apply(working))
        denied = [v for v in found if v.severity == "deny"]
        if denied:
            assert expected == ("refused", tuple(denied))
        else:
            assert expected[1] == tuple(v for v in found if v.severity == "warn")  # type: ignore[index]


@given(st.text(max_size=10), st.sampled_from([*MediaMode, *ArchiveMode, *Role]))
def test_enum_members_are_compared_as_their_strings(text: str, member: Any) -> None:
    rule = Allowed(id="a", key="k", values=[text])
    assert verdict(rule, k=member) == verdict(rule, k=member.value)
    pattern = Pattern(id="p", key="k", pattern=re.escape(text))
    assert verdict(pattern, k=member) == verdict(pattern, k=member.value)
    assert (verdict(rule, k=member) == []) == (member.value == text)


# --- warnings through the clients ---


def test_session_warnings_reach_the_session_and_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        Emulator() as emulator,
        otr.OpenTok(
            emulator.api_key, emulator.api_secret, emulator.url, rules=company_rules()
        ) as client,
    ):
        with caplog.at_level(logging.WARNING, logger="opentok_rules.client"):
            session = client.create_session(
                media_mode="routed", archive_mode="always", archive_name="weekly"
            )
            quiet = client.create_session(media_mode="routed")
    assert [w.rule for w in session.warnings] == ["acme-names"]
    assert quiet.warnings == ()
    assert [(r.levelno, r.name) for r in caplog.records] == [
        (logging.WARNING, "opentok_rules.client")
    ]
    assert "[acme-names] (archive_name) archive_name must match" in caplog.records[0].getMessage()


def test_token_warnings_are_logged_and_denials_refuse(caplog: pytest.LogCaptureFixture) -> None:
    token_rules = otr.default_token_rules()
    token_rules.add(MaxTTL(id="two-hours", seconds=7200, severity="warn"))
    token_rules.add(Allowed(id="no-moderators", key="role", values=["subscriber", "publisher"]))
    with (
        Emulator() as emulator,
        otr.OpenTok(
            emulator.api_key, emulator.api_secret, emulator.url, token_rules=token_rules
        ) as client,
    ):
        session = client.create_session(media_mode="routed")
        with caplog.at_level(logging.WARNING, logger="opentok_rules.client"):
            assert session.generate_token(role="subscriber")  # a day: warned, still made
            with pytest.raises(otr.ValidationError, match="no-moderators"):
                session.generate_token(role=Role.MODERATOR)
    (record,) = caplog.records
    assert record.name == "opentok_rules.client"
    assert "[two-hours] (expire_time) the token would live 86400 seconds" in record.getMessage()


@pytest.mark.anyio
async def test_the_async_client_reports_warnings_too(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("aiohttp")
    with Emulator() as emulator:
        async with otr.AsyncOpenTok(
            emulator.api_key, emulator.api_secret, emulator.url, rules=company_rules()
        ) as client:
            with caplog.at_level(logging.WARNING, logger="opentok_rules.client"):
                session = await client.create_session(
                    media_mode="routed", archive_mode="always", archive_name="weekly"
                )
    assert [w.rule for w in session.warnings] == ["acme-names"]
    assert len(caplog.records) == 1


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_generate_token_alone_logs_on_the_tokens_logger(caplog: pytest.LogCaptureFixture) -> None:
    from opentok_rules.session_ids import make_session_id
    from opentok_rules.tokens import generate_token

    rules = otr.default_token_rules()
    rules.add(MaxTTL(id="two-hours", seconds=7200, severity="warn"))
    session_id = make_session_id(API_KEY)
    with caplog.at_level(logging.WARNING, logger="opentok_rules.tokens"):
        generate_token(API_KEY, API_SECRET, session_id, rules=rules)
    assert [r.name for r in caplog.records] == ["opentok_rules.tokens"]
