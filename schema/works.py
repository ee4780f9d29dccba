"""The Work type, its venue, authorships and topics, and the work list filters and orderings."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from models.enums import SourceType, WorkType
from resolvers import relations
from resolvers.ids import to_global_id
from resolvers.pagination import build_page
from resolvers.sql import Row
from resolvers.works import VENUE_COLUMNS, WorkOrderKey, WorkQuery, list_works, work_key
from schema.args import MAX_YEAR_SPAN, After, First, YearFrom, YearTo, id_argument
from schema.common import ExternalId, ExternalIdScheme, Node
from schema.connections import Connection
from schema.context import Info
from schema.cost import column, reads, stored_column
from schema.work_fields import (
    Biblio,
    CitationYearCount,
    Grant,
    Keyword,
    OpenAccess,
    biblio,
    counts_by_year,
    grants,
    keywords,
    open_access,
)
from schema.work_filter import WorkFilter, work_query
from schema.work_lists import works_of

__all__ = ["Work", "WorkConnection", "WorkFilter", "WorkQueries", "work_page", "work_query"]

if TYPE_CHECKING:
    from schema.authors import Author
    from schema.institutions import Institution
    from schema.sources import Source
    from schema.topics import Topic

# registered in schema.common, before any type uses it (see the note there)


@strawberry.type(description="Where a work appeared: arXiv, a journal, a conference or a series.")
class Venue:
    display_name: str = strawberry.field(
        description="The venue's name (`arXiv`, a journal's title).",
        metadata=column("display_name"),
    )
    type: SourceType = strawberry.field(
        description="What kind of venue it is.", metadata=column("type")
    )
    issn_l: str | None = strawberry.field(
        description="The linking ISSN (ISSN-L) of a journal or series, `1234-567X`; null when "
        "the record gives none.",
        metadata=column("issn_l"),
    )
    source: Annotated[Source, strawberry.lazy("schema.sources")] = strawberry.field(
        description="The venue as an entity: its id, external ids and works."
    )


def _venue(work: Row, source: Row | None, bound: object = None) -> Venue | None:
    from schema.sources import Source

    if source is None:
        return None
    return Venue(
        display_name=source["display_name"],
        type=SourceType(source["type"]),
        issn_l=source["issn_l"],
        source=Source.of(source),
    )


def _author(authorship: Row, row: Row | None, bound: object = None) -> Author | None:
    from schema.authors import Author

    return Author.of(row) if row is not None else None


def _institutions(parent: Row, rows: list[Row], bound: object = None) -> list[Institution]:
    from schema.institutions import Institution

    return [Institution.of(r) for r in rows]


def _authorships(work: Row, rows: list[Row], bound: object = None) -> list[Authorship]:
    return [
        Authorship(
            position=r["position"],
            raw_name=r["raw_name"],
            is_corresponding=bool(r["is_corresponding"]),
            _row=r,
        )
        for r in rows
    ]


def _topics(work: Row, rows: list[Row], bound: object = None) -> list[WorkTopic]:
    from schema.topics import Topic

    return [
        WorkTopic(topic=Topic.of(r), score=r["score"], is_primary=bool(r["is_primary"]))
        for r in rows
    ]


def work_page(
    parent: object, rows: list[Row], bound: relations.Bound, total: Callable[[], object]
) -> WorkConnection:
    """A page of works in the order `bound.value` (every work list's build)."""
    assert bound.page is not None
    page = build_page(rows, bound.page, work_key(bound.value), Work.of, total=total)
    return WorkConnection.of(page)  # type: ignore[no-any-return]


@strawberry.type(description="One author's place in a work's byline.")
class Authorship:
    position: int = strawberry.field(
        description="Place in the byline, 0 for the first author.", metadata=column("position")
    )
    raw_name: str = strawberry.field(
        description="The name as the work's record prints it.", metadata=column("raw_name")
    )
    is_corresponding: bool = strawberry.field(
        description="Whether the record marks this author as corresponding; false when it does "
        "not say (arXiv records never do).",
        metadata=column("is_corresponding"),
    )
    _row: strawberry.Private[Row]

    @strawberry.field(
        description="The author entity; null when the record names none, or it was deleted.",
        metadata=reads(relation=relations.AUTHORSHIP_AUTHOR, build=_author),
    )
    async def author(
        self, info: Info
    ) -> Annotated[Author, strawberry.lazy("schema.authors")] | None:
        author_id = self._row["author_id"]
        if author_id is None:
            return None
        return _author(self._row, await info.context.loaders.author.load(author_id))

    # up to 5 per authorship in ../shared/data/openalex (782 authorships); 10 leaves room
    @strawberry.field(
        description="The institutions the author gave on this work; empty when none.",
        metadata=reads(
            relation=relations.AUTHORSHIP_INSTITUTIONS, build=_institutions, list_size=10
        ),
    )
    async def institutions(
        self, info: Info
    ) -> list[Annotated[Institution, strawberry.lazy("schema.institutions")]]:
        rows = await info.context.loaders.authorship_institutions.load(self._row["id"])
        return _institutions(self._row, rows)


@strawberry.type(description="A topic of a work, with how strongly it applies.")
class WorkTopic:
    topic: Annotated[Topic, strawberry.lazy("schema.topics")] = strawberry.field(
        description="The topic (an OpenAlex topic or an arXiv category)."
    )
    score: float = strawberry.field(
        description="How strongly the topic applies, 0 to 1: OpenAlex's score; 1 for arXiv "
        "categories."
    )
    is_primary: bool = strawberry.field(
        description="Whether this is the work's primary topic (for arXiv, its first category)."
    )


@strawberry.type(
    description="A scholarly work (article, preprint, book, dataset…) as its OpenAlex or arXiv "
    "record gives it."
)
class Work(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Work:
        return cls(id=strawberry.ID(to_global_id("Work", row["id"])), _row=row)

    title: str = stored_column(
        "title",
        "The title as the record gives it.",
    )

    abstract: str | None = stored_column(
        "abstract",
        "The abstract as the record gives it; null when it has none.",
    )

    type: WorkType = stored_column(
        "type",
        "What kind of work it is.",
        convert=WorkType,
    )

    publication_year: int | None = stored_column(
        "publication_year",
        "The year published (for an arXiv preprint that was published since, the "
        "published year); null when unknown.",
    )

    @strawberry.field(
        description="The date published; null when the record gives none.",
        metadata=reads("publication_date"),
    )
    def publication_date(self) -> datetime.date | None:
        value = self._row["publication_date"]
        if isinstance(value, str):
            return datetime.date.fromisoformat(value)
        return value  # type: ignore[no-any-return]

    @strawberry.field(
        description="Where it appeared (for an arXiv preprint published since, the published "
        "venue); null when the record names none.",
        metadata=reads(relation=relations.WORK_VENUE, build=_venue),
    )
    async def venue(self, info: Info) -> Venue | None:
        if self._row.get("_venue_name") is not None:
            venue = {k: self._row[f"_venue_{k}"] for k in VENUE_COLUMNS}
            return _venue(self._row, {**venue, "id": self._row["source_id"]})
        if self._row["source_id"] is None:
            return None
        return _venue(self._row, await info.context.loaders.source.load(self._row["source_id"]))

    doi: str | None = stored_column(
        "doi",
        "The DOI without `https://doi.org/` (`10.1145/…`); null when it has none.",
    )

    arxiv_id: str | None = stored_column(
        "arxiv_id",
        "The arXiv id (`2007.08563`); null for works not on arXiv.",
    )

    @strawberry.field(
        description="The identifiers it has, each with its URL: DOI, then arXiv, then OpenAlex.",
        metadata=reads("doi", "arxiv_id", "openalex_id"),
    )
    def external_ids(self) -> list[ExternalId]:
        out = []
        for scheme, key in (
            (ExternalIdScheme.DOI, "doi"),
            (ExternalIdScheme.ARXIV, "arxiv_id"),
            (ExternalIdScheme.OPENALEX, "openalex_id"),
        ):
            if self._row[key]:
                out.append(ExternalId.of(scheme, self._row[key]))
        return out

    cited_by_count: int = stored_column(
        "cited_by_count",
        "How many works cite it, as its record counts them (citing works need not be "
        "in this graph; see `citedBy` for those that are).",
    )

    author_count: int = stored_column(
        "author_count",
        "How many authors the record names. All of them are in `authorships` and"
        " count the work as theirs; only the first PEERGRAPH_COLLABORATION_MAX_AUTHORS"
        " (default 100) become each other's collaborators.",
    )

    # 31 at most in ../shared/data/openalex, but hyperauthored works run to thousands; OpenAlex
    # lists 100 authorships per work at most in its list endpoints (is_authors_truncated)
    @strawberry.field(
        description="Authors in byline order.",
        metadata=reads(relation=relations.WORK_AUTHORSHIPS, build=_authorships, list_size=100),
    )
    async def authorships(self, info: Info) -> list[Authorship]:
        rows = await info.context.loaders.authorships.load(self._row["id"])
        return _authorships(self._row, rows)

    @strawberry.field(
        description="Its topics, the primary one first, then by score.",
        metadata=reads(relation=relations.WORK_TOPICS, build=_topics, list_size=5),
    )
    async def topics(self, info: Info) -> list[WorkTopic]:
        rows = await info.context.loaders.work_topics.load(self._row["id"])
        return _topics(self._row, rows)

    @strawberry.field(
        description="Whether and where it can be read for free; null when the record does not "
        "say (arXiv records).",
        metadata=reads("is_oa", "oa_status", "oa_url"),
    )
    def open_access(self) -> OpenAccess | None:
        return open_access(self._row)

    language: str | None = stored_column(
        "language",
        "Its language, an ISO 639-1 code as OpenAlex detects it (`en`); null when unknown.",
    )

    # 5 at most in ../shared/data/openalex; OpenAlex keeps a handful per work
    @strawberry.field(
        description="OpenAlex's keywords for it, best first as the record lists them.",
        metadata=reads("keywords", list_size=10),
    )
    def keywords(self) -> list[Keyword]:
        return keywords(self._row)

    # 4 at most in ../shared/data/openalex
    @strawberry.field(
        description="The funding it acknowledges, in the record's order: each funder with its "
        "award id, or with a null award when the record names the funder alone.",
        metadata=reads(relation=relations.WORK_GRANTS, build=grants, list_size=20),
    )
    async def grants(self, info: Info) -> list[Grant]:
        return grants(self._row, await info.context.loaders.grants.load(self._row["id"]))

    @strawberry.field(
        description="Citations received per year, as its record counts them, with zeros for "
        f"missing years (at most {MAX_YEAR_SPAN} years).",
        metadata=reads("counts_by_year", list_size=MAX_YEAR_SPAN),
    )
    def counts_by_year(self, from_: YearFrom, to: YearTo) -> list[CitationYearCount]:
        return counts_by_year(self._row, from_, to)

    referenced_works_count: int = stored_column(
        "referenced_works_count",
        "How many works it cites, as its record counts them, in the graph or not "
        "(see `references` for those that are).",
    )

    is_retracted: bool = stored_column(
        "is_retracted",
        "Whether it has been retracted.",
    )

    @strawberry.field(
        description="Volume, issue and pages in its venue; null when the record gives none.",
        metadata=reads("biblio_volume", "biblio_issue", "biblio_first_page", "biblio_last_page"),
    )
    def biblio(self) -> Biblio | None:
        return biblio(self._row)

    journal_ref: str | None = stored_column(
        "journal_ref",
        "The arXiv `journal-ref` of a preprint published since, as arXiv gives it "
        "(`venue` and `publicationYear` are read from it); null otherwise.",
    )

    @strawberry.field(
        description="Works in the graph OpenAlex lists as related to this one, newest first.",
        metadata=reads(relation=relations.WORK_RELATED, build=work_page),
    )
    async def related_works(self, first: First = None, after: After = None) -> WorkConnection:
        return await works_of(WorkQuery(related_of=self._row["id"]), first, after)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Works this work cites that are in the graph, newest first.",
        metadata=reads(relation=relations.WORK_REFERENCES, build=work_page),
    )
    async def references(self, first: First = None, after: After = None) -> WorkConnection:
        return await works_of(WorkQuery(references_of=self._row["id"]), first, after)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Works in the graph that cite this work, newest first.",
        metadata=reads(relation=relations.WORK_CITED_BY, build=work_page),
    )
    async def cited_by(self, first: First = None, after: After = None) -> WorkConnection:
        return await works_of(WorkQuery(cited_by_of=self._row["id"]), first, after)  # type: ignore[no-any-return]


@strawberry.type(description="A page of works, in the order the field that returns it states.")
class WorkConnection(Connection[Work]):
    pass


@strawberry.type
class WorkQueries:
    @strawberry.field(
        description="A work by global id, or `doi:…`, `arxiv:…`, `openalex:W…`.",
        metadata=reads(node="Work"),
    )
    async def work(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            id_argument("A global id, or `doi:10.…`, `arxiv:2007.08563`, `openalex:W…`"),
        ],
    ) -> Work | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Work")
        return node if isinstance(node, Work) else None

    @strawberry.field(
        description="All works, filtered and ordered; newest first by default.",
        metadata=reads(relation=relations.ROOT_WORKS, build=work_page),
    )
    async def works(
        self,
        first: First = None,
        after: After = None,
        filter: Annotated[
            WorkFilter | None,
            strawberry.argument(description="Which works to list; all of them when null."),
        ] = None,
        order_by: Annotated[
            WorkOrderKey | None,
            strawberry.argument(description="The order; null means PUBLICATION_DATE_DESC."),
        ] = WorkOrderKey.PUBLICATION_DATE_DESC,
    ) -> WorkConnection:
        order = order_by or WorkOrderKey.PUBLICATION_DATE_DESC  # the contract allows null
        page = await list_works(work_query(filter), order, first, after, Work.of)
        return WorkConnection.of(page)  # type: ignore[no-any-return]
