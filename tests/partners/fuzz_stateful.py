"""Stateful fuzzing for `make fuzz`: random sequences of what users do (sign up, log in, follow,
claim, invite, answer, read, log out), driven by Hypothesis' rule-based state machine against a
live server, with random and hostile inputs mixed into real ones. Every answer must be below
HTTP 500 and every error must carry a code other than INTERNAL (fuzz_hooks.no_server_error).

    python -m tests.partners.fuzz_stateful http://127.0.0.1:PORT/graphql [--examples N]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, rule

from tests.partners.fuzz_hooks import no_server_error

URL = ""
SIGN_UP = """mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) {
  token user { id email } userErrors { code field } } }"""
LOG_IN = """mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) {
  token userErrors { code } } }"""
LOG_OUT = "mutation { logOut { ok userErrors { code } } }"
FOLLOW = """mutation($a: ID!) { follow(authorId: $a) { author { id viewerIsFollowing }
  userErrors { code } } }"""
UNFOLLOW = "mutation($a: ID!) { unfollow(authorId: $a) { author { id } userErrors { code } } }"
CLAIM = """mutation($a: ID!, $o: String) { claimAuthor(authorId: $a, orcid: $o) {
  claim { id status } userErrors { code } } }"""
INVITE = """mutation($a: ID!, $m: String!) { sendInvitation(authorId: $a, message: $m) {
  invitation { id status } userErrors { code } } }"""
RESPOND = """mutation($i: ID!, $y: Boolean!) { respondToInvitation(invitationId: $i, accept: $y) {
  invitation { id status } userErrors { code } } }"""
VIEWER = """{ viewer { user { email } following(first: 5) { totalCount }
  claims { id status } invitations(direction: RECEIVED) { totalCount edges { node { id } } } } }"""
PROFILE = """query($a: ID!) { author(id: $a) { displayName viewerIsFollowing viewerIsClaimant
  viewerCanInvite claim { status viewerCanClaim } trust { score label } } }"""

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " " * 8, "\x00", "' OR 1=1 --", "😀" * 10, "a" * 2000, "Author:01"]),
)
emails = st.one_of(
    st.builds(lambda n: f"user{n}@example.org", st.integers(0, 30)),
    hostile_text,
)
passwords = st.one_of(st.just("correct horse battery"), hostile_text)


class Response:
    """What no_server_error reads."""

    def __init__(self, raw: httpx.Response) -> None:
        self.status_code = raw.status_code
        self.text = raw.text
        self._raw = raw

    def json(self) -> Any:
        return self._raw.json()


def call(query: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    raw = httpx.post(
        URL, json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    no_server_error(None, Response(raw), None)
    body: dict[str, Any] = raw.json()
    return body


class Users(RuleBasedStateMachine):
    tokens = Bundle("tokens")
    invitations = Bundle("invitations")

    @initialize()
    def load_authors(self) -> None:
        body = call("{ authors(first: 20) { nodes { id } } }", {})
        self.authors = [n["id"] for n in body["data"]["authors"]["nodes"]] or ["QXV0aG9yOjE"]

    def author(self, data: st.DataObject) -> str:
        return str(data.draw(st.one_of(st.sampled_from(self.authors), hostile_text)))

    @rule(target=tokens, email=emails, password=passwords)
    def sign_up(self, email: str, password: str) -> str:
        body = call(SIGN_UP, {"e": email, "p": password})
        return str((body.get("data") or {}).get("signUp", {}).get("token") or "")

    @rule(target=tokens, email=emails, password=passwords)
    def log_in(self, email: str, password: str) -> str:
        body = call(LOG_IN, {"e": email, "p": password})
        return str((body.get("data") or {}).get("logIn", {}).get("token") or "")

    @rule(token=tokens, data=st.data(), follow=st.booleans())
    def follow(self, token: str, data: st.DataObject, follow: bool) -> None:
        call(FOLLOW if follow else UNFOLLOW, {"a": self.author(data)}, token or None)

    @rule(token=tokens, data=st.data(), orcid=st.one_of(st.none(), hostile_text))
    def claim(self, token: str, data: st.DataObject, orcid: str | None) -> None:
        call(CLAIM, {"a": self.author(data), "o": orcid}, token or None)

    @rule(target=invitations, token=tokens, data=st.data(), message=hostile_text)
    def invite(self, token: str, data: st.DataObject, message: str) -> str:
        body = call(INVITE, {"a": self.author(data), "m": message}, token or None)
        invitation = ((body.get("data") or {}).get("sendInvitation") or {}).get("invitation")
        return str(invitation["id"]) if invitation else "SW52aXRhdGlvbjox"

    @rule(token=tokens, invitation=invitations, accept=st.booleans())
    def respond(self, token: str, invitation: str, accept: bool) -> None:
        call(RESPOND, {"i": invitation, "y": accept}, token or None)

    @rule(token=tokens, data=st.data())
    def read(self, token: str, data: st.DataObject) -> None:
        call(VIEWER, {}, token or None)
        call(PROFILE, {"a": self.author(data)}, token or None)

    @rule(token=tokens)
    def log_out(self, token: str) -> None:
        call(LOG_OUT, {}, token or None)
        call(VIEWER, {}, token or None)  # a replayed token after logOut: 401, never a 5xx


def main(argv: list[str] | None = None) -> int:
    global URL
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--examples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    URL = args.url
    test = Users.TestCase
    test.settings = settings(
        max_examples=args.examples,
        stateful_step_count=15,
        deadline=None,
        derandomize=False,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    import random

    random.seed(args.seed)
    import unittest

    suite = unittest.TestLoader().loadTestsFromTestCase(test)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    raise SystemExit(main())
