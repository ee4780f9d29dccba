"""The authorization matrix: every mutation and every private field, tried anonymously, as
another user, and through node/nodes, gets a userError or null with an error carrying a stable
code, and never data that is not the caller's."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import GraphQLClient
from tests.factories import make_author
from tests.factories_social import signed_in
from tests.social.helpers import (
    CLAIM,
    FOLLOW,
    LOG_OUT,
    RESPOND,
    REVIEW,
    SEND,
    SET_OPEN,
    UNFOLLOW,
    VIEWER,
    author_gid,
    codes,
    error_codes,
)

SECRET = "a private message about the grant"
ORCID = "0000-0002-1825-0097"
NODE = """query($id: ID!) { node(id: $id) {
  id ... on Claim { status note author { id } }
  ... on Invitation { message sender { email } } } }"""
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) {
  id ... on Claim { status } ... on Invitation { message } } }"""


async def _world(gql: GraphQLClient) -> dict[str, Any]:
    """A verified claimant, a sender with an invitation to them, a pending claim, a stranger."""
    author = await make_author(orcid=ORCID)
    _, claimant_h = await signed_in(orcid=ORCID, orcid_verified=True)
    claim = await gql(CLAIM, {"id": author_gid(author)}, headers=claimant_h)
    _, sender_h = await signed_in(email="sender@example.org")
    sent = await gql(SEND, {"id": author_gid(author), "message": SECRET}, headers=sender_h)
    other_author = await make_author()
    _, pending_h = await signed_in(email="pending@example.org")
    pending = await gql(CLAIM, {"id": author_gid(other_author)}, headers=pending_h)
    _, stranger_h = await signed_in()
    return {
        "author": author_gid(author),
        "other_author": author_gid(other_author),
        "claim": claim["data"]["claimAuthor"]["claim"]["id"],
        "pending": pending["data"]["claimAuthor"]["claim"]["id"],
        "invitation": sent["data"]["sendInvitation"]["invitation"]["id"],
        "stranger": stranger_h,
        "pending_h": pending_h,
    }


async def test_each_mutation_anonymously_and_as_another_user(gql: GraphQLClient) -> None:
    w = await _world(gql)
    cases = [
        (FOLLOW, "follow", {"id": w["author"]}, None),
        (UNFOLLOW, "unfollow", {"id": w["author"]}, None),
        (CLAIM, "claimAuthor", {"id": w["author"]}, "ALREADY_CLAIMED"),
        (REVIEW, "reviewClaim", {"id": w["pending"], "approve": True}, "FORBIDDEN"),
        (SET_OPEN, "setOpenToCollaborate", {"id": w["author"], "open": True}, "FORBIDDEN"),
        (SEND, "sendInvitation", {"id": w["author"], "message": "x"}, None),
        (RESPOND, "respondToInvitation", {"id": w["invitation"], "accept": True}, "FORBIDDEN"),
        (LOG_OUT, "logOut", {}, None),
    ]
    for doc, name, variables, as_other in cases:
        # anonymously: UNAUTHENTICATED, and no result
        anon = await gql(doc, variables)
        assert codes(anon["data"][name]) == ["UNAUTHENTICATED"], name
        assert SECRET not in json.dumps(anon)
        # as another user: the stable code where the action is not theirs
        if as_other is not None:
            other = await gql(doc, variables, headers=w["stranger"])
            assert codes(other["data"][name]) == [as_other], name
            assert SECRET not in json.dumps(other)
    # and the pending claimant may not review their own claim either
    own = await gql(REVIEW, {"id": w["pending"], "approve": True}, headers=w["pending_h"])
    assert codes(own["data"]["reviewClaim"]) == ["FORBIDDEN"]


async def test_private_objects_through_node_and_nodes(gql: GraphQLClient) -> None:
    w = await _world(gql)
    for headers, code in ((None, "UNAUTHENTICATED"), (w["stranger"], "FORBIDDEN")):
        for key in ("claim", "invitation", "pending"):
            # node(id): null with the code
            body = await gql(NODE, {"id": w[key]}, headers=headers)
            assert body["data"] == {"node": None}, key
            assert error_codes(body) == [code], key
            assert SECRET not in json.dumps(body)
        # nodes(ids): each private item null with its own coded error; public items resolve
        ids = [w["claim"], w["author"], w["invitation"]]
        body = await gql(NODES, {"ids": ids}, headers=headers)
        assert body["data"]["nodes"][0] is None and body["data"]["nodes"][2] is None
        assert body["data"]["nodes"][1] == {"id": w["author"]}
        assert sorted(e["path"][1] for e in body["errors"]) == [0, 2]
        assert set(error_codes(body)) == {code}
        assert SECRET not in json.dumps(body)


async def test_parties_read_their_own_through_node(gql: GraphQLClient) -> None:
    w = await _world(gql)
    mine = await gql(NODE, {"id": w["pending"]}, headers=w["pending_h"])
    assert mine["data"]["node"]["status"] == "PENDING"
    _, admin = await signed_in(is_admin=True)
    as_admin = await gql(NODE, {"id": w["pending"]}, headers=admin)
    assert as_admin["data"]["node"]["status"] == "PENDING"
    # invitations stay private even from admins
    body = await gql(NODE, {"id": w["invitation"]}, headers=admin)
    assert body["data"] == {"node": None} and error_codes(body) == ["FORBIDDEN"]


async def test_unknown_private_ids_are_null_without_error(gql: GraphQLClient) -> None:
    _, headers = await signed_in()
    for gid in ("Q2xhaW06OTk5OTk", "SW52aXRhdGlvbjo5OTk5"):  # Claim:99999, Invitation:9999
        body = await gql(NODE, {"id": gid}, headers=headers)
        assert body["data"] == {"node": None} and "errors" not in body


async def test_viewer_is_private(gql: GraphQLClient) -> None:
    body = await gql(VIEWER)
    assert body["data"] == {"viewer": None} and error_codes(body) == ["UNAUTHENTICATED"]
