"""Sign-up, log-in, log-out and tokens: argon2id passwords, hashed random tokens that expire and
can be revoked, and Bearer authentication."""

from __future__ import annotations

import datetime
import hashlib

import pytest

import settings
from models.social import Token, User
from tests.conftest import GraphQLClient
from tests.factories_social import bearer, make_token, make_user
from tests.social.helpers import LOG_IN, LOG_OUT, SIGN_UP, VIEWER, codes, error_codes


async def test_sign_up_stores_an_argon2id_hash_and_a_hashed_token(gql: GraphQLClient) -> None:
    # when someone signs up
    body = await gql(SIGN_UP, {"email": " Ada@Example.ORG ", "password": "correct horse"})
    # then they get a token and their account (email normalized)
    payload = body["data"]["signUp"]
    assert payload["userErrors"] == []
    assert payload["user"]["email"] == "ada@example.org"
    assert payload["user"]["isAdmin"] is False
    token = payload["token"]
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    # and the database holds an argon2id hash and only the token's SHA-256 digest
    user = await User.get(email="ada@example.org")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    stored = await Token.get(user=user)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    # and the token signs requests in
    viewer = await gql(VIEWER, headers=bearer(token))
    assert viewer["data"]["viewer"]["user"]["email"] == "ada@example.org"


async def test_log_in_issues_a_new_token_with_the_configured_ttl(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an account and a one-hour token lifetime
    await make_user(email="bob@example.org", password="s3cret-password")
    monkeypatch.setattr(settings, "TOKEN_TTL_SECONDS", 3600)
    # when Bob logs in with any capitalization of his email
    body = await gql(LOG_IN, {"email": "BOB@example.org", "password": "s3cret-password"})
    # then he gets a token that expires in an hour
    payload = body["data"]["logIn"]
    assert payload["userErrors"] == [] and payload["user"]["email"] == "bob@example.org"
    token = await Token.get(token_hash=hashlib.sha256(payload["token"].encode()).hexdigest())
    left = token.expires_at - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=59) < left <= datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    ("email", "password"),
    [("bob@example.org", "wrong-password"), ("nobody@example.org", "s3cret-password")],
)
async def test_log_in_refuses_wrong_credentials_alike(
    gql: GraphQLClient, email: str, password: str
) -> None:
    # given an account
    await make_user(email="bob@example.org", password="s3cret-password")
    # when the password or the email is wrong
    body = await gql(LOG_IN, {"email": email, "password": password})
    # then the same UNAUTHENTICATED userError comes back, and no token is written
    payload = body["data"]["logIn"]
    assert payload["token"] is None and payload["user"] is None
    assert payload["userErrors"] == [
        {"code": "UNAUTHENTICATED", "message": "The email or the password is wrong", "field": None}
    ]
    assert await Token.all().count() == 0


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("", "long enough", "email"),
        ("   ", "long enough", "email"),
        ("not-an-email", "long enough", "email"),
        ("a" * 330 + "@example.org", "long enough", "email"),
        ("new@example.org", "short", "password"),
        ("new@example.org", "x" * 1025, "password"),
        ("TAKEN@example.org", "long enough", "email"),
    ],
)
async def test_sign_up_rejects_bad_input_and_writes_nothing(
    gql: GraphQLClient, email: str, password: str, field: str
) -> None:
    # given one existing account
    await make_user(email="taken@example.org")
    # when a sign-up has a bad or taken email, or a bad password
    body = await gql(SIGN_UP, {"email": email, "password": password})
    # then INVALID_INPUT names the field, and no account or token is written
    payload = body["data"]["signUp"]
    assert payload["token"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID_INPUT", field)]
    assert await User.all().count() == 1
    assert await Token.all().count() == 0


async def test_wrong_argument_types_are_coded_errors(gql: GraphQLClient) -> None:
    # when an argument has the wrong type, inline or as a variable
    inline = await gql('mutation { signUp(email: 5, password: "long enough") { token } }')
    variable = await gql(SIGN_UP, {"email": ["a"], "password": "long enough"})
    # then validation and variable errors carry their codes, and nothing is written
    assert error_codes(inline) == ["GRAPHQL_VALIDATION_FAILED"]
    assert error_codes(variable) == ["BAD_USER_INPUT"]
    assert await User.all().count() == 0


async def test_log_out_revokes_only_the_current_token(gql: GraphQLClient) -> None:
    # given a user with two tokens
    user = await make_user()
    first, second = await make_token(user), await make_token(user)
    # when they log out with the first
    body = await gql(LOG_OUT, headers=bearer(first))
    assert body["data"]["logOut"] == {"ok": True, "userErrors": []}
    # then replaying it is UNAUTHENTICATED (HTTP 401), while the second still works
    replay = await gql(VIEWER, headers=bearer(first))
    assert gql.last_status == 401 and error_codes(replay) == ["UNAUTHENTICATED"]
    still = await gql(VIEWER, headers=bearer(second))
    assert still["data"]["viewer"]["user"]["email"] == user.email


async def test_log_out_anonymously_is_a_user_error(gql: GraphQLClient) -> None:
    body = await gql(LOG_OUT)
    assert codes(body["data"]["logOut"]) == ["UNAUTHENTICATED"]
    assert body["data"]["logOut"]["ok"] is False


@pytest.mark.parametrize(
    "header",
    ["Bearer expired", "Bearer unknown-token", "Bearer ", "Basic abc", "Bearer revoked"],
)
async def test_bad_tokens_are_401_unauthenticated(gql: GraphQLClient, header: str) -> None:
    # given an expired token and a revoked one
    user = await make_user()
    expired = await make_token(user, ttl_seconds=-1)
    revoked = await make_token(user)
    from resolvers.accounts import revoke_token

    await revoke_token(revoked)
    value = header.replace("expired", expired).replace("revoked", revoked)
    # when a request carries a bad Authorization header
    body = await gql(VIEWER, headers={"Authorization": value})
    # then it is refused before execution with UNAUTHENTICATED, and no data
    assert gql.last_status == 401
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "data" not in body


async def test_viewer_is_null_with_unauthenticated_for_anonymous(gql: GraphQLClient) -> None:
    body = await gql(VIEWER)
    assert body["data"] == {"viewer": None}
    assert error_codes(body) == ["UNAUTHENTICATED"]
