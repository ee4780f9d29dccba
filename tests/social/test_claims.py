"""Claiming an author: ORCID-verified claims (L3) at once, pending claims reviewed by an admin
(CLAIMED, L2, or rejected), one claim per user, one approved claimant per author, and
openToCollaborate for the claimant and admins only."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.social import Claim
from tests.conftest import GraphQLClient
from tests.factories import make_author
from tests.factories_social import signed_in
from tests.social.helpers import AUTHOR_STATE, CLAIM, REVIEW, SET_OPEN, VIEWER, author_gid, codes

ORCID = "0000-0002-1825-0097"


async def test_matching_verified_orcid_verifies_at_once(gql: GraphQLClient) -> None:
    # given an author with an ORCID iD and a user whose verified ORCID iD is the same
    author = await make_author(orcid=ORCID)
    _, headers = await signed_in(orcid=ORCID, orcid_verified=True)
    # when the user claims the author (the claim's ORCID defaults to theirs)
    body = await gql(CLAIM, {"id": author_gid(author)}, headers=headers)
    # then the claim is VERIFIED and the author is L3 at once
    claim = body["data"]["claimAuthor"]["claim"]
    assert body["data"]["claimAuthor"]["userErrors"] == []
    assert claim["status"] == "VERIFIED" and claim["orcid"] == ORCID
    assert claim["author"]["claim"]["status"] == "VERIFIED"
    assert claim["author"]["trust"]["verificationLevel"] == "L3"
    # and the viewer lists the claim
    viewer = await gql(VIEWER, headers=headers)
    assert [c["status"] for c in viewer["data"]["viewer"]["claims"]] == ["VERIFIED"]


@pytest.mark.parametrize(
    ("user_orcid", "verified", "given"),
    [
        (ORCID, False, None),  # the user's ORCID iD is not verified
        ("0000-0001-5109-3700", True, None),  # it does not match the author's
        (None, False, ORCID),  # given in the mutation, but the user has no verified iD
    ],
)
async def test_other_claims_wait_for_review(
    gql: GraphQLClient, user_orcid: str | None, verified: bool, given: str | None
) -> None:
    author = await make_author(orcid=ORCID)
    _, headers = await signed_in(orcid=user_orcid, orcid_verified=verified)
    body = await gql(CLAIM, {"id": author_gid(author), "orcid": given}, headers=headers)
    claim = body["data"]["claimAuthor"]["claim"]
    assert claim["status"] == "PENDING"
    assert claim["author"]["claim"]["status"] == "PENDING"
    assert claim["author"]["trust"]["verificationLevel"] == "L1"


async def _pending(gql: GraphQLClient, author: Any) -> tuple[str, dict[str, str]]:
    _, headers = await signed_in()
    body = await gql(CLAIM, {"id": author_gid(author)}, headers=headers)
    return body["data"]["claimAuthor"]["claim"]["id"], headers


async def test_admin_approval_makes_claimed_l2_and_rejects_the_rivals(
    gql: GraphQLClient, redis: Any
) -> None:
    # given two pending claims on one author and an admin
    author = await make_author()
    first, first_headers = await _pending(gql, author)
    second, second_headers = await _pending(gql, author)
    _, admin = await signed_in(is_admin=True)
    # when the admin approves the first with a note
    body = await gql(REVIEW, {"id": first, "approve": True, "note": "checked"}, headers=admin)
    # then it is CLAIMED, the author is CLAIMED at L2, and the rival claim is rejected
    claim = body["data"]["reviewClaim"]["claim"]
    assert claim["status"] == "CLAIMED" and claim["note"] == "checked" and claim["reviewedAt"]
    assert claim["author"] == {"claim": {"status": "CLAIMED"}, "trust": {"verificationLevel": "L2"}}
    rival = await gql(VIEWER, headers=second_headers)
    assert rival["data"]["viewer"]["claims"][0]["status"] == "REJECTED"
    # and the claimant may now set openToCollaborate, the rival may not
    ok = await gql(SET_OPEN, {"id": author_gid(author), "open": True}, headers=first_headers)
    assert ok["data"]["setOpenToCollaborate"] == {
        "author": {"openToCollaborate": True},
        "userErrors": [],
    }
    no = await gql(SET_OPEN, {"id": author_gid(author), "open": False}, headers=second_headers)
    assert codes(no["data"]["setOpenToCollaborate"]) == ["FORBIDDEN"]
    # and reviewing again is refused
    again = await gql(REVIEW, {"id": second, "approve": True}, headers=admin)
    assert codes(again["data"]["reviewClaim"]) == ["INVALID_INPUT"]
    # and an admin may upgrade the approved claim to VERIFIED (L3)
    up = await gql(REVIEW, {"id": first, "approve": True, "verify": True}, headers=admin)
    assert up["data"]["reviewClaim"]["claim"]["author"]["trust"]["verificationLevel"] == "L3"


async def test_rejection_frees_the_author_and_the_user(gql: GraphQLClient) -> None:
    author = await make_author()
    claim_id, headers = await _pending(gql, author)
    _, admin = await signed_in(is_admin=True)
    body = await gql(REVIEW, {"id": claim_id, "approve": False, "note": "no"}, headers=admin)
    assert body["data"]["reviewClaim"]["claim"]["status"] == "REJECTED"
    state = await gql(AUTHOR_STATE, {"id": author_gid(author)}, headers=headers)
    assert state["data"]["author"]["claim"] == {"status": "UNCLAIMED", "viewerCanClaim": True}
    retry = await gql(CLAIM, {"id": author_gid(author)}, headers=headers)
    assert retry["data"]["claimAuthor"]["claim"]["status"] == "PENDING"


async def test_one_claim_per_user_and_one_claimant_per_author(gql: GraphQLClient) -> None:
    # given a verified claim
    author, other = await make_author(orcid=ORCID), await make_author()
    _, owner = await signed_in(orcid=ORCID, orcid_verified=True)
    await gql(CLAIM, {"id": author_gid(author)}, headers=owner)
    # when the same user claims another author, or claims again
    for target in (other, author):
        body = await gql(CLAIM, {"id": author_gid(target)}, headers=owner)
        # then ALREADY_CLAIMED
        assert codes(body["data"]["claimAuthor"]) == ["ALREADY_CLAIMED"]
    # when someone else claims the claimed author
    _, rival = await signed_in()
    body = await gql(CLAIM, {"id": author_gid(author)}, headers=rival)
    assert codes(body["data"]["claimAuthor"]) == ["ALREADY_CLAIMED"]
    state = await gql(AUTHOR_STATE, {"id": author_gid(author)}, headers=rival)
    assert state["data"]["author"]["claim"]["viewerCanClaim"] is False
    # then only the first claim exists
    assert await Claim.all().count() == 1


async def test_concurrent_verified_claims_leave_one_claimant(gql: GraphQLClient) -> None:
    # given ten users whose verified ORCID iD matches one author
    author = await make_author(orcid=ORCID)
    users = [await signed_in(orcid=ORCID, orcid_verified=True) for _ in range(10)]
    # when they all claim at once
    bodies = await asyncio.gather(
        *(gql(CLAIM, {"id": author_gid(author)}, headers=h) for _, h in users)
    )
    # then exactly one wins and the others get ALREADY_CLAIMED
    results = [b["data"]["claimAuthor"] for b in bodies]
    assert sum(1 for r in results if r["claim"]) == 1
    assert sorted(c for r in results for c in codes(r)) == ["ALREADY_CLAIMED"] * 9
    assert await Claim.filter(status__in=["CLAIMED", "VERIFIED"]).count() == 1


async def test_bad_claim_input(gql: GraphQLClient) -> None:
    author = await make_author()
    _, headers = await signed_in()
    _, admin = await signed_in(is_admin=True)
    cases = [
        (CLAIM, {"id": author_gid(author), "orcid": "12345"}, "claimAuthor", "INVALID_INPUT"),
        (CLAIM, {"id": "bad id"}, "claimAuthor", "INVALID_INPUT"),
        (REVIEW, {"id": author_gid(author), "approve": True}, "reviewClaim", "INVALID_INPUT"),
        (REVIEW, {"id": "Q2xhaW06OTk5OTk", "approve": True}, "reviewClaim", "NOT_FOUND"),
    ]
    for doc, variables, name, code in cases:
        assert isinstance(variables, dict)
        body = await gql(doc, variables, headers=admin if doc is REVIEW else headers)
        assert codes(body["data"][name]) == [code], variables
    claim_id, _ = await _pending(gql, author)
    long_note = await gql(
        REVIEW, {"id": claim_id, "approve": True, "note": "n" * 2001}, headers=admin
    )
    assert codes(long_note["data"]["reviewClaim"]) == ["INVALID_INPUT"]
    assert await Claim.filter(status="PENDING").count() == 1


async def test_admin_may_set_open_to_collaborate_anyone_else_may_not(gql: GraphQLClient) -> None:
    author = await make_author()
    _, admin = await signed_in(is_admin=True)
    _, stranger = await signed_in()
    ok = await gql(SET_OPEN, {"id": author_gid(author), "open": True}, headers=admin)
    assert ok["data"]["setOpenToCollaborate"]["author"] == {"openToCollaborate": True}
    no = await gql(SET_OPEN, {"id": author_gid(author), "open": False}, headers=stranger)
    assert codes(no["data"]["setOpenToCollaborate"]) == ["FORBIDDEN"]
    anon = await gql(SET_OPEN, {"id": author_gid(author), "open": False})
    assert codes(anon["data"]["setOpenToCollaborate"]) == ["UNAUTHENTICATED"]
    state = await gql(AUTHOR_STATE, {"id": author_gid(author)})
    assert state["data"]["author"]["openToCollaborate"] is True


async def test_a_claim_marks_the_author_changed_for_graph_slices(
    gql: GraphQLClient, redis: Any
) -> None:
    from workers import keys

    # given the data version as it is
    before = await keys.data_version(redis)
    author = await make_author(orcid=ORCID)
    _, headers = await signed_in(orcid=ORCID, orcid_verified=True)
    # when a claim is verified
    result = await gql(CLAIM, {"id": author_gid(author)}, headers=headers)
    # then the claim stands and the author is marked changed, so the cached slices that show
    # the author are stale (tests/slices/test_fine_freshness.py), and only those
    assert result["data"]["claimAuthor"]["claim"]["status"] == "VERIFIED", result
    mark = await redis.get(keys.changed_key(f"Author:{author.id}"))
    assert mark is not None and int(mark) == int(await redis.get(keys.CHANGE_SEQ_KEY))
    assert await keys.data_version(redis) == before
