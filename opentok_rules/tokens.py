"""Client tokens (the SDKs' ``generate_token``): signing a checked :class:`TokenSpec`.

Two ideas, two modules: :mod:`~opentok_rules.operations.token.rules` checks and normalizes a token's
options into a :class:`~opentok_rules.operations.token.spec.TokenSpec`; this module signs one. A
signer is any object with the small :class:`TokenSigner` interface, one per backend and
credentials:
:class:`OpenTokSigner` makes OpenTok's JWT (HS256) and legacy T1 tokens,
:class:`VonageSigner` the Vonage Video API's RS256 JWT.

A token is the most frequent call of all, so a signer does everything that is the same for
every token once, when it is made: PyJWT checks the key (once), the key is worked into the
HMAC states (or, for Vonage, loaded by the caller once), and the JWS header segment is a
constant. Each token then costs its claims' JSON (written once, each text claim through JSON's
own string encoder), one HMAC with ``hashlib`` (or one RSA signature with
``cryptography``) and the base64url encoding: byte for byte the token PyJWT's ``jwt.encode``
makes of the same claims, which the tests check and PyJWT verifies.

The secret is never in the rules' working dict, so no rule can leak it; a signer holds it only
as hash states (or a loaded key in a :class:`~opentok_rules._secret.Secret`), which no repr
shows.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import json
import logging
import secrets
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any, NoReturn, Protocol

from opentok_rules._messages import shown
from opentok_rules._secret import Secret
from opentok_rules.engine.outcome import Outcome, logging_warnings
from opentok_rules.engine.registry import RuleRegistry
from opentok_rules.operations.library import default_token_rules
from opentok_rules.operations.token.prepare import token_outcome
from opentok_rules.operations.token.rules import (
    CONTEXT_KEYS,
    TOKEN_OPTION_KEYS,
    TOKEN_TYPES,
    DataLength,
    ExpireTime,
    LayoutClasses,
    SessionBelongsToKey,
    TokenKnownKeys,
    TokenRole,
    TokenType,
)
from opentok_rules.operations.token.spec import TokenSpec
from opentok_rules.values import Role

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
# JSON's own string encoder (what json.dumps uses for a str with ensure_ascii, the default of
# PyJWT's jwt.encode): each text claim is encoded with it once, into the claims' JSON.
_json_str: Callable[[str], str] = json.encoder.encode_basestring_ascii
# base64url without padding (RFC 7515): binascii's encoder, then the two URL-safe letters.
_URL_SAFE = bytes.maketrans(b"+/", b"-_")
# RFC 2104's inner and outer pads, as translation tables over a key's bytes.
_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))


def _b64url(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


def _header_segment(algorithm: str) -> bytes:
    """The JWS header and its dot, as PyJWT's ``jwt.encode`` writes it (keys sorted)."""
    header = json.dumps({"alg": algorithm, "typ": "JWT"}, separators=(",", ":"), sort_keys=True)
    return _b64url(header.encode("ascii")) + b"."


# The same for every token: made once, at import (a microsecond; no third-party import).
_HS256_HEADER = _header_segment("HS256")
_RS256_HEADER = _header_segment("RS256")
# A role's JSON text, for each role (they are plain ASCII words).
_ROLE_JSON = {role: _json_str(role.value) for role in Role}


class _KeyedHash:
    """HMAC (RFC 2104) with the key worked in once: the hash states after the inner and outer
    padded keys are kept, and each message costs two copies and two updates.

    ``hmac.new(key, msg, digestmod)`` pads and hashes the key again for every message; this is
    the same computation (``hmac.HMAC``'s own fallback does exactly this), without that step.
    Its repr shows no key material, and it cannot be pickled.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, new_hash: Callable[..., Any]) -> None:
        inner = new_hash()
        if len(key) > inner.block_size:
            key = new_hash(key).digest()  # RFC 2104: a long key is hashed first
        key = key.ljust(inner.block_size, b"\0")
        inner.update(key.translate(_IPAD))
        self._inner = inner
        self._outer = new_hash(key.translate(_OPAD))

    def __repr__(self) -> str:
        return f"<HMAC-{self._inner.name} key redacted>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a prepared HMAC key cannot be pickled: the pickle would hold it")

    def _outer_of(self, message: bytes) -> Any:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer

    def digest(self, message: bytes) -> bytes:
        digest: bytes = self._outer_of(message).digest()
        return digest

    def hexdigest(self, message: bytes) -> str:
        digest: str = self._outer_of(message).hexdigest()
        return digest


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


def _checked_hmac_key(key: bytes) -> str | None:
    """Why PyJWT would refuse ``key`` as an HMAC secret (a PEM, SSH or DER key, a JWK as
    JSON), or ``None``; warns as PyJWT does of a key shorter than the hash.

    Asked once per signer: PyJWT's rules for what may be an HMAC key stay the rules here, but
    its checks (the DER one loads the key with ``cryptography``) are not paid per token.
    """
    import jwt
    from jwt.algorithms import HMACAlgorithm

    algorithm = HMACAlgorithm(HMACAlgorithm.SHA256)
    try:
        checked = algorithm.prepare_key(key)
    except jwt.InvalidKeyError as exc:
        return str(exc)
    length_message = algorithm.check_key_length(checked)
    if length_message:
        import warnings

        warnings.warn(length_message, jwt.warnings.InsecureKeyLengthWarning, stacklevel=3)
    return None


def _claims_json(text: str, spec: TokenSpec) -> bytes:
    """``text`` (the claims' JSON up to its optional claims, without the closing brace) with
    ``connection_data`` and ``initial_layout_class_list`` when given, closed, as bytes.

    The signers write their claims' JSON in the order of the dict ``jwt.encode`` would be
    given (the tests compare the two byte for byte): constants of the signer, exact ``int``
    values (``TokenSpec`` checks the type, so f-string text is JSON's ``int.__repr__``), role
    words, and text that goes through JSON's own string encoder, once per claim.
    """
    if spec.data is not None:
        text += ',"connection_data":' + _json_str(spec.data)
    if spec.initial_layout_class_list is not None:
        text += ',"initial_layout_class_list":' + _json_str(spec.initial_layout_class_list)
    return (text + "}").encode("ascii")  # ASCII: JSON's encoder escaped everything else


class OpenTokSigner:
    """Signs OpenTok client tokens, JWT (HS256) or T1, for one api key and secret.

    Make one per set of credentials and keep it: the key is checked and worked into the HMAC
    states here, once. Raises :class:`ValueError` for an empty or non-``str`` secret, or one
    PyJWT refuses as an HMAC key (a PEM or SSH key, say); the message never shows the secret.
    """

    __slots__ = ("_claims_head", "_jwt_mac", "_t1_head", "_t1_mac", "owner")

    backend = "OpenTok"
    token_types: tuple[str, ...] = TOKEN_TYPES

    def __init__(self, api_key: str, api_secret: str | Secret[str]) -> None:
        if not isinstance(api_key, str) or not api_key:
            raise ValueError(f"api_key must be a non-empty str; got {shown(api_key)}")
        key = Secret(_secret_bytes(api_secret))
        refused = _checked_hmac_key(key.reveal())
        if refused is not None:
            raise ValueError(f"api_secret cannot sign tokens: {refused}")
        self.owner = api_key
        # The secret lives on only inside the keyed hash states (HS256 for JWT, SHA-1 for T1).
        self._jwt_mac = _KeyedHash(key.reveal(), hashlib.sha256)
        self._t1_mac = _KeyedHash(key.reveal(), hashlib.sha1)
        self._claims_head = '{"iss":' + _json_str(api_key) + ',"ist":"project","iat":'
        self._t1_head = f"partner_id={api_key}&sig="

    def __repr__(self) -> str:
        return f"OpenTokSigner(api_key={self.owner!r})"

    def sign(self, spec: TokenSpec) -> str:
        """The token for ``spec``, in its ``token_type``'s format."""
        if spec.token_type == _JWT:
            return self._jwt(spec)
        return self._t1(spec)

    def _jwt(self, spec: TokenSpec) -> str:
        # Byte for byte what jwt.encode(claims, secret, algorithm="HS256") makes of the claims
        # iss, ist, iat, exp, scope, session_id, role, nonce[, connection_data]
        # [, initial_layout_class_list]: the tests compare the two.
        claims = _claims_json(
            f'{self._claims_head}{spec.issued_at},"exp":{spec.expire_time},'
            f'"scope":"session.connect","session_id":{_json_str(spec.session_id)},'
            f'"role":{_ROLE_JSON[spec.role]},"nonce":{secrets.randbelow(1_000_000)}',
            spec,
        )
        signing_input = _HS256_HEADER + _b64url(claims)
        signature = _b64url(self._jwt_mac.digest(signing_input))
        return (signing_input + b"." + signature).decode("ascii")

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
        data = data_string.encode("utf-8")
        body = f"{self._t1_head}{self._t1_mac.hexdigest(data)}:".encode() + data
        return _T1_SENTINEL + binascii.b2a_base64(body, newline=False).decode("ascii")


@functools.cache
def _rs256() -> tuple[Any, Any]:
    """RS256's padding and hash (``cryptography``), made once."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.PKCS1v15(), hashes.SHA256()


class VonageSigner:
    """Signs Vonage Video API client tokens (RS256 JWT) for one application and private key.

    ``private_key`` is the loaded RSA private key in a :class:`~opentok_rules._secret.Secret`
    (see :func:`opentok_rules.vonage.load_private_key`): it is loaded once, by whoever makes
    the signer, and each token costs one RSA signature with ``cryptography``, nothing more.
    JWT only: the token rules refuse ``token_type="T1"`` with a violation naming the backend.
    """

    __slots__ = ("_claims_head", "_key", "_rs256", "owner")

    backend = "Vonage Video API"
    token_types: tuple[str, ...] = ("JWT",)

    def __init__(self, application_id: str, private_key: Secret[Any]) -> None:
        if not isinstance(application_id, str) or not application_id:
            raise ValueError(f"application_id must be a non-empty str; got {shown(application_id)}")
        if not isinstance(private_key, Secret):
            raise TypeError("private_key must be a loaded key in a Secret (see load_private_key)")
        from cryptography.hazmat.primitives.asymmetric import rsa

        if not isinstance(private_key.reveal(), rsa.RSAPrivateKey):
            raise TypeError("private_key must be a loaded RSA private key (see load_private_key)")
        self.owner = application_id
        self._key = private_key
        self._rs256 = _rs256()
        self._claims_head = '{"application_id":' + _json_str(application_id) + ',"iat":'

    def __repr__(self) -> str:
        return f"VonageSigner(application_id={self.owner!r})"

    def sign(self, spec: TokenSpec) -> str:
        """The RS256 token for ``spec`` (its ``token_type`` is JWT: the rules saw to that)."""
        if spec.token_type != _JWT:
            raise ValueError(f"the {self.backend} signs JWT tokens only, not {spec.token_type}")
        # What jwt.encode(claims, key, algorithm="RS256") makes of the claims application_id,
        # iat, exp, jti, scope, session_id, role, sub, acl[, connection_data]
        # [, initial_layout_class_list] (the tests decode and compare them).
        claims = _claims_json(
            f'{self._claims_head}{spec.issued_at},"exp":{spec.expire_time},'
            f'"jti":"{uuid.uuid4()}","scope":"session.connect",'
            f'"session_id":{_json_str(spec.session_id)},"role":{_ROLE_JSON[spec.role]},'
            '"sub":"video","acl":{"paths":{"/session/**":{}}}',
            spec,
        )
        signing_input = _RS256_HEADER + _b64url(claims)
        signature = self._key.reveal().sign(signing_input, *self._rs256)
        return (signing_input + b"." + _b64url(signature)).decode("ascii")


def issue_token_outcome(
    signer: TokenSigner,
    session_id: str,
    /,
    *,
    rules: RuleRegistry | None = None,
    clock: Callable[[], float] = time.time,
    **options: Any,
) -> Outcome[str]:
    """:func:`issue_token`'s token and what ``"warn"`` rules found, in an
    :class:`~opentok_rules.Outcome`: nothing is logged, the caller reports the warnings (the
    clients log them as :func:`issue_token` does). Raises
    :class:`~opentok_rules.ValidationError` as :func:`issue_token` does.
    """
    checked = token_outcome(
        signer.owner,
        session_id,
        clock=clock,
        rules=rules,
        backend=signer.backend,
        token_types=signer.token_types,
        **options,
    )
    return Outcome(signer.sign(checked.value), checked.warnings)


issue_token = logging_warnings(
    issue_token_outcome,
    logger,
    "issue_token",
    """Check ``options`` with ``rules`` (default :func:`~opentok_rules.default_token_rules`),
    then sign.

    The clients call this with the signer they made once; raises
    :class:`~opentok_rules.ValidationError` listing every violation.
    """,
)


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
    normalize them together with the context keys (see
    :mod:`~opentok_rules.operations.token.rules`); every violation is raised at once in one
    :class:`~opentok_rules.ValidationError`. The first three arguments are positional-only, so
    ``api_key=...`` or ``session_id=...`` given as an option is refused, not applied.

    The signer of an api key and secret (the key checked, worked into the HMAC states) is
    made on the first call and reused by the next ones with the same two (see
    ``SIGNERS_KEPT``, 16); an :class:`OpenTokSigner` of your own, with :func:`issue_token`,
    does the same without the lookup.
    """
    return issue_token(
        _signer_for(api_key, api_secret), session_id, rules=rules, clock=clock, **options
    )


#: How many signers :func:`generate_token` keeps, one per api key and secret; the oldest made
#: is let go when another is needed. A process usually signs for one or two projects.
SIGNERS_KEPT = 16
# By api key and a keyed digest of the secret (never the secret itself): each signer holds
# its secret only as HMAC states, as any signer does. The digest's key is this process's own,
# so the dict's keys tell nothing about a secret outside it.
_SIGNERS: dict[tuple[str, bytes], OpenTokSigner] = {}
_SIGNERS_LOCK = threading.Lock()
_DIGEST_KEY = secrets.token_bytes(32)
_blake2b = hashlib.blake2b


def _signer_for(api_key: str, api_secret: str | Secret[str]) -> OpenTokSigner:
    """The kept signer of ``api_key`` and ``api_secret``, made (and kept) if there is none.

    Only a plain ``str`` key and secret (or a :class:`Secret` of one) are kept: anything else
    is made afresh, so that :class:`OpenTokSigner` says what is wrong with it, every time.
    """
    secret = api_secret.reveal() if isinstance(api_secret, Secret) else api_secret
    if api_key.__class__ is not str or secret.__class__ is not str or not secret:
        return OpenTokSigner(api_key, api_secret)
    try:
        encoded = secret.encode("utf-8")
    except UnicodeEncodeError:
        return OpenTokSigner(api_key, api_secret)  # refused, with the reason
    key = (api_key, _blake2b(encoded, digest_size=32, key=_DIGEST_KEY).digest())
    signer = _SIGNERS.get(key)
    if signer is None:
        signer = OpenTokSigner(api_key, api_secret)  # a secret it refuses is not kept
        with _SIGNERS_LOCK:
            if key not in _SIGNERS:
                while len(_SIGNERS) >= SIGNERS_KEPT:
                    del _SIGNERS[next(iter(_SIGNERS))]  # the oldest made
                _SIGNERS[key] = signer
    return signer


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
