"""Viewer-dependent answers on public objects (follow state, claimability).

Anonymous viewers get the anonymous answers; the account flows live in the identity modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvers.sql import Row, fetch_one

if TYPE_CHECKING:
    from schema.context import Context


async def viewer_is_following(ctx: Context, author_id: int) -> bool:
    user = ctx.principal.user
    if user is None:
        return False
    row = await fetch_one(
        "SELECT 1 AS x FROM follow WHERE user_id = ? AND author_id = ?", [user.id, author_id]
    )
    return row is not None


async def viewer_can_claim(ctx: Context, author: Row) -> bool:
    user = ctx.principal.user
    if user is None:
        return False
    if author["claim_status"] not in ("UNCLAIMED", "REJECTED"):
        return False
    row = await fetch_one(
        "SELECT 1 AS x FROM claim"
        " WHERE user_id = ? AND status IN ('PENDING', 'CLAIMED', 'VERIFIED')",
        [user.id],
    )
    return row is None
