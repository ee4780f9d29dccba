"""Helpers for the API tests: global ids, error codes, connection walking and SQL counting."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient


def gid(type_name: str, key: int) -> str:
    return to_global_id(type_name, key)


def codes(body: dict[str, Any]) -> list[str]:
    """The `extensions.code` of every error in a response body."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def dig(body: dict[str, Any], path: str) -> Any:
    """`dig(body, "data.author.works")`: follow dotted keys."""
    value: Any = body
    for key in path.split("."):
        value = value[key]
    return value


async def walk(
    api: GraphQLClient,
    query: str,
    variables: dict[str, Any],
    path: str,
    page_size: int,
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Follow `after: endCursor` until `hasNextPage` is false. The query takes `$first` and
    `$after`; `path` leads to the connection. Returns every node in order and every page."""
    nodes: list[Any] = []
    pages: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(1000):
        body = await api(query, {**variables, "first": page_size, "after": after})
        assert "errors" not in body, body
        conn = dig(body, path)
        pages.append(conn)
        nodes.extend(edge["node"] for edge in conn["edges"])
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes, pages
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("the connection never ended")


_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER|PRAGMA)\b", re.I)


class SqlLog(logging.Handler):
    """Collects every statement Tortoise's clients log before running it (both backends log
    each `execute_*` call on `tortoise.db_client` at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if _SQL.match(message):
            self.statements.append(message)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_sql() -> Iterator[SqlLog]:
    logger = logging.getLogger("tortoise.db_client")
    handler = SqlLog()
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
