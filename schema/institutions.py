"""The Institution type."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from resolvers import relations
from resolvers.authors import AuthorOrderKey, AuthorQuery, list_authors
from resolvers.ids import to_global_id
from resolvers.sql import Row
from resolvers.works import WorkQuery
from schema.args import After, First, id_argument
from schema.common import ExternalId, ExternalIdScheme, Node, describe
from schema.context import Info
from schema.cost import reads, stored_column
from schema.work_lists import work_page, works_of

if TYPE_CHECKING:
    from schema.authors import AuthorConnection
    from schema.works import WorkConnection


def _author_page(*args: Any) -> Any:
    from schema.authors import author_page

    return author_page(*args)


class Relationship(Enum):
    PARENT = "PARENT"
    CHILD = "CHILD"
    RELATED = "RELATED"


describe(
    Relationship,
    {
        "PARENT": "The other institution is part of whose structure this one belongs to.",
        "CHILD": "The other institution is part of this one.",
        "RELATED": "The two are related otherwise (a university and its hospital).",
    },
    name="InstitutionRelationship",
    description="How an associated institution relates to this one, as OpenAlex records it.",
)


@strawberry.type(description="An institution associated with another, and how.")
class AssociatedInstitution:
    institution: Institution = strawberry.field(description="The associated institution.")
    relationship: Relationship = strawberry.field(
        description="What it is to the institution that lists it."
    )


def _lineage(parent: Row, rows: list[Row], bound: object = None) -> list[Institution]:
    return [Institution.of(r) for r in rows]


def _parent(parent: Row, rows: list[Row], bound: object = None) -> Institution | None:
    return Institution.of(rows[0]) if rows else None


def _associated(parent: Row, rows: list[Row], bound: object = None) -> list[AssociatedInstitution]:
    return [
        AssociatedInstitution(institution=Institution.of(r), relationship=Relationship(r["kind"]))
        for r in rows
    ]


async def _links(info: Info, row: Row, *kinds: str) -> list[Row]:
    rows = await info.context.loaders.institution_links.load(row["id"])
    return [r for r in rows if r["kind"] in kinds]


@strawberry.type(
    description="An organisation authors are affiliated with: a university, company, hospital, "
    "facility…"
)
class Institution(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Institution:
        return cls(id=strawberry.ID(to_global_id("Institution", row["id"])), _row=row)

    display_name: str = stored_column(
        "display_name",
        "The institution's name.",
    )

    ror: str | None = stored_column(
        "ror",
        "Its ROR id without `https://ror.org/` (`00f54p054`); null when it has none.",
    )

    country_code: str | None = stored_column(
        "country_code",
        "ISO 3166-1 alpha-2 country code (`US`); null when unknown.",
    )

    type: str | None = stored_column(
        "type",
        "OpenAlex's institution type (`education`, `company`, `facility`, …); null when unknown.",
    )

    works_count: int = stored_column(
        "works_count",
        "Works in this graph with an author affiliated here, recounted after every "
        "import (not OpenAlex's worldwide count).",
    )

    @strawberry.field(
        description="The identifiers it has, each with its URL: ROR, then OpenAlex.",
        metadata=reads("ror", "openalex_id"),
    )
    def external_ids(self) -> list[ExternalId]:
        out = []
        if self._row["ror"]:
            out.append(ExternalId.of(ExternalIdScheme.ROR, self._row["ror"]))
        if self._row["openalex_id"]:
            out.append(ExternalId.of(ExternalIdScheme.OPENALEX, self._row["openalex_id"]))
        return out

    # the longest lineage in ../shared/data/openalex is 3; OpenAlex's hierarchies are shallow
    @strawberry.field(
        description="This institution and the ones it is part of, from itself up to the top "
        "(OpenAlex `lineage`); institutions not in the graph are left out.",
        metadata=reads(relation=relations.INSTITUTION_LINEAGE, build=_lineage, list_size=10),
    )
    async def lineage(self, info: Info) -> list[Institution]:
        return _lineage(self._row, await _links(info, self._row, "LINEAGE"))

    @strawberry.field(
        description="The institution this one is part of; null when it is not part of one in "
        "the graph.",
        metadata=reads(relation=relations.INSTITUTION_PARENT, build=_parent),
    )
    async def parent(self, info: Info) -> Institution | None:
        return _parent(self._row, await _links(info, self._row, "PARENT"))

    # a large university lists dozens (centres, hospitals); 100 leaves room
    @strawberry.field(
        description="Institutions OpenAlex associates with this one (parents, children, "
        "related), in the record's order.",
        metadata=reads(relation=relations.INSTITUTION_ASSOCIATED, build=_associated, list_size=100),
    )
    async def associated(self, info: Info) -> list[AssociatedInstitution]:
        rows = await _links(info, self._row, "PARENT", "CHILD", "RELATED")
        return _associated(self._row, rows)

    @strawberry.field(
        description="Works with an author affiliated here, newest first.",
        metadata=reads(relation=relations.INSTITUTION_WORKS, build=work_page),
    )
    async def works(
        self, first: First = None, after: After = None
    ) -> Annotated[WorkConnection, strawberry.lazy("schema.works")]:
        return await works_of(WorkQuery(institution_id=self._row["id"]), first, after)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Authors affiliated here, most works first.",
        metadata=reads(relation=relations.INSTITUTION_AUTHORS, build=lambda *a: _author_page(*a)),
    )
    async def authors(
        self, first: First = None, after: After = None
    ) -> Annotated[AuthorConnection, strawberry.lazy("schema.authors")]:
        from schema.authors import Author, AuthorConnection

        page = await list_authors(
            AuthorQuery(institution_id=self._row["id"]),
            AuthorOrderKey.WORKS_COUNT_DESC,
            first,
            after,
            Author.of,
        )
        return AuthorConnection.of(page)  # type: ignore[no-any-return]


@strawberry.type
class InstitutionQueries:
    @strawberry.field(
        description="An institution by global id, `ror:…` or `openalex:I…`.",
        metadata=reads(node="Institution"),
    )
    async def institution(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            id_argument("A global id, `ror:…` or `openalex:I…`"),
        ],
    ) -> Institution | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Institution")
        return node if isinstance(node, Institution) else None
