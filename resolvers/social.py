"""Viewer-dependent answers on public objects (follow state, claimability), follow/unfollow,
and the viewer's own lists.

Follow and unfollow are atomic in SQL: the row is inserted with `ON CONFLICT DO NOTHING` (or
deleted) with `RETURNING`, and only a statement that changed a row moves the cached
`author.followers_count`, by `followers_count ± 1` in the same transaction. The unique
(user, author) index settles races; no count is read into Python and written back.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from resolvers.authors import AUTHOR_COLUMNS
from resolvers.pagination import Page, build_page, page_args
from resolvers.refusals import author_id_of, require_user
from resolvers.sql import Row, fetch, fetch_one

if TYPE_CHECKING:
    from resolvers.context import Context

#: Claim statuses that hold an author (one per author) or a user's one claim.
APPROVED = ("CLAIMED", "VERIFIED")
ACTIVE = ("PENDING", "CLAIMED", "VERIFIED")


async def viewer_is_following(ctx: Context, author_id: int) -> bool:
    user = ctx.principal.user
    if user is None:
        return False
    row = await fetch_one(
        "SELECT 1 AS x FROM follow WHERE user_id = ? AND author_id = ?", [user.id, author_id]
    )
    return row is not None


async def viewer_can_claim(ctx: Context, author: Row) -> bool:
    """Signed in, holding no claim yet, and the author has no approved claimant."""
    user = ctx.principal.user
    if user is None or author["claim_status"] in APPROVED:
        return False
    row = await fetch_one(
        "SELECT 1 AS x FROM claim WHERE user_id = ? AND status IN ('PENDING', 'CLAIMED',"
        " 'VERIFIED')",
        [user.id],
    )
    return row is None


def forget_author(ctx: Context, author_id: int) -> None:
    """Drop the author's row from this request's loader, so the next read is fresh."""
    with contextlib.suppress(KeyError):  # Strawberry's clear() raises for an uncached key
        ctx.loaders.author.clear(author_id)


async def fresh_author(ctx: Context, author_id: int) -> Row:
    """The author's row as it is now (drops what this request's loader cached)."""
    forget_author(ctx, author_id)
    row = await ctx.loaders.author.load(author_id)
    assert row is not None
    return row


async def follow(ctx: Context, author_value: str) -> Row:
    user = require_user(ctx)
    author_id = await author_id_of(ctx, author_value)
    now = datetime.datetime.now(datetime.UTC)
    async with in_transaction("default"):
        inserted = await fetch(
            "INSERT INTO follow (user_id, author_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id, author_id) DO NOTHING RETURNING id",
            [user.id, author_id, now],
        )
        if inserted:
            await fetch(
                "UPDATE author SET followers_count = followers_count + 1 WHERE id = ? RETURNING id",
                [author_id],
            )
    return await fresh_author(ctx, author_id)


async def unfollow(ctx: Context, author_value: str) -> Row:
    user = require_user(ctx)
    author_id = await author_id_of(ctx, author_value)
    async with in_transaction("default"):
        deleted = await fetch(
            "DELETE FROM follow WHERE user_id = ? AND author_id = ? RETURNING id",
            [user.id, author_id],
        )
        if deleted:
            await fetch(
                "UPDATE author SET followers_count = followers_count - 1"
                " WHERE id = ? AND followers_count > 0 RETURNING id",
                [author_id],
            )
    return await fresh_author(ctx, author_id)


async def following_page(
    ctx: Context, user_id: int, first: int | None, after: str | None, convert: Callable[[Row], Any]
) -> Page[Any]:
    """The authors a user follows, most recently followed first (keyset on the follow id)."""
    args = page_args(first, after, 1)
    clause, params = ("AND f.id < ?", [args.after[0]]) if args.after else ("", [])
    rows = await fetch(
        f"SELECT f.id AS _follow_id, {AUTHOR_COLUMNS} FROM follow f"
        f" JOIN author a ON a.id = f.author_id WHERE f.user_id = ? {clause}"
        " ORDER BY f.id DESC LIMIT ?",
        [user_id, *params, args.limit],
    )
    authors = [{k: v for k, v in r.items() if k != "_follow_id"} for r in rows]
    ctx.loaders.prime_authors(authors)

    async def total() -> int:
        row = await fetch_one("SELECT COUNT(*) AS n FROM follow WHERE user_id = ?", [user_id])
        return int(row["n"]) if row else 0

    def convert_row(row: Row) -> Any:
        return convert({k: v for k, v in row.items() if k != "_follow_id"})

    return build_page(rows, args, lambda r: (r["_follow_id"],), convert_row, total=total)


async def claims_of(user_id: int) -> list[Row]:
    return await fetch("SELECT * FROM claim WHERE user_id = ? ORDER BY id DESC", [user_id])
