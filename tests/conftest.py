"""Set-up shared by every test: the Hypothesis profiles, one Chromium per test process for the
browser tests, each PEM private key checked once per process, one default TLS context for the
async transports made without ``ca_certs``, and the installed entry points listed again only
when what is installed has changed.

``OTR_HYPOTHESIS_PROFILE`` chooses the profile:

- ``dev`` (the default): 20 examples a property (a fifth of the full budget; a tenth for a
  property marked ``examples(N, costly=True)``), so the README's test command stays quick;
- ``ci``: the full budget, 100 examples a property and each test's own larger figure
  (``tests/_support/properties.py``); CI's coverage runs (tox's ``py3*`` envs) use it.

Neither has a deadline: on a shared or busy machine a slow example is not a failure (speed goals
live in ``benchmarks/``), and Hypothesis' 200 ms deadline made cold runs flaky.
"""

from __future__ import annotations

import importlib.metadata
import os
import ssl
import sys
import sysconfig
import types
from collections.abc import Iterator
from typing import Any

import pytest
from _support.chromium import Chromium, started_chromium
from hypothesis import settings

PROFILE_VARIABLE = "OTR_HYPOTHESIS_PROFILE"
PROFILES = {"dev": 20, "ci": 100}

for _name, _examples in PROFILES.items():
    settings.register_profile(_name, max_examples=_examples, deadline=None, print_blob=True)

_chosen = os.environ.get(PROFILE_VARIABLE, "dev")
if _chosen not in PROFILES:
    raise pytest.UsageError(
        f"{PROFILE_VARIABLE}={_chosen!r} names no Hypothesis profile; "
        f"use one of {', '.join(sorted(PROFILES))}"
    )
settings.load_profile(_chosen)


@pytest.fixture(autouse=True, scope="session")
def _programs_the_tests_start_are_not_measured() -> Iterator[None]:
    """Under coverage (tox's test envs), only the processes that run tests are measured.

    coverage's subprocess patch (pyproject.toml) measures pytest-xdist's workers through this
    variable; the programs a test starts itself inherit it too, and would then import coverage
    (and tomllib) before the code under test, which the import tests check. A session fixture
    runs where the tests run, after the workers have started: it drops the variable there.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COVERAGE_PROCESS_CONFIG", raising=False)
        yield


@pytest.fixture(autouse=True, scope="session")
def _each_private_key_is_checked_once() -> Iterator[None]:
    """cryptography's checked load of a PEM private key (the RSA numbers' consistency check)
    costs about 30 ms of CPU; the library does it for every Vonage client and emulator it is
    given a key (``opentok_rules/vonage.py``), PyJWT does it again for every RS256 token it
    signs with a PEM text (each Vonage REST call's ``Authorization`` header, through its own
    reference to the function in ``jwt.algorithms``), and the tests give them the same few keys
    some thousands of times. The check's verdict on the same bytes is always the same, so the
    key a checked load returns is remembered by its PEM bytes, in this process, for the tests'
    run. A load that fails is not remembered (it fails again each time), and the unchecked,
    encrypted or backend-given loads go straight through.
    """
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # no vonage extra: nothing loads keys
        yield
        return
    real = serialization.load_pem_private_key
    remembered: dict[bytes, Any] = {}

    def load(
        data: bytes,
        password: bytes | None,
        backend: Any = None,
        *,
        unsafe_skip_rsa_key_validation: bool = False,
    ) -> Any:
        if password is not None or backend is not None or unsafe_skip_rsa_key_validation:
            return real(
                data,
                password,
                backend,
                unsafe_skip_rsa_key_validation=unsafe_skip_rsa_key_validation,
            )
        pem = bytes(data)
        if pem not in remembered:
            remembered[pem] = real(pem, None)
        return remembered[pem]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(serialization, "load_pem_private_key", load)
        from jwt import algorithms

        if getattr(algorithms, "load_pem_private_key", None) is real:
            patch.setattr(algorithms, "load_pem_private_key", load)
        yield


@pytest.fixture(autouse=True, scope="session")
def _one_default_tls_context_for_the_async_transports() -> Iterator[None]:
    """An ``AiohttpTransport`` builds its TLS context when it is made (so that a bad
    ``ca_certs`` fails there, not at the first request); without ``ca_certs`` that is Python's
    default context, whose loading of the system's CA store costs about 50 ms of CPU, and the
    tests make some hundreds of async transports, nearly all for a server on 127.0.0.1 over
    plain HTTP. The default context is the same each time and neither the transport nor aiohttp
    changes it, so in this process the transports made without ``ca_certs`` share one. Those
    given ``ca_certs`` (the TLS tests) build their own, as does every other user of ``ssl``:
    only the transport module's name ``ssl`` is replaced, by a copy of the module whose
    ``create_default_context`` remembers the default one.
    """
    try:
        from opentok_rules.http import async_transport
    except ImportError:  # no async extra: no async transport is made
        yield
        return
    shared: list[ssl.SSLContext] = []

    def create_default_context(
        purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH,
        *,
        cafile: str | None = None,
        capath: str | None = None,
        cadata: str | bytes | None = None,
    ) -> ssl.SSLContext:
        if purpose is not ssl.Purpose.SERVER_AUTH or cafile or capath or cadata:
            return ssl.create_default_context(purpose, cafile=cafile, capath=capath, cadata=cadata)
        if not shared:
            shared.append(ssl.create_default_context())
        return shared[0]

    module = types.SimpleNamespace(**vars(ssl))
    module.create_default_context = create_default_context
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(async_transport, "ssl", module)
        yield


def _installed_state() -> tuple[object, ...]:
    """What ``importlib.metadata`` lists entry points from: each ``sys.path`` entry with its
    folder's modification time, and for a folder outside this environment's own (the site
    folders tests make for plugin distributions), each distribution's metadata folder in it
    with its ``entry_points.txt``'s time and size. Any install, removal or edit changes it."""
    fixed = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    state: list[object] = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
            continue
        if entry in fixed or not os.path.isdir(entry or "."):
            continue
        for name in sorted(os.listdir(entry or ".")):
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    found = os.stat(os.path.join(entry or ".", name, "entry_points.txt"))
                except OSError:
                    state.append((name, None))
                else:
                    state.append((name, found.st_mtime_ns, found.st_size))
    return tuple(state)


@pytest.fixture(autouse=True, scope="session")
def _entry_points_listed_again_only_after_a_change() -> Iterator[None]:
    """Each policy load lists the ``opentok_rules.kinds`` entry points (so a plugin installed
    meanwhile is seen); ``importlib.metadata.entry_points`` reads every installed
    distribution's metadata for that, about 4 ms of CPU here, and the tests load some thousands
    of policies. What it returns depends only on what is installed on ``sys.path``, so the
    answer is remembered with that state (``_installed_state``) and listed again when the state
    differs: the plugin tests, which install distributions into a site folder of their own,
    still see each install and removal at once.
    """
    real = importlib.metadata.entry_points
    remembered: dict[tuple[object, ...], Any] = {}

    def entry_points(**params: Any) -> Any:
        key = (tuple(sorted(params.items())), _installed_state())
        if key not in remembered:
            if len(remembered) >= 8:  # an earlier state is unlikely to come back
                remembered.clear()
            remembered[key] = real(**params)
        return remembered[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importlib.metadata, "entry_points", entry_points)
        yield


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium | None]:
    """One headless Chromium for the test process (``None`` without one); each module's
    ``browser`` fixture opens a tab of its own in it (``_support.chromium.chromium_tab``)."""
    yield from started_chromium()
