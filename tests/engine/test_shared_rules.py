"""What the session and the token rules share behaves the same in both (issue 19, item 4).

Each test runs the session side and the token side through the same assertions, so the two
cannot drift apart again: the known-keys conventions, reading an enumerated option, the
text-length rules and the refusal of options an edited registry left unfit for a spec.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opentok_rules import (
    ArchiveMode,
    MediaMode,
    Role,
    ValidationError,
    Violation,
    prepare_session,
)
from opentok_rules.engine.registry import Options
from opentok_rules.engine.shared import NAME_CUT
from opentok_rules.operations.library import default_rules, default_token_rules
from opentok_rules.operations.session.rules import (
    SESSION_OPTION_KEYS,
    ArchiveNameLengthRule,
    KnownKeysRule,
)
from opentok_rules.operations.token.prepare import prepare_token
from opentok_rules.operations.token.rules import (
    TOKEN_OPTION_KEYS,
    TokenDataLengthRule,
    TokenKnownKeysRule,
)
from opentok_rules.session_ids import make_session_id
from opentok_rules.values import member_for

OWNER = "123456"
SESSION_ID = make_session_id(OWNER)


def session_refusal(key: object) -> Violation:
    (found,) = KnownKeysRule(strict=True).apply({key: 1})  # type: ignore[dict-item]
    return found


def token_refusal(key: object) -> Violation:
    (found,) = TokenKnownKeysRule().apply({"option_names": (key,), key: 1})  # type: ignore[dict-item]
    return found


REFUSERS: list[tuple[Callable[[object], Violation], Sequence[str]]] = [
    (session_refusal, SESSION_OPTION_KEYS),
    (token_refusal, TOKEN_OPTION_KEYS),
]
SIDES = pytest.mark.parametrize(("refusal", "valid"), REFUSERS, ids=["session", "token"])


# ---- known keys: one convention for the field and the message ---------------------------------


@SIDES
@pytest.mark.parametrize(
    "key", [7, None, 1.5, b"role", ("media_mode",), 10**5000], ids=lambda key: type(key).__name__
)
def test_a_key_that_is_not_a_str_is_named_by_its_short_repr_in_both(
    refusal: Callable[[object], Violation], valid: Sequence[str], key: object
) -> None:
    found = refusal(key)
    # Never None: None means a combination of options, and this is one key.
    assert isinstance(found.field, str)
    assert len(found.field) < 60
    assert found.message.startswith("option names are strings; got ")
    assert found.field in found.message


@SIDES
def test_a_long_name_is_cut_the_same_in_field_and_message_in_both(
    refusal: Callable[[object], Violation], valid: Sequence[str]
) -> None:
    name = "x" * 500
    found = refusal(name)
    assert found.field == "x" * NAME_CUT
    assert f"{found.field!r} is not a " in found.message
    assert "x" * (NAME_CUT + 1) not in found.message


@SIDES
@given(name=st.text(max_size=120))
def test_any_refused_name_is_shown_as_its_field_in_both(
    refusal: Callable[[object], Violation], valid: Sequence[str], name: str
) -> None:
    if name in valid:
        return
    found = refusal(name)
    assert found.field == name[:NAME_CUT]
    assert repr(found.field) in found.message


class Lying(str):
    """A str subclass whose __str__ and slicing say something else."""

    def __str__(self) -> str:
        return "media_mode"

    def __getitem__(self, index: Any) -> str:
        return "role"


@SIDES
def test_a_str_subclass_key_is_judged_by_its_characters_in_both(
    refusal: Callable[[object], Violation], valid: Sequence[str]
) -> None:
    found = refusal(Lying("colour"))
    assert found.field == "colour"
    assert type(found.field) is str


# ---- enumerated options: read one way --------------------------------------------------------


class Sdk(enum.Enum):
    """Another library's enum: the names say what is meant, the values do not."""

    routed = "disabled"
    always = "yes"
    MODERATOR = 3
    publisher_only = "po"


class Hostile(enum.Enum):
    A = 1

    @property
    def name(self) -> str:
        raise RuntimeError("no name for you")


@pytest.mark.parametrize(
    ("value", "values", "names", "any_case", "expected"),
    [
        (Sdk.routed, {m.value: m for m in MediaMode}, None, False, MediaMode.ROUTED),
        (Sdk.always, {m.value: m for m in ArchiveMode}, None, False, ArchiveMode.ALWAYS),
        (ArchiveMode.MANUAL, {m.value: m for m in ArchiveMode}, None, False, ArchiveMode.MANUAL),
        ("routed", {m.value: m for m in MediaMode}, None, False, MediaMode.ROUTED),
        ("ROUTED", {m.value: m for m in MediaMode}, None, False, None),
        ("MoDeRaToR", {r.value: r for r in Role}, None, True, Role.MODERATOR),
        (
            Sdk.publisher_only,
            {r.value: r for r in Role},
            {r.name.lower(): r for r in Role},
            True,
            Role.PUBLISHER_ONLY,
        ),
        # A plain str is looked up among the values only, never the names.
        (
            "publisher_only",
            {r.value: r for r in Role},
            {"publisher_only": Role.PUBLISHER},
            True,
            None,
        ),
        (Hostile.A, {"a": MediaMode.ROUTED}, None, False, None),
        (3, {"3": MediaMode.ROUTED}, None, False, None),
    ],
)
def test_member_for_reads_names_then_exact_characters(
    value: object, values: Any, names: Any, any_case: bool, expected: object
) -> None:
    assert member_for(value, values, names, any_case=any_case) is expected


@given(text=st.text(max_size=20) | st.sampled_from(["routed", "MODERATOR", "publisheronly"]))
def test_member_for_reads_a_str_by_its_exact_characters(text: str) -> None:
    media = {m.value: m for m in MediaMode}
    roles = {r.value: r for r in Role}
    assert member_for(text, media) is media.get(text)
    assert member_for(text, roles, any_case=True) is roles.get(text.lower())
    # A str subclass cannot change what is read: only its characters count.
    assert member_for(Lying(text), media) is media.get(text)


def test_the_session_and_token_rules_read_another_librarys_enum_by_name() -> None:
    spec = prepare_session(media_mode=Sdk.routed, archive_mode=Sdk.always).spec
    assert (spec.media_mode, spec.archive_mode) == (MediaMode.ROUTED, ArchiveMode.ALWAYS)
    token = prepare_token(OWNER, SESSION_ID, clock=lambda: 1.8e9, role=Sdk.MODERATOR)
    assert token.role is Role.MODERATOR


# ---- the text-length rules: one implementation ------------------------------------------------

TEXT_RULES = [
    (ArchiveNameLengthRule(), "archive_name", 80),
    (TokenDataLengthRule(), "data", 999),
]
TEXTS = pytest.mark.parametrize(
    ("rule", "key", "most"), TEXT_RULES, ids=["archive-name", "token-data"]
)


class Longer(str):
    def __len__(self) -> int:
        return 0


@TEXTS
def test_the_limit_is_inclusive_of_most(rule: Any, key: str, most: int) -> None:
    assert rule.apply({key: "é" * most}) == ()
    (found,) = rule.apply({key: "é" * (most + 1)})
    assert (found.rule, found.field) == (rule.id, key)
    assert found.message.startswith(f"{key} is {most + 1} characters long; ")


@TEXTS
def test_a_str_subclass_is_measured_by_its_characters(rule: Any, key: str, most: int) -> None:
    options: Options = {key: Longer("x" * (most + 1))}
    (found,) = rule.apply(options)
    assert f"is {most + 1} characters long" in found.message
    assert type(options[key]) is str  # what would be sent is the plain characters


@TEXTS
@pytest.mark.parametrize("value", [5, b"text", ["text"], True])
def test_a_value_that_is_not_a_str_is_refused(
    rule: Any, key: str, most: int, value: object
) -> None:
    (found,) = rule.apply({key: value})
    assert (found.rule, found.field) == (rule.id, key)
    assert " must be a str; got " in found.message


@TEXTS
def test_a_lone_surrogate_gets_the_same_message(rule: Any, key: str, most: int) -> None:
    (found,) = rule.apply({key: "room \ud800"})
    assert found.message == (
        f"{key} holds a lone surrogate (such as '\\ud800'), which cannot be sent as UTF-8; "
        "pass real text"
    )


@TEXTS
@given(text=st.text(max_size=1100))
def test_text_rules_accept_exactly_the_short_utf8_texts(
    rule: Any, key: str, most: int, text: str
) -> None:
    options: Options = {key: text}
    found = rule.apply(options)
    fits = len(text) <= most and _encodable(text)
    assert (found == ()) is fits
    if fits:
        # The archive name's one normalization: an empty name means no name at all.
        expected = None if (text == "" and rule.empty_means_none) else text
        assert options[key] == expected


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_empty_means_none_for_the_archive_name_only() -> None:
    options: Options = {"archive_name": ""}
    assert ArchiveNameLengthRule().apply(options) == ()
    assert options == {"archive_name": None}
    options = {"data": ""}
    assert TokenDataLengthRule().apply(options) == ()
    assert options == {"data": ""}  # empty connection data is signed as given


# ---- options an edited registry left unfit for a spec ------------------------------------------


def test_options_no_spec_can_hold_are_one_violation_of_the_same_shape_on_both_sides() -> None:
    session_rules = default_rules()
    session_rules.remove("archive-mode-valid")
    with pytest.raises(ValidationError) as session:
        prepare_session(archive_mode="sometimes", rules=session_rules)
    token_rules = default_token_rules()
    token_rules.remove("token-role")
    with pytest.raises(ValidationError) as token:
        prepare_token(OWNER, SESSION_ID, clock=lambda: 1.8e9, role="boss", rules=token_rules)
    for caught, kind, spec in ((session, "session", "SessionSpec"), (token, "token", "TokenSpec")):
        (violation,) = caught.value.violations
        assert (violation.rule, violation.field) == (f"{kind}-spec", None)
        assert violation.message.startswith(f"the {kind} rules left options a {spec} cannot hold: ")
        assert violation.message.endswith(
            f"; keep the default {kind} rule for it or normalize it the same way"
        )
