"""Client tokens: every token is decoded here independently of the code that made it."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import subprocess
import sys
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import parse_qsl

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules import Role, RuleRegistry, ValidationError, rule
from opentok_rules.registry import Options
from opentok_rules.session_ids import make_session_id
from opentok_rules.tokens import default_token_rules, generate_token

API_KEY = "123456"
SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-token-secret"
# A real id from the recorded fixtures; it decodes to api key 123456.
SESSION_ID = "1_MX4xMjM0NTZ-fk1vbiBNYXIgMTcgMDA6NDE6MzEgUERUIDIwMTR-MC42ODM3ODk1MzQ0OTQyODA4fg"
FOREIGN_ID = make_session_id("654321")
NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
ISSUED = int(NOW)
DAY = 86400
UTC = timezone.utc
T1_KEYS = ["session_id", "create_time", "expire_time", "role", "nonce"]


class Expiry(enum.IntEnum):
    SOON = ISSUED + 60


def clock() -> float:
    return NOW


def make(session_id: Any = SESSION_ID, /, **options: Any) -> str:
    return generate_token(API_KEY, SECRET, session_id, clock=clock, **options)


def refused(session_id: Any = SESSION_ID, /, **options: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        make(session_id, **options)
    return caught.value


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and verified claims; exp and iat are checked by the tests, not the clock."""
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    return header, claims


def decode_t1(token: str) -> list[tuple[str, str]]:
    """The data string's fields, in order, after checking the partner id and signature."""
    assert token.startswith("T1==")
    raw = base64.b64decode(token[4:], validate=True).decode("utf-8")
    meta, _, data_string = raw.partition(":")
    partner, _, sig = meta.partition("&")
    assert partner == f"partner_id={API_KEY}"
    assert sig.startswith("sig=")
    expected = hmac.new(SECRET.encode(), data_string.encode(), hashlib.sha1).hexdigest()
    assert hmac.compare_digest(sig[len("sig=") :], expected)
    return parse_qsl(data_string, keep_blank_values=True, strict_parsing=True)


def test_the_fixed_clock_is_the_documented_instant() -> None:
    assert datetime(2027, 1, 15, 8, tzinfo=UTC).timestamp() == NOW


# --- JWT -----------------------------------------------------------------------------------


def test_jwt_defaults() -> None:
    header, claims = decode_jwt(make())
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert set(claims) == {
        "iss",
        "ist",
        "iat",
        "exp",
        "nonce",
        "role",
        "scope",
        "session_id",
    }
    assert claims["iss"] == API_KEY
    assert claims["ist"] == "project"
    assert claims["iat"] == ISSUED
    assert claims["exp"] == ISSUED + DAY
    assert claims["role"] == "publisher"
    assert claims["scope"] == "session.connect"
    assert claims["session_id"] == SESSION_ID
    assert isinstance(claims["nonce"], int)
    assert 0 <= claims["nonce"] < 1_000_000


def test_jwt_with_every_option() -> None:
    token = make(
        role="MODERATOR",
        expire_time=ISSUED + 3600,
        data="name=Alice",
        initial_layout_class_list=["focus", "full"],
        token_type="jwt",
    )
    _, claims = decode_jwt(token)
    assert claims["role"] == "moderator"
    assert claims["exp"] == ISSUED + 3600
    assert claims["connection_data"] == "name=Alice"
    assert claims["initial_layout_class_list"] == "focus full"


def test_jwt_signed_with_another_secret_does_not_verify() -> None:
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(make(), SECRET + "x", algorithms=["HS256"], options={"verify_exp": False})


# --- T1 ------------------------------------------------------------------------------------


def test_t1_defaults() -> None:
    fields = decode_t1(make(token_type="T1"))
    assert [key for key, _ in fields] == T1_KEYS
    values = dict(fields)
    assert values["session_id"] == SESSION_ID
    assert values["create_time"] == str(ISSUED)
    assert values["expire_time"] == str(ISSUED + DAY)
    assert values["role"] == "publisher"
    assert 0 <= int(values["nonce"]) < 1_000_000


def test_t1_with_every_option() -> None:
    token = make(
        role=Role.SUBSCRIBER,
        expire_time=datetime(2027, 1, 15, 9),
        data="name=Al & Bo: 100%",
        initial_layout_class_list=("focus", "full"),
        token_type="t1",
    )
    fields = decode_t1(token)
    assert [key for key, _ in fields] == [*T1_KEYS, "connection_data", "initial_layout_class_list"]
    values = dict(fields)
    assert values["role"] == "subscriber"
    assert values["expire_time"] == str(ISSUED + 3600)
    assert values["connection_data"] == "name=Al & Bo: 100%"
    assert values["initial_layout_class_list"] == "focus full"


# --- accepted values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "claim"),
    [
        (Role.MODERATOR, "moderator"),
        ("subscriber", "subscriber"),
        ("PublisherOnly", "publisheronly"),
        ("MODERATOR", "moderator"),
        (None, "publisher"),
    ],
)
def test_roles(given: object, claim: str) -> None:
    assert decode_jwt(make(role=given))[1]["role"] == claim


@pytest.mark.parametrize(
    ("given", "exp"),
    [
        (ISSUED + 60, ISSUED + 60),
        (Expiry.SOON, ISSUED + 60),  # an int subclass is signed as a plain int
        (NOW + 3600.9, ISSUED + 3600),  # a float is truncated
        (ISSUED + 30 * DAY, ISSUED + 30 * DAY),  # exactly 30 days is allowed
        (datetime(2027, 1, 16, 8), ISSUED + DAY),  # naive means UTC
        (datetime(2027, 1, 16, 10, tzinfo=timezone(timedelta(hours=2))), ISSUED + DAY),
        (datetime(2027, 1, 15, 23, tzinfo=timezone(timedelta(hours=-9))), ISSUED + DAY),
        (None, ISSUED + DAY),
    ],
)
def test_expire_times(given: object, exp: int) -> None:
    assert decode_jwt(make(expire_time=given))[1]["exp"] == exp


def test_data_of_999_characters_is_accepted_in_both_formats() -> None:
    data = "x" * 999
    assert decode_jwt(make(data=data))[1]["connection_data"] == data
    assert dict(decode_t1(make(data=data, token_type="T1")))["connection_data"] == data


def test_layout_classes_joined_to_exactly_1000_characters_are_accepted() -> None:
    classes = ["a" * 500, "b" * 499]
    assert decode_jwt(make(initial_layout_class_list=classes))[1][
        "initial_layout_class_list"
    ] == " ".join(classes)


# --- refused values ------------------------------------------------------------------------

REFUSALS: list[tuple[dict[str, Any], str, str | None, str]] = [
    ({"role": "admin"}, "token-role", "role", "subscriber, publisher, publisheronly, moderator"),
    ({"role": 3}, "token-role", "role", "got 3 (int)"),
    ({"expire_time": ISSUED - 1}, "token-expire-time", "expire_time", "not in the future"),
    ({"expire_time": ISSUED}, "token-expire-time", "expire_time", "2027-01-15T08:00:00Z"),
    (
        {"expire_time": ISSUED + 31 * DAY},
        "token-expire-time",
        "expire_time",
        "2027-02-15T08:00:00Z is more than 30 days ahead",
    ),
    ({"expire_time": ISSUED + 30 * DAY + 1}, "token-expire-time", "expire_time", "30 days"),
    ({"expire_time": True}, "token-expire-time", "expire_time", "True (bool)"),
    ({"expire_time": float("nan")}, "token-expire-time", "expire_time", "finite"),
    ({"expire_time": "tomorrow"}, "token-expire-time", "expire_time", "'tomorrow' (str)"),
    ({"expire_time": 10**5000}, "token-expire-time", "expire_time", "more than 30 days"),
    ({"data": "x" * 1000}, "token-data-length", "data", "1000 characters long"),
    ({"data": 123}, "token-data-length", "data", "must be a str"),
    ({"data": "\ud800"}, "token-data-length", "data", "surrogate"),
    (
        {"initial_layout_class_list": ["focus", 3]},
        "token-layout-classes",
        "initial_layout_class_list",
        "initial_layout_class_list[1] is 3 (int)",
    ),
    (
        {"initial_layout_class_list": "focus"},
        "token-layout-classes",
        "initial_layout_class_list",
        "wrap it: ['focus']",
    ),
    (
        {"initial_layout_class_list": ["focus", "full screen"]},
        "token-layout-classes",
        "initial_layout_class_list",
        "without whitespace",
    ),
    (
        {"initial_layout_class_list": [""]},
        "token-layout-classes",
        "initial_layout_class_list",
        "non-empty",
    ),
    (
        {"initial_layout_class_list": ["a" * 500, "b" * 500]},
        "token-layout-classes",
        "initial_layout_class_list",
        "joins to 1001 characters",
    ),
    (
        {"initial_layout_class_list": {"focus": 1}},
        "token-layout-classes",
        "initial_layout_class_list",
        "list or tuple",
    ),
    ({"token_type": "T2"}, "token-type", "token_type", "'JWT' (the default) or 'T1'"),
    ({"token_type": b"JWT"}, "token-type", "token_type", "(bytes)"),
    ({"rol": "moderator"}, "token-known-keys", "rol", "did you mean 'role'?"),
    ({"colour": 1}, "token-known-keys", "colour", "the options are role, expire_time"),
    ({"now": 0.0}, "token-known-keys", "now", "clock="),
    ({"api_key": "654321"}, "token-known-keys", "api_key", "cannot be passed"),
    ({"session_id": FOREIGN_ID}, "token-known-keys", "session_id", "first argument"),
    ({"option_names": ()}, "token-known-keys", "option_names", "cannot be passed"),
]


@pytest.mark.parametrize(
    ("options", "rule_id", "field", "fragment"),
    REFUSALS,
    ids=[f"{case[1]}-{index}" for index, case in enumerate(REFUSALS)],
)
def test_refused_options(
    options: dict[str, Any], rule_id: str, field: str | None, fragment: str
) -> None:
    error = refused(**options)
    assert [(v.rule, v.field) for v in error.violations] == [(rule_id, field)]
    assert fragment in error.violations[0].message
    assert rule_id in str(error)
    assert SECRET not in str(error)
    assert SECRET not in repr(error)


@pytest.mark.parametrize(
    ("session_id", "fragment"),
    [
        (FOREIGN_ID, "belongs to api key '654321', not '123456'"),
        ("1_!!not-base64!!", "is not a session id (it does not decode)"),
        ("2_" + "A" * 300, "is not a session id (it does not decode)"),
        ("", "is not a session id"),
        (42, "must be a str; got 42 (int)"),
        (None, "must be a str"),
    ],
)
def test_refused_session_ids(session_id: object, fragment: str) -> None:
    error = refused(session_id)
    assert [(v.rule, v.field) for v in error.violations] == [
        ("session-belongs-to-key", "session_id")
    ]
    assert fragment in error.violations[0].message


def test_context_options_are_refused_not_applied() -> None:
    error = refused(now=0.0, api_key="654321", role="moderator")
    assert [v.field for v in error.violations] == ["now", "api_key"]


def test_every_violation_is_reported_in_registry_order() -> None:
    error = refused(
        FOREIGN_ID,
        token_type="T9",
        initial_layout_class_list="focus",
        data=None,
        expire_time=0,
        role="admin",
        rol="moderator",
    )
    assert [v.rule for v in error.violations] == [
        "token-known-keys",
        "session-belongs-to-key",
        "token-role",
        "token-expire-time",
        "token-layout-classes",
        "token-type",
    ]
    assert len(str(error).splitlines()) == 7


# --- the registry --------------------------------------------------------------------------


def test_default_token_rules_are_fresh_and_ordered() -> None:
    first, second = default_token_rules(), default_token_rules()
    assert first.ids() == (
        "token-known-keys",
        "session-belongs-to-key",
        "token-role",
        "token-expire-time",
        "token-data-length",
        "token-layout-classes",
        "token-type",
    )
    first.remove("token-role")
    assert "token-role" in second
    assert all(each.description for each in second)


def one_hour_cap() -> RuleRegistry:
    @rule("expire-within-an-hour", field="expire_time")
    def within_an_hour(options: Options) -> str | None:
        """Tokens of this app live at most one hour."""
        if options["expire_time"] - options["now"] > 3600:
            return "tokens of this app live at most one hour"
        return None

    rules = default_token_rules()
    rules.insert_after("token-expire-time", within_an_hour)
    return rules


def test_a_user_rule_caps_expire_time() -> None:
    rules = one_hour_cap()
    with pytest.raises(ValidationError) as caught:
        make(expire_time=ISSUED + 7200, rules=rules)
    assert [v.rule for v in caught.value.violations] == ["expire-within-an-hour"]
    with pytest.raises(ValidationError):
        make(rules=rules)  # the 24 h default is over the cap too
    _, claims = decode_jwt(make(expire_time=datetime(2027, 1, 15, 8, 30), rules=rules))
    assert claims["exp"] == ISSUED + 1800


def test_a_registry_missing_a_normalizing_rule_is_refused_not_crashed() -> None:
    rules = default_token_rules()
    rules.remove("token-role")
    with pytest.raises(ValidationError) as caught:
        make(role="moderator", rules=rules)
    assert [(v.rule, v.field) for v in caught.value.violations] == [("generate-token", "role")]
    assert "token rule" in caught.value.violations[0].message


def test_importing_tokens_does_not_import_jwt() -> None:
    code = "import sys, opentok_rules.tokens; print('jwt' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


# --- any options at all --------------------------------------------------------------------

offsets = st.builds(
    timezone, st.timedeltas(min_value=-timedelta(hours=23), max_value=timedelta(hours=23))
)
zones: st.SearchStrategy[tzinfo] = st.just(UTC) | offsets
time_zones: st.SearchStrategy[tzinfo | None] = st.none() | zones
START, END = datetime(2027, 1, 1), datetime(2027, 3, 1)
near = st.datetimes(START, END) | st.datetimes(START, END, timezones=zones)
junk_leaves: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(10**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=8),
    st.text(max_size=12),
    st.just("\ud800"),
    st.integers(990, 1010).map(lambda n: "x" * n),
    st.datetimes(timezones=time_zones),
    st.just(SECRET[:5]),
)
junk = st.one_of(
    junk_leaves,
    st.lists(junk_leaves, max_size=3),
    st.tuples(junk_leaves),
    st.dictionaries(st.text(max_size=4), junk_leaves, max_size=2),
)
class_names = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
option_values: dict[str, st.SearchStrategy[Any]] = {
    "role": st.sampled_from([*Role, "MODERATOR", "subscriber", "PublisherOnly", "admin"]),
    "expire_time": st.one_of(
        st.integers(ISSUED - 10, ISSUED + 31 * DAY),
        st.floats(NOW - 10, NOW + 31 * DAY),
        near,
    ),
    "data": st.text(max_size=20),
    "initial_layout_class_list": st.lists(class_names, max_size=4) | st.tuples(class_names),
    "token_type": st.sampled_from(["JWT", "T1", "jwt", "t1", "t2"]),
}


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid three times in four, so that tokens are made and decoded often too."""
    return st.integers(0, 3).flatmap(lambda n: junk if n == 0 else valid)


named_options = st.fixed_dictionaries(
    {}, optional={key: mostly(valid) for key, valid in option_values.items()}
)
stray_options = st.dictionaries(st.sampled_from(["rol", "now", "api_key"]), junk, max_size=1)
any_options = st.builds(
    lambda named, stray: {**named, **stray},
    named_options,
    st.integers(0, 3).flatmap(lambda n: stray_options if n == 0 else st.just({})),
)
session_ids = st.sampled_from([SESSION_ID, SESSION_ID, SESSION_ID, FOREIGN_ID, "1_@@", 7])


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(options=any_options, session_id=session_ids)
def test_any_options_make_a_token_or_a_validation_error(
    options: dict[str, Any], session_id: object
) -> None:
    result = outcome(session_id, options)
    if isinstance(result, ValidationError):
        assert result.violations
        assert SECRET not in str(result)
        assert SECRET not in repr(result)
        assert all(SECRET not in repr(each) for each in result.violations)
        return
    if result.startswith("T1=="):
        values = dict(decode_t1(result))
        assert values["session_id"] == SESSION_ID
        exp = int(values["expire_time"])
    else:
        _, claims = decode_jwt(result)
        assert claims["session_id"] == SESSION_ID
        exp = claims["exp"]
    assert ISSUED < exp <= ISSUED + 30 * DAY


def outcome(session_id: object, options: dict[str, Any]) -> str | ValidationError:
    """The token, or the ValidationError; any other exception fails the test."""
    try:
        return make(session_id, **options)
    except ValidationError as error:
        return error
