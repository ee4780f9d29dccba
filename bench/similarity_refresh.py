"""The `work_similar` refresh (importers/similarity.py) against a baseline's, interleaved, on an
imported database, and how far the kept lists moved.

    git show slice-sim:importers/similarity.py > /tmp/before_similarity.py
    python -m bench.similarity_refresh --db postgres://postgres@127.0.0.1:5432/DB \\
        --before /tmp/before_similarity.py --rounds 3 --changed 1000

Each round times, before then after (or after then before on odd rounds), the full refresh and
the incremental one for `--changed` works (a fixed random sample, as if their references had
changed); each run is in a transaction that is rolled back, so every run starts from the
database's lists as they are (those of the baseline when it last refreshed: the after side
then also writes its differences). Once, it compares the full refresh's lists with the stored
ones: per work and kind, the share of the stored top-N still kept.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import statistics
import time
from types import ModuleType
from typing import Any

from tortoise.transactions import in_transaction

from bench.common import log
from importers import similarity
from importers.sql import Sql
from models.database import close_db, open_db

Lists = dict[tuple[int, int], set[int]]


class _Rollback(Exception):
    pass


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("before_similarity", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _lists(sql: Sql) -> Lists:
    out: Lists = {}
    for r in await sql.fetch("SELECT work_id, kind, other_id FROM work_similar"):
        out.setdefault((r["work_id"], r["kind"]), set()).add(r["other_id"])
    return out


async def _run(module: Any, works: list[int] | None, keep: bool = False) -> tuple[float, Lists]:
    """Seconds for one refresh (full when `works` is None), rolled back; its lists if `keep`."""
    found: Lists = {}
    try:
        async with in_transaction("default") as conn:
            sql = Sql(conn)
            started = time.perf_counter()
            await module.refresh_similar(sql, works is None, works)
            took = time.perf_counter() - started
            if keep:
                found = await _lists(sql)
            raise _Rollback
    except _Rollback:
        pass
    return took, found


def _overlap(stored: Lists, new: Lists) -> None:
    for kind, name in ((1, "CO_CITED"), (2, "COUPLED")):
        keys = [k for k in stored if k[1] == kind]
        shares = sorted(len(stored[k] & new.get(k, set())) / len(stored[k]) for k in keys)
        rows = sum(len(stored[k]) for k in keys)
        kept = sum(len(stored[k] & new.get(k, set())) for k in keys)
        new_keys = [k for k in new if k[1] == kind]
        log(
            f"{name}: stored {len(keys):,} lists / {rows:,} rows; bounded {len(new_keys):,} lists"
            f" / {sum(len(new[k]) for k in new_keys):,} rows; stored rows still kept"
            f" {kept / max(rows, 1):.1%}; per list median {statistics.median(shares or [0]):.0%},"
            f" p10 {shares[len(shares) // 10] if shares else 0:.0%}, lists fully kept"
            f" {sum(s == 1 for s in shares) / max(len(shares), 1):.1%}"
        )


async def main(args: argparse.Namespace) -> None:
    await open_db(args.db, run_migrations=False)
    before = _load(args.before)
    sides = [("before", before), ("after", similarity)]
    try:
        async with in_transaction("default") as conn:
            sql = Sql(conn)
            ids = [int(r["id"]) for r in await sql.fetch("SELECT id FROM work ORDER BY id")]
            stored = await _lists(sql)
        changed = sorted(random.Random(1).sample(ids, args.changed)) if args.changed else []
        if args.overlap:
            took, new = await _run(similarity, None, keep=True)
            log(f"after, full, with the lists read back: {took:.1f} s")
            _overlap(stored, new)
        times: dict[str, list[float]] = {}
        for n in range(args.rounds):
            for label, module in sides if n % 2 == 0 else sides[::-1]:
                for scope, works in (("full", None), (f"{args.changed} changed", changed)):
                    if works == []:
                        continue
                    took, _ = await _run(module, works)
                    times.setdefault(f"{label} {scope}", []).append(took)
                    log(f"round {n + 1} {label} {scope}: {took:.1f} s  load {os.getloadavg()}")
        for key, values in times.items():
            log(f"{key}: median {statistics.median(values):.1f} s of {sorted(values)}")
    finally:
        await close_db()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", required=True)
    p.add_argument("--before", required=True, help="the baseline's importers/similarity.py")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--changed", type=int, default=1000, help="works of the incremental refresh")
    p.add_argument("--overlap", action="store_true", help="first compare the kept lists")
    asyncio.run(main(p.parse_args()))
