"""``run_policy_tests``: a policy's own ``[[test]]`` tables, run against it.

Above the policy loader (it runs each operation's pipeline, which reads the library's rules
from there); :mod:`~opentok_rules.engine.policy_tests` parses and checks the tables.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from opentok_rules._messages import short_repr
from opentok_rules.engine.policy_tests import PolicyTest, PolicyTestResult
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.sections import section
from opentok_rules.errors import ValidationError, Violation
from opentok_rules.operations.session.prepare import prepare_session
from opentok_rules.operations.token.prepare import token_outcome
from opentok_rules.operations.token.rules import TOKEN_TYPES
from opentok_rules.session_ids import make_session_id

if TYPE_CHECKING:
    from opentok_rules.operations.library import Policy

__all__ = ["run_policy_tests"]

#: A token test's lifetime in seconds from now, in place of an absolute ``expire_time``.
EXPIRE_IN = "expire_in"
#: The api key a test's token is made for, and its session id's project.
TEST_PROJECT = "100000001"


def check_token_test(options: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> None:
    """A token test's ``expire_in`` (seconds from now, as ``opentok-rules token
    --expire-in``): a whole number above 0, given in place of ``expire_time``."""
    if EXPIRE_IN not in options:
        return
    expire_in = options[EXPIRE_IN]
    if expire_in.__class__ is not int or expire_in <= 0:
        raise fail(
            EXPIRE_IN, f"must be a whole number of seconds above 0; got {short_repr(expire_in)}"
        )
    if "expire_time" in options:
        raise fail(EXPIRE_IN, "give expire_in or expire_time, not both")


def run_policy_tests(policy: Policy) -> tuple[PolicyTestResult, ...]:
    """Run ``policy.tests`` against ``policy`` (its base and the files it extends included),
    in file order: one :class:`~opentok_rules.PolicyTestResult` per test, ``passed`` and a
    ``detail`` saying what happened (what differed, for a test that failed).

    A test is never an exception: a rule that raises is a failed result that says so.
    """
    return run_tests(policy)


@attrs.frozen
class Verdict:
    """What the rules made of one test's options: the ids that refused and that warned, in
    registry order, and a problem that kept the operation from being run at all (if any)."""

    refused_by: tuple[str, ...]
    warned_by: tuple[str, ...]
    messages: tuple[Violation, ...] = ()
    unsupported: str | None = None


#: Runs options through a registry: the verdict.
Runner = Callable[[RuleRegistry, Mapping[str, Any]], Verdict]


def _warnings_of(registry: RuleRegistry, working: dict[str, Any]) -> tuple[Violation, ...]:
    """What the "warn" rules find (a refusal does not carry them): the rules run on a copy."""
    try:
        found = registry.apply(copy.deepcopy(working))
    except Exception:  # the refusal is what matters; the rule's failure is reported there
        return ()
    return tuple(each for each in found if each.severity == "warn")


def _verdict(
    denied: Sequence[Violation], warnings: Sequence[Violation], unsupported: str | None = None
) -> Verdict:
    return Verdict(
        tuple(each.rule for each in denied),
        tuple(each.rule for each in warnings),
        (*denied, *warnings),
        unsupported,
    )


def _run_session(registry: RuleRegistry, options: Mapping[str, Any]) -> Verdict:
    try:
        prepared = prepare_session(dict(options), rules=registry)
    except ValidationError as exc:
        return _verdict(exc.violations, _warnings_of(registry, dict(options)))
    return _verdict((), prepared.warnings)


def _run_token(registry: RuleRegistry, options: Mapping[str, Any]) -> Verdict:
    given = dict(options)
    session_id = given.pop("session_id", None)
    if session_id is None:
        session_id = make_session_id(TEST_PROJECT)
    now = time.time()
    expire_in = given.pop(EXPIRE_IN, None)
    if expire_in is not None:
        given["expire_time"] = int(now) + expire_in
    try:
        checked = token_outcome(
            TEST_PROJECT, session_id, clock=lambda: now, rules=registry, **given
        )
    except ValidationError as exc:
        working = {
            **given,
            "session_id": session_id,
            "owner": TEST_PROJECT,
            "backend": "OpenTok",
            "token_types": TOKEN_TYPES,
            "now": now,
            "option_names": tuple(given),
        }
        return _verdict(exc.violations, _warnings_of(registry, working))
    return _verdict((), checked.warnings)


def _run_archive(registry: RuleRegistry, options: Mapping[str, Any]) -> Verdict:
    from opentok_rules.operations.archive.prepare import prepare_archive

    given = dict(options)
    session_id = given.pop("session_id", None) or make_session_id(TEST_PROJECT)
    try:
        prepared = prepare_archive(session_id, given, rules=registry)
    except ValidationError as exc:
        return _verdict(exc.violations, _warnings_of(registry, given))
    return _verdict((), tuple(getattr(prepared, "warnings", ())))


#: Each operation's run, by the key a test gives its options under.
_RUNNERS: dict[str, Runner] = {
    "session": _run_session,
    "token": _run_token,
    "archive": _run_archive,
}


def run_tests(policy: Policy) -> tuple[PolicyTestResult, ...]:
    """Run ``policy.tests`` against the policy (its bases included), in file order
    (:func:`~opentok_rules.run_policy_tests` is the public name)."""
    return tuple(_run_one(policy, test) for test in policy.tests)


def _listed(ids: Sequence[str]) -> str:
    return "[" + ", ".join(map(repr, ids)) + "]"


def _run_one(policy: Policy, test: PolicyTest) -> PolicyTestResult:
    operation = section(test.operation)

    def result(passed: bool, detail: str) -> PolicyTestResult:
        return PolicyTestResult(test.name, passed, detail, test.operation)

    registry = getattr(policy, operation.attribute, None)
    if not isinstance(registry, RuleRegistry):
        return result(
            False,
            f"cannot be run: this version of opentok-rules has no {test.operation} rules "
            f"(Policy.{operation.attribute})",
        )
    try:
        verdict = _RUNNERS[test.operation](registry, test.options)
    except Exception as exc:  # a rule's bug, or options no operation can take
        return result(
            False, f"the {test.operation} could not be checked: {type(exc).__name__}: {exc}"
        )
    if verdict.unsupported is not None:
        return result(False, f"cannot be run: {verdict.unsupported}")
    differences: list[str] = []
    refused = bool(verdict.refused_by)
    if test.expect == "accept" and refused:
        said = "; ".join(f"{v.rule}: {v.message}" for v in verdict.messages if v.severity != "warn")
        differences.append(f"expected accepted; refused by {_listed(verdict.refused_by)} ({said})")
    elif test.expect == "refuse" and not refused:
        differences.append("expected refused; accepted")
    elif test.refused_by is not None and sorted(test.refused_by) != sorted(set(verdict.refused_by)):
        differences.append(
            f"expected refused by {_listed(test.refused_by)}; refused by "
            f"{_listed(sorted(set(verdict.refused_by)))}"
        )
    if test.warned_by is not None and sorted(test.warned_by) != sorted(set(verdict.warned_by)):
        differences.append(
            f"expected warnings from {_listed(test.warned_by)}; warned by "
            f"{_listed(sorted(set(verdict.warned_by)))}"
        )
    if differences:
        return result(False, "; ".join(differences))
    if refused:
        return result(True, f"refused by {_listed(sorted(set(verdict.refused_by)))}, as expected")
    warned = f", warned by {_listed(sorted(set(verdict.warned_by)))}" if verdict.warned_by else ""
    return result(True, f"accepted{warned}, as expected")
