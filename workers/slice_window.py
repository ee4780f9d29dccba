"""The year window of a slice as SQL: works outside `(yearFrom, yearTo)` are not in the graph."""

from __future__ import annotations

from typing import Any

Window = tuple[int | None, int | None]


def win(alias: str, window: Window) -> tuple[str, list[Any]]:
    """` AND alias.publication_year …` conditions and their parameters."""
    lo, hi = window
    sql, params = "", []
    if lo is not None:
        sql += f" AND {alias}.publication_year >= ?"
        params.append(lo)
    if hi is not None:
        sql += f" AND {alias}.publication_year <= ?"
        params.append(hi)
    return sql, params


def windowed(window: Window) -> bool:
    return window != (None, None)
