"""Why the console says a pasted client token was not made with the emulator's credentials."""

from __future__ import annotations

import jwt
import pytest

from opentok_rules.testing._auth import (
    client_token_problem,
    make_rsa_key_pair,
    vonage_client_token_problem,
)

SECRET = "s" * 40


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (
            jwt.encode({"iss": "k"}, "x" * 40, algorithm="HS256"),
            "does not verify with this emulator's api secret",
        ),
        (
            jwt.encode({"iss": "k"}, SECRET + "p" * 8, algorithm="HS384"),
            "an OpenTok client token is signed with HS256",
        ),
        ("not.a.token", "not a JWT this emulator can verify"),
        (
            jwt.encode({"iss": "other"}, SECRET, algorithm="HS256"),
            "iss is not this emulator's api key",
        ),
    ],
)
def test_an_opentok_token_that_does_not_verify_says_why(token: str, problem: str) -> None:
    found = client_token_problem(token, "JWT", api_key="k", api_secret=SECRET)
    assert found is not None
    assert problem in found
    assert SECRET not in found


def test_a_vonage_token_that_does_not_verify_says_why() -> None:
    pytest.importorskip("cryptography", reason='needs pip install -e ".[vonage]"')
    pem, public_key = make_rsa_key_pair()
    other_pem, _ = make_rsa_key_pair()

    def problem(token: str) -> str | None:
        return vonage_client_token_problem(
            token, "JWT", application_id="app", public_key=public_key
        )

    assert "does not verify with this emulator's application key" in str(
        problem(jwt.encode({"application_id": "app"}, other_pem, algorithm="RS256"))
    )
    assert "a Vonage client token is signed with RS256" in str(
        problem(jwt.encode({"application_id": "app"}, SECRET, algorithm="HS256"))
    )
    assert "application_id is not this emulator's" in str(
        problem(jwt.encode({"application_id": "nope"}, pem, algorithm="RS256"))
    )
