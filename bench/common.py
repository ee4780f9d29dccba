"""Paths, logging, the tool checks and the load options every bench module shares."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = REPO / "bench" / "out"
POSTGRAPHILE_DIR = REPO / "bench" / "postgraphile"
POSTGRAPHILE_BIN = POSTGRAPHILE_DIR / "node_modules" / ".bin" / "postgraphile"
_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def missing_tools(need_postgraphile: bool = True) -> list[str]:
    """What is missing, each with how to install it."""
    problems = []
    if shutil.which("wrk") is None:
        problems.append("wrk: `apt-get install -y wrk` (Debian's package; the load generator)")
    if shutil.which("taskset") is None:
        problems.append("taskset: `apt-get install -y util-linux` (pins wrk to one core)")
    if need_postgraphile:
        if shutil.which("node") is None:
            problems.append("node: `apt-get install -y nodejs npm` (runs PostGraphile v4)")
        if not POSTGRAPHILE_BIN.exists():
            problems.append(
                f"PostGraphile v4: `cd {POSTGRAPHILE_DIR.relative_to(REPO)} && npm ci`"
                " (pinned in package-lock.json; node_modules is gitignored)"
            )
    return problems


def add_load_arguments(p: argparse.ArgumentParser) -> None:
    """The wrk load options, the same for every server of a run (bench.run, bench.partners)."""
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    p.add_argument("--concurrency", default="1,8,32")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--processes", type=int, default=2, help="processes per server")
