"""The Author type: profile fields, trust snapshot, counts, metrics, works, topics and
collaborators, and a page of authors. The profile's value objects are in author_profile.py, the
topics and co-authors in author_network.py, `Query.author(s)` in author_queries.py. Every
database read goes through `info.context.loaders` or `resolvers/`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import authors as data
from resolvers import relations
from resolvers import viewer_state as viewing
from resolvers.ids import to_global_id
from resolvers.loaders import CollaboratorsKey, TopicsKey, WorksKey
from resolvers.pagination import Page, PageArgs, build_page, page_args
from resolvers.slices import POLL_POINTS
from resolvers.sql import Row
from resolvers.works import WorkOrderKey, WorkQuery, cursor_types, work_counter, work_key
from schema.args import After, First
from schema.author_network import (
    AuthorTopic,
    CollaboratorConnection,
    coauthor_row,
    collaborator_page,
    topics_of,
)
from schema.author_profile import (
    Affiliation,
    AuthorCounts,
    AuthorMetrics,
    ClaimState,
    ClaimStatus,
    InviteRefusal,
    TrustSnapshot,
    affiliations_of,
    first_affiliation,
    trust_snapshot,
)
from schema.common import ExternalId, ExternalIdScheme, Node
from schema.connections import Connection
from schema.context import Info
from schema.cost import reads, stored_column

if TYPE_CHECKING:
    from schema.slices import GraphSlice
    from schema.works import Work, WorkConnection, WorkFilter
    from workers.slice_spec import EdgeKind


def _work_page(
    rows: list[Row], args: PageArgs, order: WorkOrderKey, total: Callable[[], object]
) -> WorkConnection:
    from schema.works import Work, WorkConnection

    page: Page[Work] = build_page(rows, args, work_key(order), Work.of, total=total)
    return WorkConnection.of(page)  # type: ignore[no-any-return]


def _works(
    author: Row, rows: list[Row], bound: relations.Bound, total: Callable[[], object]
) -> WorkConnection:
    """An author's unfiltered works (the relation counts them with the cached counter)."""
    assert bound.page is not None
    return _work_page(rows, bound.page, bound.value, total)


@strawberry.type(
    description="A researcher: profile, trust, counts, metrics, works, topics and co-authors."
)
class Author(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Author:
        return cls(id=strawberry.ID(to_global_id("Author", row["id"])), _row=row)

    display_name: str = stored_column(
        "display_name",
        "The name to show.",
    )

    @strawberry.field(
        description="Other spellings of the name the sources know; may be empty.",
        metadata=reads("alternative_names"),
    )
    def alternative_names(self) -> list[str]:
        return list(data.json_value(self._row["alternative_names"]) or [])

    description: str | None = stored_column(
        "description",
        "A one-line bio, set with `updateAuthorProfile`; null when none.",
    )

    orcid: str | None = stored_column(
        "orcid",
        "The ORCID iD, such as 0000-0002-1825-0097; null when unknown.",
    )

    @strawberry.field(
        description="The author's ids at ORCID and OpenAlex, with links; empty when none.",
        metadata=reads("orcid", "openalex_id"),
    )
    def external_ids(self) -> list[ExternalId]:
        out = []
        if self._row["orcid"]:
            out.append(ExternalId.of(ExternalIdScheme.ORCID, self._row["orcid"]))
        if self._row["openalex_id"]:
            out.append(ExternalId.of(ExternalIdScheme.OPENALEX, self._row["openalex_id"]))
        return out

    @strawberry.field(
        description="The most recent affiliation; its status is NOT_IMPORTED when none is known.",
        metadata=reads(relation=relations.AUTHOR_AFFILIATION, build=first_affiliation),
    )
    async def affiliation(self, info: Info) -> Affiliation:
        rows = await info.context.loaders.affiliations.load(self._row["id"])
        return first_affiliation(self._row, rows)

    # up to 10 per author in ../shared/data/openalex (OpenAlex keeps 10 at most); 20 leaves room
    @strawberry.field(
        description="Every known affiliation, most recent first; empty when none.",
        metadata=reads(relation=relations.AUTHOR_AFFILIATIONS, build=affiliations_of, list_size=20),
    )
    async def affiliations(self, info: Info) -> list[Affiliation]:
        rows = await info.context.loaders.affiliations.load(self._row["id"])
        return affiliations_of(self._row, rows)

    open_to_collaborate: bool = stored_column(
        "open_to_collaborate",
        "The author welcomes invitations to collaborate; see `setOpenToCollaborate`.",
    )

    @strawberry.field(
        description="How far the profile can be trusted, with every point explained.",
        metadata=reads(relation=relations.AUTHOR_TRUST, build=trust_snapshot),
    )
    async def trust(self, info: Info) -> TrustSnapshot:
        affiliations = await info.context.loaders.affiliations.load(self._row["id"])
        return trust_snapshot(self._row, affiliations)

    @strawberry.field(
        description="Works, citations, followers, topics and close collaborators.",
        metadata=reads(
            "works_count",
            "cited_by_count",
            "followers_count",
            "topics_count",
            "close_collaborators_count",
        ),
    )
    def counts(self) -> AuthorCounts:
        r = self._row
        return AuthorCounts(
            works=r["works_count"],
            citations=r["cited_by_count"],
            followers=r["followers_count"],
            topics=r["topics_count"],
            close_collaborators=r["close_collaborators_count"],
        )

    @strawberry.field(
        description="The h-index, i10-index, citations, and works and citations per year.",
        metadata=reads("h_index", "i10_index", "cited_by_count", "counts_by_year"),
    )
    def metrics(self) -> AuthorMetrics:
        r = self._row
        return AuthorMetrics(
            h_index=r["h_index"],
            i10_index=r["i10_index"],
            cited_by_count=r["cited_by_count"],
            _by_year=data.json_value(r["counts_by_year"]) or {},
        )

    @strawberry.field(
        description="The author's works; newest first by default.",
        metadata=reads(relation=relations.AUTHOR_WORKS, build=_works),
    )
    async def works(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        order_by: Annotated[
            WorkOrderKey | None,
            strawberry.argument(description="The order; null means PUBLICATION_DATE_DESC."),
        ] = WorkOrderKey.PUBLICATION_DATE_DESC,
        filter: Annotated[
            Annotated[WorkFilter, strawberry.lazy("schema.works")] | None,
            strawberry.argument(description="Keep only the works that match; null keeps all."),
        ] = None,
    ) -> Annotated[WorkConnection, strawberry.lazy("schema.works")]:
        from schema.works import work_query

        order_by = order_by or WorkOrderKey.PUBLICATION_DATE_DESC  # the contract allows null
        query = work_query(filter)
        args = page_args(first, after, 2, types=cursor_types(order_by))
        rows = await info.context.loaders.author_works.load(
            WorksKey(self._row["id"], query, order_by, args)
        )
        works_count = int(self._row["works_count"])
        # the cached counter answers totalCount without a query when nothing is filtered
        total = (
            (lambda: works_count)
            if query == WorkQuery()
            else work_counter(replace(query, author_id=self._row["id"]))
        )
        return _work_page(rows, args, order_by, total)

    @strawberry.field(
        description="Topics of the author's works, most works first.",
        metadata=reads(relation=relations.AUTHOR_TOPICS, build=topics_of),
    )
    async def topics(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many topics, from 0 to 100; default 10.")
        ] = 10,
    ) -> list[AuthorTopic]:
        first = relations.check_topics_first(first)
        rows = await info.context.loaders.author_topics.load(TopicsKey(self._row["id"], first))
        return topics_of(self._row, rows)

    @strawberry.field(
        description="Co-authors, strongest first (shared works, then most recent).",
        metadata=reads(relation=relations.AUTHOR_COLLABORATORS, build=collaborator_page),
    )
    async def collaborators(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        close_only: Annotated[
            bool,
            strawberry.argument(
                description="Only close collaborators (2 or more shared works); `totalCount`"
                " then counts only them."
            ),
        ] = False,
    ) -> CollaboratorConnection:
        args = page_args(first, after, 3)
        rows = await info.context.loaders.collaborators.load(
            CollaboratorsKey(self._row["id"], close_only, args)
        )
        info.context.loaders.prime_authors([coauthor_row(r) for r in rows])
        total = data.collaborators_total(
            self._row, close_only, info.context.loaders.collaborator_counts.load
        )
        return collaborator_page(self._row, rows, relations.Bound(page=args), total)

    @strawberry.field(
        description="The signed-in viewer follows this author; false when anonymous.",
        metadata=reads(viewer=True),
    )
    async def viewer_is_following(self, info: Info) -> bool:
        from resolvers import social

        return await social.viewer_is_following(info.context, self._row["id"])

    @strawberry.field(
        description="Who holds the profile, and whether the viewer can claim it.",
        metadata=reads("claim_status", viewer=True),
    )
    async def claim(self, info: Info) -> ClaimState:
        from resolvers import social

        status = self._row["claim_status"]
        status = status if status in ClaimStatus.__members__ else "UNCLAIMED"
        can_claim = await social.viewer_can_claim(info.context, self._row)
        state = await viewing.claim_state(info.context, self._row)
        return ClaimState(
            status=ClaimStatus(status), viewer_can_claim=can_claim, viewer_state=state
        )

    @strawberry.field(
        description="The viewer is this author's approved claimant.", metadata=reads(viewer=True)
    )
    async def viewer_is_claimant(self, info: Info) -> bool:
        return await viewing.is_claimant(info.context, self._row)

    @strawberry.field(
        description="`sendInvitation` to this author would be accepted.",
        metadata=reads("claim_status", viewer=True),
    )
    async def viewer_can_invite(self, info: Info) -> bool:
        return await viewing.invite_block(info.context, self._row) is None

    @strawberry.field(
        description="Why the viewer may not invite this author; null when they may.",
        metadata=reads("claim_status", viewer=True),
    )
    async def viewer_invite_refusal(self, info: Info) -> InviteRefusal | None:
        block = await viewing.invite_block(info.context, self._row)
        return (
            None
            if block is None
            else InviteRefusal(code=block, message=viewing.INVITE_MESSAGES[block])
        )

    @strawberry.field(
        description="The graph near this author (see Query.graphSlice), priced the same: 1 point"
        " to read or poll, 9 more only for the request that starts a computation.",
        # a list of authors pays 9 more for each slice it starts (resolvers/slices.py), so a
        # profile page with its graph panel stays about 1 point
        metadata=reads("id", outside=True, weight=POLL_POINTS),
    )
    async def graph_slice(
        self,
        info: Info,
        radius: Annotated[
            int | None, strawberry.argument(description="Hops from the author, 1 or 2.")
        ] = 1,
        max_nodes: Annotated[
            int | None,
            strawberry.argument(description="The most nodes, 1 to 200, the author included."),
        ] = 50,
        edge_kinds: Annotated[
            list[Annotated[EdgeKind, strawberry.lazy("schema.slices")]] | None,
            strawberry.argument(
                description="The edges to follow; null means the five structural kinds."
            ),
        ] = None,
    ) -> Annotated[GraphSlice, strawberry.lazy("schema.slices")]:
        from schema.slices import author_graph_slice

        return await author_graph_slice(info, self.id, radius, max_nodes, edge_kinds)


@strawberry.type(description="A page of authors.")
class AuthorConnection(Connection[Author]):
    pass


def author_page(
    parent: object, rows: list[Row], bound: relations.Bound, total: Callable[[], object]
) -> AuthorConnection:
    """A page of authors (the list's order is `bound.value`)."""
    assert bound.page is not None
    column = data.author_order_sql(bound.value)[2]
    key = lambda r: (r[column], r["id"])  # noqa: E731
    page = build_page(rows, bound.page, key, Author.of, total=total)
    return AuthorConnection.of(page)  # type: ignore[no-any-return]
