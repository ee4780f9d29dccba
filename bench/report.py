"""Markdown for docs/benchmarks.md from one run's results. Only the text between the
`bench:generated` markers is rewritten; every other section (graph slices, the analysis) stays."""

from __future__ import annotations

from typing import Any

from bench.common import REPO

DOCS = REPO / "docs" / "benchmarks.md"
START = "<!-- bench:generated:start (python -m bench rewrites this block) -->"
END = "<!-- bench:generated:end -->"

TARGETS = {"vs_postgraphile": 1.0, "vs_floor": 0.5, "p99_c32_ms": 50.0, "works_per_s": 20_000.0}


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(r: dict[str, Any]) -> str:
    med: dict[str, dict[str, dict[str, float]]] = r["medians"]
    names = list(med)
    ours = next(n for n in names if r["servers"][n]["kind"] == "peergraph")
    floor = next(n for n in names if r["servers"][n]["kind"] == "floor")
    pg = next((n for n in names if r["servers"][n]["kind"] == "postgraphile"), None)
    one = "peergraph-1p" if "peergraph-1p" in names and ours != "peergraph-1p" else None
    args = r["args"]
    concurrency = list(med[ours])
    lines = [
        "### Profile query: peergraph, PostGraphile v4 and the floor",
        "",
        f"Run {r['started']} at commit `{r['commit']}`, database of {r['works_in_db']:,}"
        f" generated works (seed {args['seed']}), author {r['author']['id']}"
        f" ({r['author']['works']} works;"
        f" the response is {r['answer']['bytes']:,} bytes with {r['answer']['works']} works,"
        f" {r['answer']['topics']} topics, {r['answer']['collaborators']} collaborators)."
        f" wrk: 1 thread pinned with `taskset -c {args['wrk_cpu']}`, servers and PostgreSQL"
        f" unpinned; {args['rounds']} interleaved rounds of {args['seconds']:g} s (after"
        f" {args['warmup']:g} s of warm-up) per server and concurrency; medians, with the"
        " range of req/s over the rounds. CPU per request is the server's process tree only.",
        "",
        "| concurrency | server | processes | req/s (median) | range | p50 ms | p99 ms"
        " | server CPU ms/req | busiest process's CPU share | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in concurrency:
        for name in names:
            m = med[name][c]
            lines.append(
                f"| {c} | {name} | {r['servers'][name]['processes']} | {m['rps']:,.0f}"
                f" | {m['rps_min']:,.0f} to {m['rps_max']:,.0f} | {m['p50_ms']:.2f}"
                f" | {m['p99_ms']:.2f} | {m['server_cpu_ms']:.2f}"
                f" | {m.get('busiest_share', 0):.0%} | {m['errors']:.0f} |"
            )
    lines += ["", "Ratios (of median req/s) and the targets:", ""]
    header = "| concurrency | peergraph/floor (≥ 0.5) |"
    rule = "|---|---|"
    if pg:
        header += " peergraph/PostGraphile (≥ 1.0) |"
        rule += "---|"
    header += " peergraph p99 ms (≤ 50 at c=32) |"
    rule += "---|"
    if one:
        header += " 2 processes / 1 process |"
        rule += "---|"
    header = "| peergraph server " + header
    rule = "|---" + rule
    lines += [header, rule]
    variants = [n for n in names if r["servers"][n]["kind"] == "peergraph" and n != one]
    for name, c in ((n, c) for n in variants for c in concurrency):
        ours = name
        ratio_floor = med[ours][c]["rps"] / med[floor][c]["rps"]
        row = f"| {name} | {c} | {ratio_floor:.2f} ({_mark(ratio_floor >= TARGETS['vs_floor'])}) |"
        if pg:
            ratio_pg = med[ours][c]["rps"] / med[pg][c]["rps"]
            row += f" {ratio_pg:.2f} ({_mark(ratio_pg >= TARGETS['vs_postgraphile'])}) |"
        p99 = med[ours][c]["p99_ms"]
        row += f" {p99:.1f}" + (f" ({_mark(p99 <= TARGETS['p99_c32_ms'])})" if c == "32" else "")
        row += " |"
        if one:
            scaling = med[ours][c]["rps"] / med[one][c]["rps"] if ours == variants[0] else None
            row += f" {scaling:.2f} |" if scaling else " |"
        lines.append(row)
    wrk_share = max(m["wrk_cpu_share"] for by_c in med.values() for m in by_c.values())
    load = max(m["loadavg"] for by_c in med.values() for m in by_c.values())
    lines += [
        "",
        f"wrk used at most {wrk_share:.0%} of one core (median per run); the 1-minute load"
        f" average before a run was at most {load:.1f} (other work on the machine shows here).",
        "",
        "### SQL per profile query",
        "",
        "Counted in process at the asyncpg layer (bench/sqlcount.py), one warm request. A round"
        " trip is a statement, a Parse of a statement the connection had not prepared, or the"
        " reset query a pool release runs.",
        "",
        "| works in the database | author | peergraph, planner: statements / round trips"
        " | peergraph, general executor | floor |",
        "|---|---|---|---|---|",
    ]
    for size, by_author in r["sql"].items():
        for label, c in by_author.items():
            cells = [
                f"{c[k]['statements']} / {c[k]['round_trips']}"
                for k in ("peergraph", "general", "floor")
            ]
            lines.append(f"| {int(size):,} | {label} | {' | '.join(cells)} |")
    if r.get("import"):
        lines += [
            "",
            "### Import: OpenAlex JSONL into PostgreSQL",
            "",
            "`peergraph generate` output imported with `peergraph import openalex` into a fresh,"
            " migrated database (all five files; the time includes the aggregate refresh)."
            " Peak RSS is the importer process's maximum resident set.",
            "",
            "| works | authors | authorships | seconds | works/s (≥ 20,000) | authorships/s"
            " | peak RSS MiB |",
            "|---|---|---|---|---|---|---|",
        ]
        for imp in r["import"]:
            ok = imp["works_per_s"] >= TARGETS["works_per_s"]
            lines.append(
                f"| {imp['works']:,} | {imp['authors']:,} | {imp['authorships']:,}"
                f" | {imp['seconds']:.1f} | {imp['works_per_s']:,.0f} ({_mark(ok)})"
                f" | {imp['authorships_per_s']:,.0f} | {imp['peak_rss_mib']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def write_docs(text: str) -> None:
    current = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n"
    block = f"{START}\n{text}{END}"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        tail = rest.split(END, 1)[1]
        DOCS.write_text(head + block + tail)
    else:
        DOCS.write_text(current.rstrip("\n") + "\n\n" + block + "\n")
