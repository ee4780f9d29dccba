"""The profile query: choosing the author, the request bodies, checking that the servers answer
the same thing, the wrk runs, and the SQL statements and round trips per request."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench.common import REPO, log
from bench.servers import Server, post

LUA = REPO / "bench" / "wrk" / "profile.lua"
PROFILE = REPO / "docs" / "queries" / "profile.graphql"
PG_PROFILE = REPO / "bench" / "postgraphile" / "profile.graphql"

#: The profile the page shows: enough works, topics and close collaborators to fill every list.
PICK_SQL = """
SELECT id, works_count FROM author
WHERE works_count BETWEEN 10 AND 40 AND topics_count >= 6 AND close_collaborators_count >= 4
ORDER BY id LIMIT 1
"""


async def pick_author(db_url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(db_url)
    try:
        row = await conn.fetchrow(PICK_SQL)
        if row is None:
            raise SystemExit("no author with 10+ works, 6 topics and 4 close collaborators")
        sizes = await conn.fetchrow(
            "SELECT min(id) FILTER (WHERE works_count = 1) AS small,"
            " (array_agg(id ORDER BY works_count DESC))[1] AS largest,"
            " max(works_count) AS most FROM author"
        )
        return {"id": row["id"], "works": row["works_count"], **dict(sizes)}
    finally:
        await conn.close()


def gid(kind: str, key: int) -> str:
    from bench.floor import gid as make

    return make(kind, key)


def write_bodies(author_id: int) -> tuple[Path, Path]:
    """The peergraph/floor body and the PostGraphile body, as files for wrk."""
    ours = Path(f"/tmp/bench-body-{author_id}.json")
    ours.write_bytes(
        orjson.dumps(
            {
                "query": PROFILE.read_text(),
                "operationName": "Profile",
                "variables": {"id": gid("Author", author_id)},
            }
        )
    )
    theirs = Path(f"/tmp/bench-body-pg-{author_id}.json")
    theirs.write_bytes(
        orjson.dumps(
            {
                "query": PG_PROFILE.read_text(),
                "operationName": "Profile",
                "variables": {"id": author_id},
            }
        )
    )
    return ours, theirs


def check_answers(peergraph: Server, floor: Server, postgraphile: Server | None) -> dict[str, Any]:
    """The floor returns peergraph's exact `data`; PostGraphile returns the same rows.
    (peergraph's body also carries `extensions.cost`, from its rate limiter.)"""
    ours = orjson.loads(post(peergraph.url, peergraph.body.read_bytes()))
    low = orjson.loads(post(floor.url, floor.body.read_bytes()))
    if "errors" in ours or ours["data"] != low["data"]:
        Path("/tmp/bench-mismatch.json").write_bytes(
            orjson.dumps({"peergraph": ours, "floor": low}, option=orjson.OPT_INDENT_2)
        )
        raise SystemExit("peergraph and the floor disagree: see /tmp/bench-mismatch.json")
    author = ours["data"]["author"]
    if postgraphile is not None:
        pg = orjson.loads(post(postgraphile.url, postgraphile.body.read_bytes()))
        if "errors" in pg:
            raise SystemExit(f"PostGraphile answered errors: {pg['errors']}")
        them = pg["data"]["authorById"]
        same = (
            [e["node"]["id"] for e in author["works"]["edges"]]
            == [gid("Work", n["id"]) for n in them["profileWorks"]["nodes"]]
            and [e["node"]["author"]["id"] for e in author["collaborators"]["edges"]]
            == [
                gid("Author", n["authorByCoauthorId"]["id"])
                for n in them["closeCollaborators"]["nodes"]
            ]
            and [t["topic"]["displayName"] for t in author["topics"]]
            == [n["topicByTopicId"]["displayName"] for n in them["topTopics"]["nodes"]]
        )
        if not same:
            raise SystemExit("PostGraphile's rows differ from peergraph's")
    return {
        "bytes": len(orjson.dumps(ours)),
        "works": len(author["works"]["edges"]),
        "topics": len(author["topics"]),
        "collaborators": len(author["collaborators"]["edges"]),
    }


def wrk(server: Server, connections: int, seconds: float, cpu: str) -> dict[str, Any]:
    """One wrk run: 1 thread pinned to `cpu`, `connections` keep-alive connections."""
    argv = ["taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    argv += ["--timeout", "10s", "-s", str(LUA), server.url, "--", str(server.body)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_before = server.cpu_by_pid()
    load = os.getloadavg()[0]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    cpu_after = server.cpu_by_pid()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = [cpu_after[pid] - cpu_before.get(pid, 0.0) for pid in cpu_after] or [0.0]
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    requests = max(raw["requests"], 1)
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    wrk_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": errors + raw["non_2xx"],
        "server_cpu_ms": (sum(spent) / requests) * 1000,
        # the share of the server's CPU taken by its busiest process (1/processes when even)
        "busiest_share": max(spent) / max(sum(spent), 1e-9),
        "wrk_cpu_share": wrk_cpu / (raw["duration_us"] / 1e6),
        "loadavg": load,
    }


def interleaved(
    servers: list[Server],
    concurrency: list[int],
    rounds: int,
    seconds: float,
    warmup: float,
    cpu: str,
) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Every (server, concurrency) `rounds` times; within a round the server order rotates.
    A run whose wrk fails is dropped (and logged), and its server restarted."""
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {
        s.name: {c: [] for c in concurrency} for s in servers
    }
    for c in concurrency:
        for r in range(rounds):
            order = servers[r % len(servers) :] + servers[: r % len(servers)]
            for server in order:
                try:
                    if warmup > 0:
                        wrk(server, c, warmup, cpu)
                    result = wrk(server, c, seconds, cpu)
                except subprocess.CalledProcessError as error:
                    # a server that died (or was killed from outside) is restarted, the run lost
                    log(f"{server.name}: wrk failed ({error.stderr.strip()[:200]}); restarting")
                    server.stop()
                    server.start()
                    server.wait_ready()
                    continue
                runs[server.name][c].append(result)
                log(
                    f"c={c:<3} round {r + 1}/{rounds} {server.name:<16} {result['rps']:8.1f} req/s"
                    f"  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms"
                    f"  cpu {result['server_cpu_ms']:.2f} ms/req  load {result['loadavg']:.1f}"
                )
                time.sleep(0.5)
    return runs


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = ["rps", "p50_ms", "p99_ms", "server_cpu_ms", "wrk_cpu_share", "loadavg", "errors"]
    keys.append("busiest_share")
    if not runs:  # every run of this server and concurrency failed
        return {k: float("nan") for k in [*keys, "rps_min", "rps_max"]}
    return {k: statistics.median(r[k] for r in runs) for k in keys} | {
        "rps_min": min(r["rps"] for r in runs),
        "rps_max": max(r["rps"] for r in runs),
    }
