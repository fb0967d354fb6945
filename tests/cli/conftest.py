"""Fixtures of the command-line tests: emulators to point the commands at, a session made on
one, and ``cli``, the command run in this process."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _support.cli import SETTINGS_PREFIXES, Outcome

from opentok_rules.cli import main
from opentok_rules.client import OpenTok
from opentok_rules.testing import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def session_id(emulator: Emulator) -> str:
    """A session the emulator created (through the library, not the command under test)."""
    with OpenTok(emulator.api_key, emulator.api_secret, emulator.url) as client:
        return client.create_session(media_mode="routed").session_id


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Outcome]:
    """``main(args)`` in this process, faster than a subprocess, with no OpenTok or Vonage
    settings but the keywords (set as environment variables), and ``stdin`` as the input."""
    for name in list(os.environ):
        if name.startswith(SETTINGS_PREFIXES):
            monkeypatch.delenv(name)

    def call(*args: str, stdin: str | None = None, **env: str) -> Outcome:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own exits: --help, usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def vonage_emulator() -> Iterator[Emulator]:
    pytest.importorskip("cryptography", reason="the Vonage backend needs the vonage extra")
    with Emulator(backend="vonage") as running:
        yield running


@pytest.fixture
def key_file(vonage_emulator: Emulator, tmp_path: Path) -> Path:
    """The Vonage emulator's private key in a file, as the dashboard hands it out."""
    path = tmp_path / "private.key"
    path.write_text(vonage_emulator.private_key, encoding="ascii")
    return path
