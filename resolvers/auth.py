"""Who is calling: `Authorization: Bearer TOKEN` → user, `X-API-Key: KEY` → partner key.

Secrets are compared by their SHA-256 digest; the raw values are never stored.
"""

from __future__ import annotations

import datetime
import hashlib

from models.social import ApiKey, Token, User
from resolvers.errors import ApiError


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def user_for_token(raw: str) -> tuple[User, Token]:
    """The user a bearer token belongs to; raises `Unauthenticated` if it is unknown,
    revoked or expired."""
    token = await Token.get_or_none(token_hash=digest(raw)).select_related("user")
    now = datetime.datetime.now(datetime.UTC)
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthenticated("The token is invalid, expired or revoked: log in again")
    return token.user, token


async def api_key_for(raw: str) -> ApiKey:
    key = await ApiKey.get_or_none(key_hash=digest(raw))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("The API key is invalid or revoked")
    return key
