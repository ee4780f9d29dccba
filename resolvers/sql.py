"""Hand-written SQL on Tortoise's connection, portable between SQLite and PostgreSQL.

Statements are written with `?` placeholders; for PostgreSQL they become `$1, $2, …`. The models
stay the source of the schema; this module only runs the few set-based statements the hot paths
need (window functions and row-value comparisons work on both backends).

Reads and replicas: `fetch` sends a SELECT to a PostgreSQL read replica (DATABASE_REPLICA_URLS)
only inside an operation the server marked with `route_reads(True)` (a query that does not ask
for `viewer`). Everything else reads the primary: mutations, `viewer`, workers, importers, the
CLI, and the rest of a request once it wrote anything (read your writes). A statement a replica
fails (down, restarting, a recovery conflict) runs again on the primary, and that replica is left
out for `DATABASE_REPLICA_RETRY_SECONDS`: a replica outage costs latency, never an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import asyncpg
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.exceptions import IntegrityError, OperationalError

from models.database import REPLICAS
from resolvers.telemetry.logs import note_statement

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


log = logging.getLogger("peergraph.sql")


@dataclass
class _Route:
    """Where this operation's reads may go; shared by every task the operation starts."""

    replica: bool


_ROUTE: ContextVar[_Route | None] = ContextVar("peergraph_sql_route", default=None)
_READ = re.compile(r"\s*(SELECT|WITH)\b(?!.*\b(INSERT|UPDATE|DELETE)\b)", re.I | re.S)


def begin_operation() -> Token[_Route | None]:
    """An operation starts: it reads the primary until `route_reads(True)`; pass the token to
    `end_operation` when it is over."""
    return _ROUTE.set(_Route(False))


def route_reads(replica: bool) -> None:
    """Whether the running operation's reads may go to a replica."""
    route = _ROUTE.get()
    if route is not None:
        route.replica = replica


def end_operation(token: Token[_Route | None]) -> None:
    _ROUTE.reset(token)


def use_primary() -> None:
    """The rest of this operation reads the primary (it wrote, or it must see its own writes)."""
    route = _ROUTE.get()
    if route is not None:
        route.replica = False


@lru_cache(maxsize=4096)
def _is_read(sql: str) -> bool:
    return _READ.match(sql) is not None


def _replica_for(sql: str) -> str | None:
    route = _ROUTE.get()
    if route is None or not route.replica or not REPLICAS.names:
        return None
    if not _is_read(sql):
        route.replica = False  # a write (UPDATE … RETURNING): read-your-writes from here on
        return None
    return REPLICAS.pick()


async def _run(conn: Any, sql: str, params: Sequence[Any]) -> list[Row]:
    """`sql` on `conn`. A PostgreSQL pool outside any transaction runs it directly (the pool's
    `fetch`: one connection acquired, the cached prepared statement, released), as Tortoise's
    `execute_query_dict` would, less its layers: the same logging (or statement count) and the
    same exceptions. Anything else (a transaction, SQLite, a pool not open yet) goes through
    Tortoise."""
    pool = conn._pool if type(conn) is AsyncpgDBClient else None
    if pool is None:
        rows: list[Row] = await conn.execute_query_dict(prepare(sql), list(params))
        return rows
    text = _to_dollar(sql)
    note_statement(text, list(params))
    try:
        records = await pool.fetch(text, *params)
    except (asyncpg.SyntaxOrAccessError, asyncpg.exceptions.DataError) as error:
        raise OperationalError(error) from error
    except asyncpg.IntegrityConstraintViolationError as error:
        raise IntegrityError(error) from error
    return [dict(record) for record in records]


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[Row]:
    replica = _replica_for(sql)
    if replica is not None:
        try:
            return await _run(connections.get(replica), sql, params)
        except Exception as error:  # down, restarting, a recovery conflict: the primary answers
            REPLICAS.failed(replica)
            log.warning("replica %s failed a read, the primary answers: %r", replica, error)
    return await _run(connections.get("default"), sql, params)


async def fetch_one(sql: str, params: Sequence[Any] = ()) -> Row | None:
    rows = await fetch(sql, params)
    return rows[0] if rows else None


async def execute(sql: str, params: Sequence[Any] = ()) -> int:
    use_primary()
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
