"""Invitations: only to claimed authors, never to yourself, 1 to 2,000 characters, a daily limit
that holds under concurrency, answered by the claimant alone, visible to the two parties only."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest

import settings
from models.social import Invitation
from tests.conftest import GraphQLClient
from tests.factories import make_author
from tests.factories_social import signed_in
from tests.social.helpers import CLAIM, RESPOND, SEND, VIEWER, author_gid, codes, error_codes

ORCID = "0000-0002-1825-0097"


async def claimed_author(gql: GraphQLClient) -> tuple[Any, dict[str, str]]:
    """An author claimed (verified) by a new user, and that user's headers."""
    author = await make_author(orcid=ORCID)
    _, headers = await signed_in(orcid=ORCID, orcid_verified=True)
    body = await gql(CLAIM, {"id": author_gid(author)}, headers=headers)
    assert body["data"]["claimAuthor"]["claim"]["status"] == "VERIFIED"
    return author, headers


async def test_invitation_round_trip_is_private_to_both_parties(gql: GraphQLClient) -> None:
    # given a claimed author and a sender
    author, claimant = await claimed_author(gql)
    sender, headers = await signed_in()
    # when the sender invites the author
    body = await gql(SEND, {"id": author_gid(author), "message": "  Shall we?  "}, headers=headers)
    payload = body["data"]["sendInvitation"]
    invitation = payload["invitation"]
    # then it is PENDING with the trimmed message
    assert payload["userErrors"] == []
    assert invitation["status"] == "PENDING" and invitation["message"] == "Shall we?"
    assert invitation["sender"]["email"] == sender.email
    # and both parties see it, each on their side
    received = await gql(VIEWER, {"direction": "RECEIVED"}, headers=claimant)
    sent = await gql(VIEWER, {"direction": "SENT"}, headers=headers)
    for view in (received, sent):
        edges = view["data"]["viewer"]["invitations"]["edges"]
        assert [e["node"]["id"] for e in edges] == [invitation["id"]]
    # and a third user sees nothing
    _, third = await signed_in()
    for direction in ("RECEIVED", "SENT"):
        view = await gql(VIEWER, {"direction": direction}, headers=third)
        assert view["data"]["viewer"]["invitations"]["totalCount"] == 0
    # when the sender or a third user answers it
    for who in (headers, third):
        body = await gql(RESPOND, {"id": invitation["id"], "accept": True}, headers=who)
        # then FORBIDDEN
        assert codes(body["data"]["respondToInvitation"]) == ["FORBIDDEN"]
    # when the claimant declines
    body = await gql(RESPOND, {"id": invitation["id"], "accept": False}, headers=claimant)
    answered = body["data"]["respondToInvitation"]["invitation"]
    assert answered["status"] == "DECLINED" and answered["respondedAt"]
    # then answering again is refused
    again = await gql(RESPOND, {"id": invitation["id"], "accept": True}, headers=claimant)
    assert codes(again["data"]["respondToInvitation"]) == ["INVALID_INPUT"]


async def test_only_claimed_authors_and_never_yourself(gql: GraphQLClient) -> None:
    author, claimant = await claimed_author(gql)
    unclaimed = await make_author()
    _, headers = await signed_in()
    body = await gql(SEND, {"id": author_gid(unclaimed), "message": "hi"}, headers=headers)
    assert codes(body["data"]["sendInvitation"]) == ["FORBIDDEN"]
    body = await gql(SEND, {"id": author_gid(author), "message": "hi"}, headers=claimant)
    assert codes(body["data"]["sendInvitation"]) == ["INVALID_INPUT"]
    anon = await gql(SEND, {"id": author_gid(author), "message": "hi"})
    assert codes(anon["data"]["sendInvitation"]) == ["UNAUTHENTICATED"]
    assert await Invitation.all().count() == 0


@pytest.mark.parametrize(
    ("message", "ok"),
    [("", False), (" \n ", False), ("m" * 2001, False), ("m" * 2000, True), ("m", True)],
)
async def test_message_is_1_to_2000_characters(gql: GraphQLClient, message: str, ok: bool) -> None:
    author, _ = await claimed_author(gql)
    _, headers = await signed_in()
    body = await gql(SEND, {"id": author_gid(author), "message": message}, headers=headers)
    payload = body["data"]["sendInvitation"]
    if ok:
        assert payload["userErrors"] == [] and payload["invitation"]["message"] == message
    else:
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("INVALID_INPUT", "message")
        ]
    assert await Invitation.all().count() == int(ok)


async def test_daily_limit_holds_under_concurrency(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a limit of 5 a day, and one old invitation outside the 24-hour window
    monkeypatch.setattr(settings, "INVITATIONS_PER_DAY", 5)
    author, _ = await claimed_author(gql)
    sender, headers = await signed_in()
    old = await Invitation.create(sender=sender, author=author, message="long ago")
    day_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=25)
    await Invitation.filter(id=old.id).update(created_at=day_ago)
    # when the sender fires 20 invitations at once
    bodies = await asyncio.gather(
        *(
            gql(SEND, {"id": author_gid(author), "message": f"hello {i}"}, headers=headers)
            for i in range(20)
        )
    )
    # then exactly 5 are sent and 15 are RATE_LIMITED
    payloads = [b["data"]["sendInvitation"] for b in bodies]
    assert sum(1 for p in payloads if p["invitation"]) == 5
    assert sorted(c for p in payloads for c in codes(p)) == ["RATE_LIMITED"] * 15
    assert await Invitation.filter(sender=sender).count() == 6


async def test_invitation_ids_are_checked(gql: GraphQLClient) -> None:
    author, claimant = await claimed_author(gql)
    for value, code in (
        ("nope", "INVALID_INPUT"),
        (author_gid(author), "INVALID_INPUT"),
        ("SW52aXRhdGlvbjo5OTk5", "NOT_FOUND"),
    ):
        body = await gql(RESPOND, {"id": value, "accept": True}, headers=claimant)
        assert codes(body["data"]["respondToInvitation"]) == [code], value
    wrong_type = await gql(RESPOND, {"id": "x", "accept": "yes"}, headers=claimant)
    assert error_codes(wrong_type) == ["BAD_USER_INPUT"]
