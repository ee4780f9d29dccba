"""The Strawberry schema: one module per domain, merged here into Query (and Mutation,
Subscription as the domains add them)."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.authors import Author, AuthorQueries
from schema.institutions import Institution, InstitutionQueries
from schema.nodes import NodeQueries
from schema.partners import PartnerQueries
from schema.slices import GraphSlice, SliceQueries, SliceSubscription
from schema.social import Claim, Invitation, ViewerQueries
from schema.social_mutations import SocialMutations
from schema.topics import Topic, TopicQueries
from schema.works import Work, WorkQueries


@strawberry.type
class Query(
    NodeQueries,
    AuthorQueries,
    WorkQueries,
    TopicQueries,
    InstitutionQueries,
    PartnerQueries,
    ViewerQueries,
    SliceQueries,
):
    pass


@strawberry.type
class Mutation(SocialMutations):
    pass


@strawberry.type
class Subscription(SliceSubscription):
    pass


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Author, Work, Topic, Institution, Claim, Invitation, GraphSlice],
        config=StrawberryConfig(auto_camel_case=True),
        # server/pipeline.py adds the error masking for the operations Strawberry runs itself
        extensions=[],
    )


schema = build_schema()
