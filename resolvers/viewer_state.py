"""What the viewer may do on an author's profile: the claim state as the viewer sees it, whether
the viewer is the claimant, and whether (or why not) the viewer may invite the author.

A profile page needs these to tell "Log in to claim" from "your claim is pending" or "claimed by
someone else", and to show "Claim this author first…" instead of an invitation form that would
only be refused. The rules are the mutations' own (resolvers/claims.py, resolvers/invitations.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from resolvers.social import ACTIVE, APPROVED
from resolvers.sql import Row, fetch_one

if TYPE_CHECKING:
    from resolvers.context import Context


class ViewerClaimState(StrEnum):
    ANONYMOUS = "ANONYMOUS"  # signed out: "Log in to claim"
    CAN_CLAIM = "CAN_CLAIM"
    PENDING_FOR_YOU = "PENDING_FOR_YOU"  # the viewer's claim waits for an admin
    CLAIMED_BY_YOU = "CLAIMED_BY_YOU"
    CLAIMED_BY_SOMEONE_ELSE = "CLAIMED_BY_SOMEONE_ELSE"
    HOLDING_ANOTHER_CLAIM = "HOLDING_ANOTHER_CLAIM"  # one claim per user: this one is out of reach


class InviteBlock(StrEnum):
    SIGN_IN = "SIGN_IN"
    AUTHOR_NOT_CLAIMED = "AUTHOR_NOT_CLAIMED"
    OWN_PROFILE = "OWN_PROFILE"


INVITE_MESSAGES = {
    InviteBlock.SIGN_IN: "Log in to invite this author to collaborate",
    InviteBlock.AUTHOR_NOT_CLAIMED: (
        "Direct invitations need a claimed profile: this author has not claimed it yet"
    ),
    InviteBlock.OWN_PROFILE: "This is your own profile: you cannot invite yourself",
}


@dataclass(frozen=True)
class ViewerClaim:
    """The viewer's one active claim (PENDING, CLAIMED or VERIFIED), if any."""

    author_id: int
    status: str


async def viewer_claim(ctx: Context) -> ViewerClaim | None:
    user = ctx.principal.user
    if user is None:
        return None
    row = await fetch_one(
        "SELECT author_id, status FROM claim WHERE user_id = ? AND status IN (?, ?, ?)",
        [user.id, *ACTIVE],
    )
    return None if row is None else ViewerClaim(int(row["author_id"]), str(row["status"]))


async def claim_state(ctx: Context, author: Row) -> ViewerClaimState:
    if ctx.principal.user is None:
        return ViewerClaimState.ANONYMOUS
    mine = await viewer_claim(ctx)
    if mine is not None and mine.author_id == author["id"]:
        if mine.status in APPROVED:
            return ViewerClaimState.CLAIMED_BY_YOU
        return ViewerClaimState.PENDING_FOR_YOU
    if author["claim_status"] in APPROVED:
        return ViewerClaimState.CLAIMED_BY_SOMEONE_ELSE
    if mine is not None:
        return ViewerClaimState.HOLDING_ANOTHER_CLAIM
    return ViewerClaimState.CAN_CLAIM


async def is_claimant(ctx: Context, author: Row) -> bool:
    mine = await viewer_claim(ctx)
    return mine is not None and mine.author_id == author["id"] and mine.status in APPROVED


async def invite_block(ctx: Context, author: Row) -> InviteBlock | None:
    """Why the viewer may not invite this author, or None when `sendInvitation` would accept
    (the daily limit aside, which the mutation reports with RATE_LIMITED). An unclaimed author
    cannot be invited by anyone, so that reason comes first: logging in would not help."""
    if author["claim_status"] not in APPROVED:
        return InviteBlock.AUTHOR_NOT_CLAIMED
    if ctx.principal.user is None:
        return InviteBlock.SIGN_IN
    if await is_claimant(ctx, author):
        return InviteBlock.OWN_PROFILE
    return None


async def claimed_author_of(user_id: int) -> int | None:
    """The author a user is the approved claimant of, if any (an invitation's sender's profile)."""
    row = await fetch_one(
        "SELECT author_id FROM claim WHERE user_id = ? AND status IN (?, ?)",
        [user_id, *APPROVED],
    )
    return None if row is None else int(row["author_id"])
