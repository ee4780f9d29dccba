"""`python -m bench.partners`: partners' own documents against PostGraphile v4, interleaved.

Three documents a partner writes (bench/partners/peergraph.graphql, their PostGraphile twins in
bench/partners/postgraphile.graphql): the profile with one field added, a two-level list (20
authors → 10 works each → their authors) and works with nested references. Each runs at every
concurrency on every server, `rounds` times, the server order rotating within a round, with the
same processes per server and the same database pool per process (PostGraphile's default of 10
connections; peergraph's `maxsize` set to match). A second peergraph runs with the garbage
collector left as Python sets it (`PEERGRAPH_GC_FREEZE=false`), so the effect of
server/runtime.py's tuning is measured in the same run. Before timing, every server's answer is
checked: the same rows in the same order.

    python -m bench.partners --works 100000            # generate, import, then measure
    python -m bench.partners --reuse-db --db NAME      # measure an existing database

Results: bench/out/partners.json and a Markdown table on stdout (docs/benchmarks.md quotes it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson
from graphql import OperationDefinitionNode, parse, print_ast

from bench import importing, profile
from bench.common import OUT, POSTGRAPHILE_DIR, REPO, add_load_arguments, log, missing_tools
from bench.servers import Server, from_checkout, peergraph, post, postgraphile, start_all

DOCS = REPO / "bench" / "partners"
WORKLOADS = ("AdhocProfile", "TwoLevel", "WorksReferences")


def operations(path: Path) -> dict[str, str]:
    """Each named operation of a document file, printed on its own."""
    document = parse(path.read_text())
    return {
        d.name.value: print_ast(d)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    }


def bodies(author_id: int) -> dict[str, dict[str, Path]]:
    """workload → {"ours", "theirs"} → a request body file for wrk."""
    ours, theirs = operations(DOCS / "peergraph.graphql"), operations(DOCS / "postgraphile.graphql")
    out: dict[str, dict[str, Path]] = {}
    for name in WORKLOADS:
        out[name] = {}
        for side, text, author in (
            ("ours", ours[name], profile.gid("Author", author_id)),
            ("theirs", theirs[name], author_id),
        ):
            variables = {"id": author} if name == "AdhocProfile" else {}
            path = Path(f"/tmp/bench-partners-{name}-{side}.json")
            path.write_bytes(orjson.dumps({"query": text, "variables": variables}))
            out[name][side] = path
    return out


def _ids(kind: str, nodes: list[dict[str, Any]]) -> list[str]:
    return [profile.gid(kind, n["id"]) for n in nodes]


def rows(name: str, answer: dict[str, Any], ours: bool) -> Any:
    """The rows an answer holds, as peergraph's global ids in order, for either server."""
    data = answer["data"]
    if name == "AdhocProfile":
        a = data["author"] if ours else data["authorById"]
        if ours:
            return (
                [e["node"]["id"] for e in a["works"]["edges"]],
                [e["node"]["author"]["id"] for e in a["collaborators"]["edges"]],
                [t["topic"]["displayName"] for t in a["topics"]],
                a["metrics"]["citedByCount"],
            )
        return (
            _ids("Work", a["profileWorks"]["nodes"]),
            [
                profile.gid("Author", n["authorByCoauthorId"]["id"])
                for n in a["closeCollaborators"]["nodes"]
            ],
            [n["topicByTopicId"]["displayName"] for n in a["topTopics"]["nodes"]],
            a["citedByCount"],
        )
    if name == "TwoLevel":
        if ours:
            return [
                (
                    e["node"]["id"],
                    [
                        (
                            w["node"]["id"],
                            [x["author"] and x["author"]["id"] for x in w["node"]["authorships"]],
                        )
                        for w in e["node"]["works"]["edges"]
                    ],
                )
                for e in data["authors"]["edges"]
            ]
        return [
            (
                profile.gid("Author", a["id"]),
                [
                    (
                        profile.gid("Work", w["id"]),
                        [
                            x["authorByAuthorId"]
                            and profile.gid("Author", x["authorByAuthorId"]["id"])
                            for x in w["authorshipsByWorkId"]["nodes"]
                        ],
                    )
                    for w in a["profileWorks"]["nodes"]
                ],
            )
            for a in data["allAuthors"]["nodes"]
        ]
    if ours:
        return [
            (e["node"]["id"], [r["node"]["id"] for r in e["node"]["references"]["edges"]])
            for e in data["works"]["edges"]
        ]
    return [
        (profile.gid("Work", w["id"]), _ids("Work", w["newestReferences"]["nodes"]))
        for w in data["allWorks"]["nodes"]
    ]


def check(name: str, servers: list[Server]) -> dict[str, Any]:
    """Every server answers without errors and with the same rows; the sizes, for the report."""
    seen: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    for server in servers:
        raw = post(server.url, server.body.read_bytes())
        answer = orjson.loads(raw)
        if answer.get("errors"):
            raise SystemExit(f"{server.name} answered {name} with errors: {answer['errors']}")
        seen[server.name] = rows(name, answer, server.kind == "peergraph")
        sizes[server.name] = len(raw)
    first = next(iter(seen.values()))
    if any(v != first for v in seen.values()):
        Path("/tmp/bench-partners-mismatch.json").write_bytes(
            orjson.dumps(seen, option=orjson.OPT_INDENT_2)
        )
        raise SystemExit(f"{name}: the servers' rows differ, see /tmp/bench-partners-mismatch.json")
    return {"bytes": sizes}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.partners", description=__doc__.splitlines()[0]
    )
    p.add_argument("--works", type=int, default=100_000, help="works to generate and import")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--db", default="peergraph_bench", help="benchmark database")
    p.add_argument("--reuse-db", action="store_true", help="measure --db as it is")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    add_load_arguments(p)
    p.add_argument("--pool", type=int, default=10, help="database connections per process")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--wrk-cpu", default="1", help="the core wrk is pinned to (taskset -c)")
    p.add_argument("--no-gc-baseline", action="store_true", help="skip peergraph without gc tuning")
    p.add_argument("--label", default="partners", help="bench/out/<label>.json")
    p.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of another revision (`git archive`), run as a second peergraph in the"
        " same rounds: the last column is this revision's req/s over that one's",
    )
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    db_url = f"{args.pg}/{args.db}"
    if not args.reuse_db:
        done = await importing.run_import(
            args.works, args.seed, f"{args.pg}/postgres", args.db, db_url
        )
        log(f"import: {done.works_per_s:.0f} works/s")
    subprocess.run(["psql", db_url, "-q", "-c", "VACUUM ANALYZE"], check=True)
    subprocess.run(
        ["psql", db_url, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(POSTGRAPHILE_DIR / "schema.sql")],
        check=True,
    )
    author = await profile.pick_author(db_url)
    files = bodies(author["id"])
    n, pool = args.processes, args.pool
    ours_url = f"{db_url}?maxsize={pool}&minsize=1"
    first = WORKLOADS[0]
    servers = [
        peergraph(f"peergraph-{n}p", n, 8111, files[first]["ours"], ours_url, args.redis_url)
    ]
    if not args.no_gc_baseline:
        plain = peergraph(
            f"peergraph-nogc-{n}p", n, 8112, files[first]["ours"], ours_url, args.redis_url
        )
        plain.env["PEERGRAPH_GC_FREEZE"] = "false"
        servers.append(plain)
    if args.baseline is not None:
        base = peergraph(
            f"peergraph-base-{n}p", n, 8114, files[first]["ours"], ours_url, args.redis_url
        )
        servers.append(from_checkout(base, args.baseline.resolve()))
    servers.append(postgraphile(f"postgraphile-{n}p", n, 8113, files[first]["theirs"], db_url))
    for server in servers:
        if server.kind == "peergraph":
            # every request is measured, none refused: the in-flight cap is above any concurrency
            server.env["PEERGRAPH_MAX_IN_FLIGHT"] = "0"
        else:
            server.argv += ["--max-pool-size", str(pool)]
    results: dict[str, Any] = {
        "args": vars(args),
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "author": author,
        "works_in_db": (await importing.counts(db_url))["works"],
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
        ).stdout.strip(),
        "workloads": {},
    }
    concurrency = [int(c) for c in args.concurrency.split(",")]
    try:
        start_all(servers)
        for name in args.workloads.split(","):
            for server in servers:
                server.body = files[name]["ours" if server.kind == "peergraph" else "theirs"]
            answers = check(name, servers)
            log(f"{name}: every server returns the same rows")
            runs = profile.interleaved(
                servers, concurrency, args.rounds, args.seconds, args.warmup, args.wrk_cpu
            )
            results["workloads"][name] = {
                "answers": answers,
                "runs": runs,
                "medians": {
                    s: {str(c): profile.medians(rs) for c, rs in by_c.items()}
                    for s, by_c in runs.items()
                },
            }
    finally:
        for server in servers:
            server.stop()
    (OUT / f"{args.label}.json").write_text(json.dumps(results, indent=2, default=str))
    print(render(results, servers))
    return 0


def _per_round(runs: dict[str, Any], mine: str, other: str, c: str) -> str:
    """min-max and median of the req/s ratios of `mine` over `other`, each round's two runs
    paired, and how many rounds were at least 1.0."""
    ratios = [
        a["rps"] / b["rps"]
        for a, b in zip(runs[mine][c], runs[other][c], strict=False)
        if b["rps"] > 0
    ]
    if not ratios:
        return "-"
    at_least = sum(r >= 1.0 for r in ratios)
    return (
        f"{min(ratios):.2f}-{max(ratios):.2f}, median {statistics.median(ratios):.2f},"
        f" {at_least}/{len(ratios)} ≥ 1"
    )


def render(results: dict[str, Any], servers: list[Server]) -> str:
    ours = servers[0].name
    theirs = next(s.name for s in servers if s.kind == "postgraphile")
    plain = next((s.name for s in servers if "nogc" in s.name), None)
    base = next((s.name for s in servers if "-base-" in s.name), None)
    lines = [
        f"{results['works_in_db']:,} works, commit {results['commit']}, {results['started']}; "
        f"{results['args']['processes']} processes and {results['args']['pool']} connections per"
        f" process on every server; medians of {results['args']['rounds']} interleaved runs"
        " (min-max req/s).",
        "",
        "| document | c | peergraph req/s | PostGraphile req/s | ratio | ratio per round"
        " | p99 ms (ours / theirs) | CPU ms/req (ours / theirs) | errors (ours / theirs) |"
        + (" gc tuning: req/s ratio |" if plain else "")
        + (" baseline req/s | vs baseline (per round) | baseline CPU ms/req |" if base else ""),
        "|---|---|---|---|---|---|---|---|---|"
        + ("---|" if plain else "")
        + ("---|---|---|" if base else ""),
    ]
    for name, found in results["workloads"].items():
        runs = {s: {str(c): rs for c, rs in by_c.items()} for s, by_c in found["runs"].items()}
        for c, mine in found["medians"][ours].items():
            them = found["medians"][theirs][c]
            row = (
                f"| {name} | {c} | {mine['rps']:.0f} ({mine['rps_min']:.0f}-{mine['rps_max']:.0f})"
                f" | {them['rps']:.0f} ({them['rps_min']:.0f}-{them['rps_max']:.0f})"
                f" | **{mine['rps'] / them['rps']:.2f}** | {_per_round(runs, ours, theirs, c)}"
                f" | {mine['p99_ms']:.1f} / {them['p99_ms']:.1f}"
                f" | {mine['server_cpu_ms']:.2f} / {them['server_cpu_ms']:.2f}"
                f" | {mine['errors']:.0f} / {them['errors']:.0f} |"
            )
            if plain:
                row += f" {mine['rps'] / found['medians'][plain][c]['rps']:.2f} |"
            if base:
                was = found["medians"][base][c]
                row += (
                    f" {was['rps']:.0f} | {mine['rps'] / was['rps']:.2f}"
                    f" ({_per_round(runs, ours, base, c)}) | {was['server_cpu_ms']:.2f} |"
                )
            lines.append(row)
    loads = [
        r["loadavg"]
        for found in results["workloads"].values()
        for by_c in found["runs"].values()
        for rs in by_c.values()
        for r in rs
    ]
    if loads:
        lines += ["", f"Load average during the runs: median {statistics.median(loads):.1f}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problems = missing_tools(need_postgraphile=True)
    if problems:
        print("bench.partners needs:\n  " + "\n  ".join(problems))
        return 2
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
