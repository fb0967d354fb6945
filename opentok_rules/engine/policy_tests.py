"""Tests written inside a policy file (``[[test]]`` tables), and the run of them.

A test names the options of one operation (``session``, ``token`` or ``archive``) and what the
policy must do with them: ``expect = "accept"`` or ``"refuse"``, optionally by exactly the rule
ids of ``refused_by`` and with exactly the warnings of ``warned_by``::

    [[test]]
    name = "moderators are refused"
    token = { role = "moderator" }
    expect = "refuse"
    refused_by = ["acme-no-moderators"]

A token test's token is made for a session of a made-up project (or for the ``session_id`` the
table gives), and may say ``expire_in`` (seconds from now, as ``opentok-rules token
--expire-in``) in place of an absolute ``expire_time``.

:func:`parse_tests` checks the tables when the policy is loaded (a malformed one is a
:class:`~opentok_rules.PolicyError` naming the file, the test and the field);
:func:`~opentok_rules.run_policy_tests` runs them against the policy the file defines, its
bases included.

Each operation is looked up by name in :data:`OPERATIONS`: the registry it reads from the
policy (an attribute of :class:`~opentok_rules.Policy`) and the function that runs the options
through it, so an operation the library gains later is one entry more.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from opentok_rules._messages import short_repr
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.errors import PolicyError, ValidationError, Violation


class _Policy(Protocol):
    """What a run needs of a :class:`~opentok_rules.Policy` (its registries are looked up by
    the attribute each operation names)."""

    @property
    def source(self) -> Path | None: ...

    @property
    def tests(self) -> tuple[PolicyTest, ...]: ...


__all__ = [
    "EXPECTATIONS",
    "OPERATIONS",
    "Operation",
    "PolicyTest",
    "PolicyTestResult",
    "parse_tests",
    "run_tests",
]

#: What a test may expect.
EXPECTATIONS = ("accept", "refuse")
#: The fields of a ``[[test]]`` table besides the operation's.
_FIELDS = ("name", "expect", "refused_by", "warned_by")
#: A token test's lifetime in seconds from now, in place of an absolute ``expire_time``.
EXPIRE_IN = "expire_in"
#: The api key a test's token is made for, and its session id's project.
TEST_PROJECT = "100000001"


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


@attrs.frozen
class Operation:
    """One operation a test can exercise: where its rules are in a policy, and its run."""

    name: str
    #: The :class:`~opentok_rules.Policy` attribute that holds its rules.
    rules_attribute: str
    run: Runner


@attrs.frozen
class PolicyTest:
    """One ``[[test]]`` table, checked: its name, operation, options and expectation.

    ``refused_by`` and ``warned_by`` are ``None`` when the table leaves them out (then any ids
    do), else exactly the rule ids that must refuse (``"deny"``) or warn (``"warn"``).
    """

    name: str
    operation: str
    options: Mapping[str, Any] = attrs.field(repr=False, hash=False)
    expect: str
    refused_by: tuple[str, ...] | None = None
    warned_by: tuple[str, ...] | None = None
    #: Where the test is, for messages: ``test[0]`` of the file.
    label: str = attrs.field(default="", eq=False, repr=False)


@attrs.frozen
class PolicyTestResult:
    """The outcome of one policy test: ``passed``, and ``detail`` saying what happened (what
    differed from the expectation, when it failed)."""

    name: str
    passed: bool
    detail: str
    operation: str = "session"


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
    from opentok_rules.engine.pipeline import prepare_session

    try:
        prepared = prepare_session(dict(options), rules=registry)
    except ValidationError as exc:
        return _verdict(exc.violations, _warnings_of(registry, dict(options)))
    return _verdict((), prepared.warnings)


def _run_token(registry: RuleRegistry, options: Mapping[str, Any]) -> Verdict:
    from opentok_rules.engine.token_rules import TOKEN_TYPES, token_outcome
    from opentok_rules.session_ids import make_session_id

    given = dict(options)
    session_id = given.pop("session_id", None)
    if session_id is None:
        session_id = make_session_id(TEST_PROJECT)
    now = time.time()
    expire_in = given.pop(EXPIRE_IN, None)
    if expire_in is not None:
        given["expire_time"] = int(now) + expire_in
    try:
        _, warnings = token_outcome(
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
    return _verdict((), warnings)


def _run_archive(registry: RuleRegistry, options: Mapping[str, Any]) -> Verdict:
    # Looked up by name: archives are an operation of the library only where it has them.
    package = importlib.import_module("opentok_rules")
    prepare = getattr(package, "prepare_archive", None)
    if prepare is None:
        return _verdict((), (), "this version of opentok-rules cannot prepare archives")
    from opentok_rules.session_ids import make_session_id

    given = dict(options)
    session_id = given.pop("session_id", None) or make_session_id(TEST_PROJECT)
    try:
        prepared = prepare(session_id, given, rules=registry)
    except ValidationError as exc:
        return _verdict(exc.violations, _warnings_of(registry, given))
    return _verdict((), tuple(getattr(prepared, "warnings", ())))


#: The operations a test can name, by the key it gives its options under.
OPERATIONS: dict[str, Operation] = {
    "session": Operation("session", "rules", _run_session),
    "token": Operation("token", "token_rules", _run_token),
    "archive": Operation("archive", "archive_rules", _run_archive),
}


def _problem(file: Path | None, label: str, field: str | None, problem: str) -> PolicyError:
    place = "policy mapping" if file is None else str(file)
    at = f"{place}: {label}: " + (f"{field}: " if field is not None else "")
    return PolicyError(at + problem)


def _hint(name: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    return f"did you mean {close[0]!r}?" if close else f"the fields are {', '.join(valid)}"


def _ids(
    value: object, field: str, fail: Callable[[str | None, str], PolicyError]
) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(each, str) and each for each in value
    ):
        raise fail(
            field, f"must be a list of rule ids such as ['media-mode']; got {short_repr(value)}"
        )
    if len(set(value)) != len(value):
        twice = next(each for each in value if value.count(each) > 1)
        raise fail(field, f"names {twice!r} twice; list each rule id once")
    return tuple(value)


def parse_tests(tables: object, file: Path | None) -> tuple[PolicyTest, ...]:
    """The ``[[test]]`` tables of one policy file, checked.

    :raises ~opentok_rules.PolicyError: a table that is not a test, naming the file, the test
        (``test[N] (name '...')``) and the field.
    """
    if tables is None:
        return ()
    if not isinstance(tables, (list, tuple)):
        raise _problem(
            file,
            "test",
            None,
            f"must be an array of tables ([[test]] in TOML); got {short_repr(tables)}",
        )
    tests: list[PolicyTest] = []
    names: dict[str, str] = {}
    for index, table in enumerate(tables):
        test = _parse_one(table, index, file)
        if test.name in names:
            raise _problem(
                file,
                test.label,
                "name",
                f"{test.name!r} is the name of {names[test.name]} already; names are unique in "
                "the file",
            )
        names[test.name] = f"test[{index}]"
        tests.append(test)
    return tuple(tests)


def _parse_one(table: object, index: int, file: Path | None) -> PolicyTest:
    label = f"test[{index}]"
    if not isinstance(table, Mapping):
        raise _problem(file, label, None, f"must be a table; got {short_repr(table)}")
    name = table.get("name")
    if isinstance(name, str) and name:
        label += f" (name {name!r})"

    def fail(field: str | None, problem: str) -> PolicyError:
        return _problem(file, label, field, problem)

    valid = [*_FIELDS, *OPERATIONS]
    for key in table:
        if key not in valid:
            raise fail(short_repr(key), f"unknown field; {_hint(str(key), valid)}")
    if name is None:
        raise fail("name", "is missing; every test needs a name, unique in the file")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", f"must be a non-empty string; got {short_repr(name)}")
    given = [each for each in OPERATIONS if each in table]
    if len(given) != 1:
        choices = ", ".join(OPERATIONS)
        if not given:
            raise fail(None, f"give the options to test under one of {choices}")
        raise fail(given[1], f"give one of {choices}, not {' and '.join(given)}")
    operation = given[0]
    options = table[operation]
    if not isinstance(options, Mapping):
        raise fail(
            operation,
            f'must be a table of options such as {{ media_mode = "routed" }}; got '
            f"{short_repr(options)}",
        )
    if operation == "token" and EXPIRE_IN in options:
        expire_in = options[EXPIRE_IN]
        if expire_in.__class__ is not int or expire_in <= 0:
            raise fail(
                f"token.{EXPIRE_IN}",
                f"must be a whole number of seconds above 0; got {short_repr(expire_in)}",
            )
        if "expire_time" in options:
            raise fail(f"token.{EXPIRE_IN}", "give expire_in or expire_time, not both")
    expect = table.get("expect")
    if expect is None:
        raise fail("expect", 'is missing; write expect = "accept" or expect = "refuse"')
    if expect not in EXPECTATIONS:
        hint = difflib.get_close_matches(str(expect), EXPECTATIONS, n=1)
        advice = f"did you mean {hint[0]!r}?" if hint else "write 'accept' or 'refuse'"
        raise fail("expect", f"must be 'accept' or 'refuse'; got {short_repr(expect)}; {advice}")
    refused_by = table.get("refused_by")
    if refused_by is not None:
        refused_by = _ids(refused_by, "refused_by", fail)
        if expect == "accept" and refused_by:
            raise fail(
                "refused_by",
                "lists rules, but expect is 'accept'; an accepted test is refused by none "
                '(write expect = "refuse", or leave refused_by out)',
            )
        if expect == "refuse" and not refused_by:
            raise fail(
                "refused_by",
                "is empty, but expect is 'refuse'; name the rule ids that must refuse "
                "(or leave refused_by out: any rule will do)",
            )
    warned_by = table.get("warned_by")
    if warned_by is not None:
        warned_by = _ids(warned_by, "warned_by", fail)
    return PolicyTest(
        name=name,
        operation=operation,
        options=copy.deepcopy(dict(options)),
        expect=expect,
        refused_by=refused_by,
        warned_by=warned_by,
        label=label,
    )


def check_test_ids(policy: _Policy, tests: Sequence[PolicyTest]) -> None:
    """Every id a test names is a rule of the registry it tests (else a PolicyError).

    An operation the policy has no registry for (archives, where the library has none) is
    left to the run, which says so.
    """
    for test in tests:
        registry = getattr(policy, OPERATIONS[test.operation].rules_attribute, None)
        if not isinstance(registry, RuleRegistry):
            continue
        known = registry.ids()
        for field in ("refused_by", "warned_by"):
            for rule_id in getattr(test, field) or ():
                if rule_id not in known:
                    close = difflib.get_close_matches(rule_id, known, n=1)
                    hint = (
                        f"did you mean {close[0]!r}?"
                        if close
                        else (f"the {test.operation} rules are {', '.join(known)}")
                    )
                    raise _problem(
                        policy.source,
                        test.label,
                        field,
                        f"no {test.operation} rule has the id {rule_id!r}; {hint}",
                    )


def run_tests(policy: _Policy) -> tuple[PolicyTestResult, ...]:
    """Run ``policy.tests`` against the policy (its bases included), in file order
    (:func:`~opentok_rules.run_policy_tests` is the public name)."""
    return tuple(_run_one(policy, test) for test in policy.tests)


def _listed(ids: Sequence[str]) -> str:
    return "[" + ", ".join(map(repr, ids)) + "]"


def _run_one(policy: _Policy, test: PolicyTest) -> PolicyTestResult:
    operation = OPERATIONS[test.operation]

    def result(passed: bool, detail: str) -> PolicyTestResult:
        return PolicyTestResult(test.name, passed, detail, test.operation)

    registry = getattr(policy, operation.rules_attribute, None)
    if not isinstance(registry, RuleRegistry):
        return result(
            False,
            f"cannot be run: this version of opentok-rules has no {test.operation} rules "
            f"(Policy.{operation.rules_attribute})",
        )
    try:
        verdict = operation.run(registry, test.options)
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
