"""Shared by the slice tests: a small research world made with the factories, the same graph
built independently in networkx from the base tables, and a checker for a slice against it."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx
from tortoise.transactions import in_transaction

from importers.refresh import refresh_aggregates
from resolvers.ids import from_global_id, to_global_id
from resolvers.sql import fetch
from tests.factories import make_author, make_institution, make_topic, make_work

W = TypeVar("W")
K = TypeVar("K")

SLICE_FIELDS = """
  id status retryAfterMs error truncated computedAt expiresAt
  nodes { entityId kind label hop weight hiddenNeighbors
          year firstYear lastYear citedByCount seeds }
  edges { source target kind weight }
"""
SLICE_QUERY = f"""
query($input: GraphSliceInput!) {{ graphSlice(input: $input) {{ {SLICE_FIELDS} }} }}
"""

Key = tuple[str, int]


def gid(kind: str, pk: int | str) -> str:
    return to_global_id(kind, pk)


def key_of(global_id: str) -> Key:
    g = from_global_id(global_id)
    return g.type, g.int_id


@dataclass
class World:
    authors: list[Any] = field(default_factory=list)
    works: list[Any] = field(default_factory=list)
    topics: list[Any] = field(default_factory=list)
    institutions: list[Any] = field(default_factory=list)


async def make_coauthors() -> tuple[Any, Any]:
    """Two authors with one shared work, aggregates refreshed: the smallest graph whose slice
    has a neighbour."""
    ada, bob = await make_author(), await make_author()
    await make_work(authors=[ada, bob])
    await refresh_aggregates()
    return ada, bob


async def make_world(seed: int = 7, n_authors: int = 24, n_works: int = 48) -> World:
    """Communities of co-authors with topics, institutions, citations and years 2014-2023."""
    async with in_transaction("default"):
        world = await _make_world(random.Random(seed), n_authors, n_works)
    await refresh_aggregates()
    return world


async def _make_world(rng: random.Random, n_authors: int, n_works: int) -> World:
    world = World()
    world.topics = [await make_topic() for _ in range(6)]
    world.institutions = [await make_institution() for _ in range(4)]
    world.authors = [await make_author() for _ in range(n_authors)]
    for n in range(n_works):
        community = rng.randrange(3)
        pool = [*world.authors[community * 8 : community * 8 + 8], world.authors[0]]
        authors = rng.sample(pool, rng.randint(1, 4))
        topics = [(t, round(rng.uniform(0.3, 1.0), 2)) for t in rng.sample(world.topics, 2)]
        insts = {0: [world.institutions[community]]} if rng.random() < 0.6 else {}
        refs = rng.sample(world.works, min(len(world.works), rng.randint(0, 3)))
        world.works.append(
            await make_work(
                authors=authors,
                topics=topics,
                institutions=insts,
                year=2014 + n % 10,
                references=refs,
                cited_by_count=rng.randint(0, 50),
            )
        )
    return world


async def reference_graph(
    year_from: int | None = None, year_to: int | None = None, *, similar: bool = False
) -> nx.MultiGraph:
    """The research graph from the base tables alone (not the aggregates the worker reads), one
    edge per pair and kind: the structural edges a slice follows by default, and with `similar`
    the similarity edges too (counted in Python, see similarity())."""
    lo, hi = year_from or -(10**9), year_to or 10**9
    works = {
        r["id"]: r
        for r in await fetch("SELECT id, publication_year, cited_by_count FROM work")
        if (r["publication_year"] is not None and lo <= r["publication_year"] <= hi)
        or (year_from is None and year_to is None)
    }
    g: nx.MultiGraph = nx.MultiGraph()
    by_work: dict[int, set[int]] = {}
    for r in await fetch("SELECT work_id, author_id FROM authorship WHERE author_id IS NOT NULL"):
        if r["work_id"] in works:
            by_work.setdefault(r["work_id"], set()).add(r["author_id"])
            g.add_edge(("Author", r["author_id"]), ("Work", r["work_id"]), kind="AUTHORED")
    shared: dict[tuple[int, int], int] = {}
    for authors in by_work.values():
        for a in authors:
            for b in authors:
                if a < b:
                    shared[(a, b)] = shared.get((a, b), 0) + 1
    for (a, b), n in shared.items():
        g.add_edge(("Author", a), ("Author", b), kind="COAUTHOR", weight=n)
    for r in await fetch("SELECT citing_id, cited_id FROM citation WHERE cited_id IS NOT NULL"):
        if r["citing_id"] in works and r["cited_id"] in works and r["citing_id"] != r["cited_id"]:
            g.add_edge(("Work", r["citing_id"]), ("Work", r["cited_id"]), kind="CITES")
    for r in await fetch("SELECT work_id, topic_id, score FROM work_topic"):
        if r["work_id"] in works:
            g.add_edge(("Work", r["work_id"]), ("Topic", r["topic_id"]), kind="HAS_TOPIC")
            for a in by_work.get(r["work_id"], ()):
                g.add_edge(("Author", a), ("Topic", r["topic_id"]), kind="HAS_TOPIC")
    for r in await fetch(
        "SELECT author_id, institution_id, first_year, last_year FROM author_affiliation"
    ):
        if r["first_year"] is None and (year_from or year_to):
            continue
        if (year_from and r["last_year"] < year_from) or (year_to and r["first_year"] > year_to):
            continue
        g.add_edge(
            ("Author", r["author_id"]), ("Institution", r["institution_id"]), kind="AFFILIATED"
        )
    stored = year_from is None and year_to is None  # work_similar's lists (docs/slices.md)
    found = await similarity(set(works), bounded=stored) if similar else {}
    if similar and stored:
        cites = {w: int(r["cited_by_count"]) for w, r in works.items()}
        found = {k: strongest_kept(p, cites) if k != "RELATED" else p for k, p in found.items()}
    for kind, pairs in found.items():
        for (a, b), n in pairs.items():
            g.add_edge(("Work", a), ("Work", b), kind=kind, weight=n)
    return g


async def similarity(
    works: set[int], bounded: bool = False
) -> dict[str, dict[tuple[int, int], int]]:
    """CO_CITED, COUPLED and RELATED weights per work pair (lower id first) among `works`, counted
    in Python from the citation and related_work rows (not with the worker's SQL); `bounded`:
    within work_similar's bounds (within_bounds())."""
    cites: dict[int, set[int]] = {}
    refs: dict[int, set[str]] = {}
    for r in await fetch("SELECT citing_id, cited_id, cited_key FROM citation"):
        if r["cited_id"] == r["citing_id"]:
            continue
        if r["cited_key"]:
            refs.setdefault(r["citing_id"], set()).add(r["cited_key"])
        if r["cited_id"] is not None and r["cited_id"] in works:
            cites.setdefault(r["citing_id"], set()).add(r["cited_id"])
    if bounded:
        refs, cites = within_bounds(refs, cites)
    out: dict[str, dict[tuple[int, int], int]] = {"CO_CITED": {}, "COUPLED": {}, "RELATED": {}}
    for citing, cited in cites.items():
        if citing in works:
            for a, b in itertools.combinations(sorted(cited), 2):
                out["CO_CITED"][(a, b)] = out["CO_CITED"].get((a, b), 0) + 1
    mine = sorted(w for w in refs if w in works)
    for a, b in itertools.combinations(mine, 2):
        if shared := len(refs[a] & refs[b]):
            out["COUPLED"][(a, b)] = shared
    for r in await fetch("SELECT work_id, related_id FROM related_work"):
        a, b = r["work_id"], r["related_id"]
        if b is not None and a != b and a in works and b in works:
            pair = (min(a, b), max(a, b))
            out["RELATED"][pair] = out["RELATED"].get(pair, 0) + 1
    return out


def within_bounds(
    refs: dict[W, set[K]], cites: dict[W, set[W]]
) -> tuple[dict[W, set[K]], dict[W, set[W]]]:
    """The references that count towards work_similar's weights (importers/similarity.py), from
    each work's reference keys `refs` and the imported works it cites `cites` (itself left out):
    a reference cited by more than SIMILAR_MAX_CITERS works couples nothing, a work citing more
    than SIMILAR_MAX_REFERENCES imported works co-cites nothing."""
    import settings

    citers: Counter[K] = Counter(k for keys in refs.values() for k in keys)
    most = settings.SIMILAR_MAX_CITERS
    return (
        {w: {k for k in keys if citers[k] <= most} for w, keys in refs.items()},
        {w: c for w, c in cites.items() if len(c) <= settings.SIMILAR_MAX_REFERENCES},
    )


def strongest_kept(
    pairs: dict[tuple[int, int], int], cited_by: dict[int, int]
) -> dict[tuple[int, int], int]:
    """The CO_CITED or COUPLED pairs a slice sees without a year window: each work keeps its
    `SIMILAR_WORKS_PER_WORK` strongest neighbours of weight at least `SIMILAR_MIN_WEIGHT` (by
    weight, then the neighbour's citations, then its lower id), and a pair stays when either
    work keeps the other."""
    import settings

    lists: dict[int, list[tuple[int, int, int]]] = {}
    for (a, b), n in pairs.items():
        if n >= settings.SIMILAR_MIN_WEIGHT:
            lists.setdefault(a, []).append((-n, -cited_by[b], b))
            lists.setdefault(b, []).append((-n, -cited_by[a], a))
    kept: set[tuple[int, int]] = set()
    for work, mine in lists.items():
        for _n, _c, other in sorted(mine)[: settings.SIMILAR_WORKS_PER_WORK]:
            kept.add((min(work, other), max(work, other)))
    return {pair: n for pair, n in pairs.items() if pair in kept}


def restrict(g: nx.MultiGraph, kinds: set[str]) -> nx.MultiGraph:
    h: nx.MultiGraph = nx.MultiGraph()
    h.add_nodes_from(g.nodes)
    h.add_edges_from((a, b, d) for a, b, d in g.edges(data=True) if d["kind"] in kinds)
    return h


def check_slice(
    sl: dict[str, Any],
    g: nx.MultiGraph,
    center: Key,
    radius: int,
    max_nodes: int,
    exclude: set[Key] | None = None,
) -> None:
    """Assert a READY slice against networkx: nodes, hops, hiddenNeighbors, truncated, edges."""
    exclude = exclude or set()
    shown = {key_of(n["entityId"]): n for n in sl["nodes"]}
    assert len(shown) == len(sl["nodes"]) <= max_nodes
    assert not (shown.keys() & (exclude - {center}))
    walkable = g.copy()
    walkable.remove_nodes_from(exclude - {center})
    walkable.add_node(center)
    ego = nx.ego_graph(walkable, center, radius=radius)
    distance = nx.single_source_shortest_path_length(walkable, center, cutoff=radius)
    inside = set(shown) | {center}
    for node, data in shown.items():
        assert node in ego, node
        assert data["hop"] == distance[node], (node, data["hop"], distance[node])
        hidden = set(g.neighbors(node)) - inside - exclude if node in g else set()
        assert data["hiddenNeighbors"] == len(hidden), (node, data, hidden)
    assert sl["truncated"] == (ego.number_of_nodes() > len(inside)), (ego.number_of_nodes(), inside)
    visible = inside | exclude
    expected = {
        (frozenset((a, b)), d["kind"])
        for a, b, d in g.edges(data=True)
        if a in visible and b in visible and (a in shown or b in shown)
    }
    got = {(frozenset((key_of(e["source"]), key_of(e["target"]))), e["kind"]) for e in sl["edges"]}
    structural = {(p, k) for p, k in expected if k not in SIMILAR_KINDS}
    assert {(p, k) for p, k in got if k not in SIMILAR_KINDS} == structural
    weights = {(k, p): 1.0 for p, k in expected if k in SIMILAR_KINDS}
    for a, b, d in g.edges(data=True):
        if (d["kind"], frozenset((a, b))) in weights:
            weights[(d["kind"], frozenset((a, b)))] = float(d.get("weight", 1.0))
    shown_similar = {(k, p): weights.get((k, p), -1.0) for p, k in got if k in SIMILAR_KINDS}
    check_capped(weights, shown_similar)


#: The edge kinds a slice caps per node (workers/slice_cap.py).
SIMILAR_KINDS = frozenset({"CO_CITED", "COUPLED", "RELATED"})


def check_capped(
    want: dict[tuple[str, frozenset[Key]], float], got: dict[tuple[str, frozenset[Key]], float]
) -> None:
    """The similarity edges shown (`got`, (kind, pair) → weight) are edges of the graph (`want`)
    with their weights, and each one left out is outranked at both its ends by at least the
    cap's number of shown edges of its kind (stronger, or as strong to a lower id)."""
    from workers import keys

    cap = keys.SIMILAR_EDGES_PER_NODE
    assert got.items() <= want.items(), set(got.items()) - set(want.items())
    if cap == 0:
        assert got == want
    for (kind, pair), w in want.items():
        if (kind, pair) in got:
            continue
        for end in pair:
            (other,) = pair - {end}
            stronger = [
                1
                for (k, p), v in got.items()
                if k == kind and end in p and (-v, min(p - {end})) < (-w, other)
            ]
            assert len(stronger) >= cap, (kind, sorted(pair), w, end, len(stronger))


async def until_done(gql: Any, variables: dict[str, Any], wait_s: float = 15) -> dict[str, Any]:
    """Poll graphSlice until it is READY or FAILED (the client protocol)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        body = await gql(SLICE_QUERY, variables)
        assert "errors" not in body, body
        sl: dict[str, Any] = body["data"]["graphSlice"]
        if sl["status"] != "PENDING":
            return sl
        assert sl["retryAfterMs"] > 0
        assert loop.time() < deadline, "slice still PENDING"
        await asyncio.sleep(sl["retryAfterMs"] / 1000)  # as clients do (and the rate limit wants)
