"""The Author type: profile fields, trust snapshot, counts, metrics, works, topics and
collaborators. Every database read goes through `info.context.loaders` or `resolvers/`."""

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
from schema.author_profile import (
    Affiliation,
    AuthorCounts,
    AuthorMetrics,
    ClaimState,
    ClaimStatus,
    InviteRefusal,
    TrustComponent,
    TrustLabel,
    TrustSnapshot,
    VerificationLevel,
)
from schema.common import ExternalId, ExternalIdScheme, Node, describe
from schema.connections import Connection
from schema.context import Info
from schema.cost import reads

if TYPE_CHECKING:
    from schema.slices import EdgeKind, GraphSlice
    from schema.topics import Topic
    from schema.works import Work, WorkConnection, WorkFilter

describe(
    data.AuthorOrderKey,
    {
        "WORKS_COUNT_DESC": "Most works first.",
        "CITED_BY_COUNT_DESC": "Most cited first.",
        "DISPLAY_NAME_ASC": "By name, alphabetically.",
    },
    name="AuthorOrder",
    description="The order of `Query.authors`; ties are broken by id.",
)


@strawberry.type(description="A topic the author works on, and how much.")
class AuthorTopic:
    topic: Annotated[Topic, strawberry.lazy("schema.topics")] = strawberry.field(
        description="The topic."
    )
    work_count: int = strawberry.field(description="The author's works on this topic.")
    share: float = strawberry.field(
        description="`workCount` divided by the author's works, from 0 to 1."
    )


@strawberry.type(description="A co-author, and the works the two share.")
class Collaborator:
    author: Author = strawberry.field(description="The co-author.")
    shared_works: int = strawberry.field(description="Works both are authors of; at least 1.")
    first_year: int | None = strawberry.field(
        description="The year of their first shared work; null when no shared work is dated."
    )
    last_year: int | None = strawberry.field(
        description="The year of their latest shared work; null when no shared work is dated."
    )
    is_close: bool = strawberry.field(description="A close collaborator: 2 or more shared works.")


@strawberry.type(description="A page of co-authors, strongest first.")
class CollaboratorConnection(Connection[Collaborator]):
    pass


def _first_affiliation(parent: Row, rows: list[Row], bound: object = None) -> Affiliation:
    return Affiliation.of(rows[0] if rows else None)


def _affiliations(parent: Row, rows: list[Row], bound: object = None) -> list[Affiliation]:
    return [Affiliation.of(r) for r in rows]


def _trust(author: Row, affiliations: list[Row], bound: object = None) -> TrustSnapshot:
    components = data.trust_components(author, affiliation_known=bool(affiliations))
    level = data.verification_level(author)
    return TrustSnapshot(
        score=sum(c.points for c in components),
        label=TrustLabel(data.trust_label(level)),
        verification_level=VerificationLevel(f"L{level}"),
        claimed=level >= 2,
        components=[
            TrustComponent(name=c.name, points=c.points, max_points=c.max_points, detail=c.detail)
            for c in components
        ],
    )


def _topics(author: Row, rows: list[Row], bound: object = None) -> list[AuthorTopic]:
    from schema.topics import Topic

    works = max(int(author["works_count"]), 1)
    return [
        AuthorTopic(topic=Topic.of(r), work_count=r["work_count"], share=r["work_count"] / works)
        for r in rows
    ]


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


def _collaborators(
    author: Row, rows: list[Row], bound: relations.Bound, total: Callable[[], object]
) -> CollaboratorConnection:
    assert bound.page is not None
    page = build_page(rows, bound.page, data.collaborator_key, _collaborator, total=total)
    return CollaboratorConnection.of(page)  # type: ignore[no-any-return]


@strawberry.type(
    description="A researcher: profile, trust, counts, metrics, works, topics and co-authors."
)
class Author(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Author:
        return cls(id=strawberry.ID(to_global_id("Author", row["id"])), _row=row)

    @strawberry.field(description="The name to show.", metadata=reads("display_name"))
    def display_name(self) -> str:
        return str(self._row["display_name"])

    @strawberry.field(
        description="Other spellings of the name the sources know; may be empty.",
        metadata=reads("alternative_names"),
    )
    def alternative_names(self) -> list[str]:
        return list(data.json_value(self._row["alternative_names"]) or [])

    @strawberry.field(
        description="A one-line bio, set with `updateAuthorProfile`; null when none.",
        metadata=reads("description"),
    )
    def description(self) -> str | None:
        return self._row["description"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="The ORCID iD, such as 0000-0002-1825-0097; null when unknown.",
        metadata=reads("orcid"),
    )
    def orcid(self) -> str | None:
        return self._row["orcid"]  # type: ignore[no-any-return]

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
        metadata=reads(relation=relations.AUTHOR_AFFILIATION, build=_first_affiliation),
    )
    async def affiliation(self, info: Info) -> Affiliation:
        rows = await info.context.loaders.affiliations.load(self._row["id"])
        return _first_affiliation(self._row, rows)

    # up to 10 per author in ../shared/data/openalex (OpenAlex keeps 10 at most); 20 leaves room
    @strawberry.field(
        description="Every known affiliation, most recent first; empty when none.",
        metadata=reads(relation=relations.AUTHOR_AFFILIATIONS, build=_affiliations, list_size=20),
    )
    async def affiliations(self, info: Info) -> list[Affiliation]:
        rows = await info.context.loaders.affiliations.load(self._row["id"])
        return _affiliations(self._row, rows)

    @strawberry.field(
        description="The author welcomes invitations to collaborate; see `setOpenToCollaborate`.",
        metadata=reads("open_to_collaborate"),
    )
    def open_to_collaborate(self) -> bool:
        return bool(self._row["open_to_collaborate"])

    @strawberry.field(
        description="How far the profile can be trusted, with every point explained.",
        metadata=reads(relation=relations.AUTHOR_TRUST, build=_trust),
    )
    async def trust(self, info: Info) -> TrustSnapshot:
        affiliations = await info.context.loaders.affiliations.load(self._row["id"])
        return _trust(self._row, affiliations)

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
        metadata=reads(relation=relations.AUTHOR_TOPICS, build=_topics),
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
        return _topics(self._row, rows)

    @strawberry.field(
        description="Co-authors, strongest first (shared works, then most recent).",
        metadata=reads(relation=relations.AUTHOR_COLLABORATORS, build=_collaborators),
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
        info.context.loaders.prime_authors([_coauthor_row(r) for r in rows])
        total = data.collaborators_total(
            self._row, close_only, info.context.loaders.collaborator_counts.load
        )
        return _collaborators(self._row, rows, relations.Bound(page=args), total)

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


def _coauthor_row(row: Row) -> Row:
    return {k: v for k, v in row.items() if not k.startswith("_") and k not in _COLLAB_ONLY}


_COLLAB_ONLY = frozenset({"coauthor_id", "shared_works", "first_year", "last_year"})


def _collaborator(row: Row) -> Collaborator:
    shared = int(row["shared_works"])
    return Collaborator(
        author=Author.of(_coauthor_row(row)),
        shared_works=shared,
        first_year=row["first_year"],
        last_year=row["last_year"],
        is_close=shared >= data.CLOSE_COLLABORATOR_MIN_SHARED,
    )


def author_page(
    parent: object, rows: list[Row], bound: relations.Bound, total: Callable[[], object]
) -> AuthorConnection:
    """A page of authors (the list's order is `bound.value`)."""
    assert bound.page is not None
    column = data.author_order_sql(bound.value)[2]
    key = lambda r: (r[column], r["id"])  # noqa: E731
    page = build_page(rows, bound.page, key, Author.of, total=total)
    return AuthorConnection.of(page)  # type: ignore[no-any-return]


@strawberry.input(
    description="Conditions on authors; all given ones must hold, null ones are ignored."
)
class AuthorFilter:
    institution: strawberry.ID | None = strawberry.field(
        default=None,
        description="Authors ever affiliated with this institution (its global id).",
    )
    topic: strawberry.ID | None = strawberry.field(
        default=None, description="Authors with works on this topic (its global id)."
    )
    open_to_collaborate: bool | None = strawberry.field(
        default=None, description="Authors whose `openToCollaborate` is this value."
    )
    claimed: bool | None = strawberry.field(
        default=None,
        description="Authors whose profile is claimed (CLAIMED or VERIFIED), or with false not.",
    )
    name_prefix: str | None = strawberry.field(
        default=None,
        description="Authors whose name starts with this, ignoring case and accents; at most 200"
        " characters.",
    )


@strawberry.type
class AuthorQueries:
    @strawberry.field(
        description="An author by global id, or `orcid:…`, `openalex:A…`; null if none.",
        metadata=reads(node="Author"),
    )
    async def author(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id, `orcid:…` or `openalex:A…`."),
        ],
    ) -> Author | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Author")
        return node if isinstance(node, Author) else None

    @strawberry.field(
        description="All authors, filtered and ordered; most works first by default.",
        metadata=reads(relation=relations.ROOT_AUTHORS, build=author_page),
    )
    async def authors(
        self,
        first: First = None,
        after: After = None,
        filter: Annotated[
            AuthorFilter | None,
            strawberry.argument(description="Keep only the authors that match; null keeps all."),
        ] = None,
        order_by: Annotated[
            data.AuthorOrderKey | None,
            strawberry.argument(description="The order; null means WORKS_COUNT_DESC."),
        ] = data.AuthorOrderKey.WORKS_COUNT_DESC,
    ) -> AuthorConnection:
        f = filter or AuthorFilter()
        query = data.author_query_of(
            institution=f.institution,
            topic=f.topic,
            open_to_collaborate=f.open_to_collaborate,
            claimed=f.claimed,
            name_prefix=f.name_prefix,
        )
        order = order_by or data.AuthorOrderKey.WORKS_COUNT_DESC  # the contract allows null
        page = await data.list_authors(query, order, first, after, Author.of)
        return AuthorConnection.of(page)  # type: ignore[no-any-return]
