"""A plugin kind fails loudly and by name: a description that raises, ``reads`` as a set,
``sys.exit()`` while it is imported, a kind name two distributions declare. Each is a
PolicyError naming the entry point (``name = module:attr``), and nothing is loaded
(issue 28, item 3). Plugins are faked as in test_plugin_failures: a module and a dist-info
folder on a path put first on sys.path."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _support.plugins import install as install_distribution
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr

RULE = """
from typing import ClassVar
import attrs

@attrs.frozen(kw_only=True)
class Kind:
    kind: ClassVar[str] = "{kind}"
    id: str
    {body}
    def apply(self, options):
        return ()
"""


def rule_source(kind: str, body: str) -> str:
    return RULE.format(kind=kind, body=textwrap.indent(textwrap.dedent(body), "    ").strip())


def install(site: Path, distribution: str, module: str, source: str, entry_points: str) -> None:
    """A distribution named ``distribution`` with ``module`` and these entry points."""
    install_distribution(site, module, source, entry_points, distribution=distribution)


def refused(tmp_path: Path, kind: str) -> otr.PolicyError:
    path = tmp_path / "opentok-rules.toml"
    path.write_text(
        '[[session]]\nid = "first"\nkind = "allowed"\nkey = "location"\nvalues = ["1.2.3.4"]\n'
        f'[[session]]\nid = "p"\nkind = "{kind}"\n',
        encoding="utf-8",
    )
    with pytest.raises(otr.PolicyError) as caught:
        otr.load_policy(path)
    assert str(caught.value).startswith(f"{path}: session[1] (id 'p'): ")
    return caught.value


@pytest.mark.parametrize(
    ("kind", "body", "said", "cause"),
    [
        pytest.param(
            "broken_description",
            "@property\ndef description(self):\n    return 1 / 0\n",
            "ZeroDivisionError",
            ZeroDivisionError,
            id="a description that raises",
        ),
        pytest.param(
            "two_lines",
            'description: ClassVar[str] = "first line\\nsecond line"\n',
            "one line",
            None,
            id="a multi-line description",
        ),
        pytest.param(
            "set_reads",
            'description: ClassVar[str] = "reads a set"\n'
            'reads: ClassVar[set[str]] = {"archive_name"}\n',
            "'reads' must be a frozenset",
            TypeError,
            id="reads declared as a set",
        ),
    ],
)
def test_a_kind_the_library_cannot_describe(
    site_dir: Path,
    tmp_path: Path,
    kind: str,
    body: str,
    said: str,
    cause: type[BaseException] | None,
) -> None:
    install(
        site_dir,
        "byname-rule",
        "byname_rule",
        rule_source(kind, body),
        f"{kind} = byname_rule:Kind",
    )
    error = refused(tmp_path, kind)
    message = str(error)
    assert f"entry point {kind} = byname_rule:Kind" in message
    assert said in message
    if cause is not None:
        assert isinstance(error.__cause__, cause)


def test_sys_exit_while_imported(site_dir: Path, tmp_path: Path) -> None:
    source = "import sys\nsys.exit(3)\n" + rule_source("exits", 'description = "never"')
    install(site_dir, "byname-exit", "byname_exit", source, "exits = byname_exit:Kind")
    error = refused(tmp_path, "exits")
    message = str(error)
    assert "entry point exits = byname_exit:Kind" in message
    assert "cannot be imported: SystemExit: 3" in message
    assert isinstance(error.__cause__, SystemExit)
    assert "byname_exit" not in sys.modules  # nothing half-imported is left behind


def test_sys_exit_does_not_end_the_command(site_dir: Path, tmp_path: Path) -> None:
    source = "import sys\nsys.exit(0)\n"
    install(site_dir, "byname-exit", "byname_exit", source, "exits = byname_exit:Kind")
    (tmp_path / "opentok-rules.toml").write_text(
        '[[session]]\nid = "p"\nkind = "exits"\n', encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "opentok_rules", "policy", "check", "opentok-rules.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(site_dir), os.environ.get("PYTHONPATH")])
            ),
        },
    )
    # exit 0 from the plugin would say "usable"; the command says what happened instead.
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "entry point exits = byname_exit:Kind" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_distributions_declaring_one_kind(site_dir: Path, tmp_path: Path) -> None:
    one = rule_source("twice", 'description: ClassVar[str] = "one"')
    two = rule_source("twice", 'description: ClassVar[str] = "two"')
    install(site_dir, "byname-one", "byname_one", one, "twice = byname_one:Kind")
    install(site_dir, "byname-two", "byname_two", two, "twice = byname_two:Kind")
    message = str(refused(tmp_path, "twice"))
    assert "'byname-one' (twice = byname_one:Kind)" in message
    assert "'byname-two' (twice = byname_two:Kind)" in message
    assert "byname_one" not in sys.modules  # refused before either was imported
    assert "byname_two" not in sys.modules


def test_a_well_made_plugin_still_loads(site_dir: Path, tmp_path: Path) -> None:
    body = """
    description: ClassVar[str] = "fine"
    reads: ClassVar[frozenset[str]] = frozenset({"archive_name"})
    """
    install(
        site_dir, "byname-one", "byname_one", rule_source("fine", body), "fine = byname_one:Kind"
    )
    path = tmp_path / "opentok-rules.toml"
    path.write_text('[[session]]\nid = "p"\nkind = "fine"\n', encoding="utf-8")
    assert otr.load_policy(path).rules.ids()[-1] == "p"


# Whatever a plugin's members raise, or hold, loading ends in a policy or a PolicyError.
MEMBERS = st.sampled_from(
    [
        "description: ClassVar[str] = 'ok'",
        "description: ClassVar[object] = 5",
        "description: ClassVar[str] = 'a\\u2028b'",
        "@property\ndef description(self):\n    raise KeyError('x')",
        "@property\ndef description(self):\n    raise SystemExit(2)",
        "reads: ClassVar[object] = ['archive_name']",
        "reads: ClassVar[object] = frozenset({5})",
        "fills: ClassVar[object] = 'archive_name'",
        "apply: ClassVar[object] = None",
        "@property\ndef reads(self):\n    raise RecursionError",
    ]
)


@settings(max_examples=examples(40), deadline=None)
@given(members=st.lists(MEMBERS, min_size=1, max_size=3, unique=True))
def test_any_plugin_loads_or_is_a_policy_error_naming_it(
    members: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("plugin")
    site = root / "site"
    site.mkdir()
    source = rule_source("anything", "\n".join(members))
    if not any(
        member.startswith(("description", "@property\ndef description")) for member in members
    ):
        source = source.replace(
            "    def apply", "    description: ClassVar[str] = 'ok'\n    def apply"
        )
    install(site, "byname-one", "byname_one", source, "anything = byname_one:Kind")
    path = root / "opentok-rules.toml"
    path.write_text('[[session]]\nid = "p"\nkind = "anything"\n', encoding="utf-8")
    sys.path.insert(0, str(site))
    problem = ""
    try:
        try:
            otr.load_policy(path)
        except otr.PolicyError as exc:
            problem = str(exc)
        assert not problem or "entry point anything = byname_one:Kind" in problem, problem
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("byname_one", None)
