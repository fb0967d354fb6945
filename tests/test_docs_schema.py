"""What docs/schema.rst, docs/plugins.rst and the schema section of docs/cli.rst show is what
the library and the example plugin do."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

import opentok_rules as otr

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "examples" / "opentok-rules-archive-prefix"


def blocks(page: str, language: str) -> list[str]:
    """The code blocks of one language on a page, dedented."""
    text = (DOCS / page).read_text(encoding="utf-8")
    found = re.findall(
        rf"^\.\. code-block:: {language}\n\n((?:   .*\n|\n)+)", text, flags=re.MULTILINE
    )
    return [re.sub(r"^   ", "", block, flags=re.MULTILINE).strip("\n") for block in found]


def part(schema: dict[str, object], rule_id: str) -> dict[str, object]:
    parts = schema["allOf"]
    assert isinstance(parts, list)
    return next(each for each in parts if each["x-rule-id"] == rule_id)


def test_the_part_shown_is_the_part_made() -> None:
    (shown,) = blocks("schema.rst", "json")
    assert json.loads(shown) == part(otr.to_json_schema(), "always-archive-requires-routed")


def test_the_python_validator_example_prints_what_is_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "session-options.schema.json").write_text(json.dumps(otr.to_json_schema()))
    code = next(each for each in blocks("schema.rst", "python") if "jsonschema" in each)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "schema.rst", "exec"), {})
    shown = next(each for each in blocks("schema.rst", "text") if "always-archive" in each)
    assert printed.getvalue().strip() == shown


def test_the_javascript_example_names_the_right_part() -> None:
    (code,) = blocks("schema.rst", "javascript")
    index = int(re.search(r'"#/allOf/(\d+)/properties/location/pattern"', code)[1])  # type: ignore[index]
    schema = otr.to_json_schema()
    assert schema["allOf"][index]["x-rule-id"] == "location-ipv4"


def test_the_cli_example_prints_what_is_shown() -> None:
    example = next(each for each in blocks("cli.rst", "console") if "schema --no-policy" in each)
    command, output = example.splitlines()
    assert command.endswith("jq -c '.allOf[3]'")
    assert json.loads(output) == otr.to_json_schema()["allOf"][3]


def test_the_plugin_page_shows_the_example_plugin() -> None:
    source = {
        line.strip()
        for line in (EXAMPLE / "src" / "opentok_rules_archive_prefix" / "__init__.py")
        .read_text()
        .splitlines()
    }
    code, *_ = blocks("plugins.rst", "python")
    missing = [
        line
        for line in (each.strip() for each in code.splitlines())
        if line and not line.startswith("#") and line not in source
    ]
    assert missing == []
    pyproject = (EXAMPLE / "pyproject.toml").read_text()
    toml = next(each for each in blocks("plugins.rst", "toml") if "entry-points" in each)
    assert all(line in pyproject for line in toml.splitlines() if line and "=" in line)


def test_the_pages_are_in_the_index() -> None:
    index = (DOCS / "index.rst").read_text()
    assert "\n   schema\n" in index
    assert "\n   plugins\n" in index
