"""The cap on similarity edges (workers/slice_cap.py, `PEERGRAPH_SLICE_SIMILAR_EDGES_PER_NODE`):
each node keeps its k strongest edges of each similarity kind, ties to the lower id, structural
edges all, and a path to every seed it names; through the worker, the JSON shrinks and
`hiddenNeighbors` does not change."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

import settings
from importers.refresh import refresh_aggregates
from tests.factories import make_work
from tests.slices.helpers import gid, key_of, until_done
from workers import keys
from workers.slice_cap import cap_similarity

C, A, B, D, E = (("Work", i) for i in (3, 1, 2, 4, 5))


def pairs(edges: list[Any]) -> set[tuple[int, int, str]]:
    return {(a[1], b[1], kind) for a, b, kind, _w in edges}


def test_each_node_keeps_its_strongest_edges_of_each_kind_and_ties_go_to_the_lower_id() -> None:
    # given one seed C at hop 0 and A, B, D, E at hop 1, each joined to C by a CITES edge, and
    # co-cited among themselves: B's two strongest ties are equal (A and E, weight 3)
    hops = {C: 0, A: 1, B: 1, D: 1, E: 1}
    edges = [(C, n, "CITES", 1.0) for n in (A, B, D, E)] + [
        (A, B, "CO_CITED", 3.0),
        (B, E, "CO_CITED", 3.0),
        (A, D, "CO_CITED", 4.0),
        (D, E, "CO_CITED", 1.0),
        (A, E, "CO_CITED", 2.0),
        (B, D, "CO_CITED", 1.0),
        (A, B, "COUPLED", 1.0),
    ]
    seeds = {n: {C} for n in hops}
    # when each node keeps one edge per similarity kind
    kept = cap_similarity(edges, hops, seeds, 1)
    # then A and D keep A-D (each other's strongest), B keeps A-B (the tie goes to A, the lower
    # id), E keeps B-E (its strongest); the weak ones go, and every CITES edge and the one COUPLED
    # edge stay
    assert pairs(kept) == {(3, n, "CITES") for n in (1, 2, 4, 5)} | {
        (1, 4, "CO_CITED"),
        (1, 2, "CO_CITED"),
        (2, 5, "CO_CITED"),
        (1, 2, "COUPLED"),
    }
    # and the order is the one given; the same input keeps the same edges whatever its order
    assert kept == [e for e in edges if e in kept]
    assert pairs(cap_similarity(edges[::-1], hops, seeds, 1)) == pairs(kept)
    # and with room for every edge, nothing is dropped
    assert cap_similarity(edges, hops, seeds, 6) == edges


def test_a_node_keeps_an_edge_towards_each_of_its_seeds() -> None:
    # given seeds A and B (hop 0), D at hop 1 co-cited with both, E at hop 2 co-cited with D
    # (weakly) and with many stronger works at hop 2
    many = [("Work", 100 + i) for i in range(3)]
    hops = {A: 0, B: 0, D: 1, E: 2, **{m: 2 for m in many}}
    edges = [(A, D, "CO_CITED", 1.0), (B, D, "CO_CITED", 5.0), (D, E, "CO_CITED", 1.0)]
    edges += [(E, m, "CO_CITED", 9.0) for m in many] + [(D, m, "CO_CITED", 9.0) for m in many]
    seeds = {A: {A}, B: {B}, D: {A, B}, E: {A, B}, **{m: {A, B} for m in many}}
    # when each node keeps one edge
    kept = pairs(cap_similarity(edges, hops, seeds, 1))
    # then D keeps its weak edge to seed A as well as its strongest (to B), and E its only edge
    # towards the nearer hop, though neither end ranks them first
    assert {(1, 4, "CO_CITED"), (2, 4, "CO_CITED"), (4, 5, "CO_CITED")} <= kept
    # and among the equals at hop 2 only E's strongest (the lowest id) joins E
    assert {(5, m[1], "CO_CITED") for m in many} & kept == {(5, 100, "CO_CITED")}


#: co-citation weights among the center's five neighbours (1..5); each is co-cited once with it
CLIQUE = {
    (1, 2): 5, (1, 3): 2, (1, 4): 2, (1, 5): 3, (2, 3): 4,
    (2, 4): 2, (2, 5): 2, (3, 4): 3, (3, 5): 2, (4, 5): 3,
}  # fmt: skip


async def test_the_worker_caps_a_clique_of_co_cited_works(
    gql: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given a center co-cited once with each of five works, which are co-cited with each other
    # as CLIQUE says
    center = await make_work()
    works = [center, *[await make_work() for _ in range(5)]]
    for (i, j), w in {**{(0, j): 1 for j in range(1, 6)}, **CLIQUE}.items():
        for _ in range(w):
            await make_work(references=[works[i], works[j]])
    asked = {"center": gid("Work", works[0].id), "edgeKinds": ["CO_CITED"]}
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    # when its slice is computed without the cap, and (another input) with one edge per node
    monkeypatch.setattr(keys, "SIMILAR_EDGES_PER_NODE", 0)
    full = await until_done(gql, {"input": {**asked, "maxNodes": 6}})
    monkeypatch.setattr(keys, "SIMILAR_EDGES_PER_NODE", 1)
    capped = await until_done(gql, {"input": {**asked, "maxNodes": 7}})
    # then the uncapped slice has all 15 pairs; the capped one keeps the center's five (each
    # neighbour's only way to its seed) and each neighbour's strongest: 1 and 2 each other's,
    # 3 its tie with 2, 4 and 5 their ties of 3 with the lower id (3 and 1)
    index = {w.id: i for i, w in enumerate(works)}

    def shown(sl: dict[str, Any]) -> set[tuple[int, ...]]:
        return {
            tuple(sorted(index[key_of(e[end])[1]] for end in ("source", "target")))
            for e in sl["edges"]
        }

    assert len(shown(full)) == 15
    assert shown(capped) == {(0, j) for j in range(1, 6)} | {(1, 2), (2, 3), (3, 4), (1, 5)}
    assert len(orjson.dumps(capped)) < len(orjson.dumps(full))
    # and the hidden counts do not change: nothing is outside the slice either way
    assert [n["hiddenNeighbors"] for n in capped["nodes"]] == [0] * 6
