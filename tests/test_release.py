"""The release: the sdist and the wheel that ``python -m build`` makes hold what they should,
pass ``twine check --strict``, and the wheel, installed into a fresh virtual environment, works.

``tox -e build`` builds both into a fresh folder, names it in ``OPENTOK_RULES_DIST`` and runs
these tests (``pytest -m release``); without that variable the tests build the checkout
themselves. They need the release extra (build, twine), which the README's test command does not
install, so they skip there; CI runs them through ``tox -e build``.

What the files must hold is worked out, not listed: every file git tracks under
``opentok_rules/`` is in the wheel (code, ``py.typed`` and any package data) and nothing else
of the project is; every tracked file outside the dot-folders (the CI set-up) is in the sdist,
so a distribution packager can build, test and document from it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import attrs
import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = "opentok_rules"


def _runnable(name: str) -> bool:
    """Whether ``python -m name`` would run: a checkout's build/ folder imports as a namespace
    package called "build", so the name alone proves nothing."""
    try:
        return importlib.util.find_spec(f"{name}.__main__") is not None
    except ModuleNotFoundError:  # no such package at all
        return False


pytestmark = [
    pytest.mark.release,
    pytest.mark.skipif(
        not (_runnable("build") and _runnable("twine")),
        reason="needs build and twine: pip install -e '.[release]', or run tox -e build",
    ),
]


@attrs.frozen
class Dist:
    """The two files of one build."""

    wheel: Path
    sdist: Path
    version: str


def _version() -> str:
    found = re.search(r'"(.+)"', (ROOT / PACKAGE / "_version.py").read_text())
    assert found, "opentok_rules/_version.py names no version"
    return found.group(1)


def _clean_env() -> dict[str, str]:
    """This environment without what would let a child import the checkout instead."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args: list[str], *, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        args,
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    given = os.environ.get("OPENTOK_RULES_DIST")
    if given:
        folder = Path(given)
    else:
        folder = tmp_path_factory.mktemp("dist")
        _run([sys.executable, "-m", "build", "--outdir", str(folder), str(ROOT)], cwd=ROOT)
    version = _version()
    wheels = sorted(folder.glob("*.whl"))
    sdists = sorted(folder.glob("*.tar.gz"))
    # Exactly the files of this version: a stale build of another version must not be tested.
    assert [w.name for w in wheels] == [f"{PACKAGE}-{version}-py3-none-any.whl"], wheels
    assert [s.name for s in sdists] == [f"{PACKAGE}-{version}.tar.gz"], sdists
    return Dist(wheel=wheels[0], sdist=sdists[0], version=version)


def _tracked(*, under: str | None = None) -> set[str] | None:
    """The files git tracks (posix paths from the top), or None outside a git checkout."""
    if not (ROOT / ".git").exists():
        return None
    args = ["git", "-C", str(ROOT), "ls-files", "-z"]
    if under is not None:
        args += ["--", under]
    listed = subprocess.run(args, capture_output=True, check=True).stdout.decode()
    return {name for name in listed.split("\0") if name}


def _package_files() -> set[str]:
    """What the wheel must carry of the package: git's list, or the files on disk in an sdist."""
    tracked = _tracked(under=PACKAGE)
    if tracked is not None:
        return tracked
    on_disk = (p for p in (ROOT / PACKAGE).rglob("*") if p.is_file())
    return {
        p.relative_to(ROOT).as_posix()
        for p in on_disk
        if "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    }


def test_twine_check_strict_passes(dist: Dist) -> None:
    checked = _run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dist.wheel), str(dist.sdist)],
        cwd=dist.wheel.parent,
    )
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_the_wheel_holds_the_package_its_license_and_no_tests(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = set(wheel.namelist())
        info = f"{PACKAGE}-{dist.version}.dist-info"
        license_text = wheel.read(f"{info}/licenses/LICENSE")
        metadata = wheel.read(f"{info}/METADATA").decode()
    tops = {PurePosixPath(name).parts[0] for name in names}
    assert tops == {PACKAGE, info}, f"only the package and its metadata belong in a wheel: {tops}"
    package = {name for name in names if name.startswith(f"{PACKAGE}/")}
    expected = _package_files()
    assert not expected - package, f"tracked but not in the wheel: {sorted(expected - package)}"
    # Built from a clean checkout nothing else gets in; an extra name is a stray file.
    assert not package - expected, f"in the wheel but not tracked: {sorted(package - expected)}"
    assert f"{PACKAGE}/py.typed" in package
    assert license_text == (ROOT / "LICENSE").read_bytes()
    assert "License-File: LICENSE" in metadata
    assert not [n for n in names if re.search(r"(^|/)(tests?/|test_[^/]*\.py$|conftest\.py$)", n)]


def test_the_sdist_holds_what_a_packager_needs(dist: Dist) -> None:
    top = f"{PACKAGE}-{dist.version}"
    with tarfile.open(dist.sdist) as sdist:
        members = [m.name for m in sdist.getmembers() if m.isfile()]
    files = {PurePosixPath(name).relative_to(top).as_posix() for name in members}
    needed = {"LICENSE", "CHANGELOG.md", "README.md", "tox.ini", "pyproject.toml", "setup.cfg"}
    assert needed <= files, sorted(needed - files)
    assert {"docs/conf.py", "docs/index.rst", "tests/test_release.py"} <= files
    assert not [f for f in files if f.endswith((".pyc", ".pyo")) or f.startswith("docs/_build/")]
    tracked = _tracked()
    if tracked is None:
        pytest.skip("which files belong in the sdist is git's list: run this in a git checkout")
    wanted = {name for name in tracked if not name.startswith(".")}
    missing = sorted(wanted - files)
    assert not missing, f"tracked but not in the sdist (add them to MANIFEST.in): {missing}"


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed (dependencies from the index)."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=venv.parent)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", str(dist.wheel)], cwd=venv.parent)
    return venv


def test_the_installed_wheel_imports_from_the_environment(installed: Path) -> None:
    elsewhere = installed.parent  # not the checkout: only the installed copy can be found
    _run([str(installed / "bin" / "python"), "-c", "import opentok_rules"], cwd=elsewhere)
    shown = _run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import importlib.resources as r, opentok_rules as o;"
            "print(o.__file__); print(r.files(o).joinpath('py.typed').is_file())",
        ],
        cwd=elsewhere,
    )
    where, typed = shown.stdout.splitlines()
    assert Path(where).is_relative_to(installed), where
    assert typed == "True"
    _run([str(installed / "bin" / "python"), "-m", "pip", "check"], cwd=elsewhere)


def test_the_installed_wheel_runs_the_demo(installed: Path) -> None:
    script = installed / "bin" / "opentok-rules"
    shown = _run([str(script), "demo"], cwd=installed.parent, timeout=60)
    assert re.search(r"^session id: \S+$", shown.stdout, re.M), shown.stdout
    assert re.search(r"^moderator token: \S+$", shown.stdout, re.M), shown.stdout
    answer = json.loads(_run([str(script), "demo", "--json"], cwd=installed.parent).stdout)
    assert answer["backend"] == "OpenTok"
    assert answer["media_mode"] == "routed"
    assert answer["session_id"]
    assert answer["token"]
