"""The Topic type: OpenAlex topics with their hierarchy, and arXiv categories."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from models.enums import TopicScheme
from resolvers import relations
from resolvers.ids import to_global_id
from resolvers.sql import Row
from resolvers.works import WorkQuery
from schema.args import After, First, id_argument
from schema.common import Node
from schema.context import Info
from schema.cost import column, reads
from schema.work_lists import work_page, works_of

if TYPE_CHECKING:
    from schema.works import WorkConnection


@strawberry.type(
    description="A research topic: an OpenAlex topic, with its subfield, field and domain, or an "
    "arXiv category (scheme ARXIV)."
)
class Topic(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Topic:
        return cls(id=strawberry.ID(to_global_id("Topic", row["id"])), _row=row)

    @strawberry.field(
        description="The topic's name (`Computation and Language` for `cs.CL`).",
        metadata=column("display_name"),
    )
    def display_name(self) -> str:
        return str(self._row["display_name"])

    @strawberry.field(
        description="Whose classification it belongs to: OpenAlex topics or arXiv categories.",
        metadata=column("scheme"),
    )
    def scheme(self) -> TopicScheme:
        return TopicScheme(self._row["scheme"])

    @strawberry.field(
        description="`T11211` for OpenAlex topics, `cs.CL` for arXiv categories.",
        metadata=column("external_id"),
    )
    def external_id(self) -> str:
        return str(self._row["external_id"])

    @strawberry.field(
        description="OpenAlex's description of the topic; null when it has none, as for arXiv "
        "categories.",
        metadata=column("description"),
    )
    def description(self) -> str | None:
        return self._row["description"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="The OpenAlex subfield it belongs to (`Artificial Intelligence`); null for "
        "arXiv categories.",
        metadata=column("subfield"),
    )
    def subfield(self) -> str | None:
        return self._row["subfield"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="The OpenAlex field it belongs to (`Computer Science`); null for arXiv "
        "categories.",
        metadata=column("field"),
    )
    def field(self) -> str | None:
        return self._row["field"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="The OpenAlex domain it belongs to (`Physical Sciences`); null for arXiv "
        "categories.",
        metadata=column("domain"),
    )
    def domain(self) -> str | None:
        return self._row["domain"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="Works in this graph with this topic, recounted after every import (not "
        "OpenAlex's worldwide count).",
        metadata=column("works_count"),
    )
    def works_count(self) -> int:
        return int(self._row["works_count"])

    @strawberry.field(
        description="Works on this topic, newest first.",
        metadata=reads(relation=relations.TOPIC_WORKS, build=work_page),
    )
    async def works(
        self, first: First = None, after: After = None
    ) -> Annotated[WorkConnection, strawberry.lazy("schema.works")]:
        return await works_of(WorkQuery(topic_id=self._row["id"]), first, after)  # type: ignore[no-any-return]


@strawberry.type
class TopicQueries:
    @strawberry.field(
        description="A topic by global id or `openalex:T…`; null if none.",
        metadata=reads(node="Topic"),
    )
    async def topic(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            id_argument("A global id, or `openalex:T…`"),
        ],
    ) -> Topic | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Topic")
        return node if isinstance(node, Topic) else None
