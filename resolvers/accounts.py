"""Accounts: sign-up, log-in, log-out, and the Bearer tokens behind them.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile),
off the event loop. A token is 32 random bytes (URL-safe base64); only its SHA-256 digest is
stored, with an expiry (`settings.TOKEN_TTL_SECONDS`) and a revocation time.
"""

from __future__ import annotations

import asyncio
import datetime
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from strawberry.exceptions import ConnectionRejectionError
from tortoise.exceptions import IntegrityError

import settings
from models.social import Token, User
from resolvers import throttle
from resolvers.auth import Unauthenticated, digest, user_for_token
from resolvers.refusals import Code, Refused, check_text

if TYPE_CHECKING:
    from resolvers.context import Context, Principal

TOKEN_BYTES = 32
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_EMAIL = 320
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")

_hasher = PasswordHasher()
#: Verified against when the email is unknown, so a wrong email costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    token: str


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def normalize_email(value: str) -> str:
    email = check_text(value, "email", minimum=1, maximum=MAX_EMAIL).lower()
    if not _EMAIL.match(email):
        raise Refused(Code.INVALID_INPUT, "`email` is not an email address", "email")
    return email


def normalize_orcid(value: str, field: str = "orcid") -> str:
    orcid = value.strip().removeprefix("https://orcid.org/").upper()
    if not _ORCID.match(orcid):
        raise Refused(Code.INVALID_INPUT, f"`{field}` is not an ORCID iD", field)
    return orcid


#: Refused as passwords whatever their length: the most common ones in leaked-password lists.
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd",
        "12345678", "123456789", "1234567890", "87654321", "12341234", "11223344",
        "qwertyui", "qwertyuiop", "qwerty123", "1q2w3e4r", "1qaz2wsx", "zaq12wsx", "asdfghjkl",
        "abcdefgh", "abcd1234", "abc12345", "iloveyou", "letmein1", "welcome1", "trustno1",
        "sunshine", "princess", "football", "baseball", "superman", "starwars", "whatever",
        "changeme", "peergraph",
    }
)  # fmt: skip
MIN_DISTINCT = 4


def check_password(value: str, email: str | None = None) -> str:
    """The password, or INVALID_INPUT for its length and WEAK_PASSWORD when it is easy to
    guess: blank or padded with spaces to the length, fewer than 4 different characters, a
    common password, or the email itself."""
    if len(value) < MIN_PASSWORD:
        raise Refused(
            Code.INVALID_INPUT, f"`password` needs at least {MIN_PASSWORD} characters", "password"
        )
    if len(value) > MAX_PASSWORD:
        raise Refused(
            Code.INVALID_INPUT, f"`password` takes at most {MAX_PASSWORD} characters", "password"
        )
    stripped = "".join(value.split())
    weak = None
    if len(stripped) < MIN_PASSWORD:
        weak = f"needs at least {MIN_PASSWORD} characters that are not spaces"
    elif len(set(stripped.lower())) < MIN_DISTINCT:
        weak = f"needs at least {MIN_DISTINCT} different characters"
    elif stripped.lower() in COMMON_PASSWORDS:
        weak = "is one of the most common passwords"
    elif email and stripped.lower() in (email.strip().lower(), email.strip().lower()[:64]):
        weak = "must not be the email"
    elif email and stripped.lower() == email.strip().lower().partition("@")[0]:
        weak = "must not be the email's name"
    if weak is not None:
        raise Refused(Code.WEAK_PASSWORD, f"`password` {weak}: choose a longer one", "password")
    return value


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify(stored: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def issue_token(user: User, ttl_seconds: int | None = None) -> str:
    """A new raw token for `user`; only its digest is stored."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    ttl = settings.TOKEN_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    await Token.create(
        user=user, token_hash=digest(raw), expires_at=now() + datetime.timedelta(seconds=ttl)
    )
    return raw


async def create_user(
    email: str,
    password: str | None = None,
    *,
    is_admin: bool = False,
    orcid: str | None = None,
    orcid_verified: bool = False,
) -> User:
    """A new user; INVALID_INPUT if the email is malformed or taken."""
    address = normalize_email(email)
    hashed = (
        await hash_password(check_password(password, address)) if password is not None else None
    )
    orcid_value = normalize_orcid(orcid) if orcid else None
    try:
        return await User.create(
            email=address,
            password_hash=hashed,
            is_admin=is_admin,
            orcid=orcid_value,
            orcid_verified=bool(orcid_value) and orcid_verified,
        )
    except IntegrityError:
        raise Refused(Code.INVALID_INPUT, TAKEN, "email") from None


#: What `signUp` says for an email that has an account: it does not say so (docs/security.md).
TAKEN = "This email cannot sign up: if it is yours, log in (or reset your password)"


async def sign_up(email: str, password: str, ctx: Context | None = None) -> Session:
    """A new account and its first token. An email that is taken gets `TAKEN`, after the same
    argon2 hashing a new account costs, so neither the answer's words nor its time say more."""
    address = normalize_email(email)
    if ctx is not None:
        await throttle.check_attempt(ctx, "signUp", address)
    check_password(password, address)
    user = await create_user(address, password)
    return Session(user, await issue_token(user))


async def log_in(email: str, password: str, ctx: Context | None = None) -> Session:
    if ctx is not None:
        await throttle.check_attempt(ctx, "logIn", email[:MAX_EMAIL])
    wrong = Refused(Code.UNAUTHENTICATED, "The email or the password is wrong")
    if len(email) > MAX_EMAIL or len(password) > MAX_PASSWORD or not password:
        raise wrong
    user = await User.get_or_none(email=email.strip().lower())
    stored = user.password_hash if user is not None and user.password_hash else None
    ok = await _verify(stored or _DUMMY_HASH, password)
    if user is None or stored is None or not ok:
        raise wrong
    if _hasher.check_needs_rehash(stored):
        user.password_hash = await hash_password(password)
        await user.save(update_fields=["password_hash"])
    return Session(user, await issue_token(user))


async def revoke_token_id(token_id: int, redis: Any = None) -> bool:
    """Revoke one token by its row id; False if it was already revoked. Its sockets close."""
    updated = await Token.filter(id=token_id, revoked_at__isnull=True).update(revoked_at=now())
    await _announce([token_id], redis)
    return bool(updated)


async def revoke_token(raw: str) -> bool:
    token = await Token.get_or_none(token_hash=digest(raw.strip()), revoked_at__isnull=True)
    if token is None:
        return False
    return await revoke_token_id(token.id)


async def revoke_all(user: User) -> int:
    ids = await Token.filter(user=user, revoked_at__isnull=True).values_list("id", flat=True)
    count = await Token.filter(id__in=list(ids), revoked_at__isnull=True).update(revoked_at=now())
    await _announce([int(i) for i in ids], None)  # type: ignore[call-overload]
    return count


async def _announce(token_ids: list[int], redis: Any) -> None:
    """Forget the tokens here, and tell every API process to close their sockets."""
    from resolvers.auth import forget_tokens
    from resolvers.pubsub import announce_revoked

    forget_tokens(token_ids)
    await announce_revoked(token_ids, redis)


def bearer_from_params(params: Mapping[str, Any] | None) -> str | None:
    """The token in a WebSocket `connection_init` payload: `{"Authorization": "Bearer T"}`
    (also under `headers`), or `{"token": "T"}`; None when there is none."""
    if not params:
        return None
    headers = params.get("headers")
    sources = [params, headers if isinstance(headers, Mapping) else {}]
    for source in sources:
        for key in ("Authorization", "authorization"):
            value = source.get(key)
            if value is None:
                continue
            scheme, _, token = str(value).partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated('Use {"Authorization": "Bearer <token>"}')
            return token.strip()
    bare = params.get("token")
    if bare is not None:
        if not isinstance(bare, str) or not bare.strip():
            raise Unauthenticated("`token` must be a non-empty string")
        return bare.strip()
    return None


async def authenticate_ws(principal: Principal, params: Mapping[str, Any] | None) -> None:
    """Sign a WebSocket connection in; a bad, expired or revoked token rejects the connection
    (close code 4403). No token leaves it anonymous."""
    try:
        raw = bearer_from_params(params)
        if raw is None:
            return
        principal.user, token = await user_for_token(raw)
        principal.token_id = token.id
    except Unauthenticated as error:
        raise ConnectionRejectionError(
            {"message": error.message, "code": "UNAUTHENTICATED"}
        ) from None
