"""The hot-path builders of frozen attrs classes make what the classes' own __init__ makes."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opentok_rules import (
    OpenTok,
    PreparedSession,
    SessionRecord,
    Violation,
    prepare_session,
)
from opentok_rules._frozen import slot_setters
from opentok_rules.client import Session, _session
from opentok_rules.http.answers import _record
from opentok_rules.http.transport import Response, make_response

text = st.text(max_size=20)
maybe_text = st.none() | text


@given(st.tuples(text, maybe_text, maybe_text, maybe_text, maybe_text))
def test_a_built_record_equals_the_constructed_one(values: tuple[Any, ...]) -> None:
    built = _record(*values)
    assert type(built) is SessionRecord
    assert built == SessionRecord(*values)
    assert hash(built) == hash(SessionRecord(*values))
    assert repr(built) == repr(SessionRecord(*values))


@given(st.integers(100, 599), st.dictionaries(text, text, max_size=3), st.binary(max_size=20))
def test_a_built_response_equals_the_constructed_one(
    status: int, headers: dict[str, str], body: bytes
) -> None:
    built = make_response(status, headers, body)
    assert type(built) is Response
    assert built == Response(status, headers, body)
    assert (built.status, built.headers, built.body) == (status, headers, body)


def test_a_built_session_equals_the_constructed_one() -> None:
    client = OpenTok("123456", "0123456789abcdef0123456789abcdef01234567")
    spec = prepare_session(media_mode="routed").spec
    record = SessionRecord("1_MX4xfg", "123456")
    warnings = (Violation("acme-named", "archive_name", "name it acme-*", "warn"),)
    built = _session("1_MX4xfg", PreparedSession(spec, spec.to_params(), warnings), record, client)
    made = Session("1_MX4xfg", spec, record, client=client, warnings=warnings)
    assert built == made
    assert repr(built) == repr(made)
    assert built._client is client
    assert str(built) == "1_MX4xfg"


def test_built_objects_stay_frozen() -> None:
    record = _record("id", None, None, None, None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.session_id = "other"  # type: ignore[misc]


@attrs.frozen
class _Validated:
    value: int = attrs.field(validator=attrs.validators.instance_of(int))


@attrs.frozen
class _Converted:
    value: int = attrs.field(converter=int)


@attrs.frozen
class _PostInit:
    value: int

    def __attrs_post_init__(self) -> None:
        pass


@attrs.frozen(slots=False)
class _Unslotted:
    value: int


@pytest.mark.parametrize("cls", [_Validated, _Converted, _PostInit, _Unslotted])
def test_a_class_whose_init_does_more_is_refused(cls: type) -> None:
    with pytest.raises(TypeError, match=rf"{cls.__name__}\.__init__ does more than set slots"):
        slot_setters(cls)
