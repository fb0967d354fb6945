"""Tests written inside a policy file (``[[test]]`` tables), and the run of them.

A test names the options of one operation (``session``, ``token`` or ``archive``) and what the
policy must do with them: ``expect = "accept"`` or ``"refuse"``, optionally by exactly the rule
ids of ``refused_by`` and with exactly the warnings of ``warned_by``::

    [[test]]
    name = "moderators are refused"
    token = { role = "moderator" }
    expect = "refuse"
    refused_by = ["acme-no-moderators"]

An operation may check its tests' options further (the token's take ``expire_in``, seconds
from now, in place of an absolute ``expire_time``): its section's ``test_check``.

:func:`parse_tests` checks the tables when the policy is loaded (a malformed one is a
:class:`~opentok_rules.PolicyError` naming the file, the test and the field);
:func:`~opentok_rules.run_policy_tests` runs them against the policy the file defines, its
bases included.

The operations a test may name are the catalog's sections (:mod:`~.sections`): the key its
options are given under, and the attribute of the policy that holds the registry they run
through, so an operation the library gains later is one section more.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from opentok_rules._messages import short_repr
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.sections import catalog, section
from opentok_rules.errors import PolicyError


class _Policy(Protocol):
    """What a run needs of a :class:`~opentok_rules.Policy` (its registries are looked up by
    the attribute each operation names)."""

    @property
    def source(self) -> Path | None: ...

    @property
    def tests(self) -> tuple[PolicyTest, ...]: ...


__all__ = [
    "EXPECTATIONS",
    "PolicyTest",
    "PolicyTestResult",
    "parse_tests",
]

#: What a test may expect.
EXPECTATIONS = ("accept", "refuse")
#: The fields of a ``[[test]]`` table besides the operation's.
_FIELDS = ("name", "expect", "refused_by", "warned_by")


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

    operations = catalog().names()
    valid = [*_FIELDS, *operations]
    for key in table:
        if key not in valid:
            raise fail(short_repr(key), f"unknown field; {_hint(str(key), valid)}")
    if name is None:
        raise fail("name", "is missing; every test needs a name, unique in the file")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", f"must be a non-empty string; got {short_repr(name)}")
    given = [each for each in operations if each in table]
    if len(given) != 1:
        choices = ", ".join(operations)
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
    check = section(operation).test_check
    if check is not None:
        check(options, lambda field, problem: fail(f"{operation}.{field}", problem))
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
        registry = getattr(policy, section(test.operation).attribute, None)
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
