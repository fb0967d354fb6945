"""The credentials of the two backends, from flags or the environment, and the client."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from opentok_rules import _env
from opentok_rules._secret import Secret

if TYPE_CHECKING:
    from opentok_rules.client import SyncClientBase
from opentok_rules.cli._common import UsageError

#: PyJWT calls HS256 keys under 32 bytes weak; the service's secrets are 40 characters.
MIN_SECRET_BYTES = 32


class Pair(NamedTuple):
    """One backend's two credentials: where each comes from on the command line and in env."""

    backend: str
    owner_flag: str
    owner_env: str
    secret_flag: str
    secret_env: str
    url_env: str

    def flag_values(self, args: argparse.Namespace) -> tuple[str | None, str | None]:
        return flag_value(args, self.owner_flag), flag_value(args, self.secret_flag)

    def env_values(self) -> tuple[str | None, str | None]:
        # Read inline, never held in a local: a recorded frame would show every variable.
        return os.environ.get(self.owner_env) or None, os.environ.get(self.secret_env) or None


OPENTOK = Pair(
    "OpenTok",
    "--api-key",
    _env.OPENTOK_API_KEY,
    "--api-secret",
    _env.OPENTOK_API_SECRET,
    _env.OPENTOK_API_URL,
)


VONAGE = Pair(
    "Vonage",
    "--application-id",
    _env.VONAGE_APPLICATION_ID,
    "--private-key",
    _env.VONAGE_PRIVATE_KEY_PATH,
    _env.VONAGE_VIDEO_API_URL,
)


class Credentials(NamedTuple):
    """The chosen backend's credentials; ``secret`` is the api secret or the key file path."""

    pair: Pair
    owner: str
    secret: Secret[str]
    #: Where the secret came from, as the user gave it: its flag or its variable.
    secret_from: str


def add_credential_flags(parser: argparse.ArgumentParser, url_help: str) -> None:
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
    group.add_argument(
        "--vonage",
        action="store_true",
        help="Vonage: use $VONAGE_APPLICATION_ID and $VONAGE_PRIVATE_KEY_PATH",
    )


def flag_value(args: argparse.Namespace, flag: str) -> str | None:
    value: str | None = getattr(args, flag.lstrip("-").replace("-", "_"))
    return value or None


def read_credentials(args: argparse.Namespace) -> Credentials:
    """The credentials of the backend the flags (else the environment) name; flags win."""
    refuse_empty_flags(args)
    pair = chosen_pair(args)
    owner, owner_from = setting_value(args, pair.owner_flag, pair.owner_env)
    secret, secret_from = setting_value(args, pair.secret_flag, pair.secret_env)
    if owner is None:
        raise incomplete(pair.backend, pair.owner_flag, pair.owner_env, given=secret_from)
    if secret is None:
        raise incomplete(pair.backend, pair.secret_flag, pair.secret_env, given=owner_from)
    # Messages about a setting name it as the user gave it: the flag, or the variable.
    args.names[python_name(pair.owner_flag)] = owner_from
    args.names[python_name(pair.secret_flag)] = secret_from
    return Credentials(pair, owner, Secret(secret), secret_from)


def setting_value(args: argparse.Namespace, flag: str, variable: str) -> tuple[str | None, str]:
    """A setting's value (None: not given) and where it came from, the flag or the variable."""
    value = flag_value(args, flag)
    if value is not None:
        return value, flag
    return os.environ.get(variable) or None, variable


def incomplete(backend: str, flag: str, variable: str, given: str) -> UsageError:
    return UsageError(
        f"{backend} credentials incomplete: {flag} missing; pass it or set {variable} "
        f"({given} is given)"
    )


def python_name(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def refuse_empty_flags(args: argparse.Namespace) -> None:
    """An explicit empty value (``--api-key ""``) is a mistake, not "use the environment"."""
    for pair in (OPENTOK, VONAGE):
        for flag, variable in (
            (pair.owner_flag, pair.owner_env),
            (pair.secret_flag, pair.secret_env),
        ):
            if getattr(args, python_name(flag), None) == "":
                raise UsageError(
                    f"{flag} is empty; give its value, or leave the flag out to use ${variable}"
                )
    if getattr(args, "api_url", None) == "":
        raise UsageError("--api-url is empty; give a URL, or leave the flag out for the default")


def chosen_pair(args: argparse.Namespace) -> Pair:
    if getattr(args, "vonage", False):
        if any(OPENTOK.flag_values(args)):
            raise UsageError(
                "--vonage chooses the Vonage backend; --api-key and --api-secret are OpenTok's"
            )
        return VONAGE
    by_flags = [pair for pair in (OPENTOK, VONAGE) if any(pair.flag_values(args))]
    if len(by_flags) == 2:
        raise UsageError(
            "both OpenTok (--api-key, --api-secret) and Vonage (--application-id, "
            "--private-key) credentials were given; pass one backend's pair"
        )
    if by_flags:
        return by_flags[0]
    by_env = [pair for pair in (OPENTOK, VONAGE) if any(pair.env_values())]
    if len(by_env) == 2:
        raise UsageError(
            "both OPENTOK_API_* and VONAGE_* credentials are set in the environment; unset "
            "one backend's, or choose one with its flags (--api-key, or --application-id)"
        )
    if by_env:
        return by_env[0]
    raise UsageError(
        "credentials missing: set OPENTOK_API_KEY and OPENTOK_API_SECRET (or pass --api-key "
        "and --api-secret), or VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH (or pass "
        "--application-id and --private-key)"
    )


def chosen_api_url(args: argparse.Namespace, credentials: Credentials) -> str | None:
    """The URL from ``--api-url``, else the backend's variable, checked; None: the default."""
    url, source = setting_value(args, "--api-url", credentials.pair.url_env)
    if url is None:
        return None
    args.names["api_url"] = source
    problem = url_problem(url)
    if problem is not None:
        raise UsageError(f"{source} {problem}")
    return url


def url_problem(url: str) -> str | None:
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


def make_client(credentials: Credentials, **settings: Any) -> SyncClientBase:
    """The client of the chosen backend; ``settings`` are its keywords (None means default)."""
    chosen = {name: value for name, value in settings.items() if value is not None}
    if credentials.pair is VONAGE:
        from opentok_rules.vonage import VonageVideo

        require_vonage_extra()
        return VonageVideo(credentials.owner, key_path(credentials), **chosen)
    from opentok_rules.client import OpenTok

    warn_if_short(credentials)
    return OpenTok(credentials.owner, credentials.secret.reveal(), **chosen)


def key_path(credentials: Credentials) -> Path:
    """The key file's path; a Path, as the library reads a str as PEM text, never as a path."""
    if looks_like_pem(credentials.secret.reveal()):
        # Checked here: a "file cannot be read" message would show the key as the file name.
        raise UsageError(
            f"{credentials.secret_from} takes the path of the private key file, not the key "
            "itself; save the key to a file (chmod 600) and give its path"
        )
    return Path(credentials.secret.reveal())


def looks_like_pem(text: str) -> bool:
    return "-----BEGIN" in text or "\n" in text or len(text) > 4096


def require_vonage_extra() -> None:
    """A usage error (code 2) saying what to install when ``cryptography`` is missing."""
    from opentok_rules.vonage import require_cryptography

    try:
        require_cryptography()
    except ImportError as exc:
        raise UsageError(str(exc)) from None


def warn_if_short(credentials: Credentials) -> None:
    size = len(credentials.secret.reveal().encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        print(
            f"opentok-rules: warning: the api secret is {size} byte{'' if size == 1 else 's'}; "
            f"OpenTok secrets are 40 characters, and HS256 keys under {MIN_SECRET_BYTES} "
            "bytes are weak",
            file=sys.stderr,
        )


@contextlib.contextmanager
def own_key_warning() -> Iterator[None]:
    """Silence PyJWT's short-key warning (two lines and a source line) for this block only:
    :func:`warn_if_short` has said it in one line of ours."""
    import jwt.warnings

    category = getattr(jwt.warnings, "InsecureKeyLengthWarning", None)
    with warnings.catch_warnings():
        if category is not None:
            warnings.simplefilter("ignore", category)
        yield
