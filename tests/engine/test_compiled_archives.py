"""The compiled archive pass decides exactly as the archive registry's own loop.

``prepare_archive`` and ``archive_outcome`` run the archive registry compiled into one function
(``engine.compiler`` with the archive's ``Operation`` from
``opentok_rules.operations.archive.prepare``). The
reference is the registry's loop (``spec_after_rules``, what ``prepare_archive`` ran before):
the same spec, body and warnings, or the same violations (rule, field, message, severity, in
order), or the same error, on random archive options for the default, strict and random policy
registries, including rules the compiler calls in place (plain rules, plugin kinds, a session
rule in an archive registry).
"""

from __future__ import annotations

from typing import Any

import pytest
from _support.archive_passes import (
    OPTIONS,
    SESSION_IDS,
    SID,
    outcome,
    plugin_registry,
    policies,
)
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.kinds import Forbidden, SessionId
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.shared import spec_after_rules
from opentok_rules.operations.archive import prepare as archives
from opentok_rules.operations.archive.spec import build_spec
from opentok_rules.operations.session.rules import ArchiveResolutionValidRule


def by_loop(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> Any:
    """What prepare_archive decided before it was compiled: the registry's loop."""
    working = archives.working_options(session_id, options, {})
    spec, warnings = spec_after_rules(registry, working, build_spec, "archive", "ArchiveSpec")
    return otr.PreparedArchive(spec, spec.to_body(), warnings)


def by_pass(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> Any:
    return otr.prepare_archive(session_id, dict(options), rules=registry)  # type: ignore[arg-type]


def by_outcome(registry: RuleRegistry, session_id: object, options: dict[str, Any]) -> Any:
    checked = archives.archive_outcome(session_id, dict(options), registry, {})
    return otr.PreparedArchive(checked.value, checked.value.to_body(), checked.warnings)


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


@settings(max_examples=examples(300), deadline=None)
@given(policies(), SESSION_IDS, OPTIONS)
def test_a_policys_rules_compiled_decide_as_their_loop(
    registry: RuleRegistry, session_id: object, options: Any
) -> None:
    same(registry, session_id, options)


# ---- rules the compiler calls in place ----------------------------------------------------


def mixed_registry(base: RuleRegistry, where: int) -> RuleRegistry:
    # A session rule's compiled form reads session options as local variables, which the
    # archive pass has not: it is called in place.
    return plugin_registry(base, where, ArchiveResolutionValidRule(id="session-resolution-here"))


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
    assert source.count("called in place") == 4  # fills, the subclass, the two session rules
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
