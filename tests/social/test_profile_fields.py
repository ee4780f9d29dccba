"""The profile page's viewer-dependent fields (claim state as the viewer sees it, claimant,
invitations allowed or why not), `updateAuthorProfile`, and an invitation sender's profile."""

from __future__ import annotations

import pytest

from tests.conftest import GraphQLClient
from tests.factories import make_author
from tests.factories_social import make_claim, signed_in
from tests.social.helpers import SEND, author_gid, codes

PAGE_STATE = """query($id: ID!) { author(id: $id) {
  description openToCollaborate viewerIsClaimant viewerCanInvite
  viewerInviteRefusal { code message }
  claim { status viewerCanClaim viewerState }
} }"""
UPDATE = """mutation($id: ID!, $description: String, $open: Boolean) {
  updateAuthorProfile(authorId: $id, description: $description, openToCollaborate: $open) {
    author { description openToCollaborate } userErrors { code message field } } }"""


async def test_anonymous_viewer_is_asked_to_log_in(gql: GraphQLClient) -> None:
    # given an unclaimed author, and a claimed one
    author, claimed = await make_author(), await make_author()
    await make_claim((await signed_in())[0], claimed)
    # when an anonymous visitor opens each profile
    body = await gql(PAGE_STATE, {"id": author_gid(author)})
    other = await gql(PAGE_STATE, {"id": author_gid(claimed)})
    # then the page says "log in to claim"; nobody can invite the unclaimed author, and the
    # visitor must log in to invite the claimed one
    state = body["data"]["author"]
    assert state["claim"] == {
        "status": "UNCLAIMED",
        "viewerCanClaim": False,
        "viewerState": "ANONYMOUS",
    }
    assert state["viewerIsClaimant"] is False and state["viewerCanInvite"] is False
    assert state["viewerInviteRefusal"]["code"] == "AUTHOR_NOT_CLAIMED"
    assert other["data"]["author"]["viewerInviteRefusal"]["code"] == "SIGN_IN"
    assert other["data"]["author"]["claim"]["viewerState"] == "ANONYMOUS"


@pytest.mark.parametrize(
    ("mine", "theirs", "state", "can_claim", "is_claimant", "invite"),
    [
        (None, None, "CAN_CLAIM", True, False, "AUTHOR_NOT_CLAIMED"),
        ("PENDING", None, "PENDING_FOR_YOU", False, False, "AUTHOR_NOT_CLAIMED"),
        ("CLAIMED", None, "CLAIMED_BY_YOU", False, True, "OWN_PROFILE"),
        ("VERIFIED", None, "CLAIMED_BY_YOU", False, True, "OWN_PROFILE"),
        (None, "CLAIMED", "CLAIMED_BY_SOMEONE_ELSE", False, False, None),
        ("ELSEWHERE", None, "HOLDING_ANOTHER_CLAIM", False, False, "AUTHOR_NOT_CLAIMED"),
    ],
)
async def test_signed_in_viewer_sees_their_relation_to_the_author(
    gql: GraphQLClient,
    mine: str | None,
    theirs: str | None,
    state: str,
    can_claim: bool,
    is_claimant: bool,
    invite: str | None,
) -> None:
    # given an author, a signed-in viewer, and the claims of the case
    author = await make_author()
    viewer, headers = await signed_in()
    if mine == "ELSEWHERE":
        await make_claim(viewer, await make_author(), "PENDING")
    elif mine is not None:
        await make_claim(viewer, author, mine)
    if theirs is not None:
        other, _ = await signed_in()
        await make_claim(other, author, theirs)
    # when the viewer opens the profile
    body = await gql(PAGE_STATE, {"id": author_gid(author)}, headers=headers)
    # then every viewer-dependent field agrees with the case
    page = body["data"]["author"]
    assert page["claim"]["viewerState"] == state
    assert page["claim"]["viewerCanClaim"] is can_claim
    assert page["viewerIsClaimant"] is is_claimant
    assert page["viewerCanInvite"] is (invite is None)
    assert (page["viewerInviteRefusal"] or {}).get("code") == invite


async def test_can_invite_agrees_with_send_invitation(gql: GraphQLClient) -> None:
    # given a claimed author and another signed-in user
    author = await make_author()
    claimant, _ = await signed_in()
    await make_claim(claimant, author)
    _, headers = await signed_in()
    # when the page says the viewer can invite, and the viewer sends one
    page = await gql(PAGE_STATE, {"id": author_gid(author)}, headers=headers)
    sent = await gql(SEND, {"id": author_gid(author), "message": "Hello"}, headers=headers)
    # then the invitation is accepted
    assert page["data"]["author"]["viewerCanInvite"] is True
    assert codes(sent["data"]["sendInvitation"]) == []


async def test_claimant_updates_bio_and_openness(gql: GraphQLClient) -> None:
    # given a claimed author and its claimant
    author = await make_author()
    claimant, headers = await signed_in()
    await make_claim(claimant, author)
    # when the claimant sets the bio line and opens to collaboration
    variables = {
        "id": author_gid(author),
        "description": "  Embedded ML, energy harvesting ",
        "open": True,
    }
    body = await gql(UPDATE, variables, headers=headers)
    # then both are stored (the bio stripped) and read back
    payload = body["data"]["updateAuthorProfile"]
    assert payload["userErrors"] == []
    assert payload["author"] == {
        "description": "Embedded ML, energy harvesting",
        "openToCollaborate": True,
    }
    # and an empty bio clears it, leaving openness alone
    cleared = await gql(UPDATE, {"id": author_gid(author), "description": ""}, headers=headers)
    assert cleared["data"]["updateAuthorProfile"]["author"] == {
        "description": None,
        "openToCollaborate": True,
    }


@pytest.mark.parametrize(
    ("description", "open_", "code", "field"),
    [
        ("x" * 501, None, "TEXT_TOO_LONG", "description"),
        ("line one\nline two", None, "CONTROL_CHARACTERS", "description"),
        ("bell\x07", True, "CONTROL_CHARACTERS", "description"),
        ("evil \u202egnp.exe", None, "CONTROL_CHARACTERS", "description"),
        (None, None, "NOTHING_TO_UPDATE", None),
    ],
)
async def test_invalid_profile_updates_are_refused_and_write_nothing(
    gql: GraphQLClient, description: str | None, open_: bool | None, code: str, field: str | None
) -> None:
    # given a claimed author with a bio
    author = await make_author(description="Before")
    claimant, headers = await signed_in()
    await make_claim(claimant, author)
    # when the claimant sends an invalid update
    variables = {"id": author_gid(author), "description": description, "open": open_}
    body = await gql(UPDATE, variables, headers=headers)
    # then it is refused with its own code, and nothing changed
    payload = body["data"]["updateAuthorProfile"]
    assert payload["author"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    after = await gql(PAGE_STATE, {"id": author_gid(author)})
    assert after["data"]["author"]["description"] == "Before"
    assert after["data"]["author"]["openToCollaborate"] is False


async def test_only_the_claimant_may_update_the_profile(gql: GraphQLClient) -> None:
    # given a claimed author, a stranger and an anonymous caller
    author = await make_author(description="Before")
    claimant, _ = await signed_in()
    await make_claim(claimant, author)
    _, stranger = await signed_in()
    pending_user, pending = await signed_in()
    await make_claim(pending_user, await make_author(), "PENDING")
    variables = {"id": author_gid(author), "description": "Forged"}
    # when each tries to change the bio
    refused = [
        codes((await gql(UPDATE, variables, headers=h))["data"]["updateAuthorProfile"])
        for h in (stranger, pending, {})
    ]
    missing = await gql(UPDATE, {"id": "orcid:0000-0002-1825-0097", "open": True}, headers=stranger)
    # then each is refused with a code, and the bio is unchanged
    assert refused == [["FORBIDDEN"], ["FORBIDDEN"], ["UNAUTHENTICATED"]]
    assert codes(missing["data"]["updateAuthorProfile"]) == ["NOT_FOUND"]
    after = await gql(PAGE_STATE, {"id": author_gid(author)})
    assert after["data"]["author"]["description"] == "Before"


async def test_invitation_sender_links_their_claimed_profile(gql: GraphQLClient) -> None:
    # given two claimed authors; one claimant invites the other, a user without a claim too
    invited, sender_author = await make_author(), await make_author()
    recipient, recipient_headers = await signed_in()
    await make_claim(recipient, invited)
    sender, sender_headers = await signed_in()
    await make_claim(sender, sender_author)
    _, anonymous_sender = await signed_in()
    for headers in (sender_headers, anonymous_sender):
        await gql(SEND, {"id": author_gid(invited), "message": "Shall we?"}, headers=headers)
    # when the recipient lists the invitations
    body = await gql(
        "{ viewer { invitations { edges { node { sender { email author { id } } } } } } }",
        headers=recipient_headers,
    )
    # then the claimant sender links their profile, and the other sender none
    senders = [e["node"]["sender"] for e in body["data"]["viewer"]["invitations"]["edges"]]
    assert [s["author"] for s in senders] == [None, {"id": author_gid(sender_author)}]
    assert senders[1]["email"] == sender.email


CLAIMS_TO_REVIEW = "{ viewer { claimsToReview { status author { id } } } }"


async def test_admins_list_the_claims_to_review_and_nobody_else(gql: GraphQLClient) -> None:
    # given a pending and an approved claim, an admin and a plain user
    pending, approved = await make_author(), await make_author()
    await make_claim((await signed_in())[0], pending, "PENDING")
    await make_claim((await signed_in())[0], approved, "CLAIMED")
    _, admin = await signed_in(is_admin=True)
    _, user = await signed_in()
    # when each asks for the claims to review
    listed = await gql(CLAIMS_TO_REVIEW, headers=admin)
    refused = await gql(CLAIMS_TO_REVIEW, headers=user)
    # then the admin sees the pending claim only, and the user is refused with a code
    assert listed["data"]["viewer"]["claimsToReview"] == [
        {"status": "PENDING", "author": {"id": author_gid(pending)}}
    ]
    assert refused["data"]["viewer"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
