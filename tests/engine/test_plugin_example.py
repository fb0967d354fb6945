"""The example plugin (examples/opentok-rules-archive-prefix), installed into a fresh virtual
environment with pip, gives policy files a new kind there, with no code in the app."""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest
from _support.paths import ROOT

import opentok_rules as otr

EXAMPLE = ROOT / "examples" / "opentok-rules-archive-prefix"
TIMEOUT = 300

POLICY = """
[[session]]
id = "acme-archive-names"
kind = "archive_prefix"
prefix = "acme-"
"""

# What the app does in the fresh environment: load the policy, judge three option sets.
APP = textwrap.dedent(
    """
    import json, sys
    import opentok_rules as otr

    policy = otr.load_policy(sys.argv[1])
    verdicts = []
    for name in ("acme-weekly", "weekly", None):
        options = {"media_mode": "routed", "archive_mode": "always", "archive_name": name}
        try:
            otr.prepare_session(options, rules=policy.rules)
            verdicts.append("ok")
        except otr.ValidationError as exc:
            verdicts.append([[v.rule, v.field, v.message] for v in exc.violations])
    rule = policy.rules.get("acme-archive-names")
    print(json.dumps({"verdicts": verdicts, "module": type(rule).__module__}))
    """
)


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh virtual environment with the example plugin pip-installed.

    The environment sees this one's packages (opentok-rules itself, attrs, cattrs and the
    build tools), as ``--system-site-packages`` would for a system Python, so nothing is
    downloaded; the plugin is installed into it alone.
    """
    root = tmp_path_factory.mktemp("plugin-venv")
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = shutil.copytree(EXAMPLE, root / "source")
    try:
        venv.EnvBuilder(with_pip=False).create(root / "env")
    except Exception as exc:  # no venv module support (a stripped system Python, say)
        pytest.skip(f"cannot create a virtual environment here: {exc}")
    python = root / "env" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    ).stdout.strip()
    # addsitedir, not a plain path: it also reads the .pth files there (editable installs).
    lines = [f"import site; site.addsitedir({each!r})" for each in site.getsitepackages()]
    Path(purelib, "_outer_environment.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--quiet",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=root,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def test_the_installed_kind_is_used_from_a_policy_file(plugin_python: Path, tmp_path: Path) -> None:
    policy = tmp_path / "opentok-rules.toml"
    policy.write_text(POLICY, encoding="utf-8")
    result = subprocess.run(
        [plugin_python, "-c", APP, str(policy)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    found = json.loads(result.stdout)
    assert found["module"] == "opentok_rules_archive_prefix"
    assert found["verdicts"] == [
        "ok",
        [
            [
                "acme-archive-names",
                "archive_name",
                "archive_name must be a value that starts with 'acme-'; got 'weekly'",
            ]
        ],
        "ok",
    ]


def test_the_kind_is_shown_by_the_command_line_there(plugin_python: Path, tmp_path: Path) -> None:
    (tmp_path / "opentok-rules.toml").write_text(POLICY, encoding="utf-8")
    result = subprocess.run(
        [plugin_python, "-m", "opentok_rules", "schema"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
        cwd=tmp_path,
    )
    schema = json.loads(result.stdout)
    # A ValueKind says its own schema: the rule is exported, not listed as unexpressed.
    assert schema["x-unexpressed"] == []
    (part,) = [each for each in schema["allOf"] if each["x-rule-id"] == "acme-archive-names"]
    assert part["properties"]["archive_name"] == {
        # An empty name means no name (archive-name-length ran before): it passes too.
        "anyOf": [{"const": ""}, {"type": ["string", "null"], "pattern": "^acme-"}]
    }


def test_a_bad_field_is_a_policy_error_naming_it(plugin_python: Path, tmp_path: Path) -> None:
    policy = tmp_path / "opentok-rules.toml"
    policy.write_text(POLICY.replace('"acme-"', "5"), encoding="utf-8")
    code = "import sys, opentok_rules as otr; otr.load_policy(sys.argv[1])"
    result = subprocess.run(
        [plugin_python, "-c", code, str(policy)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 1
    assert "PolicyError" in result.stderr
    assert f"{policy}: session[0] (id 'acme-archive-names'): prefix:" in result.stderr


def test_without_the_plugin_the_kind_is_unknown(tmp_path: Path) -> None:
    # This environment has not installed the example: the venv above is what makes it work.
    policy = tmp_path / "opentok-rules.toml"
    policy.write_text(POLICY, encoding="utf-8")
    with pytest.raises(otr.PolicyError, match="unknown kind 'archive_prefix'"):
        otr.load_policy(policy)
