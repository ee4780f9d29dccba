"""Opening, migrating and closing the database, for the app, the CLI, the worker and tests."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from tortoise import Tortoise
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as tortoise_migrate

import settings


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


async def migrate(db_url: str | None = None) -> None:
    """Apply Tortoise's migrations (idempotent); leaves the connection open."""
    url = db_url or settings.database_url()
    _ensure_sqlite_dir(url)
    await tortoise_migrate(config=settings.tortoise_config(url))


class NoResetConnection(asyncpg.connection.Connection):  # type: ignore[misc]
    """asyncpg runs `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every
    pool release: one more round trip per statement, since Tortoise acquires a connection per
    query. peergraph takes no advisory locks, opens no cursors outside transactions, never
    LISTENs and sets no session settings, so there is nothing to reset. (An open transaction is
    still rolled back on release; temporary tables are dropped by their owners.)"""

    def get_reset_query(self) -> str:
        return ""


async def open_db(db_url: str | None = None, *, run_migrations: bool = True) -> None:
    url = db_url or settings.database_url()
    _ensure_sqlite_dir(url)
    if run_migrations:
        await migrate(url)
    # Tortoise caches each model's INSERT/DELETE SQL keyed by connection name, not by dialect;
    # a process that reopens "default" on another backend (the test suite) must drop it.
    EXECUTOR_CACHE.clear()
    AsyncpgDBClient.connection_class = NoResetConnection
    # Tortoise 1.x keeps its state in a context variable; the global fallback makes the
    # connections visible to tasks that did not inherit it (uvicorn's request tasks, arq jobs).
    await Tortoise.init(config=settings.tortoise_config(url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


def dialect() -> str:
    """`postgres` or `sqlite`: the few hand-written SQL statements differ between the two."""
    from tortoise import connections

    name = type(connections.get("default")).__module__
    return "postgres" if "asyncpg" in name or "psycopg" in name else "sqlite"
