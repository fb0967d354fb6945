"""Set-up shared by every test: the Hypothesis profiles, one Chromium per test process for the
browser tests, and each PEM private key checked once per process.

``OTR_HYPOTHESIS_PROFILE`` chooses the profile:

- ``dev`` (the default): 20 examples a property (a fifth of the full budget; a tenth for a
  property marked ``examples(N, costly=True)``), so the README's test command stays quick;
- ``ci``: the full budget, 100 examples a property and each test's own larger figure
  (``tests/_support/properties.py``); CI's coverage runs (tox's ``py3*`` envs) use it.

Neither has a deadline: on a shared or busy machine a slow example is not a failure (speed goals
live in ``benchmarks/``), and Hypothesis' 200 ms deadline made cold runs flaky.
"""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium | None]:
    """One headless Chromium for the test process (``None`` without one); each module's
    ``browser`` fixture opens a tab of its own in it (``_support.chromium.chromium_tab``)."""
    yield from started_chromium()
