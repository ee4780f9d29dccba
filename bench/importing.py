"""Import throughput: `peergraph generate` then `peergraph import openalex` into a fresh
PostgreSQL database, timed, with the importer's peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import BIN, REPO, log

#: Files in the order the importer wants them (referenced entities first).
FILES = ("institutions", "sources", "topics", "authors", "works")

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


def generate(works: int, seed: int) -> tuple[Path, float | None]:
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


async def recreate_database(admin_url: str, name: str) -> None:
    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to recreate the database {name!r}")
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def counts(db_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(db_url)
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM work) AS works, (SELECT count(*) FROM author) AS authors,"
            " (SELECT count(*) FROM authorship) AS authorships"
        )
        return dict(row)
    finally:
        await conn.close()


async def run_import(works: int, seed: int, admin_url: str, db: str, db_url: str) -> ImportResult:
    files, generate_seconds = generate(works, seed)
    await recreate_database(admin_url, db)
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": "", "PEERGRAPH_LOG_LEVEL": "warning"}
    subprocess.run([str(BIN / "peergraph"), "migrate"], check=True, cwd=REPO, env=env)
    log(f"importing {files} into {db}")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, str(BIN / "peergraph"), "import", "openalex"]
        + ["--quiet", "--rejects-dir", "/tmp/bench-rejects"]
        + [str(files / f"{name}.jsonl") for name in FILES],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    sys.stderr.write(done.stderr[-2000:])
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
    )
