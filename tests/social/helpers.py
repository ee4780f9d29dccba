"""GraphQL documents and small helpers shared by the social tests."""

from __future__ import annotations

from typing import Any

from resolvers.ids import to_global_id

AUTHOR_STATE = """
query($id: ID!) { author(id: $id) {
  counts { followers } viewerIsFollowing openToCollaborate
  claim { status viewerCanClaim }
  trust { score label verificationLevel claimed components { name points maxPoints } }
} }"""

FOLLOW = """mutation($id: ID!) { follow(authorId: $id) {
  author { counts { followers } viewerIsFollowing } userErrors { code message field } } }"""
UNFOLLOW = """mutation($id: ID!) { unfollow(authorId: $id) {
  author { counts { followers } viewerIsFollowing } userErrors { code message field } } }"""
CLAIM = """mutation($id: ID!, $orcid: String) { claimAuthor(authorId: $id, orcid: $orcid) {
  claim { id status orcid author { claim { status } trust { score verificationLevel } } }
  userErrors { code message field } } }"""
REVIEW = """mutation($id: ID!, $approve: Boolean!, $note: String, $verify: Boolean) {
  reviewClaim(claimId: $id, approve: $approve, note: $note, verify: $verify) {
    claim { id status note reviewedAt author { claim { status } trust { verificationLevel } } }
    userErrors { code message field } } }"""
SET_OPEN = """mutation($id: ID!, $open: Boolean!) {
  setOpenToCollaborate(authorId: $id, open: $open) {
  author { openToCollaborate } userErrors { code message field } } }"""
SEND = """mutation($id: ID!, $message: String!) {
  sendInvitation(authorId: $id, message: $message) {
  invitation { id status message sender { id email } author { id } createdAt }
  userErrors { code message field } } }"""
RESPOND = """mutation($id: ID!, $accept: Boolean!) {
  respondToInvitation(invitationId: $id, accept: $accept) {
    invitation { id status respondedAt } userErrors { code message field } } }"""
SIGN_UP = """mutation($email: String!, $password: String!) {
  signUp(email: $email, password: $password) {
  token user { id email isAdmin } userErrors { code message field } } }"""
LOG_IN = """mutation($email: String!, $password: String!) {
  logIn(email: $email, password: $password) {
  token user { email } userErrors { code message field } } }"""
LOG_OUT = "mutation { logOut { ok userErrors { code message field } } }"
VIEWER = """query($direction: InvitationDirection) { viewer {
  user { email isAdmin orcid orcidVerified }
  following(first: 100) { totalCount edges { node { id displayName } } }
  claims { id status author { id } }
  invitations(direction: $direction) { totalCount edges { node { id status message } } }
} }"""


def author_gid(author: Any) -> str:
    return to_global_id("Author", author.id)


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
