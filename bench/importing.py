"""Import throughput: `peergraph generate` then `peergraph import openalex` into a fresh
PostgreSQL database, timed, with the importer's peak RSS, where its time went, and the floor.

The floor, timed in the same run: a plain `COPY` of the same JSONL files into a one-column
table (no parsing, one index-less heap), the least any import of these files can cost on this
machine; the import's "x floor" is its time over the floor's, which the machine's load distorts
less than either figure alone.

Runs on its own as well as from `python -m bench`:

    python -m bench.importing --works 100000             # new database peergraph_bench_import
    python -m bench.importing --works 10000 --baseline-ref HEAD~3 --reimport --sqlite

`--baseline-ref` also imports the same files with the importers of another git revision (run
from an exported copy shadowing `importers/`), back to back, so the two figures come from the
same machine state and their ratio is meaningful; `--reimport` times a second, unchanged import
(which writes nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import BIN, REPO, log
from bench.import_floor import (
    CHANGED_LABEL,
    FILES,
    changed_works,
    floor,
    phases_of,
    recreate_database,
)

_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print('BENCH_RSS_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass
class ImportResult:
    works: int
    authors: int
    authorships: int
    seconds: float
    peak_rss_mib: float
    generate_seconds: float | None
    #: the importer's own wall seconds per phase (parse, write, refresh, vacuum)
    phases: dict[str, float]

    @property
    def works_per_s(self) -> float:
        return self.works / self.seconds

    @property
    def authorships_per_s(self) -> float:
        return self.authorships / self.seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "works_per_s": self.works_per_s,
            "authorships_per_s": self.authorships_per_s,
        }


def data_dir(works: int, seed: int) -> Path:
    return Path(f"/tmp/bench-data/w{works}-s{seed}")


#: (works, seed) → a directory of already generated files to use instead (`--data`).
GENERATED: dict[tuple[int, int], Path] = {}


def generate(works: int, seed: int) -> tuple[Path, float | None]:
    if (works, seed) in GENERATED:
        return GENERATED[works, seed], None
    out = data_dir(works, seed)
    if all((out / f"{name}.jsonl").exists() for name in FILES) and (out / ".done").exists():
        return out, None
    log(f"generating {works} works (seed {seed}) into {out}")
    started = time.perf_counter()
    argv = [str(BIN / "peergraph"), "generate", "--works", str(works), "--seed", str(seed)]
    subprocess.run(
        [*argv, "--out", str(out)],
        check=True,
        cwd=REPO,
    )
    (out / ".done").touch()
    return out, time.perf_counter() - started


_COUNTS = (
    "SELECT (SELECT count(*) FROM work) AS works, (SELECT count(*) FROM author) AS authors,"
    " (SELECT count(*) FROM authorship) AS authorships"
)


async def counts(db_url: str) -> dict[str, int]:
    if db_url.startswith("sqlite://"):
        with sqlite3.connect(db_url.removeprefix("sqlite://")) as lite:
            works, authors, authorships = lite.execute(_COUNTS).fetchone()
        return {"works": works, "authors": authors, "authorships": authorships}
    conn = await asyncpg.connect(db_url)
    try:
        row = await conn.fetchrow(_COUNTS)
        return dict(row)
    finally:
        await conn.close()


async def run_import(
    works: int,
    seed: int,
    admin_url: str,
    db: str,
    db_url: str,
    *,
    importers_from: Path | None = None,
    fresh: bool = True,
    only: Path | None = None,
) -> ImportResult:
    """Import generated data into `db` (recreated and migrated unless `fresh` is false).

    `importers_from`: a directory holding another `importers/` package, put first on the
    import path of the importing process (a baseline revision)."""
    files, generate_seconds = generate(works, seed)
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": "", "PEERGRAPH_LOG_LEVEL": "warning"}
    if fresh:
        if db_url.startswith("sqlite://"):
            Path(db_url.removeprefix("sqlite://")).unlink(missing_ok=True)
        else:
            await recreate_database(admin_url, db)
        subprocess.run([str(BIN / "peergraph"), "migrate"], check=True, cwd=REPO, env=env)
    if importers_from is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(importers_from), str(REPO)]))
    log(f"importing {files} into {db}")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, str(BIN / "peergraph"), "import", "openalex"]
        + ["--quiet", "--rejects-dir", "/tmp/bench-rejects"]
        + ([str(only)] if only else [str(files / f"{name}.jsonl") for name in FILES]),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    sys.stderr.write(done.stderr[-2000:])
    sys.stderr.write(done.stdout[-3000:])
    if done.returncode:
        raise SystemExit(f"import failed ({done.returncode})")
    rss_kib = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if "BENCH_RSS_KIB" in line
    )
    found = await counts(db_url)
    return ImportResult(
        works=found["works"],
        authors=found["authors"],
        authorships=found["authorships"],
        seconds=seconds,
        peak_rss_mib=rss_kib / 1024,
        generate_seconds=generate_seconds,
        phases=phases_of(done.stderr),
    )


def export_revision(ref: str) -> Path:
    """`importers/` as of git revision `ref`, in a directory to put first on PYTHONPATH."""
    out = Path(f"/tmp/bench-importers-{ref.replace('/', '_').replace('~', '-')}")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref, "importers"], cwd=REPO, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def _row(label: str, r: ImportResult, floor_seconds: float | None) -> str:
    """A table row; `floor_seconds` None for a partial import (no floor of the same files)."""
    spent = ", ".join(f"{k} {v:.1f}" for k, v in r.phases.items()) or "-"
    ratio = f"{r.seconds / floor_seconds:.1f}x" if floor_seconds else "-"
    return (
        f"| {label} | {r.works:,} | {r.authorships:,} | {r.seconds:.1f} | {r.works_per_s:,.0f}"
        f" | {ratio} | {r.peak_rss_mib:,.0f} | {spent} |"
    )


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    admin = f"{args.pg}/postgres"
    db_url = f"{args.pg}/{args.db}"
    results: dict[str, Any] = {"works_requested": args.works, "seed": args.seed}
    runs: list[tuple[str, ImportResult]] = []
    if args.baseline_ref:
        old = export_revision(args.baseline_ref)
        base = await run_import(args.works, args.seed, admin, args.db, db_url, importers_from=old)
        runs.append((f"baseline ({args.baseline_ref}), first import", base))
    new = await run_import(args.works, args.seed, admin, args.db, db_url)
    runs.append(("first import", new))
    if args.reimport:
        again = await run_import(args.works, args.seed, admin, args.db, db_url, fresh=False)
        runs.append(("second, unchanged import", again))
    if args.changed:
        files, _ = generate(args.works, args.seed)
        with tempfile.TemporaryDirectory(prefix="bench-changed-") as tmp:
            path = changed_works(files, args.changed, Path(tmp) / "changed.jsonl")
            changed = await run_import(
                args.works, args.seed, admin, args.db, db_url, fresh=False, only=path
            )
        changed.works = args.changed  # the rate is of the changed works, not of the graph
        runs.append((f"{args.changed:,}{CHANGED_LABEL}", changed))
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as tmp:
            lite = f"sqlite://{tmp}/peergraph.sqlite3"
            runs.append(
                (
                    "SQLite (embedded default), first import",
                    await run_import(args.works, args.seed, admin, args.db, lite),
                ),
            )
    files, _ = generate(args.works, args.seed)
    floor_seconds = await floor(files, admin, f"{args.db}_floor")
    results["floor_seconds"] = floor_seconds
    results["floor_works_per_s"] = new.works / floor_seconds
    results["runs"] = {
        label: {**r.as_dict(), "x_floor": r.seconds / floor_seconds} for label, r in runs
    }
    if args.baseline_ref:
        results["speedup"] = runs[0][1].seconds / new.seconds
    if not args.keep_db:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        finally:
            await conn.close()
    print(
        "| run | works | authorships | seconds | works/s | x floor | peak RSS MiB"
        " | where the time went (s) |\n|---|---:|---:|---:|---:|---:|---:|---|"
    )
    for label, r in runs:
        print(_row(label, r, None if label.endswith(CHANGED_LABEL) else floor_seconds))
    print(
        f"| floor: COPY of the same JSONL into a one-column table | {new.works:,} | |"
        f" {floor_seconds:.1f} | {new.works / floor_seconds:,.0f} | 1.0x | | |"
    )
    print(
        "\npeak RSS: the largest of the importing process and its parse worker."
        " Figures from a shared, loaded machine: compare the x floor column."
    )
    if "speedup" in results:
        print(f"\nspeedup over {args.baseline_ref}: {results['speedup']:.1f}x")
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.importing", description=" ".join(__doc__.split("\n\n")[0].split())
    )
    p.add_argument("--works", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server, no database")
    p.add_argument("--db", default="peergraph_bench_import", help="database (recreated)")
    p.add_argument("--baseline-ref", help="also import with the importers of this git revision")
    p.add_argument("--reimport", action="store_true", help="also time a second, unchanged import")
    p.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    p.add_argument("--sqlite", action="store_true", help="also import into a fresh SQLite file")
    p.add_argument(
        "--changed", type=int, default=0, help="then import N changed works into the graph"
    )
    p.add_argument("--json", type=Path, help="write the figures here as JSON")
    p.add_argument("--data", type=Path, help="files already generated for --works and --seed")
    args = p.parse_args(argv)
    if args.data:
        GENERATED[args.works, args.seed] = args.data
    if args.db in ("test", "postgres", "template0", "template1"):
        p.error(f"refusing to use the database {args.db!r}")
    results = asyncio.run(_main(args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
