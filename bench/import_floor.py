"""What the import bench measures besides the import: the floor (a plain COPY of the same
files), the changed works for `--changed`, and the importer's own phase timings."""

from __future__ import annotations

import json
import time
from pathlib import Path

import asyncpg

from bench.common import log

#: Files in the order the importer wants them (referenced entities first).
FILES = ("institutions", "sources", "topics", "authors", "works")


async def recreate_database(admin_url: str, name: str) -> None:
    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to recreate the database {name!r}")
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


CHANGED_LABEL = " changed works into the imported graph"


def changed_works(files: Path, count: int, out: Path) -> Path:
    """The first `count` works of the set as a newer version: a later `updated_date`, one more
    citation, and the last author dropped (or a new one added to a single-author work), so
    that rows, links and aggregates all change."""
    with (files / "works.jsonl").open() as src, out.open("w") as dst:
        for _, line in zip(range(count), src, strict=False):
            work = json.loads(line)
            work["updated_date"] = "2099-01-01T00:00:00"
            work["cited_by_count"] = int(work.get("cited_by_count") or 0) + 1
            authors = work.get("authorships") or []
            if len(authors) > 1:
                work["authorships"] = authors[:-1]
            else:
                new = {"id": "https://openalex.org/A99" + work["id"].rsplit("W", 1)[1]}
                work["authorships"] = [*authors, {"author": {**new, "display_name": "New One"}}]
            dst.write(json.dumps(work) + "\n")
    return out


def phases_of(summary: str) -> dict[str, float]:
    """`  time: parse 1.81s, write 2.00s, …` of the import summary, as a dict."""
    for line in summary.splitlines():
        if line.strip().startswith("time: "):
            parts = (p.split() for p in line.strip().removeprefix("time: ").split(", "))
            return {name: float(value.rstrip("s")) for name, value in parts}
    return {}


async def floor(files: Path, admin_url: str, db: str) -> float:
    """Seconds to COPY the JSONL files as they are into a one-column table of a fresh database.

    CSV with a quote and a delimiter that JSON text never holds unescaped (0x01, 0x02): each
    line is one value, taken verbatim."""
    await recreate_database(admin_url, db)
    conn = await asyncpg.connect(admin_url.rsplit("/", 1)[0] + f"/{db}")
    try:
        await conn.execute("CREATE TABLE floor_lines (line text)")
        log(f"floor: COPY of {files} into {db}")
        started = time.perf_counter()
        for name in FILES:
            await conn.copy_to_table(
                "floor_lines",
                source=files / f"{name}.jsonl",
                format="csv",
                delimiter="\x02",
                quote="\x01",
            )
        return time.perf_counter() - started
    finally:
        await conn.close()
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await admin.close()
