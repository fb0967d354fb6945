"""Every bad policy is a PolicyError naming the file, the rule and the field, and the command
line says it in one line with exit code 1, never a traceback (issue 28, item 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
    import tomli as tomllib
from pathlib import Path
from typing import Any

import pytest
from _support.cli import run
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr

#: The characters str.splitlines breaks a line at that the issue found breaking the loader.
BREAKS = ["\n", "\u2028", "\x85", "\x0c", "\x1c", "\r", "\x0b", "\x1d", "\x1e", "\u2029"]


def table(**fields: Any) -> dict[str, Any]:
    return {"session": [{"id": "r", **fields}]}


def placements(text: str) -> list[dict[str, Any]]:
    """``text`` in each place a policy author writes a value, a key or a pattern.

    Placed before known-keys, where a rule sees every key the caller gave and raw values: any
    key or value may be written there (issue 29 refuses, after it, keys that are not options).
    """
    first = {"before": "known-keys"}
    return [
        table(kind="allowed", key="archive_name", values=[text], **first),
        table(kind="allowed", key=text, values=["x"], **first),
        table(kind="required", keys=["archive_name", text], **first),
        table(kind="forbidden", keys=[text], **first),
        table(kind="pattern", key="archive_name", pattern=text, **first),
        table(kind="pattern", key=text, pattern="[a-z]+", **first),
        table(kind="length", key=text, max=3, **first),
        table(kind="network", key=text, networks=["10.0.0.0/8"], **first),
        table(kind="allowed", key="location", values=["1.2.3.4"], when={"archive_name": text}),
        table(
            kind="allowed", key="location", values=["1.2.3.4"], when={text: ["a", text]}, **first
        ),
        table(kind="allowed", key="location", values=["1.2.3.4"], message=text),
    ]


def loads_or_policy_error(data: Any) -> otr.Policy | None:
    """The policy, or None for a PolicyError; any other exception fails the test."""
    try:
        return otr.load_policy(data)
    except otr.PolicyError:
        return None


@pytest.mark.parametrize("char", BREAKS)
def test_line_breaks_anywhere_load_and_every_description_stays_one_line(char: str) -> None:
    for data in placements(f"a{char}b"):
        policy = otr.load_policy(data)
        for rule in (*policy.rules, *policy.token_rules):
            assert len(rule.description.splitlines()) == 1, (data, rule.description)


def test_a_value_with_a_newline_is_matched_as_written() -> None:
    policy = otr.load_policy(table(kind="pattern", key="archive_name", pattern="a\nb"))
    rule = policy.rules.get("r")
    assert rule.apply({"archive_name": "a\nb"}) == ()
    assert rule.apply({"archive_name": "a b"}) != ()
    assert rule.description == "archive_name matches a\\nb"


@settings(max_examples=examples(100, costly=True), deadline=None)
@given(st.text(alphabet=st.sampled_from([*BREAKS, *"ab[]()*+\\$^.", "é", "\x00", "\x1b"])))
def test_any_text_in_any_place_loads_or_is_a_policy_error(text: str) -> None:
    for data in placements(text):
        policy = loads_or_policy_error(data)
        if policy is not None:
            for rule in policy.rules:
                assert len(rule.description.splitlines()) == 1


# Values of any shape, nested as deep as a recursion can go, in any field of a policy.
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.just("routed"),
    st.just("archive_name"),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)
KINDS = st.sampled_from(
    ["required", "forbidden", "allowed", "pattern", "length", "network", "max_ttl"]
)
FIELDS = st.sampled_from(
    [
        "id",
        "kind",
        "key",
        "keys",
        "values",
        "pattern",
        "min",
        "max",
        "networks",
        "seconds",
        "when",
        "message",
        "severity",
        "before",
        "after",
    ]
)


def deep(levels: int, kind: str) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value] if kind == "list" else {"k": value}
    return value


@settings(
    max_examples=examples(200, costly=True),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    KINDS,
    st.dictionaries(FIELDS, VALUES, max_size=6),
    st.sampled_from(["session", "token"]),
    st.sampled_from([None, "list", "dict"]),
    st.dictionaries(st.sampled_from(["base", "disable", "extend", "other"]), VALUES, max_size=2),
)
def test_any_policy_mapping_loads_or_is_a_policy_error(
    kind: str, fields: dict[str, Any], section: str, nest: str | None, top: dict[str, Any]
) -> None:
    rule = {"id": "r", "kind": kind, **fields}
    if nest is not None:
        rule[sorted(fields)[0] if fields else "values"] = deep(5_000, nest)
    top.pop("extend", None)  # paths: in the test below
    loads_or_policy_error({**top, section: [rule]})


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5_000 + "]" * 5_000 + "\n",  # 10 KB
        "a = " + "{b = " * 3_000 + "1" + "}" * 3_000 + "\n",
        "[[session]]\nid = 'r'\nkind = 'allowed'\nkey = 'location'\nvalues = "
        + "[" * 101
        + "'1.2.3.4'"
        + "]" * 101
        + "\n",
    ],
    ids=["arrays", "inline-tables", "just-over-the-limit"],
)
def test_deep_nesting_is_a_policy_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(otr.PolicyError, match="more than 100 levels deep") as caught:
        otr.load_policy(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_nesting_a_policy_needs_is_read(tmp_path: Path) -> None:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(
        "[[session]]\nid = 'r'\nkind = 'allowed'\nkey = 'location'\nvalues = ['1.2.3.4']\n"
        "when = { archive_mode = ['always'] }\nmessage = '[[[[{{{{ not nesting'  # [[[[\n",
        encoding="utf-8",
    )
    assert "r" in otr.load_policy(path).rules


def test_find_policy_below_a_deeply_nested_pyproject_is_a_policy_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("a = " + "[" * 5_000 + "]" * 5_000, encoding="utf-8")
    below = tmp_path / "src" / "pkg"
    below.mkdir(parents=True)
    with pytest.raises(otr.PolicyError, match="more than 100 levels deep"):
        otr.find_policy(below)


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command as a process of its own runs it: what a person in a terminal sees."""
    return run(*args, cwd=cwd)


BAD_POLICIES = {
    "verbose-pattern": "[[session]]\nid = 'r'\nkind = 'pattern'\nkey = 'archive_name'\n"
    "pattern = '''(?x)\n  [a-z]+  # letters\n'''\n",
    "deep": "a = " + "[" * 5_000 + "]" * 5_000 + "\n",
    "extend-folder": "extend = '.'\n",
}


@pytest.mark.parametrize("name", sorted(BAD_POLICIES))
@pytest.mark.parametrize(
    "command",
    [["policy", "check", "opentok-rules.toml"], ["check"], ["emulator", "--port", "0"]],
    ids=["policy-check", "check", "emulator"],
)
def test_the_commands_exit_1_with_one_line_for_a_bad_policy(
    tmp_path: Path, name: str, command: list[str]
) -> None:
    (tmp_path / "opentok-rules.toml").write_text(BAD_POLICIES[name], encoding="utf-8")
    result = run_cli(command, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("opentok-rules: error: ")
    assert "opentok-rules.toml" in lines[0]


def test_policy_check_accepts_a_value_with_a_line_break(tmp_path: Path) -> None:
    (tmp_path / "opentok-rules.toml").write_text(
        "[[session]]\nid = 'r'\nkind = 'allowed'\nkey = 'archive_name'\n"
        'values = ["a\\nb", "c\\u2028d", "e\\u0085f", "\\f", "\\u001c"]\n',
        encoding="utf-8",
    )
    result = run_cli(["policy", "check", "opentok-rules.toml"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert ": ok: " in result.stdout


# --- extend: what the path names is said, whatever it is ---


def extending(tmp_path: Path, target: str) -> Path:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(f"extend = {json.dumps(target)}\n", encoding="utf-8")
    return path


def refused_extend(tmp_path: Path, target: str) -> str:
    path = extending(tmp_path, target)
    with pytest.raises(otr.PolicyError) as caught:
        otr.load_policy(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: extend: ")
    return message


def test_extend_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    assert "is a loop of symbolic links" in refused_extend(tmp_path, "a.toml")


def test_extend_with_a_nul(tmp_path: Path) -> None:
    assert "holds a NUL character" in refused_extend(tmp_path, "base\x00.toml")


def test_extend_a_path_of_5000_characters(tmp_path: Path) -> None:
    message = refused_extend(tmp_path, "x" * 5_000 + ".toml")
    assert "is a path too long for the system" in message
    assert len(message) < 600  # the path is cut, its length said


def test_extend_a_folder(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    assert "is a folder, not a policy file" in refused_extend(tmp_path, "shared")


def test_extend_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    # Never opened (it would block until a writer came): said for what it is.
    assert "is a named pipe (FIFO)" in refused_extend(tmp_path, "pipe.toml")


def test_extend_a_device(tmp_path: Path) -> None:
    assert "is a character device" in refused_extend(tmp_path, "/dev/null")


def test_a_fifo_named_directly(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(otr.PolicyError, match="is a named pipe"):
        otr.load_policy(tmp_path / "pipe.toml")


def test_extend_follows_absolute_paths_and_dotdot(tmp_path: Path) -> None:
    shared = tmp_path / "shared.toml"
    shared.write_text(
        "[[session]]\nid = 'org'\nkind = 'allowed'\nkey = 'media_mode'\nvalues = ['routed']\n",
        encoding="utf-8",
    )
    service = tmp_path / "service"
    service.mkdir()
    for target in (str(shared), "../shared.toml"):
        assert "org" in otr.load_policy(extending(service, target)).rules


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.sampled_from(["a", ".", "/", "\x00", "é", "\n", "..", "~", " "]), min_size=1).map(
        "".join
    )
    | st.integers(1, 6000).map(lambda n: "y" * n)
)
def test_any_extend_loads_or_is_a_policy_error(target: str) -> None:
    loads_or_policy_error({"extend": target})


def test_a_fifo_swapped_in_is_refused_without_waiting(tmp_path: Path) -> None:
    from opentok_rules.engine._files import read_regular

    os.mkfifo(tmp_path / "pipe.toml")
    # Opened without blocking, examined once open: no writer is waited for.
    with pytest.raises(ValueError, match="is a named pipe"):
        read_regular(tmp_path / "pipe.toml")


# --- The nesting read before parsing is the nesting the parser sees ---

TOML_VALUES = st.recursive(
    st.text(alphabet=st.sampled_from([*"ab[]{}'\"#\\\n ="]), max_size=6) | st.integers(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet="ab[{'\"#", max_size=3), inner, max_size=3)
    ),
    max_leaves=15,
)


def toml_value(value: Any, literal: bool) -> str:
    """``value`` as an inline TOML value; strings as basic or, where they can, literal strings."""
    if isinstance(value, str):
        if literal and not any(char in value for char in "'\n"):
            return f"'{value}'"
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(each, literal) for each in value) + "]"
    pairs = (f"{json.dumps(key)} = {toml_value(each, literal)}" for key, each in value.items())
    return "{" + ", ".join(pairs) + "}"


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@given(TOML_VALUES, st.booleans(), st.text(alphabet="[]{}'\"ab", max_size=5))
def test_nesting_counts_what_the_parser_nests(value: Any, literal: bool, comment: str) -> None:
    from opentok_rules.engine._files import nesting

    text = f"a = {toml_value(value, literal)}  # {comment}\nb = 1\n"
    assert tomllib.loads(text)["a"] == value
    assert nesting(text) == depth(value)
