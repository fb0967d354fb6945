"""``emulator`` and ``demo``: a local emulator of the service, no account needed."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from opentok_rules.client import SyncClientBase
    from opentok_rules.testing import Emulator
from opentok_rules.cli._common import (
    add_json_flag,
    port_number,
    print_error,
    print_json,
)
from opentok_rules.cli._credentials import require_vonage_extra
from opentok_rules.errors import OpenTokError


def add_emulator(commands: Any) -> None:
    emulator = commands.add_parser("emulator", help="serve a local emulator of the service")
    emulator.add_argument("--port", type=port_number, default=0, help="default: a free port")
    emulator.add_argument(
        "--vonage",
        action="store_true",
        help="emulate the Vonage Video API (an application id and a private key file)",
    )
    policy = emulator.add_mutually_exclusive_group()
    policy.add_argument(
        "--policy",
        metavar="FILE",
        help="the console's rules (default: the nearest opentok-rules.toml, as for check)",
    )
    policy.add_argument(
        "--no-policy", action="store_true", help="the console uses the library's default rules"
    )
    emulator.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a fresh certificate; prints its CA file (needs the vonage extra)",
    )
    emulator.add_argument(
        "--history",
        type=_history_size,
        default=1000,
        metavar="N",
        help="keep the last N requests for the console (default: 1000; 0 keeps none)",
    )
    emulator.set_defaults(handler=_emulator)


def _history_size(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of requests, 0 to 999999999, got {text!r}"
        )
    return int(value)


def add_demo(commands: Any) -> None:
    demo = commands.add_parser("demo", help="create a session on a local emulator, no account")
    demo.add_argument(
        "--vonage", action="store_true", help="use the Vonage Video API backend and emulator"
    )
    add_json_flag(demo, "print the session id, modes and token as JSON")
    demo.set_defaults(handler=_demo)


def _emulator(args: argparse.Namespace) -> int:
    try:
        policy = _policy(args.policy, ignore=args.no_policy)
    except OpenTokError as exc:
        # A policy that cannot be used: exit 1 with its message, as `check --policy` does.
        return print_error(str(exc), 1)
    # Handlers first: a signal while the CA folder is being made unwinds too.
    with _signals_unwind():
        return _serve(args, policy)


def _serve(args: argparse.Namespace, policy: object) -> int:
    emulator = _started_emulator(
        args.port, args.vonage, policy=policy, tls=args.tls, history=args.history
    )
    with emulator, _settings_printed(emulator, args.vonage):
        if emulator.ca_file is not None:
            # Both names: SSL_CERT_FILE for Python's ssl and urllib3, REQUESTS_CA_BUNDLE for
            # requests (the official SDKs).
            print(f"SSL_CERT_FILE={emulator.ca_file}")
            print(f"REQUESTS_CA_BUNDLE={emulator.ca_file}")
        try:
            # Within the try: Ctrl-C right after this line is a stop like any other (exit 0).
            print(
                f"Serving until interrupted (Ctrl-C); the console is at {emulator.console_url}",
                flush=True,
            )
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("Stopped.")
    return 0


# Signals that end the command by default without unwinding: SIGTERM (kill) and SIGHUP (the
# terminal was closed). SIGINT (Ctrl-C) unwinds already, as KeyboardInterrupt.
_UNWINDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """SIGTERM (kill) and SIGHUP (a closed terminal) unwind like Ctrl-C, so the private key
    file and the CA folder are removed and the port closed however the emulator is stopped;
    the exit code is 128 + the signal's number, as for a process killed by it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (main() called from a thread, say)
        return
    previous = {number: signal.signal(number, _exit_on_signal) for number in _UNWINDING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _exit_on_signal(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


def _started_emulator(
    port: int, vonage: bool, *, policy: object = None, tls: bool = False, history: int = 1000
) -> Emulator:
    from opentok_rules.testing import Emulator

    if vonage or tls:
        require_vonage_extra()
    backend = "vonage" if vonage else "opentok"
    # A policy file that cannot be used fails here, before anything is served.
    emulator = Emulator(port=port, backend=backend, policy=policy, tls=tls, history=history)
    try:
        emulator.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OSError(f"could not serve on 127.0.0.1:{port}: {reason}") from exc
    return emulator


def _policy(path: str | None, *, ignore: bool) -> object:
    """The console's policy: ``--policy``'s, else the nearest one (as ``check`` finds it).

    Read now, so that one that cannot be used is reported before anything is served. The
    service side of the emulator never depends on it.
    """
    from opentok_rules.engine.policies import find_policy
    from opentok_rules.operations.library import load_policy

    if ignore:
        return None
    found = Path(path) if path is not None else find_policy()
    return None if found is None else load_policy(found)


@contextlib.contextmanager
def _settings_printed(emulator: Emulator, vonage: bool) -> Iterator[None]:
    """Print what another program needs to talk to ``emulator``; its key file lives as long."""
    # The emulator's own throwaway credentials, printed on purpose so others can use them.
    if not vonage:
        print(f"OPENTOK_API_URL={emulator.url}")
        print(f"OPENTOK_API_KEY={emulator.api_key}")
        print(f"OPENTOK_API_SECRET={emulator.api_secret}")
        yield
        return
    with _private_key_file(emulator.private_key) as key_path:
        print(f"VONAGE_VIDEO_API_URL={emulator.url}")
        print(f"VONAGE_APPLICATION_ID={emulator.application_id}")
        print(f"VONAGE_PRIVATE_KEY_PATH={key_path}")
        yield


@contextlib.contextmanager
def _private_key_file(pem: str) -> Iterator[Path]:
    """``pem`` in a new file only this user can read, removed with its directory at the end."""
    directory = Path(tempfile.mkdtemp(prefix="opentok-rules-"))  # mode 0700
    path = directory / "private.key"
    try:
        # O_EXCL: never write into a file (or through a link) someone else put there; 0600
        # from the start, so there is no moment at which others could read the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(pem)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        directory.rmdir()


def _demo(args: argparse.Namespace) -> int:
    from opentok_rules.testing import Emulator

    if args.vonage:
        require_vonage_extra()
    running = Emulator(backend="vonage") if args.vonage else Emulator()
    with running as emulator:
        backend = "the Vonage Video API" if args.vonage else "the OpenTok service"
        if not args.json:
            print(f"Started a local emulator of {backend} at {emulator.url}")
        with _demo_client(emulator, args.vonage) as client:
            session = client.create_session(media_mode="routed")
            token = session.generate_token(role="moderator")
    if args.json:
        print_json(
            {
                "backend": "Vonage" if args.vonage else "OpenTok",
                "session_id": session.session_id,
                "media_mode": str(session.media_mode),
                "archive_mode": str(session.archive_mode),
                "token": token,
            }
        )
        return 0
    print(f"session id: {session.session_id}")
    print(f"media mode: {session.media_mode}, archive mode: {session.archive_mode}")
    print(f"moderator token: {token}")
    return 0


def _demo_client(emulator: Emulator, vonage: bool) -> SyncClientBase:
    if vonage:
        from opentok_rules.vonage import VonageVideo

        return VonageVideo(emulator.application_id, emulator.private_key, api_url=emulator.url)
    from opentok_rules.client import OpenTok

    return OpenTok(emulator.api_key, emulator.api_secret, emulator.url)
