"""Client tokens (the SDKs' ``generate_token``): signing a checked :class:`TokenSpec`.

Two ideas, two modules: :mod:`~opentok_rules.engine.token_rules` checks and normalizes a token's
options into a :class:`~opentok_rules.engine.token_rules.TokenSpec`; this module signs one. A
signer is
any object with the small :class:`TokenSigner` interface, one per backend and credentials:
:class:`OpenTokSigner` makes OpenTok's JWT (HS256) and legacy T1 tokens. It prepares its key
once, so making a token costs the claims, one HMAC and the encoding, not a new look at the key.

The secret is held in a :class:`~opentok_rules._secret.Secret` and unwrapped only in the
expressions that sign; it is never in the rules' working dict, so no rule can leak it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from opentok_rules._messages import shown
from opentok_rules._secret import Secret
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.engine.token_rules import (
    CONTEXT_KEYS,
    TOKEN_OPTION_KEYS,
    TOKEN_TYPES,
    DataLength,
    ExpireTime,
    LayoutClasses,
    SessionBelongsToKey,
    TokenKnownKeys,
    TokenRole,
    TokenSpec,
    TokenType,
    default_token_rules,
    token_outcome,
)
from opentok_rules.errors import Violation

__all__ = [
    "CONTEXT_KEYS",
    "TOKEN_OPTION_KEYS",
    "DataLength",
    "ExpireTime",
    "LayoutClasses",
    "OpenTokSigner",
    "SessionBelongsToKey",
    "TokenKnownKeys",
    "TokenRole",
    "TokenSigner",
    "TokenSpec",
    "TokenType",
    "VonageSigner",
    "default_token_rules",
    "generate_token",
    "generate_vonage_token",
    "issue_token",
    "issue_token_outcome",
]

#: Where :func:`issue_token` (and :func:`generate_token`) report what "warn" rules found.
logger = logging.getLogger(__name__)

_T1_SENTINEL = "T1=="
quote_plus = urllib.parse.quote_plus
# Every token of a session quotes the same id: the recent ones are kept (bounded).
_quoted = functools.lru_cache(maxsize=1024)(quote_plus)
_JWT, _T1 = TOKEN_TYPES
# One encoder, made once: json.dumps with separators builds a new one on every call.
_encode_json = json.JSONEncoder(separators=(",", ":")).encode


class TokenSigner(Protocol):
    """What :func:`issue_token` needs of a backend's signer.

    ``owner`` is who signs (the api key, or the Vonage application id): the rules check that
    the session belongs to it. ``backend`` names the backend in messages; ``token_types`` are
    the formats it signs, so the ``token-type`` rule can refuse the others.
    """

    @property
    def owner(self) -> str: ...

    @property
    def backend(self) -> str: ...

    @property
    def token_types(self) -> tuple[str, ...]: ...

    def sign(self, spec: TokenSpec) -> str: ...


def _secret_bytes(api_secret: object) -> bytes:
    """The secret as UTF-8 bytes; a ValueError (never showing it) if it cannot be one."""
    if isinstance(api_secret, Secret):
        api_secret = api_secret.reveal()
    if not isinstance(api_secret, str):
        raise ValueError(
            f"api_secret must be a str (the project's API secret); got {type(api_secret).__name__}"
        )
    if not api_secret:
        raise ValueError("api_secret is empty; pass the project's API secret")
    try:
        return api_secret.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("api_secret cannot be encoded as UTF-8 (a lone surrogate?)") from None


@functools.cache
def _jws() -> Any:
    """A PyJWS that signs HS256 with a key already checked, held in a
    :class:`~opentok_rules._secret.Secret`.

    PyJWT prepares (and re-validates: PEM, SSH, DER, JWK-as-JSON) the key on every encode;
    :class:`OpenTokSigner` has PyJWT check it once, then hands this instance the key as a
    ``Secret``, which no frame of PyJWT's ever holds unwrapped. Signing is PyJWT's still.
    """
    import jwt
    from jwt.algorithms import HMACAlgorithm

    class CheckedHMAC(HMACAlgorithm):
        def prepare_key(self, key: Any) -> Any:
            if not isinstance(key, Secret):  # only ever given ours; anything else is a bug
                raise TypeError("this signer signs only with a key it has checked")
            return key

        def check_key_length(self, key: Any) -> str | None:
            return None  # checked (and warned about) once, when the signer was made

        def sign(self, msg: bytes, key: Any) -> bytes:
            return hmac.new(key.reveal(), msg, hashlib.sha256).digest()

    jws = jwt.PyJWS(algorithms=["HS256"])
    jws._algorithms["HS256"] = CheckedHMAC(HMACAlgorithm.SHA256)
    return jws


class OpenTokSigner:
    """Signs OpenTok client tokens, JWT (HS256) or T1, for one api key and secret.

    Make one per set of credentials and keep it: the key is checked and prepared here, once.
    Raises :class:`ValueError` for an empty or non-``str`` secret, or one PyJWT refuses as an
    HMAC key (a PEM or SSH key, say); the message never shows the secret.
    """

    __slots__ = ("_jws", "_jwt_key", "_t1_mac", "owner")

    backend = "OpenTok"
    token_types: tuple[str, ...] = TOKEN_TYPES

    def __init__(self, api_key: str, api_secret: str | Secret[str]) -> None:
        if not isinstance(api_key, str) or not api_key:
            raise ValueError(f"api_key must be a non-empty str; got {shown(api_key)}")
        import jwt
        from jwt.algorithms import HMACAlgorithm

        key = _secret_bytes(api_secret)
        try:
            checked = HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(key)
        except jwt.InvalidKeyError as exc:
            raise ValueError(f"api_secret cannot sign tokens: {exc}") from None
        length_message = HMACAlgorithm(HMACAlgorithm.SHA256).check_key_length(checked)
        if length_message:
            import warnings

            warnings.warn(length_message, jwt.warnings.InsecureKeyLengthWarning, stacklevel=2)
        self.owner = api_key
        self._jwt_key = Secret(checked)
        # T1 signs with HMAC-SHA1: the keyed state is made once and copied for each token.
        self._t1_mac = Secret(hmac.new(checked, digestmod=hashlib.sha1))
        self._jws = _jws()

    def __repr__(self) -> str:
        return f"OpenTokSigner(api_key={self.owner!r})"

    def sign(self, spec: TokenSpec) -> str:
        """The token for ``spec``, in its ``token_type``'s format."""
        if spec.token_type == _JWT:
            return self._jwt(spec)
        return self._t1(spec)

    def _jwt(self, spec: TokenSpec) -> str:
        payload = {
            "iss": self.owner,
            "ist": "project",
            "iat": spec.issued_at,
            "exp": spec.expire_time,
            "scope": "session.connect",
            "session_id": spec.session_id,
            "role": spec.role.value,
            "nonce": secrets.randbelow(1_000_000),
        }
        if spec.data is not None:
            payload["connection_data"] = spec.data
        if spec.initial_layout_class_list is not None:
            payload["initial_layout_class_list"] = spec.initial_layout_class_list
        # The same JSON PyJWT's jwt.encode makes (compact separators), signed by PyJWT.
        body = _encode_json(payload).encode("utf-8")
        token: str = self._jws.encode(body, self._jwt_key, algorithm="HS256")
        return token

    def _t1(self, spec: TokenSpec) -> str:
        # urllib.parse.urlencode of these fields, in this order, gives the same string; it
        # quotes every key and value, where only the caller's text can need it (the keys, the
        # numbers and the role values are URL-safe as they are).
        data_string = (
            f"session_id={_quoted(spec.session_id)}&create_time={spec.issued_at}"
            f"&expire_time={spec.expire_time}&role={spec.role.value}"
            f"&nonce={secrets.randbelow(1_000_000)}"
        )
        if spec.data is not None:
            data_string += "&connection_data=" + quote_plus(spec.data)
        if spec.initial_layout_class_list is not None:
            data_string += "&initial_layout_class_list=" + quote_plus(
                spec.initial_layout_class_list
            )
        mac = self._t1_mac.reveal().copy()
        mac.update(data_string.encode("utf-8"))
        body = f"partner_id={self.owner}&sig={mac.hexdigest()}:{data_string}"
        return _T1_SENTINEL + base64.b64encode(body.encode("utf-8")).decode("ascii")


@functools.cache
def _rs256_jws() -> Any:
    """A PyJWS that signs RS256 with a loaded key held in a Secret (see :func:`_jws`)."""
    import jwt
    from jwt.algorithms import RSAAlgorithm

    class CheckedRSA(RSAAlgorithm):
        def prepare_key(self, key: Any) -> Any:
            if not isinstance(key, Secret):
                raise TypeError("this signer signs only with a key it has loaded")
            return key

        def check_key_length(self, key: Any) -> str | None:
            return None  # the key's size is checked when it is loaded

        def sign(self, msg: bytes, key: Any) -> bytes:
            signature: bytes = super().sign(msg, key.reveal())
            return signature

    jws = jwt.PyJWS(algorithms=["RS256"])
    jws._algorithms["RS256"] = CheckedRSA(RSAAlgorithm.SHA256)
    return jws


class VonageSigner:
    """Signs Vonage Video API client tokens (RS256 JWT) for one application and private key.

    ``private_key`` is the loaded RSA private key in a :class:`~opentok_rules._secret.Secret`
    (see :func:`opentok_rules.vonage.load_private_key`). JWT only: the token rules refuse
    ``token_type="T1"`` with a violation naming the backend.
    """

    __slots__ = ("_jws", "_key", "owner")

    backend = "Vonage Video API"
    token_types: tuple[str, ...] = ("JWT",)

    def __init__(self, application_id: str, private_key: Secret[Any]) -> None:
        if not isinstance(application_id, str) or not application_id:
            raise ValueError(f"application_id must be a non-empty str; got {shown(application_id)}")
        if not isinstance(private_key, Secret):
            raise TypeError("private_key must be a loaded key in a Secret (see load_private_key)")
        self.owner = application_id
        self._key = private_key
        self._jws = _rs256_jws()

    def __repr__(self) -> str:
        return f"VonageSigner(application_id={self.owner!r})"

    def sign(self, spec: TokenSpec) -> str:
        """The RS256 token for ``spec`` (its ``token_type`` is JWT: the rules saw to that)."""
        if spec.token_type != _JWT:
            raise ValueError(f"the {self.backend} signs JWT tokens only, not {spec.token_type}")
        payload: dict[str, Any] = {
            "application_id": self.owner,
            "iat": spec.issued_at,
            "exp": spec.expire_time,
            "jti": str(uuid.uuid4()),
            "scope": "session.connect",
            "session_id": spec.session_id,
            "role": spec.role.value,
            "sub": "video",
            "acl": {"paths": {"/session/**": {}}},
        }
        if spec.data is not None:
            payload["connection_data"] = spec.data
        if spec.initial_layout_class_list is not None:
            payload["initial_layout_class_list"] = spec.initial_layout_class_list
        body = _encode_json(payload).encode("utf-8")
        token: str = self._jws.encode(body, self._key, algorithm="RS256")
        return token


def issue_token(
    signer: TokenSigner,
    session_id: str,
    /,
    *,
    rules: RuleRegistry | None = None,
    clock: Callable[[], float] = time.time,
    **options: Any,
) -> str:
    """Check ``options`` with ``rules`` (default :func:`~opentok_rules.default_token_rules`),
    then sign.

    The clients call this with the signer they made once; raises
    :class:`~opentok_rules.ValidationError` listing every violation.
    """
    token, warnings = issue_token_outcome(signer, session_id, rules=rules, clock=clock, **options)
    for each in warnings:
        logger.warning("%s", each)
    return token


def issue_token_outcome(
    signer: TokenSigner,
    session_id: str,
    /,
    *,
    rules: RuleRegistry | None = None,
    clock: Callable[[], float] = time.time,
    **options: Any,
) -> tuple[str, tuple[Violation, ...]]:
    """:func:`issue_token`'s token, and what ``"warn"`` rules found (the caller reports them)."""
    spec, warnings = token_outcome(
        signer.owner,
        session_id,
        clock=clock,
        rules=rules,
        backend=signer.backend,
        token_types=signer.token_types,
        **options,
    )
    return signer.sign(spec), warnings


def generate_token(
    api_key: str,
    api_secret: str,
    session_id: str,
    /,
    *,
    rules: RuleRegistry | None = None,
    clock: Callable[[], float] = time.time,
    **options: Any,
) -> str:
    """A client token for ``session_id``, signed with ``api_secret``.

    ``options`` are ``role``, ``expire_time``, ``data``, ``initial_layout_class_list`` and
    ``token_type``. ``rules`` (by default :func:`~opentok_rules.default_token_rules`) check and
    normalize them together with the context keys (see :mod:`~opentok_rules.engine.token_rules`);
    every violation is raised at once in one :class:`~opentok_rules.ValidationError`. The first
    three arguments are positional-only, so ``api_key=...`` or ``session_id=...`` given as an
    option is refused, not applied. To make many tokens, keep an :class:`OpenTokSigner` and
    call :func:`issue_token`: the key is then checked once, not on every call.
    """
    return issue_token(
        OpenTokSigner(api_key, api_secret), session_id, rules=rules, clock=clock, **options
    )


def generate_vonage_token(
    application_id: str,
    private_key: Secret[Any],
    session_id: str,
    /,
    *,
    rules: RuleRegistry | None = None,
    clock: Callable[[], float] = time.time,
    **options: Any,
) -> str:
    """A Vonage Video API client token: :func:`generate_token`'s counterpart (JWT only)."""
    return issue_token(
        VonageSigner(application_id, private_key),
        session_id,
        rules=rules,
        clock=clock,
        **options,
    )
