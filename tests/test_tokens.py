"""Client tokens: every token is decoded here independently of the code that made it."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import math
import subprocess
import sys
import traceback
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import parse_qsl

import attrs
import jwt
import pytest
from _support.ids import stable_id
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from opentok_rules import Role, RuleRegistry, ValidationError, rule
from opentok_rules._secret import Secret
from opentok_rules.engine.registry import Options
from opentok_rules.operations.token.prepare import prepare_token
from opentok_rules.operations.token.spec import TokenSpec
from opentok_rules.session_ids import make_session_id
from opentok_rules.tokens import (
    OpenTokSigner,
    TokenSigner,
    default_token_rules,
    generate_token,
    issue_token,
)

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
    # Not the values: FOREIGN_ID is made afresh in each process.
    ids=["another-key", "not-base64", "too-long", "empty", "int", "none"],
)
def test_refused_session_ids(session_id: object, fragment: str) -> None:
    error = refused(session_id)
    assert [(v.rule, v.field) for v in error.violations] == [
        ("token-session-belongs-to-key", "session_id")
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
        "token-session-belongs-to-key",
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
        "token-session-belongs-to-key",
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
    assert [(v.rule, v.field) for v in caught.value.violations] == [("token-spec", None)]
    message = caught.value.violations[0].message
    assert "role must be a Role; got 'moderator' (str)" in message
    assert "token rule" in message


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


@settings(max_examples=examples(250), deadline=None, derandomize=True, database=None)
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


# --- TokenSpec and the signers -----------------------------------------------------------------


def spec(**changes: Any) -> TokenSpec:
    return prepare_token(API_KEY, SESSION_ID, clock=clock, **changes)


def test_prepare_token_builds_the_normalized_spec() -> None:
    made = spec(role="MODERATOR", data="d", initial_layout_class_list=["a", "b"], token_type="t1")
    assert made == TokenSpec(
        session_id=SESSION_ID,
        role=Role.MODERATOR,
        issued_at=ISSUED,
        expire_time=ISSUED + DAY,
        data="d",
        initial_layout_class_list="a b",
        token_type="T1",
    )
    assert attrs.has(TokenSpec)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.data = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", "moderator"),
        ("expire_time", float(ISSUED + 60)),
        ("expire_time", True),
        ("data", 7),
        ("token_type", "t1"),
        ("session_id", Role.MODERATOR),
    ],
)
def test_a_token_spec_refuses_values_it_cannot_sign(field: str, value: object) -> None:
    good = attrs.asdict(spec(), recurse=False)
    with pytest.raises(ValueError, match=field):
        TokenSpec(**{**good, field: value})


def test_a_signer_signs_a_spec_and_is_reused() -> None:
    signer = OpenTokSigner(API_KEY, SECRET)
    assert isinstance(signer, OpenTokSigner)
    typed: TokenSigner = signer
    _, claims = decode_jwt(typed.sign(spec(role="subscriber")))
    assert (claims["iss"], claims["role"], claims["exp"]) == (API_KEY, "subscriber", ISSUED + DAY)
    token = issue_token(signer, SESSION_ID, clock=clock, token_type="T1", data="x")
    assert dict(decode_t1(token))["connection_data"] == "x"
    assert SECRET not in repr(signer)


def test_jwt_claims_are_those_jwt_encode_makes_by_hand() -> None:
    token = make(role="moderator", data="d", initial_layout_class_list=["f"])
    header, claims = decode_jwt(token)
    assert header == {"alg": "HS256", "typ": "JWT"}
    by_hand = jwt.encode(claims, SECRET, algorithm="HS256", headers={"typ": "JWT"})
    assert token == by_hand
    assert list(claims) == [
        "iss",
        "ist",
        "iat",
        "exp",
        "scope",
        "session_id",
        "role",
        "nonce",
        "connection_data",
        "initial_layout_class_list",
    ]


def test_a_token_spec_left_bad_by_an_edited_registry_is_a_validation_error() -> None:
    rules = default_token_rules()
    rules.remove("token-expire-time")
    with pytest.raises(ValidationError) as caught:
        make(rules=rules)
    assert [v.rule for v in caught.value.violations] == ["token-spec"]
    assert "expire_time must be a int" in caught.value.violations[0].message


# --- the backend says which formats it accepts ---------------------------------------------------


class JwtOnly:
    """A second backend's signer, as the Vonage one is: JWT only, its own owner."""

    owner = API_KEY
    backend = "Vonage Video API"
    token_types = ("JWT",)

    def sign(self, spec: TokenSpec) -> str:
        return f"signed {spec.session_id} {spec.token_type}"


def test_a_format_the_backend_does_not_accept_is_a_violation_naming_it() -> None:
    with pytest.raises(ValidationError) as caught:
        issue_token(JwtOnly(), SESSION_ID, clock=clock, token_type="t1")
    (violation,) = caught.value.violations
    assert (violation.rule, violation.field) == ("token-type", "token_type")
    assert "Vonage Video API does not accept T1 tokens" in violation.message
    assert issue_token(JwtOnly(), SESSION_ID, clock=clock) == f"signed {SESSION_ID} JWT"


def test_the_owner_is_named_for_the_backend() -> None:
    with pytest.raises(ValidationError) as caught:
        issue_token(JwtOnly(), FOREIGN_ID, clock=clock)
    assert "belongs to application id '654321'" in caught.value.violations[0].message


# --- values that lie ------------------------------------------------------------------------------


class LongLies(str):
    def __len__(self) -> int:
        return 3


class AlwaysEqual(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return hash(SESSION_ID)


class Pretender(str):
    """Says it is our session id; its characters are another project's."""

    def __str__(self) -> str:
        return SESSION_ID

    def __getitem__(self, index: Any) -> str:
        return SESSION_ID[index]


class LowerLies(str):
    def lower(self) -> str:
        return "moderator"

    def upper(self) -> str:
        return "JWT"

    def __hash__(self) -> int:
        return hash("moderator")


@pytest.mark.parametrize("cls", [LongLies, AlwaysEqual])
def test_data_is_measured_by_its_characters(cls: type[str]) -> None:
    error = refused(data=cls("x" * 1500))
    assert [v.rule for v in error.violations] == ["token-data-length"]
    assert "1500 characters" in error.violations[0].message


def test_data_subclass_is_signed_as_its_plain_characters() -> None:
    _, claims = decode_jwt(make(data=LongLies("name=Ann")))
    assert claims["connection_data"] == "name=Ann"


@pytest.mark.parametrize("cls", [LongLies, AlwaysEqual])
def test_layout_classes_are_judged_by_their_characters(cls: type[str]) -> None:
    error = refused(initial_layout_class_list=[cls("full screen")])
    assert [v.rule for v in error.violations] == ["token-layout-classes"]
    long = refused(initial_layout_class_list=[cls("x" * 1001)])
    assert "joins to 1001 characters" in long.violations[0].message


@pytest.mark.parametrize("cls", [AlwaysEqual, Pretender])
def test_another_projects_session_id_cannot_pass_for_ours(cls: type[str]) -> None:
    error = refused(cls(FOREIGN_ID))
    assert [v.rule for v in error.violations] == ["token-session-belongs-to-key"]


def test_a_session_id_subclass_is_signed_as_its_plain_characters() -> None:
    _, claims = decode_jwt(make(AlwaysEqual(SESSION_ID)))
    assert claims["session_id"] == SESSION_ID


def test_role_and_token_type_are_read_from_their_characters() -> None:
    error = refused(role=LowerLies("king"), token_type=LowerLies("t2"))
    assert [v.rule for v in error.violations] == ["token-role", "token-type"]
    _, claims = decode_jwt(make(role=LowerLies("SUBSCRIBER")))
    assert claims["role"] == "subscriber"


class Roles(enum.Enum):
    """The opentok SDK's Roles (opentok 3.15, opentok/opentok.py)."""

    subscriber = "subscriber"
    publisher = "publisher"
    moderator = "moderator"
    publisher_only = "publisheronly"


@pytest.mark.parametrize("member", list(Roles))
def test_the_sdks_roles_mean_what_their_names_say(member: Roles) -> None:
    _, claims = decode_jwt(make(role=member))
    assert claims["role"] == member.value


@pytest.mark.parametrize("data", ["x" * 999, "é" * 999, ""])
def test_data_under_the_limit_in_any_subclass_is_accepted(data: str) -> None:
    _, claims = decode_jwt(make(data=LongLies(data)))
    assert claims["connection_data"] == data


@settings(max_examples=examples(60), deadline=None, derandomize=True, database=None)
@given(text=st.text(max_size=1200), claimed=st.integers(0, 2000))
def test_data_whatever_len_claims_is_judged_by_len_of_its_characters(
    text: str, claimed: int
) -> None:
    class Claims(str):
        def __len__(self) -> int:
            return claimed

    result = outcome(SESSION_ID, {"data": Claims(text)})
    fits = len(text) < 1000 and all(not 0xD800 <= ord(c) <= 0xDFFF for c in text)
    assert isinstance(result, str) == fits


# --- the clock and the secret ---------------------------------------------------------------------


@pytest.mark.parametrize("reading", [math.inf, -math.inf, math.nan, 1e300, 10**400, -1.0, "now"])
def test_a_clock_that_says_no_time_is_a_clear_value_error(reading: object) -> None:
    with pytest.raises(ValueError, match=r"clock\(\) must return seconds since the epoch"):
        generate_token(API_KEY, SECRET, SESSION_ID, clock=lambda: reading)  # type: ignore[arg-type,return-value]


@pytest.mark.parametrize("token_type", ["JWT", "T1"])
@pytest.mark.parametrize(
    ("secret", "fragment"),
    [("", "api_secret is empty"), (b"bytes", "must be a str"), (None, "must be a str")],
    ids=stable_id,
)
def test_an_unusable_secret_is_a_clear_value_error(
    secret: Any, fragment: str, token_type: str
) -> None:
    with pytest.raises(ValueError, match=fragment) as caught:
        generate_token(API_KEY, secret, SESSION_ID, clock=clock, token_type=token_type)
    assert not isinstance(caught.value, jwt.InvalidKeyError)


def test_a_secret_pyjwt_refuses_as_an_hmac_key_is_a_value_error_not_showing_it() -> None:
    pem = (
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
    )
    with pytest.raises(ValueError, match="api_secret cannot sign tokens") as caught:
        OpenTokSigner(API_KEY, pem)
    assert "MFkw" not in str(caught.value)


def test_a_short_secret_warns_once_when_the_signer_is_made() -> None:
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        signer = OpenTokSigner(API_KEY, "short")
    token = issue_token(signer, SESSION_ID, clock=clock)  # no warning here: filterwarnings=error
    header, _, signature = token.rpartition(".")
    expected = hmac.new(b"short", header.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=") == expected


def test_the_secret_is_in_no_frame_local_of_a_token_error() -> None:
    signer = OpenTokSigner(API_KEY, Secret(SECRET))
    try:
        issue_token(signer, SESSION_ID, clock=clock, role="king")
    except ValidationError as exc:
        report = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    assert "king" in report
    assert SECRET not in report


def test_the_vonage_signer_signs_rs256_and_refuses_t1_naming_the_backend() -> None:
    pytest.importorskip("cryptography", reason='the Vonage signer needs pip install ".[vonage]"')
    from cryptography.hazmat.primitives.asymmetric import rsa

    from opentok_rules.tokens import VonageSigner, generate_vonage_token

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    app_id = "c5f4b4a4-0000-4000-8000-000000000001"
    session_id = make_session_id(app_id)
    signer = VonageSigner(app_id, Secret(key))
    with pytest.raises(ValidationError) as caught:
        issue_token(signer, session_id, clock=clock, token_type="T1")
    assert "Vonage Video API does not accept T1 tokens" in str(caught.value)
    token = generate_vonage_token(app_id, Secret(key), session_id, clock=clock, role="moderator")
    claims = jwt.decode(
        token,
        key.public_key(),
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert (claims["application_id"], claims["role"], claims["sub"]) == (
        app_id,
        "moderator",
        "video",
    )
    assert claims["acl"] == {"paths": {"/session/**": {}}}
    assert claims["exp"] == ISSUED + DAY
