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
from schema.cost import reads, stored_column
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

    display_name: str = stored_column(
        "display_name",
        "The topic's name (`Computation and Language` for `cs.CL`).",
    )

    scheme: TopicScheme = stored_column(
        "scheme",
        "Whose classification it belongs to: OpenAlex topics or arXiv categories.",
        convert=TopicScheme,
    )

    external_id: str = stored_column(
        "external_id",
        "`T11211` for OpenAlex topics, `cs.CL` for arXiv categories.",
    )

    description: str | None = stored_column(
        "description",
        "OpenAlex's description of the topic; null when it has none, as for arXiv categories.",
    )

    subfield: str | None = stored_column(
        "subfield",
        "The OpenAlex subfield it belongs to (`Artificial Intelligence`); null for "
        "arXiv categories.",
    )

    field: str | None = stored_column(
        "field",
        "The OpenAlex field it belongs to (`Computer Science`); null for arXiv categories.",
    )

    domain: str | None = stored_column(
        "domain",
        "The OpenAlex domain it belongs to (`Physical Sciences`); null for arXiv categories.",
    )

    works_count: int = stored_column(
        "works_count",
        "Works in this graph with this topic, recounted after every import (not "
        "OpenAlex's worldwide count).",
    )

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
