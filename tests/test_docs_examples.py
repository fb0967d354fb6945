"""The scripts in docs/examples/ run, and do what the docs say they do.

The examples are written as a user would write them (they print, they do not assert); the
checks live here: each script is run as ``__main__``, then what it printed and the objects it
left behind are compared with what the docs show. A change in the library that makes the docs
wrong fails here.
"""

from __future__ import annotations

import re
import runpy
import textwrap
from pathlib import Path
from typing import Any

import pytest

import opentok_rules as otr
from opentok_rules.testing import Emulator

DOCS = Path(__file__).parents[1] / "docs"
EXAMPLES_DIR = DOCS / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))


def run(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], list[str]]:
    """Run one example; return its globals and the lines it printed."""
    namespace = runpy.run_path(str(EXAMPLES_DIR / name), run_name="__main__")
    return namespace, capsys.readouterr().out.splitlines()


def shown_region(name: str, region: str) -> str:
    """The lines between ``# [region]`` and ``# [/region]``: what a literalinclude shows."""
    text = (EXAMPLES_DIR / name).read_text()
    match = re.search(rf"^# \[{region}\]\n(.*?)^# \[/{region}\]$", text, re.S | re.M)
    assert match, f"{name} has no region {region!r}"
    return match.group(1)


def test_every_example_is_checked() -> None:
    assert {path.name for path in EXAMPLES} == {
        "quickstart.py",
        "custom_rule_class.py",
        "custom_rule_function.py",
        "async_handler.py",
        "policies.py",  # checked by tests/test_docs_policies.py
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_examples_read_as_user_code(path: Path) -> None:
    """What the docs show has no test scaffolding in it: no assert, no AssertionError."""
    text = path.read_text()
    assert not re.search(r"^\s*assert\b", text, re.M), f"{path.name} asserts"
    assert "AssertionError" not in text
    assert all(len(line) <= 90 for line in text.splitlines()[1:]), "a line too wide to show"


def test_quickstart(capsys: pytest.CaptureFixture[str]) -> None:
    ns, printed = run("quickstart.py", capsys)
    prepared = ns["prepared"]
    assert prepared.spec == otr.SessionSpec(media_mode="routed", location="12.34.56.78")
    assert prepared.spec.media_mode is otr.MediaMode.ROUTED  # normalized to the enum member
    params = {
        "p2p.preference": "disabled",
        "archiveMode": "manual",
        "location": "12.34.56.78",
        "e2ee": "false",
    }
    assert prepared.params == params
    assert ns["relaxed"].spec.media_mode is otr.MediaMode.RELAYED
    assert ns["spec"] == prepared.spec  # through JSON and back
    assert issubclass(otr.ValidationError, ValueError)  # as the comment says
    assert printed == [
        # [prepare]
        "routed",
        str(params),
        # [errors]
        "always-archive-requires-routed None",  # media mode absent means relayed
        "relayed-forbids-e2ee None",
        "always-archive-forbids-e2ee None",
        "location-ipv4 location",
        # [strict]
        "relayed",
        "'media_mod' is not a session option; did you mean 'media_mode'?",
        # [dicts]
        '{"media_mode": "routed", "archive_mode": "manual", "location": "12.34.56.78", '
        '"archive_name": null, "archive_resolution": null, "e2ee": false}',
        "1 rule was broken:",
        "  [archive-mode-valid] (archive_mode) archive_mode must be 'manual' or 'always'; "
        "got 'sometimes' (str)",
    ]


def test_quickstart_comments_show_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    """The output written in the shown code as comments is what the code prints."""
    _, printed = run("quickstart.py", capsys)
    errors = shown_region("quickstart.py", "errors")
    for line in printed[2:6]:
        assert f"# {line}\n" in errors
    assert f"# {printed[7]}\n" in shown_region("quickstart.py", "strict")
    prepare = shown_region("quickstart.py", "prepare")
    comments = "".join(line[2:] for line in prepare.splitlines() if line.startswith("# "))
    assert comments == printed[1]


def test_custom_rule_class(capsys: pytest.CaptureFixture[str]) -> None:
    ns, printed = run("custom_rule_class.py", capsys)
    rules = ns["rules"]
    assert "archive-name-prefix" not in rules  # removed at the end
    assert rules.ids() == otr.default_rules().ids()
    assert ns["good"].params["archiveName"] == "sales-weekly"
    assert ns["weekly"].spec.archive_name == "weekly"
    assert printed == [
        "sales-weekly",
        "archive_name must start with 'sales-'; got 'weekly'",
        "weekly",
    ]
    # Where the rule went while it was in: just before archive-name-length.
    again = otr.default_rules()
    again.insert_before("archive-name-length", ns["ArchiveNamePrefix"]("sales-"))
    assert again.ids()[-3:] == (
        "archive-name-prefix",
        "archive-name-length",
        "archive-resolution-valid",
    )
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(ns["always"], archive_name="weekly", rules=again)
    assert [v.rule for v in caught.value.violations] == ["archive-name-prefix"]
    # The default rules accept the name.
    assert otr.prepare_session(ns["always"], archive_name="weekly").spec.archive_name == "weekly"


def test_custom_rule_function(capsys: pytest.CaptureFixture[str]) -> None:
    ns, printed = run("custom_rule_function.py", capsys)
    rules = ns["rules"]
    assert rules.get("media-mode") is ns["routed_unless_relayed"]
    assert rules.ids().index("location-ours") == rules.ids().index("location-ipv4") + 1
    assert ns["prepared"].spec.media_mode is otr.MediaMode.ROUTED
    assert ns["prepared"].params["archiveMode"] == "always"
    assert printed == [
        "routed always",
        "location-ours location",
        "always-archive-requires-routed",
    ]
    with pytest.raises(otr.ValidationError) as caught:
        otr.prepare_session(location="98.76.54.32", rules=rules)
    assert len(caught.value.violations) == 1  # the only problem: the location is not ours
    assert otr.default_rules().get("media-mode") is not ns["routed_unless_relayed"]


def code_blocks(page: str) -> list[tuple[str, str]]:
    """Each ``.. code-block:: LANGUAGE`` of a docs page: its language and its dedented text."""
    text = (DOCS / page).read_text()
    blocks = re.findall(r"^\.\. code-block:: (\w+)\n\n((?:   .*\n|\n)+)", text, re.M)
    return [(language, textwrap.dedent(body).strip() + "\n") for language, body in blocks]


def test_index_install_lines() -> None:
    (language, install), *_ = code_blocks("index.rst")
    assert language == "sh"
    names = [line.split("#")[0].split()[-1] for line in install.splitlines()]
    assert names == ["opentok-rules", '"opentok-rules[vonage]"', '"opentok-rules[async]"']


def test_index_quickstart(
    capsys: pytest.CaptureFixture[str],
    opentok_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The index page's Python runs and prints what the page says (the client on an emulator)."""
    blocks = code_blocks("index.rst")
    python = [body for language, body in blocks if language == "python"]
    (shown_output,) = [body for language, body in blocks if language == "text"]
    assert len(python[0].splitlines()) == 2  # the two-line quickstart
    namespace: dict[str, Any] = {}
    exec(python[0], namespace)
    assert capsys.readouterr().out == shown_output

    monkeypatch.setenv("OPENTOK_API_KEY", opentok_emulator.api_key)
    monkeypatch.setenv("OPENTOK_API_SECRET", opentok_emulator.api_secret)
    monkeypatch.setenv("OPENTOK_API_URL", opentok_emulator.url)
    exec(python[1], namespace)
    namespace["client"].close()
    assert namespace["session"].session_id
    assert namespace["token"].startswith(("T1==", "eyJ"))
