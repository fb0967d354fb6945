"""The ``opentok-rules`` command line: check options, create sessions, mint tokens, emulate.

Exit codes: 0 done; 1 the service or the network failed; 2 a usage or validation error
(an unknown flag, a malformed value or URL, options that break a rule, missing or mixed
credentials); 130 interrupted; 141 the reader of the output went away; 143 ``emulator``
stopped by SIGTERM. User mistakes end in a one-line message, never a traceback.

Two backends: OpenTok (``--api-key`` and ``--api-secret``) and the Vonage Video API
(``--application-id`` and ``--private-key``); which credentials are given decides which.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from . import _env
from ._secret import Secret
from ._version import __version__
from .errors import OpenTokError, ValidationError, Violation
from .registry import RuleRegistry
from .rules import default_rules, strict_rules
from .values import ARCHIVE_RESOLUTIONS, ArchiveMode, MediaMode, Role

if TYPE_CHECKING:
    from .client import _SyncClient
    from .testing import Emulator

__all__ = ["main"]

_OPTION_FLAGS = ("media_mode", "archive_mode", "location", "archive_name", "archive_resolution")
#: The service's limit on a token's lifetime (the token rules enforce it; this is for help).
_MAX_EXPIRE_IN = 30 * 86400
#: PyJWT calls HS256 keys under 32 bytes weak; the service's secrets are 40 characters.
_MIN_SECRET_BYTES = 32

# The option (or setting) a message names, as the user typed it on this command line.
_TYPED_NAMES = {
    "media_mode": "--media-mode",
    "archive_mode": "--archive-mode",
    "location": "--location",
    "archive_name": "--archive-name",
    "archive_resolution": "--archive-resolution",
    "e2ee": "--e2ee",
    "session_id": "SESSION_ID",
    "role": "--role",
    "expire_time": "--expire-in",
    "data": "--data",
    "initial_layout_class_list": "--layout-class",
    "token_type": "--type",
    "api_key": "--api-key",
    "api_secret": "--api-secret",
    "application_id": "--application-id",
    "private_key": "--private-key",
    "api_url": "--api-url",
    "timeout": "--timeout",
    "connect_timeout": "--timeout",
    "read_timeout": "--timeout",
    "deadline": "--deadline",
}
# name='value' in a message's advice, as the flag and value one would type.
_ASSIGNMENT = re.compile(r"\b([a-z][a-z0-9_]*)='([^']*)'")
# initial_layout_class_list[0]: the first --layout-class given.
_LAYOUT_ITEM = re.compile(r"\binitial_layout_class_list\[(\d+)\]")


class _UsageError(Exception):
    """A mistake in how the command was called (exit code 2)."""


class _Pair(NamedTuple):
    """One backend's two credentials: where each comes from on the command line and in env."""

    backend: str
    owner_flag: str
    owner_env: str
    secret_flag: str
    secret_env: str
    url_env: str

    def flag_values(self, args: argparse.Namespace) -> tuple[str | None, str | None]:
        return _flag(args, self.owner_flag), _flag(args, self.secret_flag)

    def env_values(self) -> tuple[str | None, str | None]:
        # Read inline, never held in a local: a recorded frame would show every variable.
        return os.environ.get(self.owner_env) or None, os.environ.get(self.secret_env) or None


_OPENTOK = _Pair(
    "OpenTok",
    "--api-key",
    _env.OPENTOK_API_KEY,
    "--api-secret",
    _env.OPENTOK_API_SECRET,
    _env.OPENTOK_API_URL,
)
_VONAGE = _Pair(
    "Vonage",
    "--application-id",
    _env.VONAGE_APPLICATION_ID,
    "--private-key",
    _env.VONAGE_PRIVATE_KEY_PATH,
    _env.VONAGE_VIDEO_API_URL,
)


class _Credentials(NamedTuple):
    """The chosen backend's credentials; ``secret`` is the api secret or the key file path."""

    pair: _Pair
    owner: str
    secret: Secret[str]
    #: Where the secret came from, as the user gave it: its flag or its variable.
    secret_from: str


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    args.names = dict(_TYPED_NAMES)
    try:
        code = handler(args)
        # Output to a pipe sits in a buffer: a reader that went away is seen here, where it is
        # handled, not when the interpreter flushes at exit (exit 120 and a message).
        sys.stdout.flush()
        return code
    except ValidationError as exc:
        return _report_violations(exc.violations, args)
    except (_UsageError, ValueError) as exc:
        return _error(_typed(str(exc), args.names), 2)
    except BrokenPipeError:
        # The reader went away (`opentok-rules demo | head -1`): as any Unix tool, stop
        # quietly. Further writes to stdout, at exit too, go nowhere instead of raising.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (OpenTokError, OSError) as exc:
        # OSError: the emulator could not bind its port, for one.
        return _error(_typed(str(exc), args.names), 1)
    except KeyboardInterrupt:
        return 130


def _error(message: str, code: int) -> int:
    print(f"opentok-rules: error: {message}", file=sys.stderr)
    return code


# --- the parser ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opentok-rules",
        description="Validate and create OpenTok (Vonage Video) sessions and tokens.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_check(commands)
    _add_create(commands)
    _add_token(commands)
    _add_rules(commands)
    _add_emulator(commands)
    _add_demo(commands)
    return parser


def _add_check(commands: Any) -> None:
    check = commands.add_parser("check", help="validate session options offline, print JSON")
    _add_session_flags(check)
    _add_json_flag(check, "print violations as a JSON list on stdout (exit code 2)")
    check.set_defaults(handler=_check)


def _add_create(commands: Any) -> None:
    create = commands.add_parser("create", help="create a session on the service")
    _add_session_flags(create)
    _add_credential_flags(
        create,
        url_help="the service's URL; default $OPENTOK_API_URL or $VONAGE_VIDEO_API_URL, by backend",
    )
    create.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="SECONDS",
        help="seconds to connect and for each read; default 2 to connect, 10 to read",
    )
    create.add_argument(
        "--deadline",
        type=_positive_seconds,
        metavar="SECONDS",
        help="seconds for the whole request, retries included; default 30",
    )
    _add_json_flag(create, "print the whole session as JSON")
    create.set_defaults(handler=_create)


def _add_token(commands: Any) -> None:
    token = commands.add_parser("token", help="generate a client token for a session")
    token.add_argument("session_id", metavar="SESSION_ID", help="the session to connect to")
    token.add_argument(
        "--role",
        metavar=_choices(role.value for role in Role),
        help="what the client may do (any case); default publisher",
    )
    token.add_argument(
        "--expire-in",
        type=_seconds,
        metavar="SECONDS",
        help=f"the token's lifetime, 1 to {_MAX_EXPIRE_IN} (30 days); default 86400",
    )
    token.add_argument("--data", help="connection data other clients see, under 1000 characters")
    token.add_argument(
        "--layout-class",
        action="append",
        dest="layout_classes",
        metavar="CLASS",
        help="a layout class for the client's streams; repeat the flag for several",
    )
    token.add_argument(
        "--type",
        dest="token_type",
        metavar="{JWT,T1}",
        help="the token format (any case): JWT (default), or T1, OpenTok's legacy one",
    )
    _add_credential_flags(
        token,
        url_help="accepted as for create, and unused: tokens are signed locally, nothing is sent",
    )
    _add_json_flag(token, 'print {"token": ..., "session_id": ...}')
    token.set_defaults(handler=_token)


def _add_rules(commands: Any) -> None:
    rules = commands.add_parser("rules", help="list the session rules in order")
    rules.add_argument("--strict", action="store_true", help="the strict rules instead")
    _add_json_flag(rules, 'print a JSON list of {"id": ..., "description": ...}')
    rules.set_defaults(handler=_rules)


def _add_emulator(commands: Any) -> None:
    emulator = commands.add_parser("emulator", help="serve a local emulator of the service")
    emulator.add_argument("--port", type=_port, default=0, help="default: a free port")
    emulator.add_argument(
        "--vonage",
        action="store_true",
        help="emulate the Vonage Video API (an application id and a private key file)",
    )
    emulator.set_defaults(handler=_emulator)


def _add_demo(commands: Any) -> None:
    demo = commands.add_parser("demo", help="create a session on a local emulator, no account")
    demo.add_argument(
        "--vonage", action="store_true", help="use the Vonage Video API backend and emulator"
    )
    _add_json_flag(demo, "print the session id, modes and token as JSON")
    demo.set_defaults(handler=_demo)


def _add_session_flags(parser: argparse.ArgumentParser) -> None:
    # Choices are shown, not enforced: the rules judge every value (and report every problem
    # at once), and the default rules read an unknown media mode as relayed, as the SDKs do.
    parser.add_argument(
        "--media-mode",
        metavar=_choices(mode.value for mode in MediaMode),
        help="routed: through the media servers; relayed (default): peer to peer",
    )
    parser.add_argument(
        "--archive-mode",
        metavar=_choices(mode.value for mode in ArchiveMode),
        help="always: archive automatically (needs routed); manual (default): on request",
    )
    parser.add_argument(
        "--location", metavar="IP", help="an IPv4 address, a hint for where to host the session"
    )
    parser.add_argument(
        "--archive-name", metavar="NAME", help="1 to 80 characters; with --archive-mode always"
    )
    parser.add_argument(
        "--archive-resolution",
        metavar=_choices(ARCHIVE_RESOLUTIONS),
        help="the archive's size; with --archive-mode always",
    )
    parser.add_argument(
        "--e2ee",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="end-to-end encryption (needs routed, manual archiving); default off",
    )
    parser.add_argument(
        "--strict", action="store_true", help="refuse unknown values instead of reading them"
    )


def _add_credential_flags(parser: argparse.ArgumentParser, url_help: str) -> None:
    group = parser.add_argument_group(
        "credentials",
        "an OpenTok api key and secret, or a Vonage application id and private key file; "
        "flags win over the environment",
    )
    group.add_argument("--api-key", metavar="KEY", help="OpenTok: default $OPENTOK_API_KEY")
    group.add_argument(
        "--api-secret",
        metavar="SECRET",
        help="OpenTok: default $OPENTOK_API_SECRET (prefer it: flags show in ps)",
    )
    group.add_argument(
        "--application-id",
        metavar="UUID",
        help="Vonage: the application's id; default $VONAGE_APPLICATION_ID",
    )
    group.add_argument(
        "--private-key",
        metavar="PATH",
        help="Vonage: its private key file; default $VONAGE_PRIVATE_KEY_PATH",
    )
    group.add_argument("--api-url", metavar="URL", help=url_help)


def _add_json_flag(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--json", action="store_true", help=help_text)


def _choices(values: Any) -> str:
    return "{" + ",".join(values) + "}"


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive number of seconds")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected seconds such as 5 or 2.5, got {text!r}"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("expected a port from 0 (any free port) to 65535")
    return value


# --- the commands --------------------------------------------------------------------------


def _session_options(args: argparse.Namespace) -> dict[str, Any]:
    options = {name: getattr(args, name) for name in (*_OPTION_FLAGS, "e2ee")}
    return {name: value for name, value in options.items() if value is not None}


def _registry(args: argparse.Namespace) -> RuleRegistry:
    return strict_rules() if args.strict else default_rules()


def _check(args: argparse.Namespace) -> int:
    from .convert import spec_to_dict
    from .pipeline import prepare_session

    prepared = prepare_session(_session_options(args), rules=_registry(args))
    _print_json({"spec": spec_to_dict(prepared.spec), "params": prepared.params})
    return 0


def _create(args: argparse.Namespace) -> int:
    from .convert import spec_to_dict

    credentials = _credentials(args)
    api_url = _api_url(args, credentials)
    settings = {"timeout": args.timeout, "deadline": args.deadline, "api_url": api_url}
    with _own_key_warning(), _client(credentials, rules=_registry(args), **settings) as client:
        session = client.create_session(_session_options(args))
    if not args.json:
        print(session.session_id)
        return 0
    record = session.record
    _print_json(
        {
            "session_id": session.session_id,
            "spec": spec_to_dict(session.spec),
            "params": session.spec.to_params(),
            "record": {
                name: getattr(record, name)
                for name in ("project_id", "partner_id", "create_dt", "media_server_url")
            },
        }
    )
    return 0


def _token(args: argparse.Namespace) -> int:
    # One reading of the clock for both the issue time and --expire-in, so the token lives
    # exactly as long as asked, however long the imports in between take.
    now = time.time()
    credentials = _credentials(args)
    # No api_url: a token is signed here and sent nowhere, so --api-url is not even parsed.
    with _own_key_warning(), _client(credentials, clock=lambda: now) as client:
        token = client.generate_token(args.session_id, **_token_options(args, now))
    if args.json:
        _print_json({"token": token, "session_id": args.session_id})
    else:
        print(token)
    return 0


def _token_options(args: argparse.Namespace, now: float) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.role is not None:
        options["role"] = args.role
    if args.expire_in is not None:
        options["expire_time"] = int(now) + args.expire_in
    if args.data is not None:
        options["data"] = args.data
    if args.layout_classes:
        options["initial_layout_class_list"] = args.layout_classes
    if args.token_type is not None:
        options["token_type"] = args.token_type
    return options


def _rules(args: argparse.Namespace) -> int:
    registry = _registry(args)
    if args.json:
        _print_json([{"id": rule.id, "description": rule.description} for rule in registry])
        return 0
    width = max(len(rule_id) for rule_id in registry.ids())
    for number, rule in enumerate(registry, start=1):
        print(f"{number:2d}. {rule.id:<{width}}  {rule.description}")
    return 0


def _emulator(args: argparse.Namespace) -> int:
    emulator = _started_emulator(args.port, args.vonage)
    with emulator, _sigterm_unwinds(), _settings_printed(emulator, args.vonage):
        print("Serving until interrupted (Ctrl-C).", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("Stopped.")
    return 0


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM (kill) unwinds like Ctrl-C, so the private key file is removed and the port
    closed however the emulator is stopped; exit code 143 as for a process killed by it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (main() called from a thread, say)
        return
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)


def _started_emulator(port: int, vonage: bool) -> Emulator:
    from .testing import Emulator

    if vonage:
        _require_vonage_extra()
    emulator = Emulator(port=port, backend="vonage") if vonage else Emulator(port=port)
    try:
        emulator.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OSError(f"could not serve on 127.0.0.1:{port}: {reason}") from exc
    return emulator


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
    from .testing import Emulator

    if args.vonage:
        _require_vonage_extra()
    running = Emulator(backend="vonage") if args.vonage else Emulator()
    with running as emulator:
        backend = "the Vonage Video API" if args.vonage else "the OpenTok service"
        if not args.json:
            print(f"Started a local emulator of {backend} at {emulator.url}")
        with _demo_client(emulator, args.vonage) as client:
            session = client.create_session(media_mode="routed")
            token = session.generate_token(role="moderator")
    if args.json:
        _print_json(
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


def _demo_client(emulator: Emulator, vonage: bool) -> _SyncClient:
    if vonage:
        from .vonage import VonageVideo

        return VonageVideo(emulator.application_id, emulator.private_key, api_url=emulator.url)
    from .client import OpenTok

    return OpenTok(emulator.api_key, emulator.api_secret, emulator.url)


# --- credentials and the client ------------------------------------------------------------


def _flag(args: argparse.Namespace, flag: str) -> str | None:
    value: str | None = getattr(args, flag.lstrip("-").replace("-", "_"))
    return value or None


def _credentials(args: argparse.Namespace) -> _Credentials:
    """The credentials of the backend the flags (else the environment) name; flags win."""
    pair = _chosen_pair(args)
    owner, owner_from = _setting(args, pair.owner_flag, pair.owner_env)
    secret, secret_from = _setting(args, pair.secret_flag, pair.secret_env)
    if owner is None:
        raise _incomplete(pair.backend, pair.owner_flag, pair.owner_env, given=secret_from)
    if secret is None:
        raise _incomplete(pair.backend, pair.secret_flag, pair.secret_env, given=owner_from)
    # Messages about a setting name it as the user gave it: the flag, or the variable.
    args.names[_python_name(pair.owner_flag)] = owner_from
    args.names[_python_name(pair.secret_flag)] = secret_from
    return _Credentials(pair, owner, Secret(secret), secret_from)


def _setting(args: argparse.Namespace, flag: str, variable: str) -> tuple[str | None, str]:
    """A setting's value (None: not given) and where it came from, the flag or the variable."""
    value = _flag(args, flag)
    if value is not None:
        return value, flag
    return os.environ.get(variable) or None, variable


def _incomplete(backend: str, flag: str, variable: str, given: str) -> _UsageError:
    return _UsageError(
        f"{backend} credentials incomplete: {flag} missing; pass it or set {variable} "
        f"({given} is given)"
    )


def _python_name(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _chosen_pair(args: argparse.Namespace) -> _Pair:
    by_flags = [pair for pair in (_OPENTOK, _VONAGE) if any(pair.flag_values(args))]
    if len(by_flags) == 2:
        raise _UsageError(
            "both OpenTok (--api-key, --api-secret) and Vonage (--application-id, "
            "--private-key) credentials were given; pass one backend's pair"
        )
    if by_flags:
        return by_flags[0]
    by_env = [pair for pair in (_OPENTOK, _VONAGE) if any(pair.env_values())]
    if len(by_env) == 2:
        raise _UsageError(
            "both OPENTOK_API_* and VONAGE_* credentials are set in the environment; unset "
            "one backend's, or choose one with its flags (--api-key, or --application-id)"
        )
    if by_env:
        return by_env[0]
    raise _UsageError(
        "credentials missing: set OPENTOK_API_KEY and OPENTOK_API_SECRET (or pass --api-key "
        "and --api-secret), or VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH (or pass "
        "--application-id and --private-key)"
    )


def _api_url(args: argparse.Namespace, credentials: _Credentials) -> str | None:
    """The URL from ``--api-url``, else the backend's variable, checked; None: the default."""
    url, source = _setting(args, "--api-url", credentials.pair.url_env)
    if url is None:
        return None
    args.names["api_url"] = source
    problem = _url_problem(url)
    if problem is not None:
        raise _UsageError(f"{source} {problem}")
    return url


def _url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as a base URL, or None; the client checks the rest."""
    example = "such as https://api.opentok.com or http://127.0.0.1:8765"
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return f"{url[:80]!r} is not a valid URL (its port must be a number from 1 to 65535)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url[:80]!r} is not an http(s) URL {example}"
    if port == 0:
        return f"{url[:80]!r} has port 0; give a port from 1 to 65535"
    return None


def _client(credentials: _Credentials, **settings: Any) -> _SyncClient:
    """The client of the chosen backend; ``settings`` are its keywords (None means default)."""
    chosen = {name: value for name, value in settings.items() if value is not None}
    if credentials.pair is _VONAGE:
        from .vonage import VonageVideo

        _require_vonage_extra()
        return VonageVideo(credentials.owner, _key_path(credentials), **chosen)
    from .client import OpenTok

    _warn_if_short(credentials)
    return OpenTok(credentials.owner, credentials.secret.reveal(), **chosen)


def _key_path(credentials: _Credentials) -> Path:
    """The key file's path; a Path, as the library reads a str as PEM text, never as a path."""
    if _looks_like_pem(credentials.secret.reveal()):
        # Checked here: a "file cannot be read" message would show the key as the file name.
        raise _UsageError(
            f"{credentials.secret_from} takes the path of the private key file, not the key "
            "itself; save the key to a file (chmod 600) and give its path"
        )
    return Path(credentials.secret.reveal())


def _looks_like_pem(text: str) -> bool:
    return "-----BEGIN" in text or "\n" in text or len(text) > 4096


def _require_vonage_extra() -> None:
    """A usage error (code 2) saying what to install when ``cryptography`` is missing."""
    from .vonage import require_cryptography

    try:
        require_cryptography()
    except ImportError as exc:
        raise _UsageError(str(exc)) from None


def _warn_if_short(credentials: _Credentials) -> None:
    size = len(credentials.secret.reveal().encode("utf-8"))
    if size < _MIN_SECRET_BYTES:
        print(
            f"opentok-rules: warning: the api secret is {size} bytes; OpenTok secrets are 40 "
            f"characters, and HS256 keys under {_MIN_SECRET_BYTES} bytes are weak",
            file=sys.stderr,
        )


@contextlib.contextmanager
def _own_key_warning() -> Iterator[None]:
    """Silence PyJWT's short-key warning (two lines and a source line) for this block only:
    :func:`_warn_if_short` has said it in one line of ours."""
    import jwt.warnings

    category = getattr(jwt.warnings, "InsecureKeyLengthWarning", None)
    with warnings.catch_warnings():
        if category is not None:
            warnings.simplefilter("ignore", category)
        yield


# --- messages ------------------------------------------------------------------------------


def _typed(message: str, names: Mapping[str, str]) -> str:
    """``message`` with the library's option names replaced by what the user typed or set."""
    message = _LAYOUT_ITEM.sub(lambda m: f"{names[_LAYOUT_NAME]} #{int(m[1]) + 1}", message)
    message = _ASSIGNMENT.sub(lambda m: _assignment(m, names), message)
    return re.sub(r"(?<![\w.$-])([a-z][a-z0-9_]*)(?![\w-])", lambda m: _word(m, names), message)


_LAYOUT_NAME = "initial_layout_class_list"


def _assignment(match: re.Match[str], names: Mapping[str, str]) -> str:
    name, value = match[1], match[2]
    typed = names.get(name)
    if typed is None or not typed.startswith("--"):
        return match[0]
    return f"{typed} {value}"


def _word(match: re.Match[str], names: Mapping[str, str]) -> str:
    word = match[0]
    typed = names.get(word)
    if typed is None:
        return word
    # Identifiers (media_mode, e2ee) are names wherever they are; plain words (role, data,
    # deadline) only where a message names an option: at its start or after raise/check.
    if not re.search(r"[_0-9]", word):
        before = match.string[: match.start()]
        if before and not re.search(r"(?:\braise|\bcheck|\bdrop) $", before):
            return word
    return typed


def _report_violations(violations: Sequence[Violation], args: argparse.Namespace) -> int:
    """Print each violation (one line on stderr, or a JSON list on stdout); exit code 2."""
    shown = [_shown_violation(violation, args) for violation in violations]
    if getattr(args, "json", False):
        _print_json(shown)
        return 2
    for item in shown:
        where = item["flag"] or "-"
        print(f"opentok-rules: {item['rule']}: {where}: {item['message']}", file=sys.stderr)
    return 2


def _shown_violation(violation: Violation, args: argparse.Namespace) -> dict[str, Any]:
    field = violation.field
    flag = args.names.get(field, field) if field is not None else None
    message = _typed(violation.message, args.names)
    expire_in = getattr(args, "expire_in", None)
    if field == "expire_time" and expire_in is not None:
        # The rule speaks of an absolute time; the user gave a number of seconds.
        message = f"--expire-in must be 1 to {_MAX_EXPIRE_IN} seconds (30 days); got {expire_in}"
    return {"rule": violation.rule, "field": field, "flag": flag, "message": message}


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))
