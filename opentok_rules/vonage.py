"""``VonageVideo``: the Vonage Video API backend (an application id and an RSA private key).

Everything but the credentials is shared with :class:`~opentok_rules.OpenTok`: the rules, the
spec, the form params, the transport and the answer parsing. Only the host, the REST auth
header (an RS256 application JWT as ``Authorization: Bearer``) and the client tokens differ.
RS256 needs ``cryptography``: ``pip install "opentok-rules[vonage]"``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opentok_rules._secret import Secret
from opentok_rules.client import Backend, SyncClientBase, from_environment
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.errors import ConfigurationError
from opentok_rules.http.auth import RestAuth, VonageAuth
from opentok_rules.http.transport import Transport

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from typing_extensions import Self

    from opentok_rules.tokens import TokenSigner

__all__ = ["DEFAULT_VONAGE_API_URL", "VonageVideo", "load_private_key"]

DEFAULT_VONAGE_API_URL = "https://video.api.vonage.com"
#: The Vonage dashboard makes 2048-bit keys; anything shorter is refused as too weak.
MIN_KEY_BITS = 2048
#: The largest key accepted: four times what Vonage issues. Loading and signing grow fast
#: with the size (a 16384-bit key took 29 s to load and 0.24 s a token).
MAX_KEY_BITS = 8192
#: A PEM RSA key of 8192 bits is under 7 KB; a key file larger than this is not a key.
_MAX_KEY_FILE_BYTES = 64 * 1024
_EXTRA = 'pip install "opentok-rules[vonage]"'


def require_cryptography() -> None:
    """Raise one clear :class:`ImportError` when the ``vonage`` extra is not installed."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise ImportError(
            f"the Vonage Video API backend signs with RS256, which needs cryptography: {_EXTRA}"
        ) from None


def load_private_key(private_key: str | bytes | os.PathLike[str]) -> Secret[RSAPrivateKey]:
    """The application's RSA private key, loaded once and wrapped in a
    :class:`~opentok_rules._secret.Secret`.

    ``private_key`` is PEM text (``str``), PEM ``bytes``, or an ``os.PathLike`` (such as a
    :class:`pathlib.Path`) naming a PEM file. A ``str`` is always PEM, never a path: that way a
    key is never taken for a file name, nor a file name for a key.

    :raises ~opentok_rules.ConfigurationError: the key is not an unencrypted RSA private key
        of 2048 to 8192 bits, or its file cannot be read; the message never shows the key.
    """
    wrapped = Secret(private_key)
    del private_key  # an error reporter records this frame's locals
    require_cryptography()
    loaded = _load(wrapped)
    if isinstance(loaded, str):
        raise ConfigurationError(f"private_key {loaded}")
    return loaded


def _load(wrapped: Secret[Any]) -> Secret[RSAPrivateKey] | str:
    """The loaded key, or why there is none. Returns instead of raising, so the frame that
    held the PEM is gone before any exception exists."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = _pem_bytes(wrapped.reveal())
    if isinstance(pem, str):
        return pem
    try:
        # First without checking the key's numbers: that check grows with the key's size
        # (29 s for 16384 bits), so the size is judged before it is paid for.
        key = serialization.load_pem_private_key(
            pem, password=None, unsafe_skip_rsa_key_validation=True
        )
    except TypeError:
        return "is encrypted; give the decrypted PEM (the Vonage dashboard's key is not encrypted)"
    except (ValueError, UnsupportedAlgorithm):
        return "is not a readable PEM private key; give the private.key file Vonage gave you"
    if not isinstance(key, rsa.RSAPrivateKey):
        return f"must be an RSA private key, not {type(key).__name__.lstrip('_')}"
    if key.key_size < MIN_KEY_BITS:
        return f"is an RSA key of {key.key_size} bits; at least {MIN_KEY_BITS} are needed"
    if key.key_size > MAX_KEY_BITS:
        return (
            f"is an RSA key of {key.key_size} bits; at most {MAX_KEY_BITS} are accepted (Vonage "
            "issues 2048-bit keys, and a larger key makes every token slow to sign)"
        )
    try:
        checked = serialization.load_pem_private_key(pem, password=None)  # now with the check
    except (ValueError, UnsupportedAlgorithm):
        return "is not a consistent RSA private key; give the private.key file Vonage gave you"
    if not isinstance(checked, rsa.RSAPrivateKey):  # the same PEM: never, but said to mypy
        return "must be an RSA private key"
    return Secret(checked)


def _pem_bytes(value: object) -> bytes | str:
    if isinstance(value, os.PathLike):
        return _read_key_file(value)
    if isinstance(value, str):
        text = str.__str__(value)
        if not text.lstrip().startswith("-----BEGIN"):
            return (
                "given as a str must be PEM text ('-----BEGIN PRIVATE KEY-----...'); to read "
                "a key file, pass a pathlib.Path"
            )
        return text.encode("ascii", "replace")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return f"must be PEM text, PEM bytes or a pathlib.Path, not {type(value).__name__}"


def _read_key_file(path: os.PathLike[Any]) -> bytes | str:
    try:
        with open(path, "rb") as file:
            data = file.read(_MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        return f"file {os.fspath(path)!r} cannot be read ({exc.strerror or type(exc).__name__})"
    if len(data) > _MAX_KEY_FILE_BYTES:
        return f"file {os.fspath(path)!r} is over {_MAX_KEY_FILE_BYTES} bytes; it is not a key"
    return data


def checked_application_id(value: object) -> str:
    """``value`` as a canonical lower-case UUID string, or :class:`ConfigurationError`."""
    text = str.__str__(value) if isinstance(value, str) else None
    try:
        parsed = uuid.UUID(text) if text is not None and len(text) == 36 else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != text.lower():  # type: ignore[union-attr]
        shown = f"a {type(value).__name__}" if text is None else f"{len(text)} characters"
        raise ConfigurationError(
            "application_id must be the application's UUID, such as "
            f"'3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' (got {shown}); find it in the Vonage dashboard"
        )
    return str(parsed)


class _VonageBackend:
    """The Vonage Video API: an application id and an RS256 private key."""

    __slots__ = ("_signer", "auth", "clock", "owner")
    name = "Vonage Video API"

    def __init__(
        self, application_id: str, key: Secret[RSAPrivateKey], clock: Callable[[], float]
    ) -> None:
        from opentok_rules.tokens import VonageSigner

        self.owner = application_id
        self.clock = clock
        # Made now: this backend needs cryptography (and so PyJWT's RS256) from the start.
        self._signer = VonageSigner(application_id, key)
        self.auth: RestAuth = VonageAuth(application_id, key, clock=clock)

    def signer(self) -> TokenSigner:
        return self._signer


def vonage_backend(
    application_id: object, private_key: Secret[Any], clock: Callable[[], float]
) -> _VonageBackend:
    """The Vonage backend for these credentials, checked and loaded."""
    if not callable(clock):
        raise ConfigurationError("clock must be callable, like time.time")
    owner = checked_application_id(application_id)
    return _VonageBackend(owner, load_private_key(private_key.reveal()), clock)


class VonageCredentials:
    """What the Vonage clients (blocking and async) add to the core: the application id."""

    _owner_name = "application_id"
    _backend: Backend

    @property
    def application_id(self) -> str:
        """The application's id."""
        return self._backend.owner

    @classmethod
    def from_env(cls, **settings: Any) -> Self:
        """A client for ``VONAGE_APPLICATION_ID``, the key file at ``VONAGE_PRIVATE_KEY_PATH``
        and (optionally) ``VONAGE_VIDEO_API_URL``; ``settings`` are the constructor's keywords.

        :raises ~opentok_rules.ConfigurationError: naming a variable that is not set.
        """
        from opentok_rules._env import vonage_credentials

        application_id, key_path, api_url = vonage_credentials()
        settings.setdefault("api_url", api_url or DEFAULT_VONAGE_API_URL)
        make: Any = cls  # a client class: its constructor takes the credentials first
        try:
            client: Self = make(application_id, key_path, **settings)
        except ConfigurationError as exc:
            names = "VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY_PATH, VONAGE_VIDEO_API_URL"
            raise from_environment(exc, names) from None
        return client


class VonageVideo(VonageCredentials, SyncClientBase):
    """A client for one Vonage Video API application. Safe to share between threads.

    The same methods, errors and settings as :class:`~opentok_rules.OpenTok`; only the
    credentials differ.

    :param application_id: the application's id (a UUID).
    :param private_key: the application's RSA private key: PEM ``str``, PEM ``bytes``, or a
        :class:`pathlib.Path` (any ``os.PathLike``) of the PEM file; never a ``str`` path.
    :param api_url: the service's base URL.
    :raises ~opentok_rules.ConfigurationError: a malformed application id, or a key that is not
        an RSA private key of 2048 to 8192 bits (or cannot be read).
    :raises ImportError: ``cryptography`` is missing (``pip install "opentok-rules[vonage]"``).
    """

    def __init__(
        self,
        application_id: str,
        private_key: str | bytes | os.PathLike[str],
        *,
        api_url: str = DEFAULT_VONAGE_API_URL,
        timeout: float | tuple[float, float] | None = None,
        deadline: float | None = None,
        rules: RuleRegistry | None = None,
        token_rules: RuleRegistry | None = None,
        transport: Transport | None = None,
        user_agent_suffix: str | None = None,
        clock: Callable[[], float] = time.time,
        archive_rules: RuleRegistry | None = None,
    ) -> None:
        key = Secret(private_key)
        del private_key  # an error reporter records this frame's locals
        super().__init__(
            vonage_backend(application_id, key, clock),
            api_url,
            timeout=timeout,
            deadline=deadline,
            rules=rules,
            token_rules=token_rules,
            transport=transport,
            user_agent_suffix=user_agent_suffix,
            archive_rules=archive_rules,
        )
