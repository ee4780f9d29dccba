"""`python -m bench` (`make bench`): the profile query against PostGraphile v4 and the floor, the
SQL per request, import throughput and 1 vs 2 API processes, in one run; writes
bench/out/results.json and the generated sections of docs/benchmarks.md.

Steps: generate + import N works into a fresh PostgreSQL database (timed); the same at a smaller
size for the SQL-count comparison; start every server (peergraph with 2 and 1 processes, the floor
and PostGraphile with the same number of processes as peergraph); check that they answer the same
thing; then wrk, interleaved: for each concurrency, `rounds` rounds, the server order rotating.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import time
from typing import Any

from bench import importing, profile, report, sqlcount
from bench.common import OUT, POSTGRAPHILE_DIR, add_load_arguments, log, missing_tools
from bench.servers import Server, floor, peergraph, postgraphile, start_all

PG_HOST = "postgres://postgres@127.0.0.1:5432"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--works", type=int, default=100_000, help="works in the benchmark database")
    p.add_argument(
        "--small-works",
        type=int,
        default=10_000,
        help="a second, smaller database for the SQL-count comparison (0: skip)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--db", default="peergraph_bench", help="benchmark database (recreated)")
    p.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep the databases from a previous run: no generate/import",
    )
    p.add_argument("--pg", default=PG_HOST, help="PostgreSQL server URL, without a database")
    add_load_arguments(p)
    p.add_argument("--no-postgraphile", action="store_true")
    p.add_argument("--no-scaling", action="store_true", help="skip peergraph with 1 process")
    p.add_argument(
        "--no-general",
        action="store_true",
        help="skip peergraph with the planner off (the general executor)",
    )
    p.add_argument("--wrk-cpu", default="1", help="the core wrk is pinned to (taskset -c)")
    p.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    p.add_argument("--label", default="results", help="bench/out/<label>.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problems = missing_tools(need_postgraphile=not args.no_postgraphile)
    if problems:
        print("make bench needs:\n  " + "\n  ".join(problems))
        return 2
    return asyncio.run(run(args))


async def run(args: argparse.Namespace) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    db_url = f"{args.pg}/{args.db}"
    small_db = f"{args.db}_small"
    small_url = f"{args.pg}/{small_db}"
    admin = f"{args.pg}/postgres"
    results: dict[str, Any] = {"args": vars(args), "started": time.strftime("%Y-%m-%d %H:%M")}
    results["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()

    if not args.reuse_db:
        imported = await importing.run_import(args.works, args.seed, admin, args.db, db_url)
        results["import"] = [imported.as_dict()]
        log(f"import: {imported.works_per_s:.0f} works/s, {imported.peak_rss_mib:.0f} MiB")
        if args.small_works:
            small = await importing.run_import(
                args.small_works, args.seed, admin, small_db, small_url
            )
            results["import"].append(small.as_dict())
    elif (OUT / "import.json").exists():
        results["import"] = json.loads((OUT / "import.json").read_text())
    if "import" in results:
        (OUT / "import.json").write_text(json.dumps(results["import"], indent=2))

    subprocess.run(["psql", db_url, "-q", "-c", "VACUUM ANALYZE"], check=True)
    if not args.no_postgraphile:
        subprocess.run(
            [
                "psql",
                db_url,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-f",
                str(POSTGRAPHILE_DIR / "schema.sql"),
            ],
            check=True,
        )

    results["works_in_db"] = (await importing.counts(db_url))["works"]
    author = await profile.pick_author(db_url)
    results["author"] = author
    log(f"profile author {author['id']} ({author['works']} works)")

    # SQL statements and round trips: three authors of different sizes, two data sizes
    counts: dict[str, Any] = {}
    labels = {
        "profile author": author["id"],
        "1 work": author["small"],
        "most works": author["largest"],
    }
    counts[str(args.works)] = await sqlcount.profile_counts(db_url, labels)
    if args.small_works and not (args.reuse_db and not await _exists(admin, small_db)):
        small_author = await profile.pick_author(small_url)
        small_labels = {
            "profile author": small_author["id"],
            "1 work": small_author["small"],
            "most works": small_author["largest"],
        }
        counts[str(args.small_works)] = await sqlcount.profile_counts(small_url, small_labels)
    results["sql"] = counts

    ours_body, their_body = profile.write_bodies(author["id"])
    n = args.processes
    servers: list[Server] = [
        peergraph(f"peergraph-{n}p", n, 8101, ours_body, db_url, args.redis_url),
        floor(f"floor-{n}p", n, 8102, ours_body, db_url),
    ]
    if not args.no_postgraphile:
        servers.append(postgraphile(f"postgraphile-{n}p", n, 8103, their_body, db_url))
    if not args.no_scaling and n != 1:
        servers.append(peergraph("peergraph-1p", 1, 8104, ours_body, db_url, args.redis_url))
    if not args.no_general:
        servers.append(
            peergraph(f"peergraph-general-{n}p", n, 8105, ours_body, db_url, args.redis_url, False)
        )
    try:
        start_all(servers)
        results["answer"] = profile.check_answers(
            servers[0], servers[1], None if args.no_postgraphile else servers[2]
        )
        concurrency = [int(c) for c in args.concurrency.split(",")]
        runs = profile.interleaved(
            servers, concurrency, args.rounds, args.seconds, args.warmup, args.wrk_cpu
        )
    finally:
        for server in servers:
            server.stop()
    results["servers"] = {s.name: {"kind": s.kind, "processes": s.processes} for s in servers}
    results["runs"] = runs
    results["medians"] = {
        name: {str(c): profile.medians(rs) for c, rs in by_c.items()} for name, by_c in runs.items()
    }
    (OUT / f"{args.label}.json").write_text(json.dumps(results, indent=2, default=str))
    text = report.render(results)
    print(text)
    if not args.no_docs:
        report.write_docs(text)
        log("docs/benchmarks.md updated")
    return 0


async def _exists(admin: str, name: str) -> bool:
    import asyncpg

    conn = await asyncpg.connect(admin)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()
