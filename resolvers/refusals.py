"""Expected refusals of the identity and social flows, with the stable codes clients rely on.

A mutation turns a `Refused` into one entry of its payload's `userErrors`; a private field
turns it into a GraphQL error (`null` plus `extensions.code`). See docs/identity.md.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from resolvers.errors import ApiError, InvalidId
from resolvers.ids import article, from_global_id, parse_external

if TYPE_CHECKING:
    from models.social import User
    from resolvers.context import Context


#: Largest id an INTEGER column holds; a larger well-formed id names nothing.
MAX_ID = 2**31 - 1


class Code(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_CLAIMED = "ALREADY_CLAIMED"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_INPUT = "INVALID_INPUT"
    NOTHING_TO_UPDATE = "NOTHING_TO_UPDATE"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    CONTROL_CHARACTERS = "CONTROL_CHARACTERS"
    WEAK_PASSWORD = "WEAK_PASSWORD"


class Refused(Exception):
    """An expected failure: `code` is stable, `message` is for people, `field` names the
    argument at fault (or None)."""

    def __init__(self, code: Code, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def as_error(self) -> ApiError:
        return ApiError(self.message, code=self.code.value)


def require_user(ctx: Context) -> User:
    user = ctx.principal.user
    if user is None:
        raise Refused(Code.UNAUTHENTICATED, "Sign in first: send `Authorization: Bearer TOKEN`")
    return user


def require_admin(ctx: Context) -> User:
    user = require_user(ctx)
    if not user.is_admin:
        raise Refused(Code.FORBIDDEN, "Only an administrator may do this")
    return user


def check_text(value: str, field: str, *, minimum: int, maximum: int) -> str:
    """`value` stripped, between `minimum` and `maximum` characters, else INVALID_INPUT."""
    text = value.strip()
    if any(ord(c) < 32 and c not in "\n\t\r" for c in text):
        raise Refused(Code.INVALID_INPUT, f"`{field}` must not contain control characters", field)
    if len(text) < minimum:
        raise Refused(Code.INVALID_INPUT, f"`{field}` must not be empty", field)
    if len(text) > maximum:
        raise Refused(
            Code.INVALID_INPUT, f"`{field}` must be at most {maximum:,} characters", field
        )
    return text


def local_id(value: str, type_name: str, field: str) -> int:
    """The database id behind a global id of `type_name`; INVALID_INPUT if it is malformed or
    names another type."""
    try:
        gid = from_global_id(value)
    except InvalidId:
        raise Refused(Code.INVALID_INPUT, f"`{field}` is not a valid id", field) from None
    if gid.type != type_name:
        raise Refused(
            Code.INVALID_INPUT,
            f"`{field}` must be the id of {article(type_name)}, not of {article(gid.type)}",
            field,
        )
    key = gid.int_id
    if key > MAX_ID:
        raise Refused(Code.NOT_FOUND, f"No {type_name.lower()} has this id", field)
    return key


async def author_id_of(ctx: Context, value: str, field: str = "authorId") -> int:
    """An author's database id from a global id or `orcid:…`/`openalex:A…`; INVALID_INPUT for a
    malformed id, NOT_FOUND for one that names no author."""
    if len(value) > 200 or not value.strip():
        raise Refused(Code.INVALID_INPUT, f"`{field}` is not a valid id", field)
    try:
        ref = parse_external(value)
    except InvalidId as error:
        raise Refused(Code.INVALID_INPUT, error.message, field) from None
    if ref is None:
        author_id = local_id(value, "Author", field)
        row = await ctx.loaders.author.load(author_id)
    else:
        hit = await ctx.loaders.external.load((ref, None))
        if hit is not None and hit[0] != "Author":
            raise Refused(Code.INVALID_INPUT, f"`{field}` must name an author", field)
        row = await ctx.loaders.author.load(hit[1]) if hit else None
    if row is None:
        raise Refused(Code.NOT_FOUND, "No author has this id", field)
    return int(row["id"])
