"""`python -m bench.search --db URL`: latency of `search` on a loaded database.

Samples prefixes the way people type them (the first 3 to 8 letters of a word of a real author
name or work title, some with a second word) and runs each through `resolvers.search.search_rows`,
interleaved with the same statement answered without the search indexes (PostgreSQL: bitmap and
index scans turned off for that statement; the pre-index behaviour), so both see the same cache.
Prints medians, p95 and the ratio; `--abstracts` adds abstract searches (indexed only).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

from tortoise.transactions import in_transaction

from bench.common import log
from models import database
from resolvers.search import NodeKind, SearchField, search_rows
from resolvers.sql import fetch, is_postgres


async def _samples(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names = await fetch("SELECT name_key AS k FROM author ORDER BY id LIMIT 20000")
    titles = await fetch("SELECT title_key AS k FROM work ORDER BY id LIMIT 20000")
    texts = []
    for _ in range(count):
        words = str(rng.choice(rng.choice((names, titles)))["k"]).split() or ["a"]
        start = rng.randrange(len(words))
        text = words[start][: rng.randint(3, 8)]
        if start + 1 < len(words) and rng.random() < 0.3:
            text = f"{words[start]} {words[start + 1][:3]}"
        texts.append(text)
    return texts


async def _unindexed(text: str, kinds: list[NodeKind]) -> None:
    """The same search with PostgreSQL's index scans off: what it cost before 0005_search."""
    async with in_transaction("default") as conn:
        await conn.execute_script(
            "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = off"
        )
        key = text.lower()
        for table, col, pop in (
            ("author", "name_key", "works_count"),
            ("work", "title_key", "cited_by_count"),
            ("topic", "name_key", "works_count"),
            ("institution", "name_key", "works_count"),
        ):
            await conn.execute_query(
                f"SELECT id FROM {table} WHERE {col} LIKE $1 OR {col} LIKE $2"
                f" ORDER BY {pop} DESC LIMIT 10",
                [key + "%", "% " + key + "%"],
            )
        del kinds


def _summary(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{label:<28} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   n={len(ms)}"


async def run(url: str, count: int, seed: int, abstracts: bool) -> dict[str, Any]:
    await database.open_db(url, run_migrations=False)
    try:
        texts = await _samples(count, seed)
        kinds = list(NodeKind)
        indexed: list[float] = []
        plain: list[float] = []
        abstract: list[float] = []
        for text in texts[:5]:  # warm the caches
            await search_rows(text, kinds, 10)
        for text in texts:
            start = time.perf_counter()
            await search_rows(text, kinds, 10)
            indexed.append((time.perf_counter() - start) * 1000)
            if is_postgres():
                start = time.perf_counter()
                await _unindexed(text, kinds)
                plain.append((time.perf_counter() - start) * 1000)
            if abstracts:
                start = time.perf_counter()
                await search_rows(text, [NodeKind.WORK], 10, (SearchField.ABSTRACT,))
                abstract.append((time.perf_counter() - start) * 1000)
        print(_summary("search (indexes)", indexed))
        if plain:
            print(_summary("same, index scans off", plain))
            print(f"ratio of medians: {statistics.median(plain) / statistics.median(indexed):.1f}x")
        if abstract:
            print(_summary("abstracts (indexes)", abstract))
        return {"indexed": indexed, "plain": plain, "abstract": abstract}
    finally:
        await database.close_db()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="DATABASE_URL of a loaded database")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--abstracts", action="store_true")
    args = parser.parse_args(argv)
    log(f"search latency on {args.db.rsplit('@', 1)[-1]}, {args.samples} prefixes")
    asyncio.run(run(args.db, args.samples, args.seed, args.abstracts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
