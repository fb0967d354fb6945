"""Running the ``opentok-rules`` command line in tests, with an environment free of the user's
OpenTok and Vonage settings.

``run`` calls the command's ``main`` in this process, as a fresh process would see it (its
own environment, folder, stdin, pipes for stdout and stderr, Python's default warning filters
and logging's last-resort handler) and returns what ``subprocess.run`` would: a tenth of the
CPU of starting an interpreter and importing the library for every command. ``run_process``
starts ``python -m opentok_rules`` for the tests that are about the process itself (the entry
point, what it imports, plugins installed for it, signals); ``serving`` runs the emulator
command. The ``cli`` fixture (``tests/cli/conftest.py``) is ``run``'s short form for the
command-line tests.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NamedTuple

import jwt
import pytest

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


def run_process(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """``python -m opentok_rules *args`` in a new process, with no OpenTok settings unless
    ``env`` has them: for the tests about the process itself."""
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


#: Python's warning filters in a process started without ``-W`` or ``PYTHONWARNINGS``, first
#: to last (pytest's ``filterwarnings = error`` must not turn the command's warnings into errors).
_DEFAULT_WARNING_FILTERS: tuple[tuple[str, type[Warning], str], ...] = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


def _pipe() -> io.TextIOWrapper:
    """A text stream over bytes, as a child's stdout or stderr is over its pipe."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)


def _read_back(stream: io.TextIOWrapper) -> str:
    """What was written to ``stream``, decoded as ``subprocess.run(text=True)`` decodes it
    (universal newlines)."""
    stream.flush()
    data = stream.buffer.getvalue()  # type: ignore[attr-defined]
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None).read()


@contextmanager
def _as_a_new_process(env: dict[str, str], cwd: Path | None) -> Iterator[None]:
    """This process's environment, folder, warning filters and root logging as a newly started
    ``python -m opentok_rules`` would have them, put back afterwards."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    os.environ.clear()
    os.environ.update(env)
    try:
        if cwd is not None:
            os.chdir(cwd)
        # No handler on the root logger: what the library logs at WARNING and above goes to
        # stderr through logging's last resort, as in a process of its own.
        root.handlers = []
        root.setLevel(logging.WARNING)
        with warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in reversed(_DEFAULT_WARNING_FILTERS):
                warnings.filterwarnings(action, category=category, module=module)  # type: ignore[arg-type]
            yield
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """``opentok-rules *args`` run by its ``main`` in this process as if in a process of its
    own (see the module's docstring), with no OpenTok settings unless ``env`` has them.

    ``timeout`` is accepted for ``run_process``'s signature; a command here is not stopped.
    """
    del timeout
    from opentok_rules.cli import main

    out, err = _pipe(), _pipe()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    with _as_a_new_process(clean_env() if env is None else env, cwd):
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin or ""), out, err
        try:
            try:
                code = main(list(args))
            except (
                SystemExit
            ) as exc:  # argparse's own exits (--help, usage), as the interpreter does
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
            except Exception:
                traceback.print_exc()
                code = 1
        finally:
            sys.stdin, sys.stdout, sys.stderr = streams
    return subprocess.CompletedProcess([*CLI, *args], code, _read_back(out), _read_back(err))


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


ROUTED_AT_LOCATION = {
    "p2p.preference": "disabled",
    "archiveMode": "manual",
    "location": "12.34.56.78",
    "e2ee": "false",
}


#: Flags of a routed session archived always under a name (valid).
ARCHIVED = ("--media-mode", "routed", "--archive-mode", "always", "--archive-name", "Demo")

# One of each problem the rules can find in a combination of flags, in registry order.
SEVERAL_VIOLATIONS = [
    *("--media-mode", "relayed", "--archive-mode", "always", "--e2ee"),
    *("--location", "localhost", "--archive-resolution", "1x1"),
]


# The token rule that checks a session id against the signing api key or application id.
SESSION_RULE = "token-session-belongs-to-key"


SEVERAL_RULE_IDS = [
    "always-archive-requires-routed",
    "relayed-forbids-e2ee",
    "always-archive-forbids-e2ee",
    "location-ipv4",
    "archive-resolution-valid",
]


needs_cryptography = pytest.mark.skipif(
    importlib.util.find_spec("cryptography") is None,
    reason="the Vonage backend needs the vonage extra (cryptography)",
)


def decode_jwt(token: str, emulator: Emulator) -> dict[str, Any]:
    """The claims of a project's HS256 client token, verified with the emulator's secret."""
    claims: dict[str, Any] = jwt.decode(
        token, emulator.api_secret, algorithms=["HS256"], issuer=emulator.api_key
    )
    return claims


@contextmanager
def children_get_default_sigint() -> Iterator[None]:
    """Processes started inside get SIGINT's default action even if this one ignores it.

    A shell starts background jobs with SIGINT ignored, and children inherit that, so the
    emulator would never see the test's SIGINT. A signal with a handler is reset to the
    default on exec, so a handler set for the moment of the start is enough.
    """
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# A Python option name in a message, where the user typed a flag.
PYTHON_NAME = re.compile(
    r"(?<![\w-])(media_mode|archive_mode|archive_name|archive_resolution|expire_time|"
    r"initial_layout_class_list|token_type|session_id|api_url|api_key|api_secret|e2ee)\b"
)


SHORT_SECRET_WARNING = (
    "opentok-rules: warning: the api secret is 5 bytes; OpenTok secrets are 40 characters, "
    "and HS256 keys under 32 bytes are weak"
)


def assert_no_foreign_warning(stderr: str) -> None:
    assert "InsecureKeyLengthWarning" not in stderr
    assert "Warning:" not in stderr
    assert ".py" not in stderr
    assert "jwt" not in stderr.lower()


#: The line the ``emulator`` command prints once it serves; the console address follows it.
SERVING = "Serving until interrupted (Ctrl-C); the console is at "
#: The variables the ``emulator --tls`` command prints, which a test's own run must not inherit.
TLS_PREFIXES = ("SSL_CERT", "REQUESTS_CA")


class Served(NamedTuple):
    """The running ``emulator`` command: what it printed before serving, and the rest."""

    process: subprocess.Popen[str]
    #: The ``NAME=value`` settings it printed.
    printed: dict[str, str]
    #: Its further stdout lines as they come (``None`` at the end).
    lines: queue.Queue[str | None]
    #: The console's address.
    console: str


@contextmanager
def serving(*args: str, cwd: Path | None = None) -> Iterator[Served]:
    """The ``emulator`` command running with ``args`` until the block ends (then interrupted
    as a user does, killed if it does not stop)."""
    with children_get_default_sigint():
        process = subprocess.Popen(
            [*CLI, "emulator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=scrubbed_env(SETTINGS_PREFIXES + TLS_PREFIXES),
            cwd=cwd,
        )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
        printed: dict[str, str] = {}
        while True:
            line = lines.get(timeout=TIMEOUT)
            assert line is not None, "the emulator command ended before it was serving"
            if line.startswith(SERVING):
                console = line[len(SERVING) :].strip()
                break
            name, _, value = line.rstrip("\n").partition("=")
            printed[name] = value
        yield Served(process, printed, lines, console)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def run_in(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The command in ``cwd``, with no OpenTok or Vonage settings but ``env``'s."""
    return run(*args, cwd=cwd, env=clean_env(**(env or {})), stdin=stdin)
