"""`python -m bench.capacity`: the numbers behind docs/scaling.md, re-runnable.

For each imported database given (`--db NAME:URL`, e.g. the generated 10^5 and 10^6 graphs):
rows and bytes of every table and index (`pg_class.reltuples` after the import's ANALYZE,
`pg_relation_size`, `pg_indexes_size`, `pg_total_relation_size`), then each table projected to
`--target-works` (2.5e8, the OpenAlex works snapshot) on the line through the measured sizes
(one size: proportional to works). With `--import-rate` (works/s, measured by `peergraph import`
or `bench.importing`) the import hours at that rate.

With `--serve`: the profile document (docs/queries/profile.graphql, the trusted document the
profile page sends) against `peergraph serve` with 1 and 2 processes on the largest database,
wrk runs interleaved (bench/profile.py), medians and spread; per request the API's CPU and the
PostgreSQL backends' CPU (read from /proc for the backends connected to that database), from
which API processes and read replicas per 1,000 req/s follow.

Writes bench/out/capacity.json and prints the markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
from typing import Any

import asyncpg

from bench.common import OUT, log, missing_tools

TICKS = os.sysconf("SC_CLK_TCK")
#: The share of a core a process is planned to use (headroom for spikes, vacuum, failover).
UTILIZATION = 0.7

SIZES_SQL = """
SELECT c.relname AS name, c.reltuples::bigint AS rows, pg_relation_size(c.oid) AS heap,
       pg_indexes_size(c.oid) AS indexes, pg_total_relation_size(c.oid) AS total
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE 'tortoise%'
ORDER BY total DESC
"""
INDEX_SQL = """
SELECT t.relname AS "table", i.relname AS name, pg_relation_size(i.oid) AS bytes
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public' ORDER BY bytes DESC
"""


async def measure(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        works = int(await conn.fetchval("SELECT COUNT(*) FROM work"))
        tables = [dict(r) for r in await conn.fetch(SIZES_SQL)]
        indexes = [dict(r) for r in await conn.fetch(INDEX_SQL)]
        database = int(await conn.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await conn.close()
    return {"works": works, "tables": tables, "indexes": indexes, "database_bytes": database}


def _line(points: list[tuple[float, float]], x: float) -> float:
    """The value at `x` on the line through the points (one point: through the origin)."""
    if len(points) == 1 or points[0][0] == points[-1][0]:
        x0, y0 = points[-1]
        return y0 * x / x0 if x0 else 0.0
    (x0, y0), (x1, y1) = points[0], points[-1]
    return max(0.0, y0 + (y1 - y0) * (x - x0) / (x1 - x0))


def project(
    sizes: dict[str, dict[str, Any]], target: float, known: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """Each table's rows and bytes at `target` works; a table in `known` has that many rows
    instead (the real snapshot's count of an entity), its bytes scaled by bytes per row."""
    ordered = sorted(sizes.values(), key=lambda s: s["works"])
    names = [t["name"] for t in ordered[-1]["tables"]]
    out = []
    for name in names:
        row: dict[str, Any] = {"table": name}
        for field in ("rows", "heap", "indexes", "total"):
            points = [
                (float(s["works"]), float(t[field]))
                for s in ordered
                for t in s["tables"]
                if t["name"] == name
            ]
            row[field] = _line(points, target)
        if known and name in known and row["rows"] > 0:
            factor = known[name] / row["rows"]
            row.update({f: row[f] * factor for f in ("rows", "heap", "indexes", "total")})
            row["known"] = True
        out.append(row)
    return sorted(out, key=lambda r: -r["total"])


def _gb(value: float) -> str:
    return f"{value / 1e9:,.1f}"


def tables_markdown(sizes: dict[str, dict[str, Any]], projected: list[dict[str, Any]]) -> str:
    labels = sorted(sizes, key=lambda k: sizes[k]["works"])
    head = "| table | " + " | ".join(f"{k}: rows, total MB" for k in labels)
    head += " | projected rows | heap GB | index GB | total GB |\n"
    head += "|---|" + "---|" * (len(labels) + 4) + "\n"
    lines = []
    for row in projected:
        cells = []
        for k in labels:
            found = next((t for t in sizes[k]["tables"] if t["name"] == row["table"]), None)
            cells.append(
                "-" if found is None else f"{found['rows']:,}, {found['total'] / 1e6:,.1f}"
            )
        lines.append(
            f"| {row['table']}{' (given count)' if row.get('known') else ''} | "
            + " | ".join(cells)
            + f" | {row['rows']:,.0f} | "
            f"{_gb(row['heap'])} | {_gb(row['indexes'])} | {_gb(row['total'])} |"
        )
    total = sum(r["total"] for r in projected)
    lines.append(
        "| **all** | "
        + " | ".join(f"{sizes[k]['works']:,} works, {sizes[k]['database_bytes'] / 1e6:,.0f}"
                     for k in labels)
        + f" | | {_gb(sum(r['heap'] for r in projected))} | "
        f"{_gb(sum(r['indexes'] for r in projected))} | **{_gb(total)}** |"
    )  # fmt: skip
    return head + "\n".join(lines)


def indexes_markdown(size: dict[str, Any], target: float, top: int = 12) -> str:
    scale = target / size["works"]
    lines = ["| index (table) | measured MB | proportional GB |", "|---|---|---|"]
    for ix in size["indexes"][:top]:
        lines.append(
            f"| {ix['name']} ({ix['table']}) | {ix['bytes'] / 1e6:,.1f} | "
            f"{_gb(ix['bytes'] * scale)} |"
        )
    return "\n".join(lines)


# -- throughput -----------------------------------------------------------------------------------


def _proc_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


async def _backends(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [int(r["pid"]) for r in rows]
    finally:
        await conn.close()


def serve(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The profile document against 1 and 2 peergraph processes, interleaved wrk runs."""
    from bench import profile
    from bench.servers import peergraph

    author = asyncio.run(profile.pick_author(url))
    body, _theirs = profile.write_bodies(author["id"])
    servers = [
        peergraph(f"capacity-{n}p", n, args.port + n, body, url, args.redis_url) for n in (1, 2)
    ]
    runs: dict[str, list[dict[str, Any]]] = {s.name: [] for s in servers}
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        for r in range(args.rounds):
            order = servers[r % 2 :] + servers[: r % 2]
            for server in order:
                profile.wrk(server, args.connections, args.warmup, args.cpu)
                pids = asyncio.run(_backends(url))
                before = _proc_cpu(pids)
                result = profile.wrk(server, args.connections, args.seconds, args.cpu)
                spent = _proc_cpu(pids) - before
                result["db_cpu_ms"] = spent / max(result["rps"] * args.seconds, 1) * 1000
                runs[server.name].append(result)
                log(
                    f"round {r + 1} {server.name}: {result['rps']:.0f} req/s, API"
                    f" {result['server_cpu_ms']:.2f} ms, DB {result['db_cpu_ms']:.2f} ms CPU/req,"
                    f" load {result['loadavg']:.1f}"
                )
    finally:
        for server in servers:
            server.stop()
    summary: dict[str, Any] = {"author": author, "runs": runs}
    for name, results in runs.items():
        summary[name] = {
            k: {
                "median": statistics.median(r[k] for r in results),
                "min": min(r[k] for r in results),
                "max": max(r[k] for r in results),
            }
            for k in ("rps", "server_cpu_ms", "db_cpu_ms", "p50_ms", "loadavg")
        }
    one = summary[servers[0].name]
    api_ms, db_ms = one["server_cpu_ms"]["median"], one["db_cpu_ms"]["median"]
    summary["plan"] = {
        "api_cores_per_1000": 1000 * api_ms / 1000 / UTILIZATION,
        "db_cores_per_1000": 1000 * db_ms / 1000 / UTILIZATION,
        "replicas_per_1000": math.ceil(1000 * db_ms / 1000 / UTILIZATION / args.replica_cores),
    }
    return summary


def serve_markdown(result: dict[str, Any], replica_cores: int) -> str:
    lines = [
        "| peergraph processes | req/s median (min-max) | API CPU ms/req | DB CPU ms/req |"
        " p50 ms | load |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("capacity-1p", "capacity-2p"):
        m = result[name]
        lines.append(
            f"| {name.removeprefix('capacity-').removesuffix('p')} | {m['rps']['median']:,.0f}"
            f" ({m['rps']['min']:,.0f}-{m['rps']['max']:,.0f}) | {m['server_cpu_ms']['median']:.2f}"
            f" | {m['db_cpu_ms']['median']:.2f} | {m['p50_ms']['median']:.1f}"
            f" | {m['loadavg']['median']:.1f} |"
        )
    plan = result["plan"]
    lines.append("")
    lines.append(
        f"Per 1,000 req/s at {UTILIZATION:.0%} utilization: {plan['api_cores_per_1000']:.1f} API"
        f" cores, {plan['db_cores_per_1000']:.1f} PostgreSQL cores, so"
        f" **{plan['replicas_per_1000']} read replica(s) of {replica_cores} cores**."
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__.split("\n")[0])
    p.add_argument(
        "--db",
        action="append",
        required=True,
        metavar="NAME:URL",
        help="an imported database, e.g. 1e5:postgres://postgres@127.0.0.1/g1e5",
    )
    p.add_argument("--target-works", type=float, default=2.5e8)
    p.add_argument("--import-rate", type=float, help="measured import rate, works/s")
    p.add_argument(
        "--rows",
        action="append",
        default=[],
        metavar="TABLE=COUNT",
        help="the target's known row count of an entity table, e.g. topic=4516",
    )
    p.add_argument("--serve", action="store_true", help="measure req/s on the largest database")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    p.add_argument("--port", type=int, default=18400)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--cpu", default="1", help="the core wrk is pinned to")
    p.add_argument("--replica-cores", type=int, default=8, help="cores of one read replica")
    return p.parse_args(argv)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes: dict[str, dict[str, Any]] = {}
    for spec in args.db:
        name, url = spec.split(":", 1)
        log(f"measuring {name}")
        sizes[name] = asyncio.run(measure(url))
    known = {k: float(v) for k, v in (item.split("=", 1) for item in args.rows)}
    projected = project(sizes, args.target_works, known)
    largest = max(sizes, key=lambda k: sizes[k]["works"])
    report: dict[str, Any] = {
        "sizes": sizes,
        "projected": projected,
        "target": args.target_works,
        "known_rows": known,
    }
    text = [
        tables_markdown(sizes, projected),
        "",
        indexes_markdown(sizes[largest], args.target_works),
    ]
    if args.import_rate:
        hours = args.target_works / args.import_rate / 3600
        report["import_hours"] = hours
        text.append(
            f"\nImport of {args.target_works:,.0f} works at {args.import_rate:,.0f} works/s:"
            f" {hours:,.0f} h ({hours / 24:,.1f} days)"
        )
    if args.serve:
        problems = missing_tools(need_postgraphile=False)
        if problems:
            raise SystemExit("missing: " + "; ".join(problems))
        url = next(s.split(":", 1)[1] for s in args.db if s.startswith(largest + ":"))
        report["serve"] = serve(url, args)
        text += ["", serve_markdown(report["serve"], args.replica_cores)]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "capacity.json").write_text(json.dumps(report, indent=2, default=str))
    print("\n".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
