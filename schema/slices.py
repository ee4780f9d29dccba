"""Graph slices for the explorer: `Query.graphSlice`, `Author.graphSlice`, `node(id)` for a slice
id, and `Subscription.graphSlice` (graphql-transport-ws). The data path is resolvers/slices.py;
the computation runs in the arq worker (workers/slices.py). See docs/slices.md."""

from __future__ import annotations

import datetime
from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from resolvers.errors import BadUserInput
from resolvers.ids import GlobalId, to_global_id
from resolvers.slices import (
    COMPUTE_SURCHARGE,
    POLL_POINTS,
    SliceState,
    build_spec,
    request_slice,
    slice_by_digest,
    watch,
)
from schema.common import Node, NodeKind, describe
from schema.context import Context, Info
from schema.cost import reads
from schema.nodes import NODE_RESOLVERS, resolve_node
from workers.slice_spec import EdgeKind, SliceStatus

if TYPE_CHECKING:
    from schema.works import Work

#: `priorWorks(first:)` / `derivativeWorks(first:)`: the default, and the most a slice keeps.
RANKED_DEFAULT = 10
RANKED_MAX = 50
RankedFirst = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many works: 0 to {RANKED_MAX}; null means {RANKED_DEFAULT}."
    ),
]
SliceInput = Annotated[
    "GraphSliceInput",
    strawberry.argument(description="What to slice, and its limits (see GraphSliceInput)."),
]


describe(
    EdgeKind,
    {
        "AUTHORED": "Author to work (weight: the work's citations).",
        "COAUTHOR": "Author to author, one edge per pair from the lower id (weight: shared works).",
        "CITES": "Citing work to cited work (weight: the cited work's citations).",
        "HAS_TOPIC": "Work to topic (weight: score) and author to topic (weight: share of the "
        "author's works).",
        "AFFILIATED": "Author to institution (weight: years spanned).",
        "CO_CITED": "Work to work: cited together by other works (weight: how many).",
        "COUPLED": "Work to work: shared references, imported or not (weight: how many).",
        "RELATED": "Work to work: OpenAlex related_works (weight 2 when mutual).",
    },
    description="Edges a slice may follow. Without `edgeKinds` a slice follows the five "
    "structural kinds; CO_CITED, COUPLED and RELATED must be asked for.",
)
describe(
    SliceStatus,
    {
        "PENDING": "A worker is computing it: ask again after `retryAfterMs`, or subscribe.",
        "READY": "Computed and cached: `nodes` and `edges` hold the slice.",
        "FAILED": "Not computed (unknown center, errors or timeouts on every try); `error` "
        "says why. Asked again after PEERGRAPH_SLICE_FAILED_TTL_SECONDS (30), it is retried.",
    },
    description="Where a slice is in its life: computing, ready, or failed.",
)


@strawberry.input(
    description="What a slice shows: the neighbourhood of `center`, or of up to 10 `centers` "
    "(seeds) together. Limits: radius ≤ 2, maxNodes ≤ 200, exclude ≤ 500."
)
class GraphSliceInput:
    center: strawberry.ID | None = strawberry.field(
        default=None,
        description="The entity to centre on: a global id, or `orcid:…`, `doi:…`, `arxiv:…`, "
        "`openalex:…`, `ror:…`. Give it, `centers`, or both.",
    )
    centers: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Up to 10 seeds, with `center` or instead of it; order and repeats do not "
        "matter. Candidates connected to more seeds rank first.",
    )
    radius: int | None = strawberry.field(
        default=1, description="How many hops from the centers to expand: 1 or 2; null means 1."
    )
    edge_kinds: list[EdgeKind] | None = strawberry.field(
        default=None,
        description="The edge kinds to follow, at least one; null means the five structural "
        "kinds (not CO_CITED, COUPLED, RELATED).",
    )
    max_nodes: int | None = strawberry.field(
        default=50,
        description="The most nodes the slice holds, centers included: 1 to 200; null means 50.",
    )
    exclude: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Nodes the client already shows: left out, edges to them kept."
    )
    year_from: int | None = strawberry.field(
        default=None,
        description="Leave out works published before this year (at most `yearTo`).",
    )
    year_to: int | None = strawberry.field(
        default=None, description="Leave out works published after this year."
    )
    min_similarity: int | None = strawberry.field(
        default=1,
        description="The least weight of a CO_CITED or COUPLED edge (1 to 1000). Without a "
        "year window these edges are each work's strongest, kept by the server from weight 2 by "
        "default (docs/slices.md), so values below that floor act as the floor.",
    )


@strawberry.type(
    description="One entity as a slice shows it. It has no `id` of its own: `hop`, `weight` and "
    "`hiddenNeighbors` belong to this slice, so normalizing caches (Apollo, Relay) keep it inside "
    "the slice and never merge it into the entity (`node`), nor into the same entity in another "
    "slice."
)
class GraphNode:
    entity_id: strawberry.ID = strawberry.field(
        description="The entity's global id (what `exclude`, `source` and `target` use)."
    )
    kind: NodeKind = strawberry.field(description="What kind of entity it is.")
    label: str = strawberry.field(
        description="What to show: an author's, topic's or institution's name, a work's title."
    )
    hop: int = strawberry.field(description="Hops from the nearest center (0 for a center).")
    weight: float | None = strawberry.field(
        description="Weight of the strongest edge that brought the node in (null for a center)."
    )
    hidden_neighbors: int = strawberry.field(
        description="Neighbours (along the slice's edge kinds) neither shown nor excluded."
    )
    year: int | None = strawberry.field(
        description="Where a timeline places it: a work's publication year, an author's first "
        "year active; null for topics and institutions."
    )
    first_year: int | None = strawberry.field(
        description="Works: the publication year; authors: the first year active."
    )
    last_year: int | None = strawberry.field(
        description="Works: the publication year; authors: the last year active."
    )
    cited_by_count: int | None = strawberry.field(
        description="Citations of a work or an author; null for topics and institutions."
    )
    seeds: list[strawberry.ID] = strawberry.field(
        description="The centers this node connects to through the slice's edges (a center: "
        "itself)."
    )

    _slice: strawberry.Private[str]

    @strawberry.field(
        description="This node within this slice (not the entity's id).",
        deprecation_reason="Use `entityId` for the entity's id, or `node { id }`. Until 0.1.0 this"
        " was the entity's id, which made normalizing caches merge slice nodes into the entity;"
        " it now names the node within its slice, and will be removed.",
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("GraphNode", f"{self._slice}.{self.entity_id}"))

    @strawberry.field(description="The entity itself.")
    async def node(self, info: Info) -> Node | None:
        return await resolve_node(info.context, str(self.entity_id))  # type: ignore[no-any-return]

    @classmethod
    def of(cls, n: Mapping[str, Any], digest: str) -> GraphNode:
        """The node from its stored mapping (workers/slices.py), in slice `digest`."""
        return cls(
            entity_id=strawberry.ID(n["entityId"]),
            kind=NodeKind(n["kind"]),
            label=n["label"],
            hop=n["hop"],
            weight=n["weight"],
            hidden_neighbors=n["hiddenNeighbors"],
            year=n["year"],
            first_year=n["firstYear"],
            last_year=n["lastYear"],
            cited_by_count=n["citedByCount"],
            seeds=[strawberry.ID(s) for s in n["seeds"]],
            _slice=digest,
        )


@strawberry.type(description="A work ranked by its ties to a slice's works.")
class RankedWork:
    entity_id: strawberry.ID = strawberry.field(description="The work's global id.")
    score: float = strawberry.field(
        description="For priorWorks, how many of the slice's works cite it; for derivativeWorks, "
        "how many of them it cites."
    )

    @strawberry.field(
        description="The work (null if it was deleted since).",
        metadata=reads(node="Work", ref=lambda ranked: str(ranked.entity_id)),
    )
    async def work(self, info: Info) -> Annotated[Work, strawberry.lazy("schema.works")] | None:
        return await resolve_node(info.context, str(self.entity_id))  # type: ignore[no-any-return]


def _ranked(data: list[dict[str, Any]], first: int | None) -> list[RankedWork]:
    n = RANKED_DEFAULT if first is None else first
    if not 0 <= n <= RANKED_MAX:
        raise BadUserInput(
            f"`first` must be between 0 and {RANKED_MAX}, got {n}",
            argument="first",
            maximum=RANKED_MAX,
        )
    return [RankedWork(entity_id=strawberry.ID(r["entityId"]), score=r["score"]) for r in data[:n]]


@strawberry.type(
    description="An edge of a slice, between two of its nodes or from a new node to an "
    "excluded one."
)
class GraphEdge:
    source: strawberry.ID = strawberry.field(
        description="The global id of the entity it starts from (for a pair kind, the lower id)."
    )
    target: strawberry.ID = strawberry.field(description="The global id of the entity it leads to.")
    kind: EdgeKind = strawberry.field(description="What relation it stands for.")
    weight: float = strawberry.field(
        description="How strong the relation is, in the unit its kind states (see EdgeKind)."
    )

    @classmethod
    def of(cls, e: Mapping[str, Any]) -> GraphEdge:
        """The edge from its stored mapping (workers/slices.py)."""
        return cls(
            source=strawberry.ID(e["source"]),
            target=strawberry.ID(e["target"]),
            kind=EdgeKind(e["kind"]),
            weight=e["weight"],
        )


def _time(value: Any) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _center_id(slice_: GraphSlice) -> str | None:
    if not slice_._center:
        return None
    kind, _, key = slice_._center.partition(":")
    return to_global_id(kind, key)


def _stored_nodes(slice_: GraphSlice) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = slice_._data.get("nodes", [])
    return nodes


def _stored_edges(slice_: GraphSlice) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = slice_._data.get("edges", [])
    return edges


@strawberry.type(
    description="The papers, people, topics and institutions near one or more entities, "
    "computed by a worker and cached in Redis (docs/slices.md). Its id names the input."
)
class GraphSlice(Node):
    status: SliceStatus = strawberry.field(
        description="PENDING while computed, then READY or FAILED."
    )
    retry_after_ms: int | None = strawberry.field(
        description="While PENDING: milliseconds to wait before asking again; null otherwise."
    )
    error: str | None = strawberry.field(
        description="When FAILED: why, in words for a person; null otherwise."
    )

    @strawberry.field(
        description="The slice's nodes, each once; empty unless READY.",
        metadata=reads(stored=_stored_nodes),
    )
    def nodes(self) -> list[GraphNode]:
        return [GraphNode.of(n, self._digest) for n in _stored_nodes(self)]

    @strawberry.field(
        description="The edges among the nodes (and to excluded nodes); empty unless READY.",
        metadata=reads(stored=_stored_edges),
    )
    def edges(self) -> list[GraphEdge]:
        return [GraphEdge.of(e) for e in _stored_edges(self)]

    truncated: bool = strawberry.field(
        description="True when `maxNodes` left out something within `radius`."
    )
    computed_at: datetime.datetime | None = strawberry.field(
        description="When the outcome was stored; null while PENDING, and for a FAILED answer "
        "that was not stored."
    )
    expires_at: datetime.datetime | None = strawberry.field(
        description="When the cache drops it: `computedAt` plus PEERGRAPH_SLICE_TTL_SECONDS "
        "(3600) when READY, PEERGRAPH_SLICE_FAILED_TTL_SECONDS (30) when FAILED; null when "
        "`computedAt` is. A write may retire it sooner."
    )
    _center: strawberry.Private[str | None]
    _data: strawberry.Private[dict[str, Any]]
    _digest: strawberry.Private[str]

    @strawberry.field(
        description="Work-centred slices: the works the slice's works cite most (the "
        f"foundations), strongest first; at most {RANKED_MAX}. Empty for other slices.",
        metadata=reads(),
    )
    def prior_works(self, first: RankedFirst = RANKED_DEFAULT) -> list[RankedWork]:
        return _ranked(self._data.get("priorWorks", []), first)

    @strawberry.field(
        description="Work-centred slices: the works citing most of the slice's works (what came "
        f"after), strongest first; at most {RANKED_MAX}. Empty for other slices.",
        metadata=reads(),
    )
    def derivative_works(self, first: RankedFirst = RANKED_DEFAULT) -> list[RankedWork]:
        return _ranked(self._data.get("derivativeWorks", []), first)

    @strawberry.field(
        description="The center entity (with several centers, the first of them).",
        metadata=reads(node="Node", ref=_center_id),
    )
    async def center(self, info: Info) -> Node | None:
        center = _center_id(self)
        if center is None:
            return None
        return await resolve_node(info.context, center)  # type: ignore[no-any-return]

    @classmethod
    def of(cls, state: SliceState) -> GraphSlice:
        data = state.data or {}
        return cls(
            id=strawberry.ID(to_global_id("GraphSlice", state.digest or "unknown")),
            status=SliceStatus(state.status),
            retry_after_ms=state.retry_after_ms,
            error=state.error,
            truncated=bool(data.get("truncated", False)),
            computed_at=_time(data.get("computedAt")),
            expires_at=_time(data.get("expiresAt")),
            _center=state.center,
            _data=data,
            _digest=state.digest or "unknown",
        )


async def _spec(ctx: Context, slice_input: GraphSliceInput) -> Any:
    return await build_spec(
        ctx,
        center=None if slice_input.center is None else str(slice_input.center),
        centers=None if slice_input.centers is None else [str(c) for c in slice_input.centers],
        radius=1 if slice_input.radius is None else slice_input.radius,
        edge_kinds=[k.value for k in slice_input.edge_kinds]
        if slice_input.edge_kinds is not None
        else None,
        max_nodes=50 if slice_input.max_nodes is None else slice_input.max_nodes,
        exclude=[str(i) for i in slice_input.exclude] if slice_input.exclude else None,
        year_from=slice_input.year_from,
        year_to=slice_input.year_to,
        min_similarity=1 if slice_input.min_similarity is None else slice_input.min_similarity,
    )


async def graph_slice(
    ctx: Context, slice_input: GraphSliceInput, surcharge: int = COMPUTE_SURCHARGE
) -> GraphSlice:
    spec = await _spec(ctx, slice_input)
    if isinstance(spec, SliceState):
        return GraphSlice.of(spec)
    return GraphSlice.of(await request_slice(ctx, spec, surcharge=surcharge))


async def author_graph_slice(
    info: Info,
    author_id: str,
    radius: int | None,
    max_nodes: int | None,
    edge_kinds: list[EdgeKind] | None,
) -> GraphSlice:
    """`Author.graphSlice`: the same slice as `graphSlice(input: {center: <author id>, …})`."""
    slice_input = GraphSliceInput(
        center=strawberry.ID(author_id), radius=radius, edge_kinds=edge_kinds, max_nodes=max_nodes
    )
    return await graph_slice(info.context, slice_input)


async def _slice_node(ctx: Context, gid: GlobalId) -> GraphSlice | None:
    state = await slice_by_digest(ctx, gid.key)
    return None if state is None else GraphSlice.of(state)


NODE_RESOLVERS["GraphSlice"] = _slice_node


@strawberry.type
class SliceQueries:
    @strawberry.field(
        description="The papers, people, topics and institutions near an entity. PENDING while "
        "a worker builds it (poll after `retryAfterMs`, or subscribe), then READY or FAILED. "
        f"Costs {POLL_POINTS} point, plus {COMPUTE_SURCHARGE} when the request starts a "
        "computation.",
        metadata=reads(outside=True, weight=POLL_POINTS),
    )
    async def graph_slice(self, info: Info, input: SliceInput) -> GraphSlice:
        return await graph_slice(info.context, input)


@strawberry.type
class SliceSubscription:
    @strawberry.subscription(
        description="The slice's status: PENDING (unless cached), then READY or FAILED; then done."
    )
    async def graph_slice(self, info: Info, input: SliceInput) -> AsyncGenerator[GraphSlice, None]:
        spec = await _spec(info.context, input)
        if isinstance(spec, SliceState):
            yield GraphSlice.of(spec)
            return
        async for state in watch(info.context, spec):
            yield GraphSlice.of(state)
