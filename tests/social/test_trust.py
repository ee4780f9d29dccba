"""The trust snapshot follows DESIGN.md exactly: the worked example (19, UNVERIFIED, L1) and each
transition, driven through the real flows (follow, claim, review) and real rows."""

from __future__ import annotations

from typing import Any

from importers.refresh import refresh_aggregates
from models.authors import Author, AuthorAffiliation
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_institution, make_work
from tests.factories_social import signed_in
from tests.social.helpers import AUTHOR_STATE, CLAIM, FOLLOW, REVIEW, author_gid


async def reference_author() -> Author:
    """Unclaimed, 5 works, 4 close collaborators (2 shared works each), no affiliation, L1."""
    author = await make_author(display_name="Mimi Xie")
    coauthors = [await make_author() for _ in range(4)]
    for year in (2021, 2022):
        await make_work(authors=[author, *coauthors], year=year)
    for year in (2023, 2024, 2025):
        await make_work(authors=[author], year=year)
    await refresh_aggregates()
    return author


async def trust(gql: GraphQLClient, author: Author) -> dict[str, Any]:
    body = await gql(AUTHOR_STATE, {"id": author_gid(author)})
    snapshot: dict[str, Any] = body["data"]["author"]["trust"]
    snapshot["points"] = {c["name"]: c["points"] for c in snapshot.pop("components")}
    return snapshot


async def test_worked_example_is_19_unverified_l1(gql: GraphQLClient) -> None:
    author = await reference_author()
    snapshot = await trust(gql, author)
    assert (snapshot["score"], snapshot["label"], snapshot["verificationLevel"]) == (
        19,
        "UNVERIFIED",
        "L1",
    )
    assert snapshot["claimed"] is False
    assert snapshot["points"] == {
        "works": 5,
        "closeCollaborators": 4,
        "followers": 0,
        "affiliation": 0,
        "claimed": 0,
        "verification": 10,
    }


async def test_each_transition(gql: GraphQLClient) -> None:
    author = await reference_author()
    gid = author_gid(author)
    # followers: 2 * floor(log2(1 + n)): 1 → 2 points, 3 → 4 points
    followers = [await signed_in() for _ in range(3)]
    await gql(FOLLOW, {"id": gid}, headers=followers[0][1])
    assert (await trust(gql, author))["score"] == 21
    for _, headers in followers[1:]:
        await gql(FOLLOW, {"id": gid}, headers=headers)
    assert (await trust(gql, author))["points"]["followers"] == 4
    # affiliation known: +5
    await AuthorAffiliation.create(author=author, institution=await make_institution(), years=[])
    assert (await trust(gql, author))["score"] == 19 + 4 + 5
    # claimed by a signed-in user and approved: L2, +15 claimed, verification 10 → 25
    _, claimant = await signed_in()
    claim = await gql(CLAIM, {"id": gid}, headers=claimant)
    claim_id = claim["data"]["claimAuthor"]["claim"]["id"]
    pending = await trust(gql, author)
    assert (pending["score"], pending["verificationLevel"]) == (28, "L1")
    _, admin = await signed_in(is_admin=True)
    await gql(REVIEW, {"id": claim_id, "approve": True}, headers=admin)
    claimed = await trust(gql, author)
    assert (claimed["score"], claimed["label"], claimed["verificationLevel"]) == (
        28 + 15 + 15,
        "CLAIMED",
        "L2",
    )
    assert claimed["claimed"] is True
    # verified: L3, verification 25 → 40
    await gql(REVIEW, {"id": claim_id, "approve": True, "verify": True}, headers=admin)
    verified = await trust(gql, author)
    assert (verified["score"], verified["label"], verified["verificationLevel"]) == (
        28 + 15 + 30,
        "VERIFIED",
        "L3",
    )


async def test_l0_without_any_external_record(gql: GraphQLClient) -> None:
    author = await make_author(openalex_id=None)
    snapshot = await trust(gql, author)
    assert (snapshot["score"], snapshot["verificationLevel"]) == (0, "L0")


async def test_verified_orcid_claim_goes_straight_to_l3(gql: GraphQLClient) -> None:
    author = await reference_author()
    await Author.filter(id=author.id).update(orcid="0000-0002-1825-0097")
    _, headers = await signed_in(orcid="0000-0002-1825-0097", orcid_verified=True)
    await gql(CLAIM, {"id": author_gid(author)}, headers=headers)
    snapshot = await trust(gql, author)
    assert (snapshot["score"], snapshot["label"]) == (19 + 15 + 30, "VERIFIED")
