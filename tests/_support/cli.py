"""Running the ``opentok-rules`` command line in tests: as a subprocess, exactly as a user runs
it, with an environment free of the user's OpenTok and Vonage settings.

The in-process form (``main(args)`` through the ``cli`` fixture) is in ``tests/cli/conftest.py``.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from opentok_rules.testing import Emulator

#: ``python -m opentok_rules``: the command, run by this interpreter.
CLI = [sys.executable, "-m", "opentok_rules"]
#: Seconds any one command may take; they take well under one.
TIMEOUT = 30
#: The prefixes of the variables a command reads for credentials and where to send.
SETTINGS_PREFIXES = ("OPENTOK_", "VONAGE_")
#: What in-process runs return: the exit code, stdout and stderr.
Outcome = tuple[int, str, str]


def scrubbed_env(prefixes: tuple[str, ...] = SETTINGS_PREFIXES) -> dict[str, str]:
    """This process's environment without the variables whose names start with ``prefixes``."""
    return {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without OpenTok or Vonage settings, plus ``extra``."""
    return {**scrubbed_env(), **extra}


def run(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """``python -m opentok_rules *args``, with no OpenTok settings unless ``env`` has them."""
    return subprocess.run(
        [*CLI, *args],
        env=clean_env() if env is None else env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def emulator_env(emulator: Emulator, **overrides: str) -> dict[str, str]:
    """A clean environment holding the emulator's OpenTok credentials and URL."""
    settings = {
        "OPENTOK_API_KEY": emulator.api_key,
        "OPENTOK_API_SECRET": emulator.api_secret,
        "OPENTOK_API_URL": emulator.url,
    }
    settings.update(overrides)
    return clean_env(**settings)


def vonage_env(emulator: Emulator, key_path: Path, **overrides: str) -> dict[str, str]:
    """A clean environment holding a Vonage emulator's application id, key file and URL."""
    settings = {
        "VONAGE_APPLICATION_ID": emulator.application_id,
        "VONAGE_PRIVATE_KEY_PATH": str(key_path),
        "VONAGE_VIDEO_API_URL": emulator.url,
    }
    settings.update(overrides)
    return clean_env(**settings)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The command failed with ``code`` and one line on stderr, nothing on stdout; the line."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("opentok-rules: ")
    return lines[0]


def violation_rule_ids(stderr: str) -> list[str]:
    """The rule ids of ``opentok-rules: RULE: FLAG: MESSAGE`` lines, in order."""
    ids = []
    for line in stderr.splitlines():
        match = re.fullmatch(r"opentok-rules: ([a-z0-9-]+): (--[a-z-]+|SESSION_ID|-): .+", line)
        assert match is not None, f"not a violation line: {line!r}"
        ids.append(match.group(1))
    return ids


def read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Put each line of ``stream`` on ``lines``, then ``None`` at its end (run in a thread)."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def decode_vonage_jwt(token: str, private_key_pem: str) -> dict[str, Any]:
    """The claims of an RS256 token, verified with the public half of ``private_key_pem``."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    claims: dict[str, Any] = jwt.decode(token, key.public_key(), algorithms=["RS256"])  # type: ignore[arg-type]
    return claims
