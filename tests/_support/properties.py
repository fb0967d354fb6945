"""Hypothesis budgets that follow the profile chosen in ``tests/conftest.py``.

A property test written with ``@settings(max_examples=examples(600))`` runs 600 examples under
the full profile (``OTR_HYPOTHESIS_PROFILE=ci``, what CI runs) and a fifth of them under the
default one, in the same proportion as the tests that leave ``max_examples`` to the profile.
``examples(600, costly=True)`` is for a property whose every example is slow (a registry
compiled, a schema validated, a policy file written and loaded): the full budget under the full
profile, half the default profile's share (a tenth) under it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

#: Hypothesis' own default ``max_examples``: the full profile's, which the budgets are written for.
FULL = 100

#: The fewest examples a scaled budget gives (or the budget itself when it is smaller).
FLOOR = 10


def examples(full: int, *, costly: bool = False) -> int:
    """``full`` examples under the full profile; the same share of them under a smaller one,
    half that share if each example is ``costly``."""
    if full < 1:
        raise ValueError(f"a budget is at least one example, not {full!r}")
    profile = settings().max_examples  # settings(): the loaded profile's
    if profile >= FULL:
        return full * profile // FULL
    scaled = full * profile // (FULL * 2 if costly else FULL)
    return max(min(full, FLOOR), scaled)


def heavy(full: int, *, costly: bool = False) -> settings:
    """Settings for a property whose examples are large or slow to make: ``examples(full,
    costly=costly)`` of them, without the health checks that would stop it for that."""
    return settings(
        max_examples=examples(full, costly=costly),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
