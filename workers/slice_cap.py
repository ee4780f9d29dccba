"""The cap on a slice's similarity edges: each node keeps its `k` strongest edges of each
similarity kind (CO_CITED, COUPLED, RELATED).

Among 200 works around much-cited papers almost every pair is co-cited or coupled at least once
(a slice held some 13,000 such edges, 1.1 MB of JSON), which no client can draw and every read
pays for. So, per node and per similarity kind, its edges are ranked by weight (strongest first;
ties to the neighbour with the lower id) and an edge is kept when it is among the first `k` of
either of its ends. Two more rules keep the slice truthful:

- the structural edges (AUTHORED, COAUTHOR, CITES, HAS_TOPIC, AFFILIATED) are all kept;
- every node keeps a path to each seed it names: for a node at hop h and each of its seeds that
  no kept edge to a hop h-1 node carrying that seed explains, its strongest such edge is kept
  too (nearest hops first, so the nodes it leans on are already explained).

`hiddenNeighbors` is unchanged by the cap: it counts neighbours that are not in the slice, and a
dropped edge joins two nodes that both are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from workers.slice_spec import NodeKey

SIMILARITY_KINDS = frozenset({"CO_CITED", "COUPLED", "RELATED"})

Edge = tuple[NodeKey, NodeKey, str, float]


def _strength(edge: Edge, end: NodeKey) -> tuple[float, NodeKey]:
    """Sort key of `edge` as seen from `end`: stronger first, then the other end's lower id."""
    a, b, _kind, w = edge
    return -w, b if a == end else a


def strongest_per_node(edges: Iterable[Edge], k: int) -> set[int]:
    """Indexes of the similarity edges among the `k` strongest of either end, per kind."""
    ends: dict[tuple[NodeKey, str], list[int]] = defaultdict(list)
    listed = list(edges)
    for i, (a, b, kind, _w) in enumerate(listed):
        if kind in SIMILARITY_KINDS:
            ends[(a, kind)].append(i)
            ends[(b, kind)].append(i)
    kept: set[int] = set()
    for (end, _kind), mine in ends.items():
        mine.sort(key=lambda i: _strength(listed[i], end))
        kept.update(mine[:k])
    return kept


def cap_similarity(
    edges: Sequence[Edge],
    hops: Mapping[NodeKey, int],
    seeds: Mapping[NodeKey, set[NodeKey]],
    k: int,
) -> list[Edge]:
    """The edges a slice shows (in their given order): see the module's rules. `hops` gives each
    shown or excluded node's hop (excluded ones may be missing), `seeds` each node's seeds as
    the uncapped edges connect them."""
    kept = strongest_per_node(edges, k)
    kept.update(i for i, e in enumerate(edges) if e[2] not in SIMILARITY_KINDS)
    toward: dict[NodeKey, list[tuple[int, NodeKey]]] = defaultdict(list)
    for i, (a, b, _kind, _w) in enumerate(edges):
        for near, far in ((a, b), (b, a)):
            if near in hops and far in hops and hops[near] == hops[far] - 1:
                toward[far].append((i, near))
    for node in sorted((n for n in toward if hops[n] > 0), key=lambda n: (hops[n], n)):
        options = sorted(toward[node], key=lambda o: _strength(edges[o[0]], node))
        for seed in sorted(seeds.get(node, ())):
            leads = [i for i, near in options if seed in seeds.get(near, ())]
            if leads and not any(i in kept for i in leads):
                kept.add(leads[0])
    return [e for i, e in enumerate(edges) if i in kept]
