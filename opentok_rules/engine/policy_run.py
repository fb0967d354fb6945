"""``run_policy_tests``: a policy's own ``[[test]]`` tables, run against it."""

from __future__ import annotations

from opentok_rules.engine.policies import Policy
from opentok_rules.engine.policy_tests import PolicyTestResult, run_tests

__all__ = ["run_policy_tests"]


def run_policy_tests(policy: Policy) -> tuple[PolicyTestResult, ...]:
    """Run ``policy.tests`` against ``policy`` (its base and the files it extends included),
    in file order: one :class:`~opentok_rules.PolicyTestResult` per test, ``passed`` and a
    ``detail`` saying what happened (what differed, for a test that failed).

    A test is never an exception: a rule that raises, or an operation this version of the
    library cannot run (``archive``), is a failed result that says so.
    """
    return run_tests(policy)
