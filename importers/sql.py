"""Dialect-aware, set-based SQL for the importers: one statement per table per batch.

Rows travel as plain dicts of Python values (dates as `date`, JSON columns as lists/dicts,
booleans as `bool`); `Sql` adapts them to the driver (asyncpg wants `date` objects and JSON text,
SQLite wants ISO strings) and normalizes what it reads back, so rows can be compared for
idempotent upserts that write only what changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from models.database import dialect

#: Keys per `IN (...)` list on SQLite (PostgreSQL passes one array instead).
SQLITE_IN_CHUNK = 500

#: A PostgreSQL insert of at least this many rows, and of at least 1/`FK_SCAN_RATIO` of the
#: table, validates its foreign keys once (a join over the table) instead of once per row (a
#: trigger doing an index probe and a row lock): a per-row check costs about as much as
#: scanning `FK_SCAN_RATIO` rows. Smaller inserts (live incremental imports) keep the triggers
#: and take no exclusive lock.
BULK_MIN_ROWS = 5_000
#: From this many rows, a PostgreSQL insert is a binary COPY rather than one unnest() statement.
COPY_MIN_ROWS = 1_000
FK_SCAN_RATIO = 20


@dataclass(frozen=True)
class Table:
    """A table as the upserts see it: its unique key column and how to treat its columns."""

    name: str
    key: str
    json_cols: frozenset[str] = frozenset()
    date_cols: frozenset[str] = frozenset()
    bool_cols: frozenset[str] = frozenset()
    #: secondary unique columns: a value already owned by another row is dropped (set NULL).
    unique_cols: tuple[str, ...] = ()
    #: values for NOT NULL columns a row may not carry (Tortoise's defaults are Python-side).
    defaults: dict[str, Any] = field(default_factory=dict)
    updated_at: bool = False
    #: columns with a fixed value that, with `key`, identify a row (a topic's scheme).
    fixed: tuple[tuple[str, Any], ...] = ()
    #: the record's own version (OpenAlex `updated_date`, ISO text): a record older than the
    #: stored one is left out, a newer one replaces it, NULLs included
    version_col: str | None = None


class Sql:
    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn
        self.pg = dialect() == "postgres"

    # -- values ----------------------------------------------------------------------------------

    def ph(self, n: int) -> str:
        return f"${n}" if self.pg else "?"

    def phs(self, count: int, start: int = 1) -> str:
        return ", ".join(self.ph(i) for i in range(start, start + count))

    def adapt(self, table: Table, col: str, value: Any) -> Any:
        if value is None:
            return None
        if col in table.json_cols:
            return orjson.dumps(value).decode()  # compact, non-ASCII kept: as json.dumps was
        if col in table.date_cols and not self.pg:
            return value.isoformat() if isinstance(value, date) else value
        return value

    def normalize(self, table: Table, col: str, value: Any) -> Any:
        if value is None:
            return None
        if col in table.json_cols:
            return orjson.loads(value) if isinstance(value, str) else value
        if col in table.date_cols and isinstance(value, str):
            return date.fromisoformat(value[:10])
        if col in table.bool_cols:
            return bool(value)
        return value

    def now(self) -> Any:
        moment = datetime.now(UTC)
        return moment if self.pg else str(moment)

    # -- statements ------------------------------------------------------------------------------

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return await self.conn.execute_query_dict(sql, list(params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        count, _ = await self.conn.execute_query(sql, list(params))
        return count

    async def execute_many(self, sql: str, rows: list[list[Any]]) -> None:
        if rows:
            await self.conn.execute_many(sql, rows)

    async def select_in(
        self, sql: str, column: str, values: Iterable[Any], params: Sequence[Any] = ()
    ) -> list[dict[str, Any]]:
        """Run `sql` (with `{in}` where `column IN (...)` goes) for all `values`, chunked."""
        distinct = list(dict.fromkeys(v for v in values if v is not None))
        if not distinct:
            return []
        if self.pg:
            clause = f"{column} = ANY(${len(params) + 1})"
            return await self.fetch(sql.format(clause=clause), [*params, distinct])
        out: list[dict[str, Any]] = []
        for i in range(0, len(distinct), SQLITE_IN_CHUNK):
            chunk = distinct[i : i + SQLITE_IN_CHUNK]
            clause = f"{column} IN ({', '.join('?' * len(chunk))})"
            out.extend(await self.fetch(sql.format(clause=clause), [*params, *chunk]))
        return out

    async def delete_in(self, table: str, column: str, values: Iterable[Any]) -> None:
        distinct = list(dict.fromkeys(values))
        if not distinct:
            return
        if self.pg:
            await self.execute(f"DELETE FROM {table} WHERE {column} = ANY($1)", [distinct])
            return
        for i in range(0, len(distinct), SQLITE_IN_CHUNK):
            chunk = distinct[i : i + SQLITE_IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            await self.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)

    async def insert_rows(
        self,
        table: str,
        cols: Sequence[str],
        rows: list[list[Any]],
        json_cols: frozenset[str] = frozenset(),
    ) -> None:
        """Insert many rows: one `INSERT … SELECT FROM unnest(arrays)` on PostgreSQL (one round
        trip whatever the batch size), `executemany` on SQLite (in-process, already fast)."""
        if not rows:
            return
        if not self.pg:
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({self.phs(len(cols))})"
            await self.execute_many(sql, rows)
            return
        if len(rows) >= COPY_MIN_ROWS:
            async with self.bulk(table, len(rows)):
                await self.copy(table, cols, rows)
            return
        used: list[str] = []
        arrays: list[str] = []
        selects: list[str] = []
        params: list[list[Any]] = []
        for col, values in zip(cols, zip(*rows, strict=True), strict=True):
            kind = _pg_array_type(values)
            if kind is None:  # every value NULL: leave the column out, NULL is what it gets
                continue
            n = len(params) + 1
            used.append(col)
            arrays.append(f"${n}::{kind}[]")
            selects.append(f"u.c{n}::jsonb" if col in json_cols else f"u.c{n}")
            params.append(list(values))
        names = ", ".join(f"c{i}" for i in range(1, len(params) + 1))
        async with self.bulk(table, len(rows)):
            await self.execute(
                f"INSERT INTO {table} ({', '.join(used)}) SELECT {', '.join(selects)}"
                f" FROM unnest({', '.join(arrays)}) AS u({names})",
                params,
            )

    async def copy(self, table: str, cols: Sequence[str], rows: list[list[Any]]) -> None:
        """PostgreSQL `COPY … FROM STDIN (FORMAT binary)` through the transaction's asyncpg
        connection: no per-row statement and no array encoding."""
        async with self.conn.acquire_connection() as raw:
            await raw.copy_records_to_table(table, records=rows, columns=list(cols))

    @asynccontextmanager
    async def foreign_keys_checked_once(self, table: str) -> AsyncIterator[None]:
        """On PostgreSQL, check `table`'s foreign keys once for the whole set instead of per row.

        A foreign key is checked by a trigger per inserted row (an index probe plus a row lock on
        the referenced row): for a bulk insert of 10^5+ rows that costs more than the insert.
        Inside the caller's transaction the constraints are dropped and re-added under the same
        names and definitions; re-adding validates every row in one join, so the table ends up
        exactly as constrained as before (a violation fails the statement and the transaction).
        It takes exclusive locks on the table and the referenced ones until commit: use it for
        bulk loads only. Does nothing on SQLite."""
        if not self.pg:
            yield
            return
        fks = await self.fetch(
            "SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
            " WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        for fk in fks:
            await self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{fk["name"]}"')
        yield
        for fk in fks:
            await self.execute(
                f'ALTER TABLE {table} ADD CONSTRAINT "{fk["name"]}" {fk["definition"]}'
            )

    @asynccontextmanager
    async def indexes_after_rows(self, table: str) -> AsyncIterator[None]:
        """Around a bulk insert into an empty PostgreSQL `table`: drop its indexes and unique
        constraints (not its primary key) and build them once the rows are in, one sort each
        instead of an index insert per row (re-adding a unique constraint checks every row);
        foreign keys are checked once (`foreign_keys_checked_once`). Takes exclusive locks
        until commit. Nested uses on one table find nothing left to drop."""
        indexes = await self.fetch(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def"
            " FROM pg_index i WHERE i.indrelid = $1::regclass AND NOT i.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            " ORDER BY 1",
            [table],
        )
        uniques = await self.fetch(
            "SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint"
            " WHERE conrelid = $1::regclass AND contype = 'u' ORDER BY conname",
            [table],
        )
        for index in indexes:
            await self.execute(f"DROP INDEX {index['name']}")
        for unique in uniques:
            await self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{unique["name"]}"')
        async with self.foreign_keys_checked_once(table):
            yield
        for unique in uniques:
            name, definition = unique["name"], unique["def"]
            await self.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for index in indexes:
            await self.execute(index["def"])

    @asynccontextmanager
    async def bulk(self, table: str, rows: int) -> AsyncIterator[None]:
        """Around an insert of `rows` rows into `table`: `foreign_keys_checked_once` when the
        insert is large for the table (see `BULK_MIN_ROWS`), otherwise nothing."""
        if self.pg and rows >= BULK_MIN_ROWS:
            found = await self.fetch(
                "SELECT CASE WHEN reltuples >= 0 THEN reltuples"
                " ELSE pg_relation_size(oid) / 64 END AS n FROM pg_class WHERE oid = $1::regclass",
                [table],
            )
            if rows * FK_SCAN_RATIO >= float(found[0]["n"]):
                async with self.foreign_keys_checked_once(table):
                    yield
                return
        yield

    def fixed_where(self, table: Table, start: int = 1) -> tuple[str, list[Any]]:
        """`scheme = $1 AND ` for tables identified by key plus fixed columns, and its params."""
        parts = [f"{col} = {self.ph(start + i)} AND " for i, (col, _) in enumerate(table.fixed)]
        return "".join(parts), [value for _, value in table.fixed]

    async def ids_by_key(self, table: Table, keys: Iterable[Any]) -> dict[Any, int]:
        where, params = self.fixed_where(table)
        rows = await self.select_in(
            f"SELECT id, {table.key} AS k FROM {table.name} WHERE {where}{{clause}}",
            table.key,
            keys,
            params,
        )
        return {r["k"]: r["id"] for r in rows}


_PG_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "bigint"),
    (float, "float8"),
    (str, "text"),
    (datetime, "timestamptz"),
    (date, "date"),
)


def _pg_array_type(values: Sequence[Any]) -> str | None:
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return None
    for kind, name in _PG_TYPES:
        if isinstance(sample, kind):
            return name
    raise TypeError(f"no PostgreSQL array type for {type(sample).__name__}")
