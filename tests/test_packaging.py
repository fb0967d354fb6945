"""Files and install modes users rely on: the license, the changelog, and ``pip install -e .``
that type checkers can see through.

setuptools' default editable install of a flat layout puts an import hook (a finder object) on
``sys.meta_path``; type checkers do not run it, so ``mypy`` in a project that installed this
checkout with ``pip install -e .`` saw no ``opentok_rules`` at all. The project declares its
package root (``package_dir = =.`` in setup.cfg), for which setuptools writes a plain path into
a ``.pth`` file instead, which mypy and pyright read.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="needs mypy (the lint extra)")
def test_mypy_sees_an_editable_install(tmp_path: Path) -> None:
    """``pip install -e <checkout>`` in a fresh venv; mypy run elsewhere finds the types."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(ROOT)],
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
    assert 'Revealed type is "opentok_rules.engine.pipeline.PreparedSession"' in report, report
    # The deliberate mistake is caught, with the real type of params: the types are seen.
    assert 'expression has type "dict[str, str]", variable has type "int"' in report, report
    assert checked.returncode == 1, report
