"""engine.apart rewrites only what it can read: a specialized pass's prologue."""

from __future__ import annotations

import pytest

from opentok_rules.engine.apart import IN_DICT, take_apart

SPECIALIZED = """\
def compiled_pass(options, prepared, returning=False):
    if len(options) != 2:
        return _general(options, prepared, returning)
    try:
        session_id = options['session_id']
        name = options['name']
    except KeyError:
        return _general(options, prepared, returning)
    if name == 'slow':
        options['name'] = 'x'
        options['more'] = 1
        return options
    return (session_id, name)
"""


def run(source: str, *args: object) -> object:
    namespace: dict[str, object] = {
        "_IN_DICT": IN_DICT,
        "_general": lambda options, prepared, returning: ("general", dict(options)),
    }
    exec(source, namespace)
    return namespace["compiled_pass"](*args)  # type: ignore[operator]


def test_the_rewritten_pass_reads_the_option_from_either_place() -> None:
    source = take_apart(SPECIALIZED, "session_id")
    assert run(source, {"name": "a", "session_id": "s"}, True) == ("s", "a")
    assert run(source, {"name": "a"}, True, False, "s") == ("s", "a")
    # Another key set: the general pass, handed the whole dict either way.
    whole = {"nme": "a", "session_id": "s"}
    assert run(source, {"nme": "a"}, True, False, "s") == ("general", whole)
    assert run(source, {"a": 1, "b": 2}, True, False, "s")[0] == "general"  # type: ignore[index]


def test_the_callers_dict_is_copied_once_before_it_is_written() -> None:
    source = take_apart(SPECIALIZED, "session_id")
    caller = {"name": "slow"}
    assert run(source, caller, True, False, "s") == {"name": "x", "more": 1, "session_id": "s"}
    assert caller == {"name": "slow"}
    assert source.count("options = {**options, 'session_id': session_id}") == 1
    # Given whole, the dict is the caller's working dict, written as before.
    working = {"name": "slow", "session_id": "s"}
    assert run(source, working, True) is working


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ("def compiled_pass(options, prepared):\n    return options\n", "session_id"),
        (SPECIALIZED, "name or"),
        (SPECIALIZED, "multi_archive_tag"),
        ("x = 1\n", "session_id"),
    ],
)
def test_what_is_not_a_specialized_pass_reading_the_key_is_refused(source: str, key: str) -> None:
    with pytest.raises(ValueError, match="take_apart"):
        take_apart(source, key)
