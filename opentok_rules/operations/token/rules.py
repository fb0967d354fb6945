"""The token rules: what :mod:`~opentok_rules.operations.token.prepare`'s
``prepare_token`` runs over a token's options and builds from them.

This module is to tokens what :mod:`~opentok_rules.operations.session.rules` and
:mod:`~opentok_rules.operations.session.spec` are to sessions: ``prepare_token`` builds a
working dict of the caller's options plus the context keys (:data:`CONTEXT_KEYS`), runs a
:class:`~opentok_rules.RuleRegistry` over it (by default the library's token rules), raises
every violation at once in one :class:`~opentok_rules.ValidationError`, and otherwise builds a
:class:`TokenSpec` from the normalized options. Signing the spec is the business of
:mod:`~opentok_rules.tokens`; nothing here knows a secret.

The working dict, as the rules see it:

``session_id``
    The session the token is for.
``owner``
    Who signs: the OpenTok api key (project id), or the Vonage application id. A session id
    encodes its owner, so a token for another project's session can be refused.
``backend``, ``token_types``
    The backend's name (``"OpenTok"``, ``"Vonage"``) and the token formats it accepts.
``now``
    The issue time: float seconds since the epoch, read once from the ``clock``.
``option_names``
    The names of the options the caller passed, as a tuple, so a rule can tell a value the
    caller gave from a default filled in by an earlier rule.
``role``, ``expire_time``, ``data``, ``initial_layout_class_list``, ``token_type``
    The options; after the default rules, a :class:`~opentok_rules.Role`, int seconds, a str
    (or absent), the space-joined classes (or absent), and ``"JWT"`` or ``"T1"``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from opentok_rules._messages import short_repr, shown
from opentok_rules.engine.kinds import LibraryRule, OptionRule, library_rules
from opentok_rules.engine.registry import MAX_REPORTED, RENAMED_IDS, Options, reported
from opentok_rules.engine.shared import unknown_option
from opentok_rules.engine.text_length import TextLengthRule
from opentok_rules.errors import Violation, shown_later
from opentok_rules.session_ids import session_id_fields

if TYPE_CHECKING:
    from opentok_rules.engine.compiler import Writer

from opentok_rules.values import (
    DEFAULT_LIFETIME,
    Role,
    member_for,
    plain_str,
    utf8_encodable,
)
from opentok_rules.values import (
    EPOCH as _EPOCH,
)
from opentok_rules.values import (
    epoch_seconds as _epoch_seconds,
)

__all__ = [
    "CONTEXT_KEYS",
    "DEFAULT_LIFETIME",
    "LIBRARY_TOKEN_KINDS",
    "MAX_LIFETIME",
    "TOKEN_OPTION_KEYS",
    "TOKEN_TYPES",
    "TokenDataLengthRule",
    "TokenExpireTimeRule",
    "TokenKnownKeysRule",
    "TokenLayoutClassesRule",
    "TokenRoleRule",
    "TokenSessionBelongsToKeyRule",
    "TokenTypeRule",
]

#: The options a token understands.
TOKEN_OPTION_KEYS: tuple[str, ...] = (
    "role",
    "expire_time",
    "data",
    "initial_layout_class_list",
    "token_type",
)
#: Keys :func:`prepare_token` puts in the working dict itself; a caller cannot pass them.
CONTEXT_KEYS: tuple[str, ...] = (
    "session_id",
    "owner",
    "backend",
    "token_types",
    "now",
    "option_names",
)

#: The service's limits on a token's lifetime, and the SDKs' default lifetime.
MAX_LIFETIME = 30 * 86400
#: Connection data must be fewer than this many characters.
DATA_LIMIT = 1000
#: The space-joined layout classes may be at most this many characters.
LAYOUT_LIMIT = 1000
_JWT, _T1 = "JWT", "T1"
#: The two token formats; JWT is the current one, T1 the legacy one (OpenTok only).
TOKEN_TYPES: tuple[str, ...] = (_JWT, _T1)
#: The id ``token-session-belongs-to-key`` had before every token rule id started ``token-``:
#: it still finds the rule for one more release.
OLD_SESSION_RULE_ID = "session-belongs-to-key"
RENAMED_IDS[OLD_SESSION_RULE_ID] = "token-session-belongs-to-key"


_ROLES = {role.value: role for role in Role}
# Another library's enum member (the opentok SDK's Roles.moderator, say) is read by its name.
_ROLE_NAMES_MAP = {**_ROLES, **{role.name.lower(): role for role in Role}}
_ROLE_NAMES = ", ".join(_ROLES)
_KEY_SET = frozenset(TOKEN_OPTION_KEYS)
#: The kinds of the library's token rules, by the name their policy data gives them (each
#: rule's class enters itself: see library_rules).
LIBRARY_TOKEN_KINDS: dict[str, type] = {}
_library_rule = library_rules(LIBRARY_TOKEN_KINDS, pure=False)
# What a name means to a person, by backend, for the messages.
_OWNER_NAMES = {
    "OpenTok": "api key",
    "Vonage": "application id",
    "Vonage Video API": "application id",
}

_CONTEXT_HINTS = {
    "session_id": "pass the session id as the first argument",
    "owner": "it is the api key (or application id) of the client making the token",
    "api_key": "it is the api key of the client making the token",
    "backend": "it is set by the client making the token",
    "token_types": "it is set by the client making the token",
    "now": "it is read from the clock; pass clock=... to change it",
    "option_names": "generate_token records the option names itself",
}


def _iso(seconds: float) -> str:
    """``seconds`` since the epoch as an ISO UTC time, or as plain seconds if out of range."""
    try:
        return (_EPOCH + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):
        return f"{shown(seconds)} s since the epoch"


# Decoding a session id is the same work for every token of a session; an app makes a token
# per participant, so the fields of recent ids are kept. Keys are exact str (see plain_str),
# so a str subclass with a lying __hash__/__eq__ cannot pick another id's entry.
_cached_fields = functools.lru_cache(maxsize=1024)(session_id_fields)


class _TokenKind(LibraryRule):
    """What the token rules share: their compiled forms read the options through
    ``Writer.value_of`` (a pass of any operation may hold them), and run the rule's own
    ``_judge`` on the options themselves wherever the usual case is not settled inline."""

    __slots__ = ()
    INLINE_NEEDS_LOCALS: ClassVar[bool] = False

    def _judged(
        self,
        w: Writer,
        index: int,
        settled: str | None = None,
        cases: Sequence[tuple[str, str]] = (),
    ) -> None:
        """The rule's lines: each of ``cases`` (a test of the generated code, and the line
        that does what ``_judge`` does where it holds) in turn; then nothing where ``settled``
        holds (the rule finds nothing and changes nothing); the rule's own judgement of the
        options themselves everywhere else."""
        judge = w.name(index, "judge", self.direct_apply)
        w.sync()  # the rule reads and writes the dict itself
        for number, (test, line) in enumerate(cases):
            with w.block(f"{'elif' if number else 'if'} {test}:"):
                w.line(line)
        if settled is None and not cases:
            w.found_all(f"{judge}(options)")
        else:
            header = "if" if not cases else "elif"
            with w.block(f"{header} not ({settled}):" if settled else "else:"):
                w.found_all(f"{judge}(options)")
        if w.locals:
            w.forget()


# It looks at every option name (option_names, or the keys themselves), so it always runs.
@_library_rule(
    reads=None,
    fills=(),
    description=(
        "Only role, expire_time, data, initial_layout_class_list and token_type may be "
        "passed; a misspelt option names the closest one."
    ),
)
class TokenKnownKeysRule(_TokenKind):
    """Only the five token options may be passed; a typo names the closest one."""

    #: A rule placed before it sees every key the caller gave (policy checks read this).
    DROPS_UNKNOWN_KEYS: ClassVar[bool] = True

    def _judge(self, options: Options) -> Sequence[Violation]:
        names = options.get("option_names")
        if not isinstance(names, tuple):
            names = tuple(key for key in options if key not in CONTEXT_KEYS)
        if _KEY_SET.issuperset(names):
            return ()  # the usual case, settled in one set operation
        unknown = [key for key in names if key not in _KEY_SET]
        for key in unknown:
            # Context keys hold prepare_token's values, not the caller's; keep them.
            if key not in CONTEXT_KEYS:
                options.pop(key, None)
        return reported(self.id, [self._violation(key) for key in unknown[:MAX_REPORTED]], unknown)

    def _violation(self, key: object) -> Violation:
        return unknown_option(self.id, key, TOKEN_OPTION_KEYS, "token", _CONTEXT_HINTS)

    def inline(self, w: Writer, index: int) -> None:
        # The option names recorded, all of them token options: nothing to say or drop.
        names = w.value_of(index, "option_names")
        known = w.name(index, "known", _KEY_SET)
        self._judged(
            w, index, f"(_names := {names}).__class__ is tuple and {known}.issuperset(_names)"
        )


@_library_rule(
    reads=("session_id", "owner", "backend"),
    fills=("session_id",),
    description=("The session id must be one created with the same api key (or application id)."),
)
class TokenSessionBelongsToKeyRule(_TokenKind):
    """The session id decodes, and its owner field is the api key (or application id) signing."""

    def _judge(self, options: Options) -> Sequence[Violation]:
        session_id = options.get("session_id")
        owner = options.get("owner")
        if type(session_id) is not str:
            if not isinstance(session_id, str):
                text = "the session id must be a str; got {}"
                return (shown_later(self.id, "session_id", text, session_id),)
            # Judge, and sign, the characters themselves, not what a subclass says of them.
            session_id = options["session_id"] = plain_str(session_id)
        fields = _cached_fields(session_id)
        # The messages are made when read (Violation.deferred): a refusal is often only counted.
        if fields is None:
            return (shown_later(self.id, "session_id", _undecodable, session_id),)
        if fields[1] != owner or type(owner) is not str:
            backend = options.get("backend")
            what = _OWNER_NAMES.get(backend, "owner") if isinstance(backend, str) else "owner"
            return (shown_later(self.id, "session_id", _not_owned, what, fields[1], owner),)
        return ()

    def inline(self, w: Writer, index: int) -> None:
        # A plain str id of a plain str owner (the decoded fields are kept per id).
        fields = w.name(index, "fields", _cached_fields)
        session_id, owner = w.value_of(index, "session_id"), w.value_of(index, "owner")
        self._judged(
            w,
            index,
            f"(_sid := {session_id}).__class__ is str and (_owner := {owner}).__class__ is str "
            f"and (_fields := {fields}(_sid)) is not None and _fields[1] == _owner",
        )


def _undecodable(session_id: str) -> str:
    return (
        f"{short_repr(session_id)} is not a session id (it does not decode); "
        "pass the id create_session returned"
    )


def _not_owned(what: str, belongs_to: str, owner: object) -> str:
    return (
        f"the session id belongs to {what} {belongs_to[:40]!r}, not "
        f"{short_repr(owner)}; make the token with the credentials of the project "
        "that owns the session"
    )


_ROLE_TEXT = f"role must be one of {_ROLE_NAMES} (any case); got {{}}"
_FORMAT_TEXT = (
    "token_type must be 'JWT' (the default) or 'T1' (the legacy format), any case; got {}"
)


@_library_rule(
    description=(
        f"role is one of {_ROLE_NAMES} (any case, or an enum member of that name); "
        "absent or None means publisher."
    ),
)
class TokenRoleRule(OptionRule, _TokenKind):
    """``role`` is a :class:`~opentok_rules.Role` or its value, any case; default publisher."""

    key = "role"
    absent = Role.PUBLISHER
    refusal = _ROLE_TEXT

    def _canonical(self, value: object) -> object:
        if value.__class__ is Role:
            return value
        return member_for(value, _ROLES, _ROLE_NAMES_MAP, any_case=True)

    def inline(self, w: Writer, index: int) -> None:
        # A Role as it is; none given is publisher, written as _judge writes it.
        role, key = w.value_of(index, "role"), w.key_name(index, "role")
        publisher, member = w.name(index, "publisher", Role.PUBLISHER), w.name(index, "Role", Role)
        roles = w.name(index, "roles", _ROLES)
        cases = [
            (f"(_role := {role}) is None", f"options[{key}] = {publisher}"),
            # A plain str that is a role's value as it is: what member_for finds for it.
            (
                f"_role.__class__ is str and (_found := {roles}.get(_role))",
                f"options[{key}] = _found",
            ),
        ]
        self._judged(w, index, f"_role.__class__ is {member}", cases)


@_library_rule(
    reads=("expire_time", "now"),
    fills=("expire_time",),
    description=(
        "expire_time (epoch seconds or a datetime; naive means UTC) is after now and at most "
        "30 days later; absent or None means 24 hours from now."
    ),
)
class TokenExpireTimeRule(_TokenKind):
    """``expire_time`` is after now and at most 30 days later; the default is now + 24 h."""

    def _judge(self, options: Options) -> Sequence[Violation]:
        issued = int(options["now"])
        value = options.get("expire_time")
        seconds = issued + DEFAULT_LIFETIME if value is None else _epoch_seconds(value)
        if isinstance(seconds, str):
            return (Violation(self.id, "expire_time", seconds),)
        latest = issued + MAX_LIFETIME
        if issued < seconds <= latest:
            options["expire_time"] = seconds
            return ()
        return (shown_later(self.id, "expire_time", _out_of_range, seconds, issued, latest),)

    def inline(self, w: Writer, index: int) -> None:
        # None given, the clock read as a float: the default lifetime, as _judge sets it.
        expire, key = w.value_of(index, "expire_time"), w.key_name(index, "expire_time")
        now, lifetime = w.value_of(index, "now"), w.name(index, "lifetime", DEFAULT_LIFETIME)
        test = f"{expire} is None and (_now := {now}).__class__ is float"
        self._judged(w, index, cases=[(test, f"options[{key}] = int(_now) + {lifetime}")])


def _out_of_range(seconds: int, issued: int, latest: int) -> str:
    problem = "is not in the future" if seconds <= issued else "is more than 30 days ahead"
    return (
        f"expire_time {_iso(seconds)} {problem}; it must be after now ({_iso(issued)}) "
        f"and at most {_iso(latest)} (30 days later)"
    )


@_library_rule(
    description=(f"data, when given, is a str of fewer than {DATA_LIMIT} characters."),
)
class TokenDataLengthRule(TextLengthRule, _TokenKind):
    """``data`` (connection data), when given, is a str of fewer than 1000 characters."""

    key: ClassVar[str] = "data"
    most: ClassVar[int] = DATA_LIMIT - 1
    label: ClassVar[str] = "data (connection data)"
    too_long: ClassVar[str] = (
        f"connection data must be fewer than {DATA_LIMIT} characters (keep ids in it and "
        "look the rest up on your server)"
    )

    def inline(self, w: Writer, index: int) -> None:
        # None, or a short ASCII str: nothing to say and nothing to change.
        most = w.name(index, "most", self.most)
        self._judged(
            w,
            index,
            f"(_data := {w.value_of(index, 'data')}) is None or (_data.__class__ is str "
            f"and len(_data) <= {most} and _data.isascii())",
        )


@_library_rule(
    description=(
        "initial_layout_class_list, when given, is a list or tuple of non-empty str without "
        f"whitespace, at most {LAYOUT_LIMIT} characters when joined by spaces."
    ),
)
class TokenLayoutClassesRule(_TokenKind):
    """``initial_layout_class_list``, when given, is a list of class names; joined by spaces."""

    key: ClassVar[str] = "initial_layout_class_list"

    def _judge(self, options: Options) -> Sequence[Violation]:
        value = options.get("initial_layout_class_list")
        if value is None:
            options.pop("initial_layout_class_list", None)
            return ()
        message: str | None
        if not isinstance(value, (list, tuple)):
            return (shown_later(self.id, _LAYOUT, _layout_shape_problem, value),)
        # Judge the exact characters that will be joined and signed, item by item.
        items = [plain_str(item) if isinstance(item, str) else item for item in value]
        message = _layout_problem(items)
        if message is None:
            # The service takes one space-separated string; signing uses that form.
            options["initial_layout_class_list"] = " ".join(items)
            return ()
        return (Violation(self.id, "initial_layout_class_list", message),)

    def inline(self, w: Writer, index: int) -> None:
        # None given: the key is dropped, as _judge drops it.
        key = "initial_layout_class_list"
        value, name = w.value_of(index, key), w.key_name(index, key)
        self._judged(w, index, cases=[(f"{value} is None", f"options.pop({name}, None)")])


_LAYOUT = "initial_layout_class_list"


def _layout_shape_problem(value: object) -> str:
    if isinstance(value, str):
        first = plain_str(value)[:40]
        return f"{_LAYOUT} must be a list of class names, not a bare str; wrap it: [{first!r}]"
    return f"{_LAYOUT} must be a list or tuple of class names; got {shown(value)}"


def _layout_problem(items: list[Any]) -> str | None:
    bad = [(index, item) for index, item in enumerate(items) if not _good_class(item)]
    if bad:
        index, item = bad[0]
        more = f" (and {len(bad) - 1} more bad items)" if len(bad) > 1 else ""
        return (
            f"{_LAYOUT}[{index}] is {shown(item)}; each class must be a non-empty str without "
            f"whitespace (the classes are sent joined by spaces){more}"
        )
    joined = sum(map(len, items)) + max(len(items) - 1, 0)
    if joined > LAYOUT_LIMIT:
        return f"{_LAYOUT} joins to {joined} characters; at most {LAYOUT_LIMIT} are allowed"
    return None


def _good_class(item: object) -> bool:
    # Not empty and no whitespace: str.split() splits at exactly the characters isspace()
    # names, so the one part is the whole item just then (one C loop, not one per character).
    return type(item) is str and item.split() == [item] and utf8_encodable(item)


@_library_rule(
    reads=("token_type", "token_types", "backend"),
    fills=("token_type",),
    description=(
        "token_type is 'JWT' or 'T1' (any case) and a format the backend accepts; "
        "absent or None means 'JWT'."
    ),
)
class TokenTypeRule(_TokenKind):
    """``token_type`` is ``"JWT"`` (the default) or ``"T1"`` (OpenTok's legacy format), any case.

    The context key ``token_types`` lists the formats the backend accepts (the Vonage backend
    signs JWT only), so a format the backend refuses is a violation naming the backend.
    """

    def _judge(self, options: Options) -> Sequence[Violation]:
        value = options.get("token_type")
        if value is None:
            found = _JWT
        elif isinstance(value, str) and (upper := str.upper(value)) in TOKEN_TYPES:
            found = _JWT if upper == _JWT else _T1  # our own constant, never the caller's str
        else:
            return (shown_later(self.id, "token_type", _FORMAT_TEXT, value),)
        allowed = options.get("token_types", TOKEN_TYPES)
        if found in allowed:
            options["token_type"] = found
            return ()
        backend = options.get("backend")
        name = backend if isinstance(backend, str) else "this backend"
        message = (
            f"{name} does not accept {found} tokens; it accepts {', '.join(allowed)} "
            "(leave token_type out for the default)"
        )
        return (Violation(self.id, "token_type", message),)

    def inline(self, w: Writer, index: int) -> None:
        # None given and JWT among the backend's formats (a tuple): JWT, as _judge writes it.
        value, key = w.value_of(index, "token_type"), w.key_name(index, "token_type")
        allowed, jwt = w.value_of(index, "token_types"), w.name(index, "jwt", _JWT)
        test = (
            f"{value} is None and (_allowed := {allowed}).__class__ is tuple and {jwt} in _allowed"
        )
        self._judged(w, index, cases=[(test, f"options[{key}] = {jwt}")])


# The names these rules had before every rule became a Rule-suffixed attrs class.
TokenKnownKeys = TokenKnownKeysRule
SessionBelongsToKey = TokenSessionBelongsToKeyRule
TokenRole = TokenRoleRule
ExpireTime = TokenExpireTimeRule
DataLength = TokenDataLengthRule
LayoutClasses = TokenLayoutClassesRule
TokenType = TokenTypeRule
