"""``Outcome``: the one type the four outcome functions return (a spec or token and what "warn"
rules found), each agreeing with the function that logs or returns the same warnings, the
clients' use of it, and no private outcome function imported across modules."""

from __future__ import annotations

import ast
import logging
import string
from pathlib import Path
from typing import Any

import attrs
import jwt
import pytest
from _support.properties import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import opentok_rules as otr
from opentok_rules import Outcome, SessionSpec, ValidationError, Violation
from opentok_rules.kinds import Pattern
from opentok_rules.operations.archive.prepare import archive_outcome, prepare_archive
from opentok_rules.operations.session.prepare import session_outcome
from opentok_rules.operations.token.prepare import prepare_token, token_outcome
from opentok_rules.session_ids import make_session_id
from opentok_rules.testing import Emulator
from opentok_rules.tokens import OpenTokSigner, issue_token, issue_token_outcome

API_KEY = "123456"
API_SECRET = "0123456789abcdef0123456789abcdef01234567"
SESSION_ID = make_session_id(API_KEY)
NOW = 1_800_000_000.0


def clock() -> float:
    return NOW


def _warn(id_: str, field: str, message: str) -> Violation:
    return Violation(id_, field, message, "warn")


def session_rules() -> otr.RuleRegistry:
    """The default rules and a "warn" rule on the archive name."""
    rules = otr.default_rules()
    rules.add(Pattern(id="acme-names", key="archive_name", pattern="acme-.*", severity="warn"))
    return rules


def token_rules() -> otr.RuleRegistry:
    """The default token rules and a "warn" rule on the token's data."""

    @otr.rule("data-named", field="data")
    def data_named(options: otr.Options) -> Any:
        """A token's data should start with name=."""
        data = options.get("data")
        if data and not str(data).startswith("name="):
            return [_warn("data-named", "data", "data should start with name=")]
        return None

    rules = otr.default_token_rules()
    rules.add(data_named)
    return rules


def archive_rules() -> otr.RuleRegistry:
    """The default archive rules and a "warn" rule on the archive's name."""

    @otr.rule("archive-acme", field="name")
    def acme(options: otr.Options) -> Any:
        """Archive names should start with acme-."""
        name = options.get("name")
        if name is not None and not str(name).startswith("acme-"):
            return [_warn("archive-acme", "name", "archive names should start with acme-")]
        return None

    rules = otr.default_archive_rules()
    rules.add(acme)
    return rules


class Logged(logging.Handler):
    """The messages one logger writes at WARNING and above while in the ``with`` block."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.WARNING)
        self.logger = logging.getLogger(name)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> list[str]:
        self.logger.addHandler(self)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)


# --- the type -------------------------------------------------------------------------------


def test_an_outcome_is_a_frozen_pair_that_unpacks() -> None:
    spec = otr.prepare_session(media_mode="routed").spec
    warnings = (_warn("acme-names", "archive_name", "name it acme-*"),)
    outcome: Outcome[SessionSpec] = Outcome(spec, warnings)
    assert (outcome.value, outcome.warnings) == (spec, warnings)
    value, found = outcome
    assert value is spec
    assert found is warnings
    assert Outcome(spec) == Outcome(spec, ()) != outcome
    assert hash(outcome) == hash(Outcome(spec, warnings))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        outcome.value = spec  # type: ignore[misc]
    assert repr(outcome) == f"Outcome(value={spec!r}, warnings={warnings!r})"
    assert otr.Outcome is Outcome
    assert "Outcome" in otr.__all__


@settings(max_examples=examples(100), deadline=None)
@given(st.text(string.ascii_letters + string.digits + "=-_.", min_size=6, max_size=400))
def test_a_str_value_a_token_is_never_shown(token: str) -> None:
    # The whole repr is fixed wording and the length: nothing of the token is in it. (A token
    # such as "Outcom" is *in* that wording, so "token not in repr" cannot be the test.)
    shown = repr(Outcome(token, ()))
    assert shown == f"Outcome(value=<str of {len(token)} characters, not shown>, warnings=())"


def test_an_issued_tokens_outcome_hides_the_token() -> None:
    issued = issue_token_outcome(OpenTokSigner(API_KEY, API_SECRET), SESSION_ID, clock=clock)
    assert issued.value not in repr(issued)
    assert issued.value not in str(issued)


# --- each outcome function agrees with its counterpart -----------------------------------------

SESSION_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "media_mode": st.sampled_from(["routed", "relayed", "ROUTED", "nope", 3]),
        "archive_mode": st.sampled_from(["always", "manual", "sometimes"]),
        "archive_name": st.sampled_from(["acme-weekly", "weekly", "", "x" * 81]) | st.text(),
        "location": st.sampled_from(["10.1.2.3", "256.1.1.1", "localhost"]),
        "e2ee": st.booleans() | st.just("yes"),
        "colour": st.just("blue"),
    },
)
SESSION_RULES = session_rules()


def _session_verdict(run: Any) -> Any:
    try:
        made = run()
    except ValidationError as exc:
        return "refused", exc.violations
    return "made", made


@settings(max_examples=examples(200), deadline=None)
@given(SESSION_OPTIONS)
def test_session_outcome_is_what_prepare_session_makes(options: dict[str, Any]) -> None:
    prepared = _session_verdict(lambda: otr.prepare_session(dict(options), rules=SESSION_RULES))
    outcome = _session_verdict(lambda: session_outcome(dict(options), SESSION_RULES, {}))
    if prepared[0] == "refused":
        assert outcome == prepared
        return
    assert outcome[0] == "made"
    assert type(outcome[1]) is Outcome
    assert outcome[1] == Outcome(prepared[1].spec, prepared[1].warnings)
    # Keywords are merged over the options as prepare_session merges them.
    over = {"media_mode": "relayed"}
    merged = _session_verdict(lambda: session_outcome(over, SESSION_RULES, dict(options)))
    expected = _session_verdict(
        lambda: otr.prepare_session({**over, **options}, rules=SESSION_RULES)
    )
    if expected[0] == "refused":
        assert merged == expected
    else:
        assert merged == ("made", Outcome(expected[1].spec, expected[1].warnings))


def test_a_warned_session_outcome_carries_the_warning() -> None:
    outcome = session_outcome(
        None,
        SESSION_RULES,
        {"media_mode": "routed", "archive_name": "weekly", "archive_mode": "always"},
    )
    assert [w.rule for w in outcome.warnings] == ["acme-names"]
    assert outcome.warnings[0].severity == "warn"
    assert outcome.value.archive_name == "weekly"


def test_remembered_options_give_the_same_spec_object() -> None:
    rules = session_rules()
    first = session_outcome(
        {"media_mode": "routed", "archive_mode": "always", "archive_name": "w"}, rules, {}
    )
    again = session_outcome(
        {"media_mode": "routed", "archive_mode": "always", "archive_name": "w"}, rules, {}
    )
    assert again.value is first.value  # the memo serves the spec it made: no new spec
    assert again == first
    prepared = otr.prepare_session(
        {"media_mode": "routed", "archive_mode": "always", "archive_name": "w"}, rules=rules
    )
    assert prepared.spec is first.value
    assert prepared.warnings == first.warnings
    assert prepared.params == first.value.to_params()
    # Options prepare_session remembered first: a client's call is served the same spec.
    seen = otr.prepare_session({"media_mode": "relayed"}, rules=rules)
    made = session_outcome({"media_mode": "relayed"}, rules, {})
    assert made.value is seen.spec
    assert made.warnings == ()
    assert session_outcome({"media_mode": "relayed"}, rules, {}).value is made.value
    assert otr.prepare_session({"media_mode": "relayed"}, rules=rules).spec is seen.spec


TOKEN_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["publisher", "subscriber", "moderator", "admin"]),
        "data": st.sampled_from(["name=Ann", "Ann", "x" * 1001]) | st.text(max_size=20),
        "expire_time": st.sampled_from([NOW + 60, NOW - 60, NOW + 90 * 86400]),
        "token_type": st.sampled_from(["JWT", "T1", "JWS"]),
    },
)
TOKEN_RULES = token_rules()


@settings(max_examples=examples(200), deadline=None)
@given(TOKEN_OPTIONS)
def test_token_outcome_is_what_prepare_token_makes_and_logs(options: dict[str, Any]) -> None:
    def prepared() -> Any:
        return prepare_token(API_KEY, SESSION_ID, clock=clock, rules=TOKEN_RULES, **options)

    def outcome() -> Any:
        return token_outcome(API_KEY, SESSION_ID, clock=clock, rules=TOKEN_RULES, **options)

    with Logged("opentok_rules.operations.token.rules") as logged:
        spec = _session_verdict(prepared)
    made = _session_verdict(outcome)
    if spec[0] == "refused":
        assert made == spec
        return
    assert made == ("made", Outcome(spec[1], made[1].warnings))
    assert logged == [str(each) for each in made[1].warnings]
    data = spec[1].data
    warned = bool(data) and not data.startswith("name=")
    assert [each.rule for each in made[1].warnings] == (["data-named"] if warned else [])


def test_issue_token_outcome_signs_what_issue_token_signs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signer = OpenTokSigner(API_KEY, API_SECRET)
    issued = issue_token_outcome(signer, SESSION_ID, rules=TOKEN_RULES, clock=clock, data="Ann")
    assert [each.rule for each in issued.warnings] == ["data-named"]
    with caplog.at_level(logging.WARNING):
        token = issue_token(signer, SESSION_ID, rules=TOKEN_RULES, clock=clock, data="Ann")
    assert [record.getMessage() for record in caplog.records] == [str(issued.warnings[0])]
    made, logged_one = (
        jwt.decode(
            each,
            API_SECRET,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_iat": False},
        )
        for each in (issued.value, token)
    )
    del made["nonce"], logged_one["nonce"]  # a fresh nonce in each token
    assert made == logged_one
    assert made["connection_data"] == "Ann"
    assert made["iat"] == int(NOW)


ARCHIVE_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["acme-weekly", "weekly", None, 7]),
        "has_audio": st.booleans() | st.just("no"),
        "output_mode": st.sampled_from(["composed", "individual", "mixed"]),
        "resolution": st.sampled_from(["1280x720", "1x1"]),
    },
)
ARCHIVE_RULES = archive_rules()


@settings(max_examples=examples(200), deadline=None)
@given(ARCHIVE_OPTIONS)
def test_archive_outcome_is_what_prepare_archive_makes(options: dict[str, Any]) -> None:
    prepared = _session_verdict(lambda: prepare_archive(SESSION_ID, dict(options), ARCHIVE_RULES))
    outcome = _session_verdict(
        lambda: archive_outcome(SESSION_ID, dict(options), ARCHIVE_RULES, {})
    )
    if prepared[0] == "refused":
        assert outcome == prepared
        return
    assert outcome == ("made", Outcome(prepared[1].spec, prepared[1].warnings))
    assert outcome[1].value.to_body() == prepared[1].body
    warned = isinstance(options.get("name"), str) and not options["name"].startswith("acme-")
    assert [each.rule for each in outcome[1].warnings] == (["archive-acme"] if warned else [])


# --- the clients ----------------------------------------------------------------------------


def test_a_client_keeps_and_logs_each_warning_once(caplog: pytest.LogCaptureFixture) -> None:
    with (
        Emulator() as emulator,
        otr.OpenTok(
            emulator.api_key,
            emulator.api_secret,
            emulator.url,
            rules=session_rules(),
            token_rules=token_rules(),
        ) as client,
    ):
        with caplog.at_level(logging.WARNING, logger="opentok_rules.client"):
            session = client.create_session(
                media_mode="routed", archive_mode="always", archive_name="weekly"
            )
            client.generate_token(session.session_id, data="Ann")
    expected = session_outcome(
        None,
        session_rules(),
        {"media_mode": "routed", "archive_mode": "always", "archive_name": "weekly"},
    )
    assert session.spec == expected.value
    assert session.warnings == expected.warnings
    token_warning = _warn("data-named", "data", "data should start with name=")
    logged = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert logged == [
        ("opentok_rules.client", "WARNING", str(expected.warnings[0])),
        ("opentok_rules.client", "WARNING", str(token_warning)),
    ]


# --- no private outcome function crosses a module -------------------------------------------

PACKAGE = Path(otr.__file__).resolve().parent
OUTCOME_MODULES = {
    "opentok_rules.engine.outcome",
    "opentok_rules.operations.session.prepare",
    "opentok_rules.operations.token.prepare",
    "opentok_rules.operations.archive.prepare",
    "opentok_rules.tokens",
}
#: Private names imported from these modules by another: none.
KNOWN: set[tuple[str, str, str]] = set()


def test_no_module_imports_a_private_name_of_the_outcome_modules() -> None:
    found: set[tuple[str, str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in OUTCOME_MODULES:
                found.update(
                    (name, node.module, alias.name)
                    for alias in node.names
                    if alias.name.startswith("_") and node.module != name
                )
    assert found == KNOWN
