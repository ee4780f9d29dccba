"""Opening, migrating and closing the database, for the app, the CLI, the worker and tests."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.config_generator import expand_db_url
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


#: Seconds to open a connection to a replica: a host that does not answer must not stall reads
#: (the primary answers them meanwhile).
REPLICA_CONNECT_TIMEOUT = 2.0


class Replicas:
    """The read replicas open as Tortoise connections (`replica0`, …), taken in turn, each left
    out for `DATABASE_REPLICA_RETRY_SECONDS` after it failed (resolvers/sql.py)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.down_until: dict[str, float] = {}
        self._turn = 0

    def configure(self, names: Sequence[str]) -> None:
        self.names, self.down_until, self._turn = list(names), {}, 0

    def pick(self) -> str | None:
        """The next replica not left out, or None (then the primary answers)."""
        now = time.monotonic()
        for _ in range(len(self.names)):
            name = self.names[self._turn % len(self.names)]
            self._turn += 1
            if self.down_until.get(name, 0.0) <= now:
                return name
        return None

    def failed(self, name: str) -> None:
        self.down_until[name] = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS


REPLICAS = Replicas()


def _replica_connections(url: str, replica_urls: Sequence[str]) -> dict[str, Any]:
    """Tortoise connection configs for the replicas; none unless the primary is PostgreSQL."""
    if url.startswith("sqlite"):
        return {}
    found: dict[str, Any] = {}
    for number, replica in enumerate(replica_urls):
        info = expand_db_url(replica)
        info["credentials"]["timeout"] = REPLICA_CONNECT_TIMEOUT
        found[f"replica{number}"] = info
    return found


async def open_db(
    db_url: str | None = None,
    *,
    run_migrations: bool = True,
    replica_urls: Sequence[str] | None = None,
) -> None:
    """Open the primary (`db_url`, else DATABASE_URL) and its read replicas (`replica_urls`, else
    DATABASE_REPLICA_URLS); migrations run on the primary only."""
    url = db_url or settings.database_url()
    _ensure_sqlite_dir(url)
    if run_migrations:
        await migrate(url)
    replicas = _replica_connections(
        url, settings.DATABASE_REPLICA_URLS if replica_urls is None else replica_urls
    )
    # Tortoise caches each model's INSERT/DELETE SQL keyed by connection name, not by dialect;
    # a process that reopens "default" on another backend (the test suite) must drop it.
    EXECUTOR_CACHE.clear()
    AsyncpgDBClient.connection_class = NoResetConnection
    # Tortoise 1.x keeps its state in a context variable; the global fallback makes the
    # connections visible to tasks that did not inherit it (uvicorn's request tasks, arq jobs).
    await Tortoise.init(
        config=settings.tortoise_config(url, replicas), _enable_global_fallback=True
    )
    REPLICAS.configure(sorted(replicas))


async def close_db() -> None:
    REPLICAS.configure([])
    await Tortoise.close_connections()


def dialect() -> str:
    """`postgres` or `sqlite`: the few hand-written SQL statements differ between the two."""
    from tortoise import connections

    name = type(connections.get("default")).__module__
    return "postgres" if "asyncpg" in name or "psycopg" in name else "sqlite"
