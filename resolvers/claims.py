"""Claiming an author, reviewing claims, and `openToCollaborate`.

Rules (docs/identity.md):
- a user holds at most one active claim (PENDING, CLAIMED or VERIFIED);
- an author has at most one approved claimant (CLAIMED or VERIFIED); pending claims from several
  users may wait side by side, and approving one rejects the others;
- a claim is VERIFIED at once when its ORCID equals the user's verified ORCID and the author's;
  otherwise it is PENDING until an admin approves (CLAIMED, or VERIFIED with `verify`) or rejects.

Each write runs in one transaction that locks the user's and the author's rows on PostgreSQL
(SQLite serializes writers); partial unique indexes (migration 0003) hold the two "at most one"
rules even against a race. A claim decision bumps the slice data version afterwards.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.enums import ClaimStatus
from models.social import Claim
from resolvers.accounts import normalize_orcid
from resolvers.refusals import (
    MAX_ID,
    Code,
    Refused,
    author_id_of,
    check_text,
    local_id,
    require_admin,
    require_user,
)
from resolvers.social import ACTIVE, APPROVED, forget_author
from resolvers.sql import Row, fetch, fetch_one, is_postgres

if TYPE_CHECKING:
    from resolvers.context import Context

log = logging.getLogger("peergraph.claims")
MAX_NOTE = 2000


def _lock() -> str:
    return " FOR NO KEY UPDATE" if is_postgres() else ""


async def _locked_author(author_id: int) -> Row:
    row = await fetch_one(
        f"SELECT id, orcid, claim_status FROM author WHERE id = ?{_lock()}", [author_id]
    )
    if row is None:
        raise Refused(Code.NOT_FOUND, "No author has this id", "authorId")
    return row


async def claim_author(ctx: Context, author_value: str, orcid: str | None) -> Row:
    user = require_user(ctx)
    author_id = await author_id_of(ctx, author_value)
    if orcid is not None:
        claim_orcid: str | None = normalize_orcid(orcid)
    else:
        claim_orcid = user.orcid if user.orcid_verified else None
    now = datetime.datetime.now(datetime.UTC)
    try:
        async with in_transaction("default"):
            await fetch_one(f"SELECT id FROM app_user WHERE id = ?{_lock()}", [user.id])
            author = await _locked_author(author_id)
            if author["claim_status"] in APPROVED:
                raise Refused(
                    Code.ALREADY_CLAIMED, "This author already has a claimant", "authorId"
                )
            held = await fetch_one(
                "SELECT author_id FROM claim WHERE user_id = ? AND status IN (?, ?, ?)",
                [user.id, *ACTIVE],
            )
            if held is not None:
                which = "this author" if held["author_id"] == author_id else "another author"
                raise Refused(Code.ALREADY_CLAIMED, f"You already hold a claim on {which}")
            verified = bool(
                claim_orcid
                and user.orcid_verified
                and user.orcid == claim_orcid
                and author["orcid"] == claim_orcid
            )
            claim = await Claim.create(
                user_id=user.id,
                author_id=author_id,
                status=ClaimStatus.VERIFIED if verified else ClaimStatus.PENDING,
                orcid=claim_orcid,
                reviewed_at=now if verified else None,
                note="ORCID iD verified" if verified else None,
            )
            if verified:
                await _approve(author_id, claim.id, ClaimStatus.VERIFIED, now)
            else:
                await fetch(
                    "UPDATE author SET claim_status = 'PENDING'"
                    " WHERE id = ? AND claim_status IN ('UNCLAIMED', 'REJECTED') RETURNING id",
                    [author_id],
                )
    except IntegrityError:
        raise Refused(
            Code.ALREADY_CLAIMED, "A concurrent claim won: the author or you are claimed"
        ) from None
    await after_author_change(ctx, author_id)
    return await _claim_row(claim.id)


async def _approve(
    author_id: int, claim_id: int, status: ClaimStatus, now: datetime.datetime
) -> None:
    """The author gets its claimant; every other pending claim on it is rejected."""
    await fetch(
        "UPDATE author SET claim_status = ? WHERE id = ? RETURNING id", [status.value, author_id]
    )
    await fetch(
        "UPDATE claim SET status = 'REJECTED', reviewed_at = ?,"
        " note = 'Another claim on this author was approved'"
        " WHERE author_id = ? AND status = 'PENDING' AND id <> ? RETURNING id",
        [now, author_id, claim_id],
    )


async def review_claim(
    ctx: Context, claim_value: str, approve: bool, note: str | None, verify: bool
) -> Row:
    require_admin(ctx)
    claim_id = local_id(claim_value, "Claim", "claimId")
    text = check_text(note, "note", minimum=0, maximum=MAX_NOTE) if note is not None else None
    now = datetime.datetime.now(datetime.UTC)
    claim = await fetch_one("SELECT author_id FROM claim WHERE id = ?", [claim_id])
    if claim is None:
        raise Refused(Code.NOT_FOUND, "No claim has this id", "claimId")
    author_id = int(claim["author_id"])
    try:
        async with in_transaction("default"):
            author = await _locked_author(author_id)
            current = await _claim_row(claim_id)
            upgrade = current["status"] == "CLAIMED" and approve and verify
            if current["status"] != "PENDING" and not upgrade:
                raise Refused(Code.INVALID_INPUT, "This claim has already been reviewed", "claimId")
            if approve:
                if author["claim_status"] in APPROVED and not upgrade:
                    raise Refused(
                        Code.ALREADY_CLAIMED, "This author already has a claimant", "claimId"
                    )
                status = ClaimStatus.VERIFIED if verify else ClaimStatus.CLAIMED
                await _set_claim(claim_id, status, now, text)
                await _approve(author_id, claim_id, status, now)
            else:
                await _set_claim(claim_id, ClaimStatus.REJECTED, now, text)
                await fetch(
                    "UPDATE author SET claim_status = 'UNCLAIMED' WHERE id = ?"
                    " AND claim_status = 'PENDING' AND NOT EXISTS (SELECT 1 FROM claim"
                    " WHERE author_id = ? AND status = 'PENDING') RETURNING id",
                    [author_id, author_id],
                )
    except IntegrityError:
        raise Refused(Code.ALREADY_CLAIMED, "This author already has a claimant") from None
    await after_author_change(ctx, author_id)
    return await _claim_row(claim_id)


async def _set_claim(
    claim_id: int, status: ClaimStatus, now: datetime.datetime, note: str | None
) -> None:
    await fetch(
        "UPDATE claim SET status = ?, reviewed_at = ?, note = COALESCE(?, note)"
        " WHERE id = ? RETURNING id",
        [status.value, now, note, claim_id],
    )


async def _claim_row(claim_id: int) -> Row:
    row = await fetch_one("SELECT * FROM claim WHERE id = ?", [claim_id])
    assert row is not None
    return row


async def set_open_to_collaborate(ctx: Context, author_value: str, is_open: bool) -> int:
    """Only the author's approved claimant, or an admin, may change it."""
    user = require_user(ctx)
    author_id = await author_id_of(ctx, author_value)
    if not user.is_admin and not await is_claimant(user.id, author_id):
        raise Refused(
            Code.FORBIDDEN, "Only this author's claimant or an admin may change it", "authorId"
        )
    await fetch(
        "UPDATE author SET open_to_collaborate = ? WHERE id = ? RETURNING id",
        [is_open, author_id],
    )
    await after_author_change(ctx, author_id)
    return author_id


async def is_claimant(user_id: int, author_id: int) -> bool:
    row = await fetch_one(
        "SELECT 1 AS x FROM claim WHERE user_id = ? AND author_id = ? AND status IN (?, ?)",
        [user_id, author_id, *APPROVED],
    )
    return row is not None


async def claim_for_viewer(ctx: Context, claim_id: int) -> Row | None:
    """A claim its claimant or an admin may read; None if there is none; FORBIDDEN otherwise."""
    user = require_user(ctx)
    if not 0 < claim_id <= MAX_ID:
        return None
    row = await fetch_one("SELECT * FROM claim WHERE id = ?", [claim_id])
    if row is None:
        return None
    if row["user_id"] != user.id and not user.is_admin:
        raise Refused(Code.FORBIDDEN, "Only the claimant or an admin may read this claim")
    return row


async def after_author_change(ctx: Context, author_id: int) -> None:
    """After a claim or a profile edit committed: this request's loaders forget the author, and
    the cached graph slices that show the author go stale (workers/freshness.py); a missing or
    unreachable Redis is tolerated (the change stands, slices expire by their TTL)."""
    forget_author(ctx, author_id)
    if ctx.redis is None:
        return
    from workers.freshness import mark_changed

    try:
        await mark_changed(ctx.redis, [("Author", author_id)])
    except Exception as error:  # Redis down: the change stands, slices expire by TTL
        log.warning("could not mark author %d changed for graph slices: %s", author_id, error)


async def claims_to_review(ctx: Context) -> list[Row]:
    """Admins: the claims waiting for review, oldest first (the admin page's list)."""
    require_admin(ctx)
    return await fetch("SELECT * FROM claim WHERE status = 'PENDING' ORDER BY id LIMIT 100", [])
