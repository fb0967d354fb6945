"""Issue 29's docs say what the code does: docs/rules.rst's warnings example runs as shown,
and docs/cli.rst shows what ``check`` prints for a misspelt key (run as a process of its own
would run it, ``_support.cli.run``)."""

from __future__ import annotations

import doctest
from pathlib import Path

from _support.cli import run_in as run
from _support.docs import shown_after

import opentok_rules as otr

DOCS = Path(__file__).parents[1] / "docs"


def test_the_rules_page_example_runs_as_shown() -> None:
    text = (DOCS / "rules.rst").read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {"otr": otr}, "rules.rst", "rules.rst", 0)
    assert len(test.examples) >= 3
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_the_cli_page_shows_the_warning_check_prints() -> None:
    command = "opentok-rules check --no-policy typo.json"
    result = run(*command.split()[1:], cwd=DOCS / "examples" / "policies")
    assert result.returncode == 0
    printed = (result.stderr + result.stdout).splitlines()
    assert printed == shown_after("cli.rst", command)
    assert printed[0].startswith("opentok-rules: warning: known-keys: media_mod: ")


def test_a_refusal_still_shows_the_warning_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "o.json").write_text('{"media_mode": "ROUTED", "e2ee": true}', encoding="utf-8")
    result = run("check", "--no-policy", "o.json", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("opentok-rules: warning: media-mode: media_mode: ")
    assert "did you mean 'routed'?" in lines[0]
    assert any("relayed-forbids-e2ee" in line for line in lines[1:])


def test_the_cli_page_lists_the_rules_as_rules_prints_them(tmp_path: Path) -> None:
    # The descriptions of known-keys and media-mode say the warning (issue 29).
    printed = run("rules", cwd=tmp_path).stdout.splitlines()
    assert printed == shown_after("cli.rst", "opentok-rules rules")
    assert "with a warning" in printed[0]
