"""Factories for accounts: users and their Bearer tokens, through the real models and the real
token code (random 32-byte tokens, stored hashed).

    user, headers = await signed_in(is_admin=True)
    body = await gql("{ viewer { user { email } } }", headers=headers)
"""

from __future__ import annotations

import itertools
from typing import Any

from models.authors import Author
from models.social import Claim, User
from resolvers import accounts

_seq = itertools.count(1)


async def make_user(**overrides: Any) -> User:
    """A user without a password (no argon2 cost); pass `password=` to set one."""
    n = next(_seq)
    password = overrides.pop("password", None)
    fields: dict[str, Any] = {"email": f"user{n}@example.org"}
    if password is not None:
        fields["password_hash"] = await accounts.hash_password(password)
    return await User.create(**(fields | overrides))


async def make_token(user: User, ttl_seconds: int | None = None) -> str:
    return await accounts.issue_token(user, ttl_seconds)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def signed_in(**overrides: Any) -> tuple[User, dict[str, str]]:
    """A new user and the headers that sign a request in as them."""
    user = await make_user(**overrides)
    return user, bearer(await make_token(user))


async def make_claim(user: User, author: Any, status: str = "CLAIMED") -> Claim:
    """A claim in `status` as the claim mutations leave it (the author's `claim_status` too)."""
    claim = await Claim.create(user_id=user.id, author_id=author.id, status=status)
    await Author.filter(id=author.id).update(claim_status=status)
    return claim
