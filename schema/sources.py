"""The Source type: a venue (arXiv, a journal, a conference, a series) as an entity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from models.enums import SourceType
from resolvers import relations
from resolvers.ids import to_global_id
from resolvers.sql import Row
from resolvers.works import WorkQuery
from schema.args import After, First, id_argument
from schema.common import ExternalId, ExternalIdScheme, Node
from schema.context import Info
from schema.cost import reads, stored_column
from schema.work_lists import work_page, works_of

if TYPE_CHECKING:
    from schema.works import WorkConnection


@strawberry.type(
    description="A venue works appear in: arXiv, a journal, a conference or a book series."
)
class Source(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Source:
        return cls(id=strawberry.ID(to_global_id("Source", row["id"])), _row=row)

    display_name: str = stored_column(
        "display_name",
        "The venue's name (`arXiv`, a journal's title).",
    )

    type: SourceType = stored_column(
        "type",
        "What kind of venue it is.",
        convert=SourceType,
    )

    issn_l: str | None = stored_column(
        "issn_l",
        "The linking ISSN (ISSN-L) of a journal or series, `1234-567X`; null when "
        "the record gives none.",
    )

    @strawberry.field(
        description="The identifiers it has, each with its URL: OpenAlex, then ISSN-L.",
        metadata=reads("openalex_id", "issn_l"),
    )
    def external_ids(self) -> list[ExternalId]:
        out = []
        if self._row["openalex_id"]:
            out.append(ExternalId.of(ExternalIdScheme.OPENALEX, self._row["openalex_id"]))
        if self._row["issn_l"]:
            out.append(ExternalId.of(ExternalIdScheme.ISSN, self._row["issn_l"]))
        return out

    @strawberry.field(
        description="Works that appeared here (for arXiv, preprints not published elsewhere), "
        "newest first.",
        metadata=reads(relation=relations.SOURCE_WORKS, build=work_page),
    )
    async def works(
        self, first: First = None, after: After = None
    ) -> Annotated[WorkConnection, strawberry.lazy("schema.works")]:
        return await works_of(WorkQuery(source_id=self._row["id"]), first, after)  # type: ignore[no-any-return]


@strawberry.type
class SourceQueries:
    @strawberry.field(
        description="A venue by global id, `openalex:S…` or `issn:…` (its ISSN-L).",
        metadata=reads(node="Source"),
    )
    async def source(
        self,
        info: Info,
        id: Annotated[strawberry.ID, id_argument("A global id, `openalex:S…` or `issn:1234-567X`")],
    ) -> Source | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Source")
        return node if isinstance(node, Source) else None
