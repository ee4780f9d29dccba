"""`node`, `nodes` and `search`: resolving global ids and external ids to typed objects.

Other domains register resolvers for their own node types in `NODE_RESOLVERS` (graph slices,
claims, invitations), so the Node interface grows without touching this module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from resolvers.errors import ApiError, BadUserInput, InvalidId
from resolvers.ids import GlobalId, article, columns_for, from_global_id, parse_external
from resolvers.search import DEFAULT_FIELDS, NodeKind, SearchField, search_rows
from schema.common import Node, describe
from schema.context import Context, Info
from schema.cost import reads

NodeResolver = Callable[[Context, GlobalId], Awaitable[Any]]


async def _entity(ctx: Context, gid: GlobalId) -> Any:
    from schema.authors import Author
    from schema.funders import Funder
    from schema.institutions import Institution
    from schema.sources import Source
    from schema.topics import Topic
    from schema.works import Work

    loaders = ctx.loaders
    loader, wrap = {
        "Author": (loaders.author, Author.of),
        "Work": (loaders.work, Work.of),
        "Topic": (loaders.topic, Topic.of),
        "Institution": (loaders.institution, Institution.of),
        "Source": (loaders.source, Source.of),
        "Funder": (loaders.funder, Funder.of),
    }[gid.type]
    row = await loader.load(gid.int_id)
    return wrap(row) if row is not None else None


NODE_RESOLVERS: dict[str, NodeResolver] = {
    "Author": _entity,
    "Work": _entity,
    "Topic": _entity,
    "Institution": _entity,
    "Source": _entity,
    "Funder": _entity,
}


async def resolve_node(ctx: Context, value: str, expect: str | None = None) -> Any:
    """A global id or an external id → the object, or None when it names nothing."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidId("An id must be a non-empty string")
    external = parse_external(value)
    if external is not None:
        # a type that this scheme can name is looked up as that type (`funder(id: "ror:…")`
        # finds the funder even where an institution has the same ROR)
        typed = expect if expect is not None and columns_for(external, expect) else None
        hit = await ctx.loaders.external.load((external, typed))
        if hit is None:
            return None
        gid = GlobalId(hit[0], str(hit[1]))
    else:
        gid = from_global_id(value)
    if expect is not None and gid.type != expect:
        raise InvalidId(f"Expected the id of {article(expect)}, got the id of {article(gid.type)}")
    resolver = NODE_RESOLVERS.get(gid.type)
    if resolver is None or not gid.in_range:
        return None
    return await resolver(ctx, gid)


describe(
    SearchField,
    {
        "NAME": "The names of authors, topics and institutions.",
        "TITLE": "The titles of works.",
        "ABSTRACT": "The abstracts of works, matched by relevance.",
    },
    description="What `search` matches: NAME (authors, topics, institutions), TITLE and"
    " ABSTRACT (works).",
)

AnyId = Annotated[
    strawberry.ID,
    strawberry.argument(description="A global id, or an external id such as `orcid:0000-…`."),
]


@strawberry.type(description="One result of `search`.")
class SearchHit:
    node: Node = strawberry.field(
        description="The object found.",
        # the planner reads it again by id, with everything its selection asks for
        metadata=reads(node="Node"),
    )
    kind: NodeKind = strawberry.field(description="The object's kind.")
    label: str = strawberry.field(description="The matched name or title, to show to the user.")
    score: float = strawberry.field(
        description="Relevance within this result list; higher is better (no fixed scale)."
    )


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by global id or external id; null if none.",
        metadata=reads(node="Node"),
    )
    async def node(self, info: Info, id: AnyId) -> Node | None:
        return await resolve_node(info.context, str(id))  # type: ignore[no-any-return]

    @strawberry.field(
        description="Up to 100 objects by id, in the order asked; null for misses.",
        metadata=reads(node="Node"),
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="Global or external ids; at most 100."),
        ],
    ) -> list[Node | None]:
        limit = info.context.settings.max_node_ids
        if len(ids) > limit:
            raise BadUserInput(
                f"`ids` takes at most {limit} ids, got {len(ids)}", argument="ids", maximum=limit
            )
        import asyncio

        # one malformed id must not void the whole list: its ApiError becomes the item, which
        # graphql-core reports at ["nodes", index] while the other ids still resolve
        results = await asyncio.gather(
            *(resolve_node(info.context, str(i)) for i in ids), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, ApiError):
                raise result
        return list(results)  # type: ignore[arg-type]

    @strawberry.field(
        description="Autocomplete over author names, work titles, topics and institutions;"
        " abstracts too when `in` lists ABSTRACT. Best first: exact, then prefix, then"
        " word-start matches of names and titles, then abstract matches by relevance.",
        metadata=reads(outside=True, weight=2),
    )
    async def search(
        self,
        info: Info,
        text: Annotated[
            str, strawberry.argument(description="What the user typed; at most 200 characters.")
        ],
        kinds: Annotated[
            list[NodeKind] | None,
            strawberry.argument(description="The kinds to return; null or empty means all."),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="How many hits, from 1 to 50; default 10.")
        ] = 10,
        in_: Annotated[
            list[SearchField] | None,
            strawberry.argument(
                name="in", description="What to match in; null or empty means [NAME, TITLE]."
            ),
        ] = None,
    ) -> list[SearchHit]:
        from schema.authors import Author
        from schema.institutions import Institution
        from schema.topics import Topic
        from schema.works import Work

        if not 1 <= first <= 50:
            raise BadUserInput("`first` must be between 1 and 50", argument="first", maximum=50)
        if len(text) > 200:
            raise BadUserInput(
                "`text` must be at most 200 characters", argument="text", maximum=200
            )
        wanted = list(dict.fromkeys(kinds)) if kinds else list(NodeKind)
        wrap = {
            NodeKind.AUTHOR: Author.of,
            NodeKind.WORK: Work.of,
            NodeKind.TOPIC: Topic.of,
            NodeKind.INSTITUTION: Institution.of,
        }
        fields = tuple(dict.fromkeys(in_)) if in_ else DEFAULT_FIELDS
        hits = await search_rows(text, wanted, first, fields)
        return [
            SearchHit(node=wrap[h.kind](h.row), kind=h.kind, label=h.label, score=h.score)
            for h in hits
        ]
