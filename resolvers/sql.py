"""Hand-written SQL on Tortoise's connection, portable between SQLite and PostgreSQL.

Statements are written with `?` placeholders; for PostgreSQL they become `$1, $2, …`. The models
stay the source of the schema; this module only runs the few set-based statements the hot paths
need (window functions and row-value comparisons work on both backends).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from tortoise import connections

Row = dict[str, Any]

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=1024)
def _to_dollar(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)


def is_postgres() -> bool:
    conn = connections.get("default")
    return "asyncpg" in type(conn).__module__


def prepare(sql: str) -> str:
    return _to_dollar(sql) if is_postgres() else sql


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[Row]:
    conn = connections.get("default")
    rows: list[Row] = await conn.execute_query_dict(prepare(sql), list(params))
    return rows


async def fetch_one(sql: str, params: Sequence[Any] = ()) -> Row | None:
    rows = await fetch(sql, params)
    return rows[0] if rows else None


async def execute(sql: str, params: Sequence[Any] = ()) -> int:
    conn = connections.get("default")
    affected, _rows = await conn.execute_query(prepare(sql), list(params))
    return int(affected)


def in_list(values: Sequence[Any]) -> str:
    """`(?, ?, ?)` for an IN clause of len(values) parameters."""
    return "(" + ", ".join("?" for _ in values) + ")"


def group_by(rows: list[Row], owners: list[int], key: str = "_owner") -> dict[int, list[Row]]:
    """Rows of a batched statement, grouped by the owner id column `key` (every owner present)."""
    grouped: dict[int, list[Row]] = {owner: [] for owner in owners}
    for row in rows:
        grouped[row[key]].append(row)
    return grouped
