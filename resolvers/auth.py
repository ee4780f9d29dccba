"""Who is calling: `Authorization: Bearer TOKEN` → user, `X-API-Key: KEY` → partner key.

Secrets are compared by their SHA-256 digest; the raw values are never stored.
"""

from __future__ import annotations

import datetime
import hashlib
import time

import settings
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


#: token id → when it was last found valid (monotonic); sockets re-check at most this often
_VALID_AT: dict[int, float] = {}


async def token_still_valid(token_id: int) -> bool:
    """Whether the token is neither revoked nor expired, checked again at most every
    `WS_TOKEN_RECHECK_SECONDS` (a revocation `forget`s it at once)."""
    now = time.monotonic()
    seen = _VALID_AT.get(token_id)
    if seen is not None and now - seen < settings.WS_TOKEN_RECHECK_SECONDS:
        return True
    token = await Token.get_or_none(id=token_id)
    wall = datetime.datetime.now(datetime.UTC)
    if token is None or token.revoked_at is not None or token.expires_at <= wall:
        _VALID_AT.pop(token_id, None)
        return False
    if len(_VALID_AT) > 100_000:
        _VALID_AT.clear()
    _VALID_AT[token_id] = now
    return True


def forget_tokens(token_ids: list[int]) -> None:
    """Revoked: the next check of these tokens goes to the database."""
    for token_id in token_ids:
        _VALID_AT.pop(token_id, None)


async def api_key_for(raw: str) -> ApiKey:
    key = await ApiKey.get_or_none(key_hash=digest(raw))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("The API key is invalid or revoked")
    return key
