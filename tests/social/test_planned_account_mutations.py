"""The account, claim and invitation mutations run their write once through the planner, which
shapes the payload (a claim's or an invitation's author read in one statement with its whole
selection). Each answer is checked against graphql-core's executor answering the same operation
with the same outcome replayed (`Written`, what the pipeline does when the planner stops after a
write): byte-equal data. A selection the planner does not cover stops it before the write."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from graphql import OperationDefinitionNode, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from models.social import Invitation
from resolvers.context import Context, Principal
from resolvers.ids import to_global_id
from resolvers.relations import Unplanned
from schema import schema
from server.planner import Written
from server.planner.run import Planner
from server.planner.shape import Shaper
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_topic, make_work
from tests.factories_social import make_claim, make_user
from tests.social.helpers import author_gid

AUTHOR = """author { id displayName claim { status viewerState } viewerIsClaimant
  works(first: 2) { totalCount nodes { title } } topics(first: 1) { topic { displayName } } }"""
ERRORS = "userErrors { code message field }"
SIGN_UP = f"""mutation($email: String!, $password: String!) {{
  signUp(email: $email, password: $password) {{
    token user {{ id email isAdmin orcid orcidVerified createdAt }} {ERRORS} }} }}"""
LOG_IN = f"""mutation($email: String!, $password: String!) {{
  logIn(email: $email, password: $password) {{ token user {{ email }} {ERRORS} }} }}"""
LOG_OUT = f"mutation {{ logOut {{ ok {ERRORS} }} }}"
CLAIM = f"""mutation($id: ID!) {{ claimAuthor(authorId: $id) {{
  claim {{ id status orcid note createdAt reviewedAt {AUTHOR} }} {ERRORS} }} }}"""
REVIEW = f"""mutation($id: ID!) {{ reviewClaim(claimId: $id, approve: true, note: "Ok ✓") {{
  claim {{ ... on Node {{ id }} status note {AUTHOR} }} {ERRORS} }} }}"""
SEND = f"""mutation($id: ID!) {{ sendInvitation(authorId: $id, message: "Hallo, Zürich 😀") {{
  invitation {{ id status message createdAt respondedAt sender {{ id email }} {AUTHOR} }}
  {ERRORS} }} }}"""
RESPOND = f"""mutation($id: ID!) {{ respondToInvitation(invitationId: $id, accept: true) {{
  invitation {{ __typename id status message {AUTHOR} }} {ERRORS} }} }}"""


async def planned_and_replayed(
    query: str, variables: dict[str, Any], context: Callable[[], Context]
) -> tuple[Any, Any]:
    """The planner's data, and the executor's for the same operation with the outcome of each
    root field (the planner's one write) replayed."""
    outcomes: dict[str, Any] = {}
    original = Shaper.field

    async def recording(self: Shaper, obj: Any, sel: Any) -> Any:
        value = await original(self, obj, sel)
        if obj is None:  # a root field: the mutation's payload
            outcomes[sel.key] = value
        return value

    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Shaper, "field", recording)
        planned = await Planner(schema._schema).run(
            query, document, operation, variables, context()
        )
    outcome = execute(
        schema._schema,
        document,
        context_value=context(),
        variable_values=variables,
        middleware=[Written(outcomes)],
        executor_class=StrawberryGraphQLCoreExecutionContext,
    )
    replayed = await outcome if inspect.isawaitable(outcome) else outcome
    assert not replayed.errors, replayed.errors
    return planned, replayed.data


async def _author() -> Any:
    ada, bob = await make_author(display_name="Ådå Ø"), await make_author()
    topic = await make_topic()
    for _ in range(3):
        await make_work([ada, bob], [topic])
    return ada


def as_user(user: Any, token_id: int | None = None) -> Callable[[], Context]:
    return lambda: Context(principal=Principal(user=user, token_id=token_id))


async def test_account_mutations_answer_as_the_executor_would(gql: GraphQLClient) -> None:
    # given an account with a password, and anonymous callers
    await make_user(email="known@example.org", password="correct horse battery")
    cases = [
        (SIGN_UP, {"email": "New@Example.org", "password": "another long phrase"}),
        (SIGN_UP, {"email": "weak@example.org", "password": "password"}),  # WEAK_PASSWORD
        (LOG_IN, {"email": "known@example.org", "password": "correct horse battery"}),
        (LOG_IN, {"email": "known@example.org", "password": "wrong"}),
        (LOG_OUT, {}),  # anonymous: UNAUTHENTICATED
    ]
    for query, variables in cases:
        # when the planner runs each, and the executor replays its outcome
        planned, replayed = await planned_and_replayed(query, variables, as_user(None))
        # then both answer the same bytes
        assert orjson.dumps(planned) == orjson.dumps(replayed), (query, planned, replayed)


async def test_claim_and_invitation_mutations_answer_as_the_executor_would(
    gql: GraphQLClient,
) -> None:
    # given a claimant-to-be, an admin, a second user who holds a claim, and their authors
    ada, other = await _author(), await _author()
    claimant, admin = await make_user(), await make_user(is_admin=True)
    holder = await make_user()
    await make_claim(holder, other, "CLAIMED")

    # when ada is claimed, the claim approved, the holder invited by the claimant and accepting
    claimed, claimed_replayed = await planned_and_replayed(
        CLAIM, {"id": author_gid(ada)}, as_user(claimant)
    )
    claim_id = claimed["claimAuthor"]["claim"]["id"]
    reviewed, reviewed_replayed = await planned_and_replayed(
        REVIEW, {"id": claim_id}, as_user(admin)
    )
    sent, sent_replayed = await planned_and_replayed(
        SEND, {"id": author_gid(other)}, as_user(claimant)
    )
    invitation_id = sent["sendInvitation"]["invitation"]["id"]
    answered, answered_replayed = await planned_and_replayed(
        RESPOND, {"id": invitation_id}, as_user(holder)
    )
    refused, refused_replayed = await planned_and_replayed(
        REVIEW, {"id": to_global_id("Claim", 10**6)}, as_user(claimant)
    )

    # then each answer is the executor's, byte for byte, refusals included
    for planned, replayed in (
        (claimed, claimed_replayed),
        (reviewed, reviewed_replayed),
        (sent, sent_replayed),
        (answered, answered_replayed),
        (refused, refused_replayed),
    ):
        assert orjson.dumps(planned) == orjson.dumps(replayed), (planned, replayed)
    assert reviewed["reviewClaim"]["claim"]["author"]["claim"]["status"] == "CLAIMED"
    assert answered["respondToInvitation"]["invitation"]["status"] == "ACCEPTED"
    assert refused["reviewClaim"]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_a_selection_the_planner_does_not_cover_stops_it_before_the_write(
    gql: GraphQLClient,
) -> None:
    # given a claimed author and a user who may invite them
    author = await make_author()
    await make_claim(await make_user(), author, "CLAIMED")
    sender = await make_user()
    # the sender's own profile (a lookup of their claim) is the executor's
    query = """mutation($id: ID!) { sendInvitation(authorId: $id, message: "Hi") {
      invitation { sender { author { id } } } userErrors { code } } }"""
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    # when the planner is asked
    with pytest.raises(Unplanned):
        await Planner(schema._schema).run(
            query, document, operation, {"id": author_gid(author)}, as_user(sender)()
        )
    # then it stood aside before writing anything: the executor will write, once
    assert await Invitation.filter(author_id=author.id).count() == 0


async def test_a_claims_author_costs_one_statement_whatever_it_selects(gql: GraphQLClient) -> None:
    import settings
    from tests.api.helpers import count_sql
    from tests.factories_social import signed_in

    # the viewer-dependent fields ask about the viewer after the statement: in both
    bare = """mutation($id: ID!) { claimAuthor(authorId: $id) { claim { id
      author { id claim { status viewerState } viewerIsClaimant } } } }"""

    async def count(query: str) -> int:
        author = await _author()
        _, headers = await signed_in()
        with count_sql() as log:
            body = await gql(query, {"id": author_gid(author)}, headers=headers)
        assert "errors" not in body and body["data"]["claimAuthor"]["claim"], body
        return log.count

    # when three users each claim an author with works and topics: a bare and a rich selection
    # of the author through the planner, and the rich one through the executor
    bare_count, rich_count = await count(bare), await count(CLAIM)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        executor_count = await count(CLAIM)
    # then the rich selection (works, topics) costs what the bare one does (the author: one
    # statement), and more through the executor
    assert rich_count == bare_count, (bare_count, rich_count)
    assert executor_count > rich_count, (executor_count, rich_count)
