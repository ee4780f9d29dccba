"""What an attacker tries at the door: weak passwords, learning which emails have accounts,
guessing passwords, and minting accounts (each one a fresh budget). Through the real app, on a
real database and Redis."""

from __future__ import annotations

import time
from typing import Any

import pytest

import settings
from models.social import User
from tests.conftest import GraphQLClient
from tests.factories_social import make_user
from tests.social.helpers import LOG_IN, SIGN_UP


@pytest.mark.parametrize(
    "password",
    [
        " " * 8,
        " " * 40,
        "\t\n  \t\n  ",
        "a" + " " * 9,
        "aaaaaaaaaaaa",
        "abababab",
        "Password123",
        "12345678",
    ],
)
async def test_weak_passwords_are_refused_with_a_code(gql: GraphQLClient, password: str) -> None:
    # when someone signs up with a blank, padded, repetitive or common password
    body = await gql(SIGN_UP, {"email": "ada@example.org", "password": password})
    # then WEAK_PASSWORD names the field and no account is written
    payload = body["data"]["signUp"]
    assert payload["token"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("WEAK_PASSWORD", "password")
    ]
    assert await User.all().count() == 0


async def test_the_email_is_not_a_password(gql: GraphQLClient) -> None:
    # when the password is the email, or its name
    for password in ("grace.hopper@example.org", "grace.hopper"):
        body = await gql(SIGN_UP, {"email": "grace.hopper@example.org", "password": password})
        # then it is WEAK_PASSWORD
        assert body["data"]["signUp"]["userErrors"][0]["code"] == "WEAK_PASSWORD"


async def test_sign_up_does_not_say_that_an_email_has_an_account(gql: GraphQLClient) -> None:
    # given one account
    await make_user(email="taken@example.org", password="an old secret")
    # when someone signs up with its email, and with an email that is malformed
    taken = await gql(SIGN_UP, {"email": "taken@example.org", "password": "hunter2 horse"})
    # then the answer does not say an account exists
    error = taken["data"]["signUp"]["userErrors"][0]
    assert error["code"] == "INVALID_INPUT"
    assert "exist" not in error["message"] and "already" not in error["message"]
    assert "log in" in error["message"]


async def test_a_taken_email_costs_as_long_as_a_new_one(gql: GraphQLClient) -> None:
    # given one account
    await make_user(email="taken@example.org", password="an old secret")

    # when sign-ups with a taken and with new emails are timed
    def timed(email: str) -> Any:
        async def run() -> float:
            started = time.perf_counter()
            await gql(SIGN_UP, {"email": email, "password": "hunter2 horse"})
            return time.perf_counter() - started

        return run()

    taken = min([await timed("taken@example.org") for _ in range(2)])
    new = min([await timed(f"new{n}@example.org") for n in range(2)])
    # then both paths hash the password (argon2 dominates): the taken one is not 3 times faster
    assert taken > new / 3, (taken, new)


async def test_log_in_is_throttled_per_email_with_retry_after(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an account, and a limit of 3 log-ins per email per window
    monkeypatch.setattr(settings, "LOGINS_PER_EMAIL", 3)
    await make_user(email="ada@example.org", password="the real secret")
    # when an attacker guesses 3 passwords, then a fourth, then the right one
    for guess in ("guess one", "guess two", "guess three"):
        body = await gql(LOG_IN, {"email": "ada@example.org", "password": guess})
        assert body["data"]["logIn"]["userErrors"][0]["code"] == "UNAUTHENTICATED"
    fourth = await gql(LOG_IN, {"email": "ADA@example.org ", "password": "the real secret"})
    # then the fourth is RATE_LIMITED with Retry-After, even with the right password
    assert fourth["data"]["logIn"]["token"] is None
    assert fourth["data"]["logIn"]["userErrors"][0]["code"] == "RATE_LIMITED"
    retry_after = int(gql.last_headers["retry-after"])
    assert 0 < retry_after <= settings.AUTH_WINDOW_SECONDS
    # and another email from the same address is not affected
    other = await gql(LOG_IN, {"email": "bob@example.org", "password": "whatever else"})
    assert other["data"]["logIn"]["userErrors"][0]["code"] == "UNAUTHENTICATED"


async def test_log_in_is_throttled_per_address(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a limit of 4 log-ins per address
    monkeypatch.setattr(settings, "LOGINS_PER_ADDRESS", 4)
    # when one address tries 4 different emails, then a fifth
    for n in range(4):
        body = await gql(LOG_IN, {"email": f"u{n}@example.org", "password": "some guess"})
        assert body["data"]["logIn"]["userErrors"][0]["code"] == "UNAUTHENTICATED"
    fifth = await gql(LOG_IN, {"email": "u9@example.org", "password": "some guess"})
    # then it is RATE_LIMITED
    assert fifth["data"]["logIn"]["userErrors"][0]["code"] == "RATE_LIMITED"
    assert "retry-after" in gql.last_headers


async def test_sign_ups_are_throttled_per_address(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a limit of 2 sign-ups per address
    monkeypatch.setattr(settings, "SIGNUPS_PER_ADDRESS", 2)
    # when one address creates two accounts, then tries a third
    for n in range(2):
        body = await gql(SIGN_UP, {"email": f"m{n}@example.org", "password": "correct horse"})
        assert body["data"]["signUp"]["userErrors"] == []
    third = await gql(SIGN_UP, {"email": "m9@example.org", "password": "correct horse"})
    # then the third is RATE_LIMITED with Retry-After, and no third account exists
    assert third["data"]["signUp"]["userErrors"][0]["code"] == "RATE_LIMITED"
    assert "retry-after" in gql.last_headers
    assert await User.all().count() == 2
