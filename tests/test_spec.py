"""SessionSpec: fields, immutability, converters, to_params and from_params (API.md section 2)."""

from __future__ import annotations

import typing
from typing import Any

import attrs
import attrs.exceptions
import pytest
from _support.api import FIELD_NAMES
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode, SessionSpec


def test_fields_and_defaults_exactly_as_documented() -> None:
    fields = attrs.fields(SessionSpec)
    assert tuple(f.name for f in fields) == FIELD_NAMES
    defaults = {f.name: f.default for f in fields}
    assert defaults == {
        "media_mode": MediaMode.RELAYED,
        "archive_mode": ArchiveMode.MANUAL,
        "location": None,
        "archive_name": None,
        "archive_resolution": None,
        "e2ee": False,
    }
    assert defaults["media_mode"] is MediaMode.RELAYED
    assert defaults["archive_mode"] is ArchiveMode.MANUAL
    assert defaults["e2ee"] is False


def test_field_types_as_documented() -> None:
    hints = typing.get_type_hints(SessionSpec)
    assert {name: hints[name] for name in FIELD_NAMES} == {
        "media_mode": MediaMode,
        "archive_mode": ArchiveMode,
        "location": str | None,
        "archive_name": str | None,
        "archive_resolution": str | None,
        "e2ee": bool,
    }


def test_default_instance() -> None:
    spec = SessionSpec()
    assert spec.media_mode is MediaMode.RELAYED
    assert spec.archive_mode is ArchiveMode.MANUAL
    assert spec.location is None
    assert spec.archive_name is None
    assert spec.archive_resolution is None
    assert spec.e2ee is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("media_mode", MediaMode.ROUTED),
        ("archive_mode", ArchiveMode.ALWAYS),
        ("location", "1.2.3.4"),
        ("archive_name", "x"),
        ("archive_resolution", "640x480"),
        ("e2ee", True),
    ],
)
def test_frozen(name: str, value: object) -> None:
    spec = SessionSpec()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(spec, name, value)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        delattr(spec, name)
    assert spec == SessionSpec()


def test_slotted() -> None:
    assert "__slots__" in SessionSpec.__dict__
    spec = SessionSpec()
    assert not hasattr(spec, "__dict__")
    with pytest.raises((AttributeError, attrs.exceptions.FrozenInstanceError)):
        spec.extra = 1  # type: ignore[attr-defined]


def test_equal_and_hashable() -> None:
    a = SessionSpec(media_mode="routed", archive_mode="always", archive_name="n")
    b = SessionSpec(media_mode=MediaMode.ROUTED, archive_mode=ArchiveMode.ALWAYS, archive_name="n")
    assert a == b
    assert hash(a) == hash(b)
    assert a != SessionSpec()
    assert len({a, b, SessionSpec()}) == 2


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("routed", MediaMode.ROUTED),
        ("relayed", MediaMode.RELAYED),
        (MediaMode.ROUTED, MediaMode.ROUTED),
        (MediaMode.RELAYED, MediaMode.RELAYED),
    ],
)
def test_media_mode_converter(given: Any, expected: MediaMode) -> None:
    assert SessionSpec(media_mode=given).media_mode is expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("manual", ArchiveMode.MANUAL),
        ("always", ArchiveMode.ALWAYS),
        (ArchiveMode.MANUAL, ArchiveMode.MANUAL),
        (ArchiveMode.ALWAYS, ArchiveMode.ALWAYS),
    ],
)
def test_archive_mode_converter(given: Any, expected: ArchiveMode) -> None:
    assert SessionSpec(media_mode="routed", archive_mode=given).archive_mode is expected


def test_converters_apply_on_evolve() -> None:
    spec = attrs.evolve(SessionSpec(), media_mode="routed", archive_mode="always")
    assert spec.media_mode is MediaMode.ROUTED
    assert spec.archive_mode is ArchiveMode.ALWAYS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"media_mode": "bogus"},
        {"media_mode": "ROUTED"},
        {"media_mode": None},
        {"media_mode": 1},
        {"media_mode": []},
        {"media_mode": ArchiveMode.ALWAYS},
        {"archive_mode": "sometimes"},
        {"archive_mode": None},
        {"archive_mode": ["always"]},
        {"archive_mode": MediaMode.ROUTED},
        {"location": 1234},
        {"location": b"1.2.3.4"},
        {"archive_name": 5},
        {"archive_name": b"name"},
        {"archive_resolution": 640},
        {"archive_resolution": ("640x480",)},
        {"e2ee": 1},
        {"e2ee": "true"},
        {"e2ee": None},
    ],
    ids=stable_id,
)
def test_bad_types_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        SessionSpec(**kwargs)


@pytest.mark.parametrize(
    "kwargs", [{"location": 1234}, {"archive_name": 5}, {"archive_resolution": 640}, {"e2ee": 1}]
)
def test_bad_types_of_plain_fields_raise_type_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        SessionSpec(**kwargs)


# ---- to_params --------------------------------------------------------------------------------


def test_to_params_of_defaults() -> None:
    assert SessionSpec().to_params() == {
        "p2p.preference": "enabled",
        "archiveMode": "manual",
        "e2ee": "false",
    }


def test_to_params_full() -> None:
    spec = SessionSpec(
        media_mode="routed",
        archive_mode="always",
        location="12.34.56.78",
        archive_name="Team call",
        archive_resolution="1280x720",
    )
    assert spec.to_params() == {
        "p2p.preference": "disabled",
        "archiveMode": "always",
        "location": "12.34.56.78",
        "archiveName": "Team call",
        "archiveResolution": "1280x720",
        "e2ee": "false",
    }


def test_to_params_e2ee_true() -> None:
    params = SessionSpec(media_mode="routed", e2ee=True).to_params()
    assert params == {"p2p.preference": "disabled", "archiveMode": "manual", "e2ee": "true"}


@pytest.mark.parametrize("field", ["location", "archive_name", "archive_resolution"])
def test_to_params_leaves_out_empty_values(field: str) -> None:
    params = SessionSpec(**{field: ""}).to_params()  # type: ignore[arg-type]
    assert params == SessionSpec().to_params()
    assert "" not in params.values()


@st.composite
def specs(draw: st.DrawFn) -> SessionSpec:
    """Any spec the service takes (no other can be made: test_spec_guard.py)."""
    routed = draw(st.booleans())
    always = routed and draw(st.booleans())
    archived = st.none()
    return SessionSpec(
        media_mode=draw(st.sampled_from([MediaMode.ROUTED, "routed"] if routed else ["relayed"])),
        archive_mode=draw(
            st.sampled_from(["always", ArchiveMode.ALWAYS] if always else ["manual"])
        ),
        location=draw(st.none() | st.ip_addresses(v=4).map(str)),
        archive_name=draw(st.text(min_size=1, max_size=80) if always else archived),
        archive_resolution=draw(st.sampled_from(ARCHIVE_RESOLUTIONS) if always else archived),
        e2ee=routed and not always and draw(st.booleans()),
    )


@settings(max_examples=examples(200), deadline=None)
@given(specs())
def test_to_params_shape(spec: SessionSpec) -> None:
    params = spec.to_params()
    assert all(type(k) is str for k in params)
    assert all(isinstance(v, str) and v for v in params.values())
    assert params["p2p.preference"] == (
        "disabled" if spec.media_mode is MediaMode.ROUTED else "enabled"
    )
    assert params["archiveMode"] == spec.archive_mode.value
    assert params["e2ee"] == ("true" if spec.e2ee else "false")
    optional = {
        "location": "location",
        "archiveName": "archive_name",
        "archiveResolution": "archive_resolution",
    }
    for key, attr in optional.items():
        value = getattr(spec, attr)
        if value is None:
            assert key not in params
        else:
            assert params[key] == value
    assert set(params) <= {"p2p.preference", "archiveMode", "e2ee", *optional}


@settings(max_examples=examples(200), deadline=None)
@given(specs())
def test_from_params_inverts_to_params(spec: SessionSpec) -> None:
    assert SessionSpec.from_params(spec.to_params()) == spec


def test_from_params_of_empty_mapping_is_the_default() -> None:
    assert SessionSpec.from_params({}) == SessionSpec()


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"p2p.preference": "maybe"}, "maybe"),
        ({"e2ee": "yes"}, "yes"),
        ({"e2ee": "True"}, "True"),
        ({"archiveMode": "sometimes"}, "sometimes"),
    ],
    ids=stable_id,
)
def test_from_params_refuses_what_to_params_cannot_produce(
    params: dict[str, str], shown: str
) -> None:
    with pytest.raises(ValueError, match=shown):
        SessionSpec.from_params(params)


# ---- hostile values: clear errors, never a foreign one ----------------------------------------


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ("media_mode", ValueError),
        ("archive_mode", ValueError),
        ("location", TypeError),
        ("archive_name", TypeError),
        ("archive_resolution", TypeError),
        ("e2ee", TypeError),
    ],
)
def test_a_value_whose_repr_raises_gets_a_clean_message(field: str, error: type) -> None:
    with pytest.raises(error) as caught:
        SessionSpec(**{field: BadRepr()})  # type: ignore[arg-type]
    assert field in str(caught.value)
    assert "(BadRepr)" in str(caught.value)


@pytest.mark.parametrize("params", [[1], "p2p.preference=disabled", None, 7])
def test_from_params_of_a_non_mapping_is_a_type_error(params: object) -> None:
    with pytest.raises(TypeError, match="params must be a mapping"):
        SessionSpec.from_params(params)  # type: ignore[arg-type]
