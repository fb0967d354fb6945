"""Files and install modes users rely on: the license, the changelog, and ``pip install -e .``
that type checkers can see through; and the project's CI files, which must agree with each
other (the release itself is checked by tests/test_release.py).

setuptools' default editable install of a flat layout puts an import hook (a finder object) on
``sys.meta_path``; type checkers do not run it, so ``mypy`` in a project that installed this
checkout with ``pip install -e .`` saw no ``opentok_rules`` at all. The project declares its
package root (``package_dir = =.`` in setup.cfg), for which setuptools writes a plain path into
a ``.pth`` file instead, which mypy and pyright read.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]

USER_CODE = """\
import opentok_rules as otr

prepared = otr.prepare_session({"media_mode": "routed"})
reveal_type(prepared)
wrong: int = prepared.params
"""


def test_license_is_the_apache_license_2() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    setup_cfg = (ROOT / "setup.cfg").read_text()
    assert re.search(r"^license = Apache-2.0$", setup_cfg, re.M)


def test_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    assert "\n## [Unreleased]\n" in text
    version = re.search(r'"(.+)"', (ROOT / "opentok_rules" / "_version.py").read_text())
    assert version
    assert re.search(rf"^## \[{re.escape(version.group(1))}\] - \d{{4}}-\d\d-\d\d$", text, re.M)


def _no_network(output: str) -> bool:
    signs = ("NewConnectionError", "Network is unreachable", "Temporary failure in name")
    return any(sign in output for sign in signs)


PIP = [sys.executable, "-m", "pip"]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="needs mypy (the lint extra)")
def test_mypy_sees_an_editable_install(tmp_path: Path) -> None:
    """``pip install -e <checkout>`` in a fresh venv; mypy run elsewhere finds the types."""
    venv = tmp_path / "venv"
    # No pip of its own (bootstrapping one costs more than the rest of the test): this
    # environment's pip installs into it (pip --python).
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True
    )
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    installed = subprocess.run(
        [*PIP, "--python", str(python), "install", "--quiet", "--no-deps", "-e", str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    output = installed.stdout + installed.stderr
    if installed.returncode != 0 and _no_network(output):
        pytest.skip("pip could not fetch the build backend (no network)")
    assert installed.returncode == 0, output

    work = tmp_path / "elsewhere"  # not the checkout: only the install can find the package
    work.mkdir()
    (work / "use.py").write_text(USER_CODE)
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--python-executable",
            str(python),
            "use.py",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    report = checked.stdout + checked.stderr
    assert "import-not-found" not in report, report
    assert (
        'Revealed type is "opentok_rules.operations.session.prepare.PreparedSession"' in report
    ), report
    # The deliberate mistake is caught, with the real type of params: the types are seen.
    assert 'expression has type "dict[str, str]", variable has type "int"' in report, report
    assert checked.returncode == 1, report


# --- CI: .ci/run, the GitHub workflow, tox, pre-commit and Read the Docs name the same commands


def _tox() -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    return config


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and line[0] != "#"]


def _envlist() -> list[str]:
    return [env.strip() for env in _tox()["tox"]["envlist"].split(",")]


def _ci_run_commands() -> set[str]:
    """.ci/run's working lines (set-up aside), ``tox run`` spelt out as one run per env."""
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = {line for line in lines if line.startswith(("python -m ", "bash .ci/"))}
    # `tox run` without -e runs the envlist: each env is a command, as in the workflow.
    assert "python -m tox run" in commands, "the tox environments are what .ci/run runs"
    commands.remove("python -m tox run")
    return commands | {f"python -m tox run -e {env}" for env in _envlist()}


def _workflow() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    return loaded


def _workflow_commands() -> set[str]:
    """Every ``run`` line of the workflow, with each matrix entry put in."""
    commands: set[str] = set()
    jobs = _workflow()["jobs"]
    assert isinstance(jobs, dict)
    for job in jobs.values():
        entries = job.get("strategy", {}).get("matrix", {}).get("include", [{}])
        for entry in entries:
            for step in job["steps"]:
                for line in _lines(step.get("run", "")):
                    for key, value in entry.items():
                        line = line.replace("${{ matrix." + key + " }}", str(value))
                    commands.add(line)
    return commands


def test_the_workflow_runs_what_ci_runs() -> None:
    ci_run = _ci_run_commands()
    workflow = _workflow_commands()
    only_workflow, only_ci_run = sorted(workflow - ci_run), sorted(ci_run - workflow)
    assert workflow == ci_run, f"only in ci.yml: {only_workflow}; only in .ci/run: {only_ci_run}"


def test_the_workflow_tests_every_supported_python_on_its_own_version() -> None:
    jobs = _workflow()["jobs"]
    assert isinstance(jobs, dict)
    entries = jobs["tox"]["strategy"]["matrix"]["include"]
    tests = {e["env"]: e["python"] for e in entries if re.fullmatch(r"py3\d+", e["env"])}
    assert tests == {"py310": "3.10", "py311": "3.11", "py312": "3.12", "py313": "3.13"}
    assert [e for e in _envlist() if e.startswith("py")] == list(tests)
    assert {"lint", "types", "docs", "build"} <= set(_envlist())


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^python -m pip install (-e .*) && python -m pytest$", readme, re.M)
    assert found, "the README shows its test command"
    quiet = f"python -m pip install --quiet {found.group(1)} && python -m pytest"
    assert quiet in _ci_run_commands()


def test_pre_commit_runs_the_lint_and_type_checks_of_tox() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    hygiene = {"trailing-whitespace", "end-of-file-fixer", "check-yaml", "check-toml"}
    assert hygiene | {"check-merge-conflict", "ruff-check", "ruff-format", "mypy"} <= set(hooks)
    tox = _tox()
    lint = _lines(tox["testenv:lint"]["commands"])
    # The same tools on the same configuration: pre-commit fixes what tox -e lint only checks.
    assert lint == ["ruff check .", "ruff format --check ."]
    assert hooks["ruff-check"]["entry"].startswith("ruff check")
    assert hooks["ruff-format"]["entry"].startswith("ruff format")
    # mypy over pyproject.toml's files, not the staged ones: --strict needs the whole program.
    assert hooks["mypy"]["entry"] == _lines(tox["testenv:types"]["commands"])[0] == "mypy"
    assert hooks["mypy"]["pass_filenames"] is False


def test_read_the_docs_builds_as_tox_docs() -> None:
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert config["sphinx"]["configuration"] == "docs/conf.py"
    assert config["sphinx"]["fail_on_warning"] is True
    docs = _tox()["testenv:docs"]
    assert "-W" in docs["commands"].split()
    extras = config["python"]["install"][0]["extra_requirements"]
    assert sorted(extras) == sorted(_lines(docs["extras"]))


def test_the_tox_tests_measure_branch_coverage_with_a_floor() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()  # no tomllib on 3.10
    run = re.search(r"^\[tool\.coverage\.run\]\n(.*?)^\[", pyproject, re.M | re.S)
    report = re.search(r"^\[tool\.coverage\.report\]\n(.*?)(^\[|\Z)", pyproject, re.M | re.S)
    assert run
    assert report
    assert re.search(r"^branch = true$", run.group(1), re.M)
    assert re.search(r"^fail_under = [1-9]\d*$", report.group(1), re.M)
    # The tests run in pytest-xdist's workers: coverage measures those subprocesses, and their
    # data files are combined before the report (else the report would see the controller's
    # imports alone).
    assert re.search(r'^patch = \["subprocess"\]$', run.group(1), re.M)
    assert _lines(_tox()["testenv"]["commands"]) == [
        "coverage erase",
        "coverage run -m pytest {posargs}",
        "coverage combine --quiet",
        "coverage report",
    ]
