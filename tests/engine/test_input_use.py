"""A compiled pass that only reads its input is handed the caller's dict without a copy; one
that writes into it, or hands it to a rule, is given a copy. Whichever it is, the caller's dict
is never changed, and the outcome is the registry's loop's."""

from __future__ import annotations

import copy
import textwrap
from typing import Any

import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import kinds
from opentok_rules.engine.input_use import keeps_input
from opentok_rules.operations.session.prepare import _interpreted


def _pass(*body: str) -> str:
    lines = textwrap.indent("\n".join(body), "    ")
    return f"def compiled_pass(options, prepared, returning=False):\n{lines}\n"


@pytest.mark.parametrize(
    "body",
    [
        ("get = options.get", "x = get('x')"),
        ("x = options['x']",),
        ("if not _kept.issuperset(options):", "    pass"),
        ("if 'x' in options:", "    y = 1"),
        ("for key in options.keys():", "    pass"),
        # A block that copies first works on its copy to its end.
        ("if not _kept.issuperset(options):", "    options = options.copy()", "    f(options)"),
        ("options = options.copy()", "options['x'] = 1", "return options"),
    ],
)
def test_a_pass_that_only_reads_keeps_its_input(body: tuple[str, ...]) -> None:
    assert keeps_input(_pass(*body))


@pytest.mark.parametrize(
    "body",
    [
        ("options['x'] = 1",),
        ("del options['x']",),
        ("options.pop('x', None)",),
        ("options.update(x=1)",),
        ("found = _apply(options)",),
        ("found = _apply(o=options)",),
        ("kept = options", "kept['x'] = 1"),
        ("return options, warnings",),
        ("if options in seen:", "    pass"),
        ("options = dict(options)",),
        ("x = [*options]", "options.clear()"),
        # The copy is made in one branch only: after the if, options may be the caller's.
        ("if c:", "    options = options.copy()", "_apply(options)"),
        ("try:", "    pass", "except E:", "    _apply(options)"),
        ("with lock:", "    options['x'] = 1"),
        ("while c:", "    options['x'] = 1"),
    ],
)
def test_a_pass_that_writes_or_hands_over_its_input_does_not_keep_it(
    body: tuple[str, ...],
) -> None:
    assert not keeps_input(_pass(*body))


class _Stamps(otr.Rule):
    """A rule of the caller's that writes into the dict it is given (called in place)."""

    id = "stamps"
    description = "names every archive and forgets the location"

    def apply(self, options: dict[str, Any]) -> tuple[otr.Violation, ...]:
        options["archive_name"] = "stamped"
        options.pop("location", None)
        return ()


def _registries() -> dict[str, otr.RuleRegistry]:
    writing = otr.default_rules()
    writing.insert_after("media-mode", _Stamps())
    policy = otr.default_rules()
    policy.add(kinds.Allowed(id="house-routed", key="media_mode", values=["routed"]))
    return {
        "default": otr.default_rules(),
        "strict": otr.strict_rules(),
        "policy": policy,
        "writing": writing,
    }


def test_the_librarys_passes_keep_their_input_and_one_that_writes_does_not() -> None:
    kept = {}
    for name, registry in _registries().items():
        otr.compiled_source(registry)
        kept[name] = registry._state.compiled.keeps_input
    assert kept == {"default": True, "strict": True, "policy": True, "writing": False}


# Shared by the examples: each call must also leave the memo's answers right.
REGISTRIES = _registries()

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["routed", "relayed", "always", "manual", "1.2.3.4", "640x480", "x"]),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)
NAMES = st.sampled_from(
    [
        "media_mode", "location", "archive_mode", "archive_name", "archive_resolution",
        "e2ee", "junk", "mediaMode",
    ]
)  # fmt: skip


@given(st.dictionaries(NAMES, VALUES, max_size=7), st.sampled_from(sorted(REGISTRIES)))
@settings(max_examples=examples(200))
def test_the_callers_dict_is_never_changed_and_the_outcome_is_the_loops(
    options: dict[str, Any], which: str
) -> None:
    registry = REGISTRIES[which]
    given_options = copy.deepcopy(options)
    try:
        prepared: otr.PreparedSession | otr.ValidationError = otr.prepare_session(
            options, rules=registry
        )
    except otr.ValidationError as exc:
        prepared = exc
    assert options == given_options
    expected: tuple[Any, ...] | otr.ValidationError
    try:
        expected = _interpreted(copy.deepcopy(given_options), registry)
    except otr.ValidationError as exc:
        expected = exc
    if isinstance(expected, otr.ValidationError):
        assert isinstance(prepared, otr.ValidationError)
        assert prepared.violations == expected.violations
    else:
        assert isinstance(prepared, otr.PreparedSession)
        assert (prepared.spec, prepared.warnings) == expected
