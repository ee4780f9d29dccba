"""The Strawberry schema: one module per domain, merged here into Query (and Mutation,
Subscription as the domains add them)."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.author_queries import AuthorQueries
from schema.authors import Author
from schema.funders import Funder, FunderQueries
from schema.institutions import Institution, InstitutionQueries
from schema.nodes import NodeQueries
from schema.partners import PartnerQueries
from schema.slices import GraphSlice, SliceQueries, SliceSubscription
from schema.social import Claim, Invitation, ViewerQueries
from schema.social_mutations import SocialMutations
from schema.sources import Source, SourceQueries
from schema.topics import Topic, TopicQueries
from schema.works import Work, WorkQueries


@strawberry.type(
    description="Every read: objects by id (`node`, `author`, `work`, ...), lists, `search`, the"
    " signed-in `viewer`, graph slices and your `rateLimit`. Partners pay for each query in points."
)
class Query(
    NodeQueries,
    AuthorQueries,
    WorkQueries,
    TopicQueries,
    InstitutionQueries,
    SourceQueries,
    FunderQueries,
    PartnerQueries,
    ViewerQueries,
    SliceQueries,
):
    pass


@strawberry.type(
    description="Every write: accounts and tokens, follows, claims, profile edits and invitations."
    " Expected failures come back in `userErrors`, not as GraphQL errors."
)
class Mutation(SocialMutations):
    pass


@strawberry.type(
    description="Live updates over WebSocket (graphql-transport-ws at /graphql): a graph slice's"
    " progress until it is ready."
)
class Subscription(SliceSubscription):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Author, Work, Topic, Institution, Source, Funder, Claim, Invitation, GraphSlice],
        config=StrawberryConfig(auto_camel_case=True),
        # server/pipeline.py adds the error masking for the operations Strawberry runs itself
        extensions=[],
    )


schema = build_schema()
