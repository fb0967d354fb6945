"""Client tokens (the SDKs' ``generate_token``): the token rules, then JWT or T1 signing.

:func:`generate_token` builds a working dict of the caller's options plus the context keys
(:data:`CONTEXT_KEYS`), runs a :class:`~opentok_rules.RuleRegistry` over it (by default
:func:`default_token_rules`), raises every violation at once in one
:class:`~opentok_rules.ValidationError`, and otherwise signs the normalized options.

The working dict, as the rules see it:

``session_id``, ``api_key``
    The session the token is for and the api key (project id) signing it.
``now``
    The issue time: float seconds since the epoch, read once from the ``clock``.
``option_names``
    The names of the options the caller passed, as a tuple, so a rule can tell a value the
    caller gave from a default filled in by an earlier rule.
``role``, ``expire_time``, ``data``, ``initial_layout_class_list``, ``token_type``
    The options; after the default rules, a :class:`~opentok_rules.Role`, int seconds, a str
    (or absent), the space-joined classes (or absent), and ``"JWT"`` or ``"T1"``.

The secret is never in the working dict, so no rule (nor its messages) can leak it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import secrets
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from ._messages import closest_hint, short_repr, shown
from .errors import ValidationError, Violation
from .registry import Options, RuleRegistry
from .session_ids import session_id_fields
from .values import Role

__all__ = [
    "CONTEXT_KEYS",
    "TOKEN_OPTION_KEYS",
    "DataLength",
    "ExpireTime",
    "LayoutClasses",
    "SessionBelongsToKey",
    "TokenKnownKeys",
    "TokenRole",
    "TokenType",
    "default_token_rules",
    "generate_token",
]

#: The options ``generate_token`` understands.
TOKEN_OPTION_KEYS: tuple[str, ...] = (
    "role",
    "expire_time",
    "data",
    "initial_layout_class_list",
    "token_type",
)
#: Keys ``generate_token`` puts in the working dict itself; a caller cannot pass them.
CONTEXT_KEYS: tuple[str, ...] = ("session_id", "api_key", "now", "option_names")

#: The service's limits on a token's lifetime, and the SDKs' default lifetime.
MAX_LIFETIME = 30 * 86400
DEFAULT_LIFETIME = 86400
#: Connection data must be fewer than this many characters.
DATA_LIMIT = 1000
#: The space-joined layout classes may be at most this many characters.
LAYOUT_LIMIT = 1000
_JWT, _T1 = "JWT", "T1"
#: The two token formats; JWT is the current one, T1 the legacy one.
TOKEN_TYPES: tuple[str, ...] = (_JWT, _T1)

_T1_SENTINEL = "T1=="
_ROLES = {role.value: role for role in Role}
_ROLE_NAMES = ", ".join(_ROLES)
_KEY_SET = frozenset(TOKEN_OPTION_KEYS)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


_CONTEXT_HINTS = {
    "session_id": "pass the session id as the first argument",
    "api_key": "it is the api key of the client making the token",
    "now": "it is read from the clock; pass clock=... to change it",
    "option_names": "generate_token records the option names itself",
}


def _iso(seconds: float) -> str:
    """``seconds`` since the epoch as an ISO UTC time, or as plain seconds if out of range."""
    try:
        return (_EPOCH + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):
        return f"{shown(seconds)} s since the epoch"


def _utf8_ok(text: str) -> bool:
    # A lone surrogate cannot be sent: both formats encode the claims as UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class TokenKnownKeys:
    """Only the five token options may be passed; a typo names the closest one."""

    id = "token-known-keys"
    description = (
        "Only role, expire_time, data, initial_layout_class_list and token_type may be "
        "passed; a misspelt option names the closest one."
    )

    def apply(self, options: Options) -> Sequence[Violation]:
        names = options.get("option_names")
        if not isinstance(names, tuple):
            names = tuple(key for key in options if key not in CONTEXT_KEYS)
        unknown = [key for key in names if key not in _KEY_SET]
        for key in unknown:
            # Context keys hold generate_token's values, not the caller's; keep them.
            if key not in CONTEXT_KEYS:
                options.pop(key, None)
        return tuple(self._violation(key) for key in unknown)

    def _violation(self, key: object) -> Violation:
        if not isinstance(key, str):
            return Violation(self.id, None, f"option names are strings; got {shown(key)}")
        name = key[:40]
        if key in _CONTEXT_HINTS:
            message = f"{name!r} cannot be passed as a token option: {_CONTEXT_HINTS[key]}"
            return Violation(self.id, name, message)
        hint = closest_hint(key, TOKEN_OPTION_KEYS)
        return Violation(self.id, name, f"{name!r} is not a token option; {hint}")


class SessionBelongsToKey:
    """The session id decodes, and its api key field is the api key signing the token."""

    id = "session-belongs-to-key"
    description = "The session id must be one created with the same api key."

    def apply(self, options: Options) -> Sequence[Violation]:
        session_id = options.get("session_id")
        api_key = options.get("api_key")
        if not isinstance(session_id, str):
            message = f"the session id must be a str; got {shown(session_id)}"
        elif (fields := session_id_fields(session_id)) is None:
            message = (
                f"{short_repr(session_id)} is not a session id (it does not decode); "
                "pass the id create_session returned"
            )
        elif fields[1] != api_key:
            message = (
                f"the session id belongs to api key {fields[1][:40]!r}, not {api_key!r}; "
                "make the token with the api key and secret of the project that owns the session"
            )
        else:
            return ()
        return (Violation(self.id, "session_id", message),)


class TokenRole:
    """``role`` is a :class:`~opentok_rules.Role` or its value, any case; default publisher."""

    id = "token-role"
    description = f"role is one of {_ROLE_NAMES} (any case); absent or None means publisher."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("role")
        if value is None:
            options["role"] = Role.PUBLISHER
            return ()
        found = _ROLES.get(value.lower()) if isinstance(value, str) else None
        if found is not None:
            options["role"] = found
            return ()
        message = f"role must be one of {_ROLE_NAMES} (any case); got {shown(value)}"
        return (Violation(self.id, "role", message),)


class ExpireTime:
    """``expire_time`` is after now and at most 30 days later; the default is now + 24 h."""

    id = "token-expire-time"
    description = (
        "expire_time (epoch seconds or a datetime; naive means UTC) is after now and at most "
        "30 days later; absent or None means 24 hours from now."
    )

    def apply(self, options: Options) -> Sequence[Violation]:
        issued = int(options["now"])
        value = options.get("expire_time")
        seconds = issued + DEFAULT_LIFETIME if value is None else _epoch_seconds(value)
        if isinstance(seconds, str):
            return (Violation(self.id, "expire_time", seconds),)
        latest = issued + MAX_LIFETIME
        if issued < seconds <= latest:
            options["expire_time"] = seconds
            return ()
        problem = "is not in the future" if seconds <= issued else "is more than 30 days ahead"
        message = (
            f"expire_time {_iso(seconds)} {problem}; it must be after now ({_iso(issued)}) "
            f"and at most {_iso(latest)} (30 days later)"
        )
        return (Violation(self.id, "expire_time", message),)


def _epoch_seconds(value: object) -> int | str:
    """Whole seconds since the epoch for ``value``, or a message saying why there are none."""
    wanted = "expire_time must be seconds since the epoch (an int) or a datetime"
    if isinstance(value, bool) or not isinstance(value, (int, float, dt.datetime)):
        return f"{wanted}; got {shown(value)}"
    if isinstance(value, int):
        return int(value)  # a plain int, even from an IntEnum, is what gets signed
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else f"{wanted}, finite; got {shown(value)}"
    try:
        # Naive means UTC; an aware datetime is converted by the subtraction itself.
        aware = value if value.utcoffset() is not None else value.replace(tzinfo=dt.timezone.utc)
        return (aware - _EPOCH) // dt.timedelta(seconds=1)
    except (ArithmeticError, ValueError, TypeError):
        return f"{wanted}; {shown(value)} has an unusable time zone"


class DataLength:
    """``data`` (connection data), when given, is a str of fewer than 1000 characters."""

    id = "token-data-length"
    description = f"data, when given, is a str of fewer than {DATA_LIMIT} characters."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("data")
        if value is None:
            options.pop("data", None)
            return ()
        if not isinstance(value, str):
            message = f"data (connection data) must be a str; got {shown(value)}"
        elif len(value) >= DATA_LIMIT:
            message = (
                f"data is {len(value)} characters long; connection data must be fewer than "
                f"{DATA_LIMIT} characters (keep ids in it and look the rest up on your server)"
            )
        elif not _utf8_ok(value):
            message = "data contains a lone surrogate, which cannot be encoded as UTF-8"
        else:
            return ()
        return (Violation(self.id, "data", message),)


class LayoutClasses:
    """``initial_layout_class_list``, when given, is a list of class names; joined by spaces."""

    id = "token-layout-classes"
    description = (
        "initial_layout_class_list, when given, is a list or tuple of non-empty str without "
        f"whitespace, at most {LAYOUT_LIMIT} characters when joined by spaces."
    )

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("initial_layout_class_list")
        if value is None:
            options.pop("initial_layout_class_list", None)
            return ()
        message = _layout_problem(value)
        if message is None:
            # The service takes one space-separated string; signing uses that form.
            options["initial_layout_class_list"] = " ".join(value)
            return ()
        return (Violation(self.id, "initial_layout_class_list", message),)


def _layout_problem(value: object) -> str | None:
    name = "initial_layout_class_list"
    if isinstance(value, str):
        return f"{name} must be a list of class names, not a bare str; wrap it: [{value[:40]!r}]"
    if not isinstance(value, (list, tuple)):
        return f"{name} must be a list or tuple of class names; got {shown(value)}"
    bad = [(index, item) for index, item in enumerate(value) if not _good_class(item)]
    if bad:
        index, item = bad[0]
        more = f" (and {len(bad) - 1} more bad items)" if len(bad) > 1 else ""
        return (
            f"{name}[{index}] is {shown(item)}; each class must be a non-empty str without "
            f"whitespace (the classes are sent joined by spaces){more}"
        )
    joined = sum(map(len, value)) + max(len(value) - 1, 0)
    if joined > LAYOUT_LIMIT:
        return f"{name} joins to {joined} characters; at most {LAYOUT_LIMIT} are allowed"
    return None


def _good_class(item: object) -> bool:
    return (
        isinstance(item, str)
        and bool(item)
        and not any(char.isspace() for char in item)
        and _utf8_ok(item)
    )


class TokenType:
    """``token_type`` is ``"JWT"`` (the default) or ``"T1"`` (the legacy format), any case."""

    id = "token-type"
    description = "token_type is 'JWT' or 'T1' (any case); absent or None means 'JWT'."

    def apply(self, options: Options) -> Sequence[Violation]:
        value = options.get("token_type")
        if value is None:
            options["token_type"] = _JWT
            return ()
        if isinstance(value, str) and value.upper() in TOKEN_TYPES:
            options["token_type"] = value.upper()
            return ()
        message = (
            "token_type must be 'JWT' (the default) or 'T1' (the legacy format), any case; "
            f"got {shown(value)}"
        )
        return (Violation(self.id, "token_type", message),)


def default_token_rules() -> RuleRegistry:
    """A fresh registry of the seven token rules, in order; yours to edit."""
    return RuleRegistry(
        [
            TokenKnownKeys(),
            SessionBelongsToKey(),
            TokenRole(),
            ExpireTime(),
            DataLength(),
            LayoutClasses(),
            TokenType(),
        ]
    )


# Used when the caller gives no rules. Private, so nobody can edit it; building seven rules
# for every token would be work done again and again for nothing.
_DEFAULT_TOKEN_RULES = default_token_rules()


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
    ``token_type``. ``rules`` (by default :func:`default_token_rules`) check and normalize
    them together with the context keys ``session_id``, ``api_key``, ``now`` (from
    ``clock``) and ``option_names``; every violation is raised at once in one
    :class:`~opentok_rules.ValidationError`. The first three arguments are positional-only,
    so ``api_key=...`` or ``session_id=...`` given as an option is refused, not applied.
    """
    working: Options = {
        **options,
        "session_id": session_id,
        "api_key": api_key,
        "now": float(clock()),
        "option_names": tuple(options),
    }
    registry = _DEFAULT_TOKEN_RULES if rules is None else rules
    violations = registry.apply(working) or _unsigned(working)
    if violations:
        raise ValidationError(violations)
    if working["token_type"] == _T1:
        return _t1_token(working, api_secret)
    return _jwt_token(working, api_secret)


def _unsigned(options: Options) -> list[Violation]:
    """Values a custom registry left un-normalized (a default rule removed, say)."""
    ready = {
        "role": isinstance(options.get("role"), Role),
        "expire_time": type(options.get("expire_time")) is int,
        "data": isinstance(options.get("data"), (str, type(None))),
        "initial_layout_class_list": isinstance(
            options.get("initial_layout_class_list"), (str, type(None))
        ),
        "token_type": options.get("token_type") in TOKEN_TYPES,
    }
    return [
        Violation(
            "generate-token",
            key,
            f"the rules left {key} as {shown(options.get(key))}, which cannot be signed; "
            "keep the default token rule for it or normalize it the same way",
        )
        for key, ok in ready.items()
        if not ok
    ]


def _claims(options: Options) -> dict[str, Any]:
    """The fields both formats sign, in the T1 data string's order."""
    claims: dict[str, Any] = {
        "session_id": options["session_id"],
        "create_time": int(options["now"]),
        "expire_time": options["expire_time"],
        "role": options["role"].value,
        "nonce": secrets.randbelow(1_000_000),
    }
    if options.get("data") is not None:
        claims["connection_data"] = options["data"]
    if options.get("initial_layout_class_list") is not None:
        claims["initial_layout_class_list"] = options["initial_layout_class_list"]
    return claims


def _jwt_token(options: Options, api_secret: str) -> str:
    # Imported here: PyJWT is only needed to make tokens, and import time of the package matters.
    import jwt

    claims = _claims(options)
    payload = {
        "iss": options["api_key"],
        "ist": "project",
        "iat": claims.pop("create_time"),
        "exp": claims.pop("expire_time"),
        "scope": "session.connect",
        **claims,
    }
    return jwt.encode(payload, api_secret, algorithm="HS256", headers={"typ": "JWT"})


def _t1_token(options: Options, api_secret: str) -> str:
    data_string = urllib.parse.urlencode(_claims(options))
    signature = hmac.new(
        api_secret.encode("utf-8"), data_string.encode("utf-8"), hashlib.sha1
    ).hexdigest()
    body = f"partner_id={options['api_key']}&sig={signature}:{data_string}"
    return _T1_SENTINEL + base64.b64encode(body.encode("utf-8")).decode("ascii")
