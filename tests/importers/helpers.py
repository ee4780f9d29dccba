"""Helpers for the importer tests: raw-file readers (plain json, independent of the importers),
table counts and a content digest of every table the importers write."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from tortoise import connections

TABLES = (
    "author",
    "author_affiliation",
    "institution",
    "topic",
    "source",
    "work",
    "authorship",
    "authorship_institution",
    "work_topic",
    "citation",
    "related_work",
    "collaboration_pair",
    "author_topic",
    "funder",
    "work_grant",
    "institution_link",
)


def raw_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every record of a .jsonl file, or the single record of a .json file."""
    if path.suffix == ".json":
        yield json.loads(path.read_text())
        return
    with path.open() as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def short(url: str | None) -> str | None:
    return url.rsplit("/", 1)[-1] if url else None


async def scalar(sql: str, params: list[Any] | None = None) -> Any:
    rows = await connections.get("default").execute_query_dict(sql, params or [])
    return next(iter(rows[0].values())) if rows else None


async def table_counts() -> dict[str, int]:
    return {t: int(await scalar(f"SELECT COUNT(*) AS n FROM {t}")) for t in TABLES}


async def digest(without: frozenset[str] = frozenset()) -> str:
    """SHA-256 over every row of every importer table, ids and timestamps included (but the
    columns named in `without`)."""
    h = hashlib.sha256()
    conn = connections.get("default")
    for table in TABLES:
        rows = await conn.execute_query_dict(f"SELECT * FROM {table} ORDER BY id")
        for row in rows:
            kept = {k: v for k, v in row.items() if k not in without}
            h.update(json.dumps(kept, sort_keys=True, default=str).encode())
    return h.hexdigest()


def ph(dialect: str, n: int) -> str:
    return f"${n}" if dialect == "postgres" else "?"


class Pair(NamedTuple):
    """A row of the `collaboration` view: a stored pair seen from `author_id`'s side."""

    author_id: int
    coauthor_id: int
    shared_works: int
    first_year: int | None
    last_year: int | None


async def collaborations(author_ids: Iterable[int] | None = None) -> list[Pair]:
    """The `collaboration` view's rows (each stored pair both ways), of these authors or all."""
    sql = "SELECT author_id, coauthor_id, shared_works, first_year, last_year FROM collaboration"
    ids = list(author_ids) if author_ids is not None else None
    if ids is not None:
        if not ids:
            return []
        sql += f" WHERE author_id IN ({', '.join(str(int(i)) for i in ids)})"
    rows = await connections.get("default").execute_query_dict(sql + " ORDER BY 1, 2")
    return [Pair(**row) for row in rows]
