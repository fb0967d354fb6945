"""The package's surface: ``__all__`` is what the API reference documents, the old module paths
forward with a warning until 0.3 (and the four no release had are gone), one lazy loader serves
every package's names, and the transports share one frozen settings object."""

from __future__ import annotations

import importlib
import math
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import attrs
import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules._lazy import lazy_attributes
from opentok_rules._moved import REMOVED_IN
from opentok_rules.http import exchange
from opentok_rules.http.exchange import TransportSettings
from opentok_rules.http.urllib3_transport import Urllib3Transport

API_RST = Path(__file__).resolve().parents[1] / "docs" / "api.rst"

# --- __all__ and docs/api.rst ---------------------------------------------------------------

_DIRECTIVE = re.compile(
    r"^\.\. (?:auto(?P<auto>module|class|function|exception|data|attribute)"
    r"|py:(?P<py>module|currentmodule|class|function|exception|data|attribute))::\s*(?P<name>\S+)",
    re.M,
)


def documented_names(text: str, package: str = "opentok_rules") -> set[str]:
    """The names an rst page documents as attributes of ``package`` itself.

    Follows the current module as Sphinx does: ``py:module``, ``py:currentmodule`` and
    ``automodule`` set it; a dotted name is taken as written, a plain one in the current module.
    """
    current: str | None = None
    names: set[str] = set()
    for match in _DIRECTIVE.finditer(text):
        kind = match["auto"] or match["py"]
        name = match["name"]
        if kind in ("module", "currentmodule"):
            current = None if name == "None" else name
            continue
        module, _, attribute = name.rpartition(".")
        if not module:
            module, attribute = current or "", name
        if module == package:
            names.add(attribute)
    return names


def test_the_parser_follows_the_current_module() -> None:
    text = (
        ".. autofunction:: elsewhere\n"
        ".. py:currentmodule:: pkg\n"
        ".. autofunction:: here\n"
        ".. autoclass:: pkg.Also\n"
        ".. autoclass:: pkg.sub.NotHere\n"
        ".. automodule:: pkg.sub\n"
        ".. autofunction:: in_sub\n"
        ".. py:data:: pkg.DATA\n"
        ".. py:currentmodule:: None\n"
        ".. autofunction:: nowhere\n"
    )
    assert documented_names(text, "pkg") == {"here", "Also", "DATA"}


def test_all_is_exactly_what_the_api_reference_documents() -> None:
    documented = documented_names(API_RST.read_text(encoding="utf-8"))
    listed = set(otr.__all__)
    assert len(otr.__all__) == len(listed), "a name is in __all__ twice"
    assert not documented - listed, (
        f"documented in docs/api.rst, missing from __all__: {sorted(documented - listed)}"
    )
    assert not listed - documented, (
        f"in __all__, not documented in docs/api.rst: {sorted(listed - documented)}"
    )


@pytest.mark.parametrize("name", sorted(otr.__all__))
def test_every_public_name_is_importable_from_the_package(name: str) -> None:
    namespace: dict[str, Any] = {}
    exec(f"from opentok_rules import {name}", namespace)  # the import statement users write
    assert namespace[name] is getattr(otr, name)


def test_dir_lists_the_public_names() -> None:
    assert dir(otr) == sorted(otr.__all__)


def test_prepare_token_is_public() -> None:
    from opentok_rules.operations.token.prepare import prepare_token

    assert otr.prepare_token is prepare_token
    assert "prepare_token" in otr.__all__


# --- the old module paths -------------------------------------------------------------------

# old path -> (where its names live now, a name to ask for)
KEPT = {
    "opentok_rules.answers": "opentok_rules.http.answers",
    "opentok_rules.auth": "opentok_rules.http.auth",
    "opentok_rules.convert": "opentok_rules.operations.session.convert",
    "opentok_rules.pipeline": "opentok_rules.operations.session.prepare",
    "opentok_rules.registry": "opentok_rules.engine.registry",
    "opentok_rules.rules": "opentok_rules.operations.session.rules",
    "opentok_rules.spec": "opentok_rules.operations.session.spec",
    "opentok_rules.transport": "opentok_rules.http.transport",
}


def _a_public_name(module: types.ModuleType) -> str:
    names: list[str] = getattr(module, "__all__", None) or [
        n for n in vars(module) if not n.startswith("_")
    ]
    return sorted(names)[0]


@pytest.mark.parametrize(("old", "new"), sorted(KEPT.items()))
def test_an_old_path_serves_the_new_object_and_says_when_it_goes(old: str, new: str) -> None:
    forwarder = importlib.import_module(old)
    target = importlib.import_module(new)
    name = _a_public_name(target)
    with pytest.warns(DeprecationWarning, match=f"^{re.escape(old)} is deprecated") as caught:
        value = getattr(forwarder, name)
    assert value is getattr(target, name)
    (warning,) = caught
    assert str(warning.message) == (
        f"{old} is deprecated and goes away in {REMOVED_IN}; import {name} from {new} instead"
    )
    assert warning.filename == __file__, "the warning points at the line that used the old path"


def test_the_old_transport_path_serves_the_default_transport_from_its_module() -> None:
    import opentok_rules.transport as old

    with pytest.warns(DeprecationWarning, match=r"from opentok_rules\.http\.urllib3_transport"):
        assert old.Urllib3Transport is Urllib3Transport


def test_an_old_path_has_no_dunder_names_and_says_nothing_for_them() -> None:
    import opentok_rules.rules as old

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not hasattr(old, "__path__")
        with pytest.raises(AttributeError, match="no attribute '__wrapped__'"):
            _ = old.__wrapped__


@pytest.mark.parametrize(
    "module",
    [
        "opentok_rules.async_transport",
        "opentok_rules.policy",
        "opentok_rules.token_rules",
        "opentok_rules.urllib3_transport",
    ],
)
def test_the_paths_no_release_had_are_gone(module: str) -> None:
    sys.modules.pop(module, None)
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)


# --- the lazy loader ------------------------------------------------------------------------


def test_a_lazy_name_is_imported_on_first_use_and_cached() -> None:
    namespace: dict[str, Any] = {}
    loaded: list[tuple[str, str]] = []
    getattr_ = lazy_attributes(
        "pkg",
        {"dedent": "textwrap", "sqrt": "math"},
        cache=namespace,
        before_import=lambda name, module: loaded.append((name, module)),
    )
    assert getattr_("sqrt") is math.sqrt
    assert namespace == {"sqrt": math.sqrt}
    assert loaded == [("sqrt", "math")]
    with pytest.raises(AttributeError, match=r"^module 'pkg' has no attribute 'nope'$"):
        getattr_("nope")
    assert loaded == [("sqrt", "math")], "nothing is imported for a name served nowhere"


def test_a_lazy_name_without_a_cache_is_loaded_each_time() -> None:
    loaded: list[str] = []
    getattr_ = lazy_attributes(
        "pkg", lambda name: "math", before_import=lambda name, module: loaded.append(name)
    )
    assert getattr_("pi") == getattr_("pi") == math.pi
    assert loaded == ["pi", "pi"]


def test_lazy_modules_are_relative_to_the_package_given() -> None:
    getattr_ = lazy_attributes("opentok_rules", {"Required": "kinds"}, package="opentok_rules")
    from opentok_rules.kinds import Required

    assert getattr_("Required") is Required


@pytest.mark.parametrize(
    ("package", "names"),
    [
        ("opentok_rules", ["OpenTok", "load_policy", "TokenSpec", "prepare_token"]),
        ("opentok_rules.http", ["Urllib3Transport", "Request"]),
        ("opentok_rules.testing", ["Emulator", "EmulatedSession", "EmulatedRequest"]),
    ],
)
def test_each_package_serves_its_lazy_names(package: str, names: list[str]) -> None:
    module = importlib.import_module(package)
    for name in names:
        assert getattr(module, name) is vars(module)[name]  # cached after the first use
    with pytest.raises(AttributeError, match=f"module '{re.escape(package)}' has no attribute"):
        _ = module.NoSuchName


# --- the transports' shared settings --------------------------------------------------------

SECONDS = st.floats(min_value=0.001, max_value=1e6, allow_nan=False) | st.integers(1, 10**6)
GOOD = st.fixed_dictionaries(
    {},
    optional={
        "connect_timeout": SECONDS,
        "read_timeout": SECONDS,
        "deadline": SECONDS,
        "retries": st.integers(0, 50),
        "max_retry_after": SECONDS | st.just(0),
        "max_body": st.integers(0, 1 << 30),
        "max_redirects": st.integers(0, 20),
        "pool_maxsize": st.integers(1, 100),
    },
)


@settings(max_examples=examples(100), deadline=None)
@given(GOOD)
def test_both_transports_hold_the_settings_they_are_given(given_: dict[str, Any]) -> None:
    expected = TransportSettings(**given_)
    for name in ("connect_timeout", "read_timeout", "deadline", "max_retry_after"):
        value = getattr(expected, name)
        assert type(value) is float
        assert value == given_.get(name, getattr(TransportSettings(), name))
    assert expected.rules == exchange.RetryRules(
        expected.retries, expected.max_retry_after, expected.max_redirects
    )
    with Urllib3Transport(**given_) as transport:
        assert transport.settings == expected
        assert repr(transport) == f"Urllib3Transport({expected.describe()})"


def test_the_async_transport_holds_the_same_settings() -> None:
    pytest.importorskip(
        "aiohttp", reason='the async transport needs aiohttp: pip install ".[async]"'
    )
    from opentok_rules.http.async_transport import AiohttpTransport

    given_: dict[str, Any] = {
        "connect_timeout": 1,
        "read_timeout": 3,
        "deadline": 7,
        "retries": 0,
        "max_body": 9,
    }
    transport = AiohttpTransport(**given_)
    assert transport.settings == TransportSettings(**given_) == Urllib3Transport(**given_).settings
    assert repr(transport) == f"AiohttpTransport({transport.settings.describe()})"


BAD = st.one_of(
    st.sampled_from(["connect_timeout", "read_timeout", "deadline"]).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.sampled_from([0, -1, math.inf, math.nan, True, "3", None]),
        )
    ),
    st.tuples(st.just("max_retry_after"), st.sampled_from([-0.5, math.inf, math.nan, False, "1"])),
    st.tuples(
        st.sampled_from(["retries", "max_body", "max_redirects"]),
        st.sampled_from([-1, 1.5, True, "2", None]),
    ),
    st.tuples(st.just("pool_maxsize"), st.sampled_from([0, -3, 2.0, True, "4"])),
)


@settings(max_examples=examples(100), deadline=None)
@given(BAD)
def test_a_bad_setting_is_refused_by_name(bad: tuple[str, Any]) -> None:
    name, value = bad
    with pytest.raises(ValueError, match=f"^{name} must be") as caught:
        TransportSettings(**{name: value})
    assert repr(value) in str(caught.value)
    with pytest.raises(ValueError, match=f"^{name} must be"):
        Urllib3Transport(**{name: value})


def test_the_settings_are_frozen_and_a_missing_ca_file_is_named(tmp_path: Path) -> None:
    made = TransportSettings()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.deadline = 1.0  # type: ignore[misc]
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(ValueError, match="ca_certs must be the path of a PEM file"):
        TransportSettings(ca_certs=missing)
    assert made.untrimmed == max(made.connect_timeout, made.read_timeout)


def test_the_transports_take_their_settings_by_keyword_only() -> None:
    with pytest.raises(TypeError):
        Urllib3Transport(2.0)  # type: ignore[call-arg]
    pytest.importorskip("aiohttp", reason='the async transport needs aiohttp: ".[async]"')
    from opentok_rules.http.async_transport import AiohttpTransport

    with pytest.raises(TypeError):
        AiohttpTransport(2.0)  # type: ignore[call-arg]
