"""The Funder type: an organisation that funds the works acknowledging it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

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


@strawberry.type(description="An organisation that funds research (OpenAlex's funders).")
class Funder(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Funder:
        return cls(id=strawberry.ID(to_global_id("Funder", row["id"])), _row=row)

    display_name: str = stored_column(
        "display_name",
        "The funder's name.",
    )

    ror: str | None = stored_column(
        "ror",
        "Its ROR id without `https://ror.org/`; null when it has none.",
    )

    country_code: str | None = stored_column(
        "country_code",
        "ISO 3166-1 alpha-2 country code (`US`); null when unknown (a funder known "
        "only from a work's grants).",
    )

    @strawberry.field(
        description="The identifiers it has, each with its URL: OpenAlex, then ROR.",
        metadata=reads("openalex_id", "ror"),
    )
    def external_ids(self) -> list[ExternalId]:
        out = [ExternalId.of(ExternalIdScheme.OPENALEX, self._row["openalex_id"])]
        if self._row["ror"]:
            out.append(ExternalId.of(ExternalIdScheme.ROR, self._row["ror"]))
        return out

    @strawberry.field(
        description="Works in the graph that acknowledge this funder, newest first.",
        metadata=reads(relation=relations.FUNDER_WORKS, build=work_page),
    )
    async def works(
        self, first: First = None, after: After = None
    ) -> Annotated[WorkConnection, strawberry.lazy("schema.works")]:
        return await works_of(WorkQuery(funder_id=self._row["id"]), first, after)  # type: ignore[no-any-return]


@strawberry.type
class FunderQueries:
    @strawberry.field(
        description="A funder by global id, `openalex:F…` or `ror:…`.",
        metadata=reads(node="Funder"),
    )
    async def funder(
        self,
        info: Info,
        id: Annotated[strawberry.ID, id_argument("A global id, `openalex:F…` or `ror:…`")],
    ) -> Funder | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Funder")
        return node if isinstance(node, Funder) else None
