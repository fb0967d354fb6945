"""The archive pass's cheaper steps (issue 31) decide exactly as the steps they replace.

* ``SessionId`` tests base64url text on the id's bytes (``bytes.isalnum`` after reading
  ``-`` and ``_`` as letters) where it used ``str.isalnum`` on the text after two
  ``replace`` calls: both forms, its ``holds`` and the compiled pass's inline test, agree with
  that definition on any text.
* ``prepare_archive`` reads a plain dict of options (and a plain layout dict) itself: the
  outcome is the one the general reading (``archives.working_options``, every mapping's way) gives,
  for dicts and for the same options as another kind of mapping.
* The compiled pass's own end makes the spec, its layout and the answer through makers: they
  are instances of their own classes, equal to what their constructors make, and frozen.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import attrs
import pytest
from _support.properties import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine.compiler import compiled_pass
from opentok_rules.engine.kinds import SessionId
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.operations.archive import prepare as archives

_SESSION = "1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _reference_form(value: object) -> bool:
    """The session id form as SessionId wrote it before (issue 29's definition)."""
    if value.__class__ is not str or not 3 <= len(value) <= 255 or value[:2] not in ("1_", "2_"):
        return False
    body = value[2:]
    return body.isascii() and body.replace("-", "a").replace("_", "a").isalnum()


_ids = st.one_of(
    st.text(alphabet=_B64URL, max_size=260).map(lambda body: "1_" + body),
    st.builds(
        lambda prefix, body, odd: prefix + body + odd,
        st.sampled_from(["1_", "2_", "3_", "1-", "", "1"]),
        st.text(alphabet=_B64URL, max_size=40),
        # Near misses (other base64 and URL characters, letters and digits of other
        # scripts, a lone surrogate) and any character.
        st.text(
            alphabet=st.one_of(st.sampled_from("~+/.=% \u00e9\u0661\ud800"), st.characters()),
            max_size=3,
        ),
    ),
    st.text(max_size=12),
)


@settings(max_examples=examples(400))
@given(_ids)
@example("1_abc~")
@example("1_ab+/")
@example("2_a.b")
@example("1_\u00e9t\u00e9")
@example("1_\u0661\u0662")
@example("1_a\ud800")
@example("1_")
@example("2_x")
@example("1_" + "a" * 253)
@example("1_" + "a" * 254)
@example(_SESSION)
def test_the_session_id_form_is_the_one_defined_before(value: str) -> None:
    rule = SessionId(id="sid", key="session_id")
    assert rule.holds(value) is _reference_form(value)
    registry = RuleRegistry([rule])
    compiled = compiled_pass(registry, archives._operation()).function
    result = compiled({"session_id": value}, False, True)
    if _reference_form(value):
        spec, _ = result  # let through by the compiled pass
        assert spec.session_id == value
        assert rule.apply({"session_id": value}) == ()
    else:
        assert isinstance(result, otr.ValidationError)
        assert [v.rule for v in result.violations] == ["sid"]
        assert rule.apply({"session_id": value})  # the rule's own loop refuses it too


_layout = st.one_of(
    st.none(),
    st.sampled_from(["pip", "bestFit", "custom", 3]),
    st.dictionaries(
        st.one_of(
            st.sampled_from(["type", "stylesheet", "screenshare_type", "screenshareType", "size"]),
            st.integers(0, 2),
        ),
        st.one_of(st.none(), st.sampled_from(["pip", "custom", "bestFit", "a {}", 7])),
        max_size=4,
    ),
)
_options = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.none(), st.text(max_size=5), st.integers(0, 3)),
        "output_mode": st.one_of(
            st.none(),
            st.sampled_from(["composed", "individual", "other", otr.OutputMode.INDIVIDUAL]),
        ),
        "stream_mode": st.one_of(
            st.none(), st.sampled_from(["auto", "manual", otr.StreamMode.AUTO])
        ),
        "resolution": st.sampled_from(["640x480", "1280x720", "1x1"]),
        "layout": _layout,
        "layout_type": st.sampled_from(["pip", "custom"]),
        "has_video": st.sampled_from([True, False, None, 1]),
        "max_bitrate": st.sampled_from([100_000, 5, 2.5e5]),
        "session_id": st.just(_SESSION),
        "extra": st.just(1),
    },
)


def _outcome(call: Any) -> Any:
    try:
        prepared = call()
    except (otr.ValidationError, TypeError) as exc:
        return type(exc), [(v.rule, v.field, v.message) for v in getattr(exc, "violations", [])]
    return prepared.spec, prepared.body, prepared.warnings


def _general(options: Mapping[str, Any]) -> Any:
    """The pass on the options as the general reading (any mapping's) makes them."""

    def call() -> Any:
        working = archives.working_options(_SESSION, options, {})
        result = compiled_pass(archives._default_rules(), archives._operation()).function(
            working, True, True
        )
        if isinstance(result, otr.ValidationError):
            raise result
        return result

    return _outcome(call)


@settings(max_examples=examples(300))
@given(_options)
def test_a_dict_of_options_is_read_as_any_mapping_is(options: dict[str, Any]) -> None:
    ours = _outcome(lambda: otr.prepare_archive(_SESSION, dict(options)))
    assert ours == _general(dict(options))
    # The same options in another kind of mapping go the general way.
    assert ours == _outcome(
        lambda: otr.prepare_archive(_SESSION, types.MappingProxyType(dict(options)))
    )
    if "session_id" not in options:  # else Python itself refuses the second session_id
        assert ours == _outcome(lambda: otr.prepare_archive(_SESSION, None, **dict(options)))


def test_the_spec_layout_and_answer_are_their_own_classes_equal_to_the_constructors() -> None:
    options = {
        "name": "weekly",
        "layout": {"type": "custom", "stylesheet": "s {}"},
        "max_bitrate": 200_000,
    }
    prepared = otr.prepare_archive(_SESSION, options)
    assert type(prepared) is otr.PreparedArchive
    assert type(prepared.spec) is otr.ArchiveSpec
    assert type(prepared.spec.layout) is archives.ArchiveLayout
    expected = otr.ArchiveSpec(
        _SESSION,
        name="weekly",
        layout=archives.ArchiveLayout("custom", "s {}"),
        max_bitrate=200_000,
    )
    assert prepared.spec == expected
    assert prepared == otr.PreparedArchive(expected, expected.to_body(), ())
    assert hash(prepared.spec) == hash(expected)
    for made in (prepared, prepared.spec, prepared.spec.layout):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.__setattr__(attrs.fields(type(made))[0].name, None)
