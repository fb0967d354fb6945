"""The library's rules and the emulator's independent model of the service, held against each other.

Two directions: every params dict ``prepare_session`` produces is accepted by the emulator's
checks, and every option set the rules refuse for a combination or a value is refused by the
emulator too when sent raw, the way a client without rules would send it. A disagreement means
one of the two models of the service is wrong.
"""

from __future__ import annotations

import inspect
import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
from _support.api import VALUE_RULE_IDS
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.testing._params import (
    ARCHIVE_RESOLUTIONS,
    MAX_ARCHIVE_NAME_LENGTH,
    create_params_problem,
    parse_form,
)

#: Rules that refuse an option set for its combination of options or for a value the form
#: can carry; the others judge a Python type (e2ee "yes"), which a form cannot express.
VALUE_RULES = VALUE_RULE_IDS
_ABSENT = object()


def _text_near(good: list[str]) -> st.SearchStrategy[str]:
    """Good values, and values a character or a space away from good ones."""
    mangled = st.builds(
        lambda value, where, char: value[:where] + char + value[where:],
        st.sampled_from(good),
        st.integers(0, 12),
        st.sampled_from([" ", "0", "x", "\t", "\n", "\u00a0", "\u0661", "."]),
    )
    return st.sampled_from(good) | mangled | st.text(max_size=12)


ipv4_text = st.ip_addresses(v=4).map(str)
locations = st.one_of(
    ipv4_text,
    st.ip_addresses(v=4).map(ipaddress.IPv4Address),
    _text_near(["12.34.56.78", "0.0.0.0", "255.255.255.255", "1.2.3.4"]),
    st.builds(lambda a: f"{a}.1.2.3", st.integers(0, 999)),
    ipv4_text.map(lambda s: s.replace(".", ".0", 1)),  # a leading zero
)
archive_names = st.one_of(
    st.text(min_size=1, max_size=MAX_ARCHIVE_NAME_LENGTH),
    st.text(min_size=MAX_ARCHIVE_NAME_LENGTH - 2, max_size=MAX_ARCHIVE_NAME_LENGTH + 3),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
)
options = st.fixed_dictionaries(
    {},
    optional={
        "media_mode": st.sampled_from(["routed", "relayed", otr.MediaMode.ROUTED, None, "x"]),
        "archive_mode": st.sampled_from(["manual", "always", otr.ArchiveMode.ALWAYS, None])
        | _text_near(["manual", "always"]),
        "e2ee": st.booleans() | st.none(),
        "location": locations | st.none(),
        "archive_name": archive_names | st.none(),
        "archive_resolution": st.sampled_from([*ARCHIVE_RESOLUTIONS, None])
        | _text_near(list(ARCHIVE_RESOLUTIONS)),
    },
)

# Options the rules are likely to accept, so the first direction sees many valid sets too.
likely_valid = st.fixed_dictionaries(
    {"media_mode": st.just("routed"), "archive_mode": st.just("always")},
    optional={
        "location": ipv4_text,
        "archive_name": archive_names,
        "archive_resolution": st.sampled_from(ARCHIVE_RESOLUTIONS),
    },
) | st.fixed_dictionaries(
    {"media_mode": st.just("routed")},
    optional={"location": ipv4_text, "e2ee": st.booleans(), "archive_mode": st.just("manual")},
)


def raw_form(opts: Mapping[str, Any]) -> dict[str, str]:
    """The form a client with no rules sends for ``opts``, as the Ruby SDK (the seed) builds it.

    media_mode "routed" is routed and anything else relayed; every other option that is given
    (not ``None``) is sent as its text, booleans as "true"/"false".
    """
    routed = opts.get("media_mode") == "routed"
    form = {"p2p.preference": "disabled" if routed else "enabled"}
    names = {
        "archive_mode": "archiveMode",
        "location": "location",
        "archive_name": "archiveName",
        "archive_resolution": "archiveResolution",
        "e2ee": "e2ee",
    }
    for key, name in names.items():
        value = opts.get(key)
        if value is None:
            continue
        if isinstance(value, bool):
            form[name] = "true" if value else "false"
        else:
            form[name] = value.value if isinstance(value, otr.ArchiveMode) else str(value)
    return form


def emulator_problem(form: Mapping[str, str]) -> str | None:
    """What the emulator says about ``form`` after it has crossed the wire as a urlencoded body."""
    body = urlencode(form).encode("ascii")
    return create_params_problem(parse_form(body))


@settings(max_examples=examples(600), deadline=None)
@given(options | likely_valid)
@example({"media_mode": "routed", "archive_mode": "always", "archive_name": "n" * 80})
@example({"media_mode": "routed", "archive_mode": "always", "archive_resolution": "1080x1920"})
@example({"location": "0.0.0.0"})
def test_every_prepared_params_dict_is_accepted_by_the_emulator(opts: dict[str, Any]) -> None:
    try:
        prepared = otr.prepare_session(opts)
    except otr.ValidationError:
        return
    assert emulator_problem(prepared.params) is None


@settings(max_examples=examples(600), deadline=None)
@given(options)
@example({"media_mode": "relayed", "archive_mode": "always"})
@example({"media_mode": "routed", "archive_mode": "always", "e2ee": True})
@example({"media_mode": "routed", "archive_mode": "always", "archive_name": "n" * 81})
@example({"archive_resolution": "640x480"})
@example({"location": "01.2.3.4"})
@example({"location": " 1.2.3.4"})
@example({"location": "\u0661.2.3.4"})
def test_every_option_set_the_rules_refuse_is_refused_by_the_emulator(
    opts: dict[str, Any],
) -> None:
    try:
        otr.prepare_session(opts)
    except otr.ValidationError as error:
        violations = [v for v in error.violations if v.rule in VALUE_RULES]
    else:
        return
    if not violations:
        return
    problem = emulator_problem(raw_form(opts))
    assert problem is not None, f"the rules refused {violations}, the emulator took {opts!r}"


@pytest.mark.parametrize(
    ("opts", "expected"),
    [
        ({"media_mode": "routed", "archive_mode": "always"}, None),
        ({"archive_mode": "always"}, "requires p2p.preference 'disabled'"),
        ({"media_mode": "routed", "e2ee": True, "archive_mode": "always"}, "archiveMode 'manual'"),
        ({"archive_name": "x"}, "only allowed with archiveMode 'always'"),
        ({"location": "1.2.3.04"}, "location must be an IPv4 address"),
    ],
    ids=stable_id,
)
def test_raw_forms_meet_the_emulators_checks(opts: dict[str, Any], expected: str | None) -> None:
    problem = emulator_problem(raw_form(opts))
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert expected in problem


def test_the_emulators_limits_are_its_own_and_match_the_libraries() -> None:
    # Written down twice on purpose (from the service's docs); they must still say the same.
    import opentok_rules.testing._params as params

    assert params.ARCHIVE_RESOLUTIONS is not otr.ARCHIVE_RESOLUTIONS
    assert set(params.ARCHIVE_RESOLUTIONS) == set(otr.ARCHIVE_RESOLUTIONS)
    source = inspect.getsource(params)
    assert "from opentok_rules" not in source
    assert "import opentok_rules" not in source
    assert MAX_ARCHIVE_NAME_LENGTH == 80


def test_an_archive_name_the_form_cannot_carry_is_refused_by_the_rules() -> None:
    opts = {"media_mode": "routed", "archive_mode": "always", "archive_name": "room \ud800"}
    # Found by the agreement property: no UTF-8 form can carry a lone surrogate, so the rules
    # refuse it rather than letting urlencode fail in the client.
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(opts)
    assert [v.rule for v in caught.value.violations] == ["archive-name-length"]
