"""Computing a graph slice (the arq job `compute_slice`) and recording its outcome in Redis.

The walk: from the centers (one, or up to 10 seeds), hop by hop up to `radius`, along the allowed
edge kinds. At each hop every relation (workers/slice_sql.py, workers/similarity_sql.py) offers
each frontier node's strongest new neighbours, one bounded statement per relation; the offers are
taken round-robin across relations, strongest first within each, until `maxNodes` is reached.
With several seeds a candidate reached from more seeds comes first (their combined connection),
then the strongest. Then two more passes over the chosen set: the edges among the chosen and the
excluded nodes, and each chosen node's neighbour count, so that `hiddenNeighbors` (neighbours
neither shown nor excluded) and `truncated` (a node closer than `radius` has a hidden neighbour)
are exact. Each node says which seeds it connects to (`seeds`) through the slice's own edges, and
carries its timeline facts; a slice with a work among its centers also ranks its prior and
derivative works (workers/slice_nodes.py). Of the similarity edges, each node shows its
strongest few and those towards its seeds (workers/slice_cap.py).

Outcome: READY JSON with the slice TTL, or FAILED with a clear error for a short TTL; either way
one message on the slice's pub/sub channel. A READY slice is stored with the change number read
before its first query and the entities it shows (workers/freshness.py): if one of them changed
while it was computed, it is not stored but computed again (a retry). Errors are retried (with a
growing delay) until `MAX_TRIES` tries ran; a worker killed mid-job leaves the job to arq, which
runs it again, and the try after the last one only records FAILED, so no slice stays PENDING
forever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from arq.worker import Retry

from resolvers.ids import from_global_id, to_global_id
from workers import freshness, keys
from workers.slice_cap import cap_similarity
from workers.slice_nodes import Facts, details, labels
from workers.slice_spec import (
    DEFAULT_EDGE_KINDS,
    EDGE_KINDS,
    MAX_CENTERS,
    NODE_KINDS,
    NodeKey,
    OutOfLimits,
    SliceSpec,
    SliceStatus,
    check_limits,
)
from workers.slice_sql import (
    RELATIONS,
    SYMMETRIC,
    Relation,
    degrees,
    pairs_within,
    shared,
    strongest,
)

log = logging.getLogger("peergraph.slices")

__all__ = [
    "DEFAULT_EDGE_KINDS",
    "EDGE_KINDS",
    "MAX_CENTERS",
    "NODE_KINDS",
    "OutOfLimits",
    "SliceSpec",
    "SliceStatus",
    "check_limits",
    "compute",
    "compute_slice",
    "record_failure",
]
#: How many prior and derivative works a slice keeps (`priorWorks(first:)` reads at most these).
RANKED_KEEP = 50


class CenterNotFound(Exception):
    """The center names nothing: FAILED at once, no retry."""


def _gid(node: NodeKey) -> str:
    return to_global_id(node[0], node[1])


class _Walk:
    def __init__(self, spec: SliceSpec) -> None:
        self.spec = spec
        self.rels = [
            dataclasses.replace(r, min_weight=spec.min_similarity)
            for r in RELATIONS
            if r.edge in spec.edge_kinds
        ]
        self.excluded = set(spec.exclude)
        #: chosen nodes (the centers first) → (hop, weight of the edge that brought it in)
        self.chosen: dict[NodeKey, tuple[int, float | None]] = {c: (0, None) for c in spec.centers}
        #: the seeds (centers) each chosen node was reached from, for the multi-seed ranking
        self.reach: dict[NodeKey, set[NodeKey]] = {c: {c} for c in spec.centers}

    def ids(self, kind: str, nodes: Any) -> list[int]:
        return sorted(i for k, i in nodes if k == kind)

    async def expand(self, frontier: list[NodeKey], hop: int, budget: int) -> list[NodeKey]:
        """Choose up to `budget` new nodes next to the frontier: per relation, candidates reached
        from more seeds first (one seed: all tie), then by the relation's strength."""
        blocked = self.chosen.keys() | self.excluded
        rels = [r for r in self.rels if self.ids(r.src, frontier)]
        asks = [(r, self.ids(r.src, frontier), self.ids(r.dst, blocked)) for r in rels]
        # every statement side by side: each relation's strongest offers and, with several
        # seeds, the candidates shared by the most frontier nodes
        several = len(self.spec.centers) > 1
        answers = await asyncio.gather(
            *(strongest(r, src, self.spec.window, dst, budget) for r, src, dst in asks),
            *(shared(r, src, self.spec.window, dst, budget) for r, src, dst in asks if several),
        )
        offers = answers[: len(rels)]
        if several:
            offers = [[*a, *b] for a, b in zip(offers, answers[len(rels) :], strict=True)]
        lanes: list[tuple[str, list[tuple[int, float]]]] = []
        reached: dict[NodeKey, set[NodeKey]] = defaultdict(set)
        for rel, rows in zip(rels, offers, strict=True):
            best: dict[int, tuple[float, float, float]] = {}
            seeds: dict[int, set[NodeKey]] = defaultdict(set)
            for row in rows:
                rank = (float(row["r1"]), float(row["r2"]), float(row["w"]))
                b = int(row["b"])
                seeds[b] |= self.reach.get((rel.src, int(row["a"])), set())
                if b not in best or rank[:2] > best[b][:2]:
                    best[b] = rank
            for b, found in seeds.items():
                reached[(rel.dst, b)] |= found
            ordered = sorted(
                best.items(), key=lambda kv: (-len(seeds[kv[0]]), -kv[1][0], -kv[1][1], kv[0])
            )
            lanes.append((rel.dst, [(b, rank[2]) for b, rank in ordered]))
        picked: list[NodeKey] = []
        position = [0] * len(lanes)
        while budget > 0:
            progressed = False
            for index, (kind, lane) in enumerate(lanes):
                while position[index] < len(lane) and (kind, lane[position[index]][0]) in (
                    self.chosen
                ):
                    position[index] += 1
                if budget > 0 and position[index] < len(lane):
                    b, weight = lane[position[index]]
                    self.chosen[(kind, b)] = (hop, weight)
                    self.reach[(kind, b)] = reached[(kind, b)]
                    picked.append((kind, b))
                    position[index] += 1
                    budget -= 1
                    progressed = True
            if not progressed:
                break
        return picked

    async def edges(self) -> list[tuple[NodeKey, NodeKey, str, float]]:
        visible = self.chosen.keys() | self.excluded
        found: list[tuple[NodeKey, NodeKey, str, float]] = []
        forward = [r for r in self.rels if r.forward]
        jobs = [
            (r, self.ids(r.src, visible), self.ids(r.dst, visible))
            for r in forward
            if self.ids(r.src, visible) and self.ids(r.dst, visible)
        ]
        results = await asyncio.gather(
            *(pairs_within(r, src, dst, self.spec.window) for r, src, dst in jobs)
        )
        for (rel, _src, _dst), rows in zip(jobs, results, strict=True):
            for row in rows:
                a, b = (rel.src, int(row["a"])), (rel.dst, int(row["b"]))
                if rel.edge in SYMMETRIC and a[1] >= b[1]:
                    continue
                if a in self.chosen or b in self.chosen:  # not excluded-excluded
                    found.append((a, b, rel.edge, float(row["w"])))
        return found

    async def degree(self) -> dict[NodeKey, int]:
        groups: dict[tuple[str, str], list[Relation]] = defaultdict(list)
        for rel in self.rels:
            groups[(rel.src, rel.dst)].append(rel)
        todo = [
            (src, rels, self.ids(src, self.chosen))
            for (src, _dst), rels in groups.items()
            if self.ids(src, self.chosen)
        ]
        counts = await asyncio.gather(
            *(degrees(rels, ids, self.spec.window) for _src, rels, ids in todo)
        )
        total: dict[NodeKey, int] = defaultdict(int)
        for (src, _rels, _ids), per_node in zip(todo, counts, strict=True):
            for node_id, n in per_node.items():
                total[(src, node_id)] += n
        return total

    def seeds(self, neighbours: dict[NodeKey, set[NodeKey]]) -> dict[NodeKey, set[NodeKey]]:
        """Which centers each chosen node connects to: through its neighbours one hop nearer the
        centers, along the slice's edges (so what the client draws shows the same)."""
        seeds = {c: {c} for c in self.spec.centers}
        for hop in range(1, self.spec.radius + 1):
            for node, (h, _w) in self.chosen.items():
                if h == hop:
                    seeds[node] = set().union(
                        *(
                            seeds.get(m, set())
                            for m in neighbours[node]
                            if m in self.chosen and self.chosen[m][0] == hop - 1
                        )
                    )
        return seeds


async def _check_centers(spec: SliceSpec) -> None:
    for kind in NODE_KINDS:
        wanted = [i for k, i in spec.centers if k == kind]
        found = await labels(kind, wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise CenterNotFound(f"The center {_gid((kind, missing[0]))} names no {kind}")


def _node(
    n: NodeKey, chosen: tuple[int, float | None], hidden: int, seeds: set[NodeKey], f: Facts | None
) -> dict[str, Any]:
    return {
        "entityId": _gid(n),
        "kind": n[0].upper(),
        "label": f.label if f else "",
        "hop": chosen[0],
        "weight": chosen[1],
        "hiddenNeighbors": max(hidden, 0),
        "year": f.first_year if f else None,
        "firstYear": f.first_year if f else None,
        "lastYear": f.last_year if f else None,
        "citedByCount": f.cited_by_count if f else None,
        "seeds": sorted(_gid(s) for s in seeds),
    }


async def compute(spec: SliceSpec) -> dict[str, Any]:
    """The slice as JSON-ready data (nodes, edges, truncated, prior and derivative works), from
    bounded queries."""
    await _check_centers(spec)
    walk = _Walk(spec)
    shown_centers = [c for c in spec.centers if c not in walk.excluded]
    budget = spec.max_nodes - len(shown_centers)
    frontier = list(spec.centers)
    for hop in range(1, spec.radius + 1):
        if budget <= 0 or not frontier:
            break
        frontier = await walk.expand(frontier, hop, budget)
        budget -= len(frontier)
    shown = [n for n in walk.chosen if n not in walk.excluded]  # only centers can be both
    visible = set(shown)
    # independent passes, each on its own connection: the neighbour counts read the most rows
    # (every citing work of each chosen work, and the similarity lists listing it), the others
    # run meanwhile
    edges, degree, (known, prior, derivative) = await asyncio.gather(
        walk.edges(), walk.degree(), details(shown, spec.centers, spec.window, RANKED_KEEP)
    )
    neighbours: dict[NodeKey, set[NodeKey]] = defaultdict(set)
    for a, b, _kind, _w in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    edges = [e for e in edges if e[0] in visible or e[1] in visible]
    hidden = {n: degree.get(n, 0) - len(neighbours[n]) for n in walk.chosen}
    if any(h < 0 for h in hidden.values()):
        log.error("slice %s: negative hidden counts %s", spec.to_dict(), hidden)
    truncated = any(h > 0 for n, h in hidden.items() if walk.chosen[n][0] < spec.radius)
    seeds = walk.seeds(neighbours)
    if keys.SIMILAR_EDGES_PER_NODE > 0:
        hops = {n: hop for n, (hop, _w) in walk.chosen.items()}
        edges = cap_similarity(edges, hops, seeds, keys.SIMILAR_EDGES_PER_NODE)
    return {
        "centers": [_gid(c) for c in spec.centers],
        "nodes": [_node(n, walk.chosen[n], hidden[n], seeds[n], known.get(n)) for n in shown],
        "edges": sorted(
            (
                {"source": _gid(a), "target": _gid(b), "kind": k, "weight": w}
                for a, b, k, w in edges
            ),
            key=lambda e: (e["kind"], e["source"], e["target"]),
        ),
        "truncated": truncated,
        "priorWorks": [{"entityId": _gid(("Work", i)), "score": float(s)} for i, s in prior],
        "derivativeWorks": [
            {"entityId": _gid(("Work", i)), "score": float(s)} for i, s in derivative
        ],
    }


def _stamped(body: dict[str, Any], ttl: int) -> bytes:
    now = datetime.now(UTC)
    return orjson.dumps(
        {
            **body,
            "computedAt": now.isoformat(),
            "expiresAt": (now + timedelta(seconds=ttl)).isoformat(),
        }
    )


def _message(key: str, status: str) -> bytes:
    return orjson.dumps({"key": key, "status": status})


async def record(redis: Any, key: str, body: dict[str, Any], ttl: int) -> None:
    """Store an outcome (READY or FAILED) and announce it on the slice's channel."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, _stamped(body, ttl), ex=ttl)
        pipe.publish(keys.channel(key), _message(key, body["status"]))
        await pipe.execute()


async def record_failure(redis: Any, key: str, error: str) -> None:
    await record(
        redis, key, {"status": SliceStatus.FAILED.value, "error": error}, keys.FAILED_TTL_SECONDS
    )


async def compute_slice(ctx: dict[str, Any], key: str, spec_raw: str) -> str:
    """arq job: compute the slice `key` (its job id) unless a result is already there."""
    redis = ctx["redis"]
    if await redis.exists(key):
        return "cached"
    tries = int(ctx.get("job_try") or 1)
    if tries > keys.MAX_TRIES:
        await record_failure(
            redis,
            key,
            f"The slice could not be computed: its worker stopped or timed out on all "
            f"{keys.MAX_TRIES} tries",
        )
        return "failed"
    try:
        spec = SliceSpec.from_dict(orjson.loads(spec_raw))
    except (ValueError, KeyError, TypeError) as error:  # OutOfLimits is a ValueError
        await record_failure(redis, key, f"The slice input is invalid: {error}")
        return "failed"
    started = time.perf_counter()
    seq = await freshness.change_seq(redis)  # before the first query: see workers/freshness.py
    try:
        body = await asyncio.wait_for(compute(spec), keys.COMPUTE_TIMEOUT_SECONDS)
    except CenterNotFound as error:
        await record_failure(redis, key, str(error))
        return "failed"
    except Exception as error:
        # clients see the cause only as an errorId; the details (SQL, tables) stay in the log
        error_id = uuid.uuid4().hex[:16]
        reason = (
            f"it took longer than {keys.COMPUTE_TIMEOUT_SECONDS:g} s"
            if isinstance(error, TimeoutError)
            else f"an internal error (errorId {error_id}, logged)"
        )
        log.warning(
            "slice %s try %d failed (errorId %s): %r", key, tries, error_id, error, exc_info=error
        )
        if tries < keys.MAX_TRIES:
            raise Retry(defer=keys.RETRY_DELAY_MS * tries / 1000) from error
        await record_failure(
            redis, key, f"Computing the slice failed after {tries} tries; last error: {reason}"
        )
        return "failed"
    body["status"] = SliceStatus.READY.value
    body["tookMs"] = round((time.perf_counter() - started) * 1000, 2)
    if not await _store_ready(redis, key, spec, body, seq, last=tries >= keys.MAX_TRIES):
        log.info("slice %s: an entity it shows changed while it was computed; again", key)
        raise Retry(defer=keys.RETRY_DELAY_MS * tries / 1000)
    await redis.incr(keys.COMPUTED_KEY)
    return "ready"


async def _store_ready(
    redis: Any, key: str, spec: SliceSpec, body: dict[str, Any], seq: int, *, last: bool
) -> bool:
    """Store a READY slice unless an entity it shows changed after `seq` (then False); on the
    `last` try it is stored anyway, and the next read finds it stale and asks again."""
    shown = [(g.type, g.int_id) for g in (from_global_id(n["entityId"]) for n in body["nodes"])]
    ttl = keys.SLICE_TTL_SECONDS
    return await freshness.store(
        redis,
        key,
        _stamped(body, ttl),
        ttl,
        _message(key, "READY"),
        seq=seq,
        nodes=[*spec.centers, *spec.exclude, *shown],
        force=last,
    )
