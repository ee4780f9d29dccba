"""The Work type, its venue, authorships and topics, and the work list filters and orderings."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.enums import SourceType, WorkType
from resolvers.ids import article, from_global_id, to_global_id
from resolvers.sql import Row
from resolvers.works import WorkOrderKey, WorkQuery, list_works
from schema.common import ExternalId, ExternalIdScheme, Node
from schema.connections import Connection
from schema.context import Info
from schema.cost import cost

if TYPE_CHECKING:
    from schema.authors import Author
    from schema.institutions import Institution
    from schema.topics import Topic

# registered in schema.common, before any type uses it (see the note there)


@strawberry.input
class WorkFilter:
    year_from: int | None = None
    year_to: int | None = None
    types: list[WorkType] | None = None
    topic: strawberry.ID | None = None
    institution: strawberry.ID | None = None
    author: strawberry.ID | None = None
    has_abstract: bool | None = None


def _int_id(value: strawberry.ID | None, type_name: str) -> int | None:
    if value is None:
        return None
    gid = from_global_id(str(value))
    if gid.type != type_name:
        from resolvers.errors import InvalidId

        raise InvalidId(
            f"Expected the id of {article(type_name)}, got the id of {article(gid.type)}"
        )
    return gid.int_id


def work_query(f: WorkFilter | None) -> WorkQuery:
    if f is None:
        return WorkQuery()
    return WorkQuery(
        year_from=f.year_from,
        year_to=f.year_to,
        types=tuple(t.value for t in f.types or ()),
        topic_id=_int_id(f.topic, "Topic"),
        institution_id=_int_id(f.institution, "Institution"),
        author_id=_int_id(f.author, "Author"),
        has_abstract=f.has_abstract,
    )


@strawberry.type
class Venue:
    display_name: str
    type: SourceType
    issn_l: str | None


@strawberry.type
class Authorship:
    position: int
    raw_name: str
    is_corresponding: bool
    _row: strawberry.Private[Row]

    @strawberry.field
    async def author(
        self, info: Info
    ) -> Annotated[Author, strawberry.lazy("schema.authors")] | None:
        from schema.authors import Author

        author_id = self._row["author_id"]
        if author_id is None:
            return None
        row = await info.context.loaders.author.load(author_id)
        return Author.of(row) if row else None

    @strawberry.field(metadata=cost(list_size=2))
    async def institutions(
        self, info: Info
    ) -> list[Annotated[Institution, strawberry.lazy("schema.institutions")]]:
        from schema.institutions import Institution

        rows = await info.context.loaders.authorship_institutions.load(self._row["id"])
        return [Institution.of(r) for r in rows]


@strawberry.type
class WorkTopic:
    topic: Annotated[Topic, strawberry.lazy("schema.topics")]
    score: float
    is_primary: bool


@strawberry.type
class Work(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Work:
        return cls(id=strawberry.ID(to_global_id("Work", row["id"])), _row=row)

    @strawberry.field
    def title(self) -> str:
        return str(self._row["title"])

    @strawberry.field
    def abstract(self) -> str | None:
        return self._row["abstract"]  # type: ignore[no-any-return]

    @strawberry.field
    def type(self) -> WorkType:
        return WorkType(self._row["type"])

    @strawberry.field
    def publication_year(self) -> int | None:
        return self._row["publication_year"]  # type: ignore[no-any-return]

    @strawberry.field
    def publication_date(self) -> datetime.date | None:
        value = self._row["publication_date"]
        if isinstance(value, str):
            return datetime.date.fromisoformat(value)
        return value  # type: ignore[no-any-return]

    @strawberry.field
    async def venue(self, info: Info) -> Venue | None:
        if self._row.get("_venue_name") is not None:
            return Venue(
                display_name=self._row["_venue_name"],
                type=SourceType(self._row["_venue_type"]),
                issn_l=self._row["_venue_issn"],
            )
        if self._row["source_id"] is None:
            return None
        row = await info.context.loaders.source.load(self._row["source_id"])
        if row is None:
            return None
        return Venue(
            display_name=row["display_name"], type=SourceType(row["type"]), issn_l=row["issn_l"]
        )

    @strawberry.field
    def doi(self) -> str | None:
        return self._row["doi"]  # type: ignore[no-any-return]

    @strawberry.field
    def arxiv_id(self) -> str | None:
        return self._row["arxiv_id"]  # type: ignore[no-any-return]

    @strawberry.field
    def external_ids(self) -> list[ExternalId]:
        out = []
        for scheme, column in (
            (ExternalIdScheme.DOI, "doi"),
            (ExternalIdScheme.ARXIV, "arxiv_id"),
            (ExternalIdScheme.OPENALEX, "openalex_id"),
        ):
            if self._row[column]:
                out.append(ExternalId.of(scheme, self._row[column]))
        return out

    @strawberry.field
    def cited_by_count(self) -> int:
        return int(self._row["cited_by_count"])

    @strawberry.field(
        description="How many authors the record names. All of them are in `authorships` and"
        " count the work as theirs; only the first PEERGRAPH_COLLABORATION_MAX_AUTHORS"
        " (default 100) become each other's collaborators."
    )
    def author_count(self) -> int:
        return int(self._row["author_count"])

    @strawberry.field(description="Authors in byline order.", metadata=cost(list_size=25))
    async def authorships(self, info: Info) -> list[Authorship]:
        rows = await info.context.loaders.authorships.load(self._row["id"])
        return [
            Authorship(
                position=r["position"],
                raw_name=r["raw_name"],
                is_corresponding=bool(r["is_corresponding"]),
                _row=r,
            )
            for r in rows
        ]

    @strawberry.field(metadata=cost(list_size=5))
    async def topics(self, info: Info) -> list[WorkTopic]:
        from schema.topics import Topic

        rows = await info.context.loaders.work_topics.load(self._row["id"])
        return [
            WorkTopic(topic=Topic.of(r), score=r["score"], is_primary=bool(r["is_primary"]))
            for r in rows
        ]

    @strawberry.field(description="Works this work cites that are in the graph, newest first.")
    async def references(
        self, first: int | None = None, after: str | None = None
    ) -> WorkConnection:
        page = await list_works(
            WorkQuery(references_of=self._row["id"]),
            WorkOrderKey.PUBLICATION_DATE_DESC,
            first,
            after,
            Work.of,
        )
        return WorkConnection.of(page)  # type: ignore[no-any-return]

    @strawberry.field(description="Works in the graph that cite this work, newest first.")
    async def cited_by(self, first: int | None = None, after: str | None = None) -> WorkConnection:
        page = await list_works(
            WorkQuery(cited_by_of=self._row["id"]),
            WorkOrderKey.PUBLICATION_DATE_DESC,
            first,
            after,
            Work.of,
        )
        return WorkConnection.of(page)  # type: ignore[no-any-return]


@strawberry.type
class WorkConnection(Connection[Work]):
    pass


@strawberry.type
class WorkQueries:
    @strawberry.field(description="A work by global id, or `doi:…`, `arxiv:…`, `openalex:W…`.")
    async def work(self, info: Info, id: strawberry.ID) -> Work | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Work")
        return node if isinstance(node, Work) else None

    @strawberry.field(description="All works, filtered and ordered; newest first by default.")
    async def works(
        self,
        first: int | None = None,
        after: str | None = None,
        filter: WorkFilter | None = None,
        order_by: WorkOrderKey | None = WorkOrderKey.PUBLICATION_DATE_DESC,
    ) -> WorkConnection:
        order = order_by or WorkOrderKey.PUBLICATION_DATE_DESC  # the contract allows null
        page = await list_works(work_query(filter), order, first, after, Work.of)
        return WorkConnection.of(page)  # type: ignore[no-any-return]
