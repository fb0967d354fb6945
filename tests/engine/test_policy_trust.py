"""find_policy does not use a stranger's file: as git does since CVE-2022-24765, a policy file
(or the folder that holds it) owned by another user than the caller or root, or writable by
its group or by others, is skipped and said on the log; ``--policy PATH`` and
``load_policy(path)`` trust the file they name (issue 28, item 4).

Running as root, a file is made a stranger's with ``os.chown`` to another uid; otherwise the
caller is made another user (``_files._caller``), so the test's own files are a stranger's.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
from pathlib import Path

import pytest
from _support.cli import run
from _support.properties import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules.engine import _files

STRANGER = 4242
REFUSING = (
    "[[session]]\nid = 'acme-routed'\nkind = 'allowed'\nkey = 'media_mode'\nvalues = ['routed']\n"
)
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX owners only")


def a_strangers(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``path`` belong to another user than the caller (and than root)."""
    if ROOT:
        os.chown(path, STRANGER, -1)
    else:  # pragma: no cover - CI runs as a user
        me = os.geteuid()
        monkeypatch.setattr(_files, "_caller", lambda: me + 1)


def policy_in(folder: Path, name: str = "opentok-rules.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    path = folder / name
    text = (
        REFUSING
        if name != "pyproject.toml"
        else "[tool.opentok-rules]\n"
        + REFUSING.replace("[[session]]", "[[tool.opentok-rules.session]]")
    )
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def test_ones_own_file_is_used(tmp_path: Path) -> None:
    path = policy_in(tmp_path / "project")
    assert otr.find_policy(tmp_path / "project") == path


@pytest.mark.parametrize("name", ["opentok-rules.toml", "pyproject.toml"])
def test_a_strangers_file_is_skipped_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    path = policy_in(tmp_path / "shared", name)
    a_strangers(path, monkeypatch)
    below = tmp_path / "shared" / "mine"
    below.mkdir()
    with caplog.at_level(logging.WARNING, logger="opentok_rules.policy"):
        assert otr.find_policy(below) is None
    (record,) = caplog.records
    said = record.getMessage()
    assert str(path) in said
    assert "belongs to another user" in said
    assert f"--policy {path}" in said
    # Named, it is trusted.
    assert "acme-routed" in otr.load_policy(path).rules


@pytest.mark.parametrize(("mode", "who"), [(0o664, "its group"), (0o646, "others")])
def test_a_file_others_may_write_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, who: str
) -> None:
    path = policy_in(tmp_path / "p")
    path.chmod(mode)
    with caplog.at_level(logging.WARNING, logger="opentok_rules.policy"):
        assert otr.find_policy(tmp_path / "p") is None
    assert f"the file may be written by {who}" in caplog.text


def test_a_file_in_a_folder_anyone_may_write_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # /tmp's case: anyone may put an opentok-rules.toml there (the sticky bit does not help).
    path = policy_in(tmp_path / "tmp")
    path.parent.chmod(0o1777)
    with caplog.at_level(logging.WARNING, logger="opentok_rules.policy"):
        assert otr.find_policy(tmp_path / "tmp") is None
    assert "its folder may be written by its group and others" in caplog.text


def test_the_search_goes_on_past_a_skipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = policy_in(tmp_path / "home")
    theirs = policy_in(tmp_path / "home" / "shared")
    theirs.chmod(0o666)
    assert otr.find_policy(tmp_path / "home" / "shared") == mine


@pytest.mark.skipif(not ROOT, reason="needs a file owned by root and a caller who is not")
def test_a_file_of_root_is_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = policy_in(tmp_path / "etc")
    monkeypatch.setattr(_files, "_caller", lambda: 1000)
    tmp_path.chmod(0o755)
    assert otr.find_policy(tmp_path / "etc") == path


def run_check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("check", "--media-mode", "relayed", *args, cwd=cwd)


def test_the_command_says_it_skipped_a_file_and_how_to_use_it(tmp_path: Path) -> None:
    path = policy_in(tmp_path / "p")
    path.chmod(0o666)
    skipped = run_check(path.parent)
    assert skipped.returncode == 0, skipped.stderr  # relayed: the policy was not used
    assert skipped.stderr.startswith(f"opentok-rules: warning: skipped the policy file {path}: ")
    assert f"--policy {path}" in skipped.stderr
    used = run_check(path.parent, "--policy", str(path))
    assert used.returncode == 2  # the policy's acme-routed refuses relayed
    assert "acme-routed" in used.stderr


OWNERS = st.sampled_from(["me", "root", "stranger"])


@pytest.mark.skipif(not ROOT, reason="chown to root and to a stranger needs root")
@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(OWNERS, st.integers(0, 0o777), OWNERS, st.integers(0o700, 0o777))
def test_a_found_file_is_used_exactly_when_it_and_its_folder_are_trusted(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    file_owner: str,
    file_mode: int,
    folder_owner: str,
    folder_mode: int,
) -> None:
    me = 1000
    monkeypatch.setattr(_files, "_caller", lambda: me)
    uids = {"me": me, "root": 0, "stranger": STRANGER}
    tmp_path.chmod(0o755)
    folder = tmp_path / f"f{file_owner}{file_mode:o}{folder_owner}{folder_mode:o}"
    path = policy_in(folder)
    os.chown(path, uids[file_owner], -1)
    os.chown(folder, uids[folder_owner], -1)
    path.chmod(file_mode)
    folder.chmod(folder_mode)
    writable = stat.S_IWGRP | stat.S_IWOTH
    trusted = (
        file_owner != "stranger"
        and folder_owner != "stranger"
        and not file_mode & writable
        and not folder_mode & writable
    )
    assert (otr.find_policy(folder) == path) is trusted
