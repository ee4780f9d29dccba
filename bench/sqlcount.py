"""Counting SQL statements and round trips per request, in process, at the asyncpg layer.

Every statement peergraph or the floor sends goes through `asyncpg.Connection`; a statement
with arguments is one round trip (Bind/Execute/Sync on a prepared statement), plus one for the
Parse/Describe when the connection has not prepared it yet; a pool release runs asyncpg's reset
query (another round trip) unless the pool was told not to. `count()` wraps those methods for the
duration of a block and tallies all three.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg


@dataclass
class Tally:
    statements: int = 0
    resets: int = 0
    prepares: int = 0
    sql: list[str] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        return self.statements + self.resets + self.prepares


@contextlib.contextmanager
def count() -> Iterator[Tally]:
    tally = Tally()
    cls: Any = asyncpg.connection.Connection
    originals = {
        name: getattr(cls, name)
        for name in ("fetch", "fetchrow", "fetchval", "execute", "executemany", "_get_statement")
    }

    def statement(name: str) -> Any:
        original = originals[name]

        async def wrapper(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            if name == "execute" and not args and query == self.get_reset_query():
                tally.resets += 1
            else:
                tally.statements += 1
                tally.sql.append(" ".join(query.split())[:200])
            return await original(self, query, *args, **kwargs)

        return wrapper

    async def get_statement(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        before = len(self._stmt_cache)
        result = await originals["_get_statement"](self, query, *args, **kwargs)
        if len(self._stmt_cache) > before:
            tally.prepares += 1
        return result

    for name in ("fetch", "fetchrow", "fetchval", "execute", "executemany"):
        setattr(cls, name, statement(name))
    cls._get_statement = get_statement
    try:
        yield tally
    finally:
        for name, original in originals.items():
            setattr(cls, name, original)


async def _post(client: Any, body: bytes) -> None:
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    response.raise_for_status()
    if b'"errors"' in response.content:
        raise RuntimeError(response.text[:500])


async def per_request(app: Any, bodies: dict[str, bytes]) -> dict[str, Tally]:
    """Run `app` in process (lifespan included) and count one warm request per body."""
    import httpx

    out: dict[str, Tally] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for label, body in bodies.items():
                for _ in range(20):  # warm: every pooled connection has prepared them
                    await _post(client, body)
                with count() as tally:
                    await _post(client, body)
                out[label] = tally
    return out


async def profile_counts(db_url: str, author_ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Statements and round trips of one profile request, for peergraph (the planner, then
    the general executor) and for the floor, for each of several authors (label → author id)."""
    import os

    import settings
    from app import create_app
    from bench.floor import create_app as create_floor
    from bench.profile import write_bodies

    bodies = {label: write_bodies(key)[0].read_bytes() for label, key in author_ids.items()}
    result: dict[str, dict[str, Any]] = {}
    ours = await per_request(create_app(db_url=db_url, redis_url="", run_worker=False), bodies)
    settings.PLANNER = False  # the general graphql-core executor
    try:
        general = await per_request(
            create_app(db_url=db_url, redis_url="", run_worker=False), bodies
        )
    finally:
        settings.PLANNER = True
    os.environ["FLOOR_DATABASE_URL"] = db_url
    floor = await per_request(create_floor(), bodies)
    for label in bodies:
        result[label] = {
            "peergraph": {
                "statements": ours[label].statements,
                "round_trips": ours[label].round_trips,
                "sql": ours[label].sql,
            },
            "general": {
                "statements": general[label].statements,
                "round_trips": general[label].round_trips,
                "sql": general[label].sql,
            },
            "floor": {
                "statements": floor[label].statements,
                "round_trips": floor[label].round_trips,
            },
        }
    return result
