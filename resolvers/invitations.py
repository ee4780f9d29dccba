"""Direct collaboration invitations: sent by a signed-in user to a claimed author, answered by
that author's claimant alone, visible to the two parties and nobody else.

The daily limit (`settings.INVITATIONS_PER_DAY` in any rolling 24 hours) is checked and the row
inserted in one transaction that first locks the sender's row (PostgreSQL; SQLite serializes
writers), so concurrent sends from one user cannot pass the limit together.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

import settings
from models.social import Invitation
from resolvers.claims import is_claimant
from resolvers.pagination import Page, build_page, page_args
from resolvers.refusals import (
    MAX_ID,
    Code,
    Refused,
    author_id_of,
    check_text,
    local_id,
    require_user,
)
from resolvers.social import APPROVED
from resolvers.sql import Row, fetch, fetch_one, is_postgres

if TYPE_CHECKING:
    from resolvers.context import Context

MAX_MESSAGE = 2000
WINDOW = datetime.timedelta(hours=24)
_SELECT = (
    "SELECT i.*, u.email AS sender_email FROM invitation i JOIN app_user u ON u.id = i.sender_id"
)


class Direction(StrEnum):
    RECEIVED = "RECEIVED"
    SENT = "SENT"


async def send_invitation(ctx: Context, author_value: str, message: str) -> Row:
    user = require_user(ctx)
    author_id = await author_id_of(ctx, author_value)
    text = check_text(message, "message", minimum=1, maximum=MAX_MESSAGE)
    claimant = await fetch_one(
        "SELECT user_id FROM claim WHERE author_id = ? AND status IN (?, ?)",
        [author_id, *APPROVED],
    )
    if claimant is None:
        raise Refused(
            Code.FORBIDDEN,
            "Only a claimed author can receive invitations: this one is not claimed yet",
            "authorId",
        )
    if claimant["user_id"] == user.id:
        raise Refused(Code.INVALID_INPUT, "You cannot invite yourself", "authorId")
    limit = settings.INVITATIONS_PER_DAY
    lock = " FOR NO KEY UPDATE" if is_postgres() else ""
    async with in_transaction("default"):
        await fetch_one(f"SELECT id FROM app_user WHERE id = ?{lock}", [user.id])
        since = datetime.datetime.now(datetime.UTC) - WINDOW
        recent = await fetch(
            "SELECT created_at FROM invitation WHERE sender_id = ? AND created_at > ?"
            " ORDER BY created_at",
            [user.id, since],
        )
        if len(recent) >= limit:
            raise Refused(
                Code.RATE_LIMITED,
                f"You can send at most {limit} invitations in 24 hours; try again later",
            )
        invitation = await Invitation.create(sender_id=user.id, author_id=author_id, message=text)
    return await _row(invitation.id)


async def respond_to_invitation(ctx: Context, invitation_value: str, accept: bool) -> Row:
    user = require_user(ctx)
    invitation_id = local_id(invitation_value, "Invitation", "invitationId")
    row = await fetch_one("SELECT author_id FROM invitation WHERE id = ?", [invitation_id])
    if row is None:
        raise Refused(Code.NOT_FOUND, "No invitation has this id", "invitationId")
    if not await is_claimant(user.id, int(row["author_id"])):
        raise Refused(
            Code.FORBIDDEN, "Only the invited author's claimant may answer", "invitationId"
        )
    answered = await fetch(
        "UPDATE invitation SET status = ?, responded_at = ? WHERE id = ? AND status = 'PENDING'"
        " RETURNING id",
        [
            "ACCEPTED" if accept else "DECLINED",
            datetime.datetime.now(datetime.UTC),
            invitation_id,
        ],
    )
    if not answered:
        raise Refused(
            Code.INVALID_INPUT, "This invitation has already been answered", "invitationId"
        )
    return await _row(invitation_id)


async def _row(invitation_id: int) -> Row:
    row = await fetch_one(f"{_SELECT} WHERE i.id = ?", [invitation_id])
    assert row is not None
    return row


async def invitation_for_viewer(ctx: Context, invitation_id: int) -> Row | None:
    """The invitation if the viewer sent it or is the invited author's claimant; None if there
    is none; FORBIDDEN for anyone else (admins included: invitations are private)."""
    user = require_user(ctx)
    if not 0 < invitation_id <= MAX_ID:
        return None
    row = await fetch_one(f"{_SELECT} WHERE i.id = ?", [invitation_id])
    if row is None:
        return None
    if row["sender_id"] != user.id and not await is_claimant(user.id, int(row["author_id"])):
        raise Refused(Code.FORBIDDEN, "Only the sender and the invited author may read this")
    return row


async def invitations_page(
    user_id: int,
    direction: Direction,
    first: int | None,
    after: str | None,
    convert: Callable[[Row], Any],
) -> Page[Any]:
    """Invitations the user sent, or received as the claimant of an author; newest first."""
    args = page_args(first, after, 1)
    params: list[Any] = [user_id]
    if direction is Direction.SENT:
        where = "i.sender_id = ?"
    else:
        where = (
            "i.author_id IN (SELECT author_id FROM claim WHERE user_id = ? AND status IN (?, ?))"
        )
        params.extend(APPROVED)
    page_where = where + (" AND i.id < ?" if args.after else "")
    rows = await fetch(
        f"{_SELECT} WHERE {page_where} ORDER BY i.id DESC LIMIT ?",
        [*params, *(args.after or ()), args.limit],
    )

    async def total() -> int:
        row = await fetch_one(f"SELECT COUNT(*) AS n FROM invitation i WHERE {where}", params)
        return int(row["n"]) if row else 0

    return build_page(rows, args, lambda r: (r["id"],), convert, total=total)
