"""What a slice says about its nodes beyond the walk: labels, the timeline facts (`year`,
`firstYear`, `lastYear`, `citedByCount`), and the prior and derivative works of its works.

- Works: `year` = `firstYear` = `lastYear` = the publication year; `citedByCount` their citations.
- Authors: `firstYear` and `lastYear` active (their works' publication years; `year` is the first),
  `citedByCount` their citations. Topics and institutions: nulls.
- Prior works: the works the slice's works cite most (score: how many of them cite it).
  Derivative works: the works citing most of the slice's works (score: how many they cite).
  Ties go to the more cited work, then the lower id. With a year window, only works inside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from resolvers.sql import fetch, in_list
from workers.slice_spec import NODE_KINDS, NodeKey
from workers.slice_window import Window, win, windowed

_FACTS = {
    "Author": (
        "SELECT a.id, a.display_name AS label, a.cited_by_count AS cited,"
        " MIN(k.publication_year) AS y0, MAX(k.publication_year) AS y1 FROM author a"
        " LEFT JOIN authorship x ON x.author_id = a.id LEFT JOIN work k ON k.id = x.work_id"
        " WHERE a.id IN {} GROUP BY a.id, a.display_name, a.cited_by_count"
    ),
    "Work": (
        "SELECT id, title AS label, cited_by_count AS cited, publication_year AS y0,"
        " publication_year AS y1 FROM work WHERE id IN {}"
    ),
    "Topic": (
        "SELECT id, display_name AS label, NULL AS cited, NULL AS y0, NULL AS y1"
        " FROM topic WHERE id IN {}"
    ),
    "Institution": (
        "SELECT id, display_name AS label, NULL AS cited, NULL AS y0, NULL AS y1"
        " FROM institution WHERE id IN {}"
    ),
}
_LABELS = {
    "Author": "SELECT id, display_name AS label FROM author WHERE id IN {}",
    "Work": "SELECT id, title AS label FROM work WHERE id IN {}",
    "Topic": "SELECT id, display_name AS label FROM topic WHERE id IN {}",
    "Institution": "SELECT id, display_name AS label FROM institution WHERE id IN {}",
}


@dataclass(frozen=True)
class Facts:
    label: str
    first_year: int | None
    last_year: int | None
    cited_by_count: int | None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


async def labels(kind: str, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await fetch(_LABELS[kind].format(in_list(ids)), list(ids))
    return {int(r["id"]): str(r["label"]) for r in rows}


async def facts(kind: str, ids: Sequence[int]) -> dict[int, Facts]:
    """Label and timeline facts of these entities of one kind, in one statement."""
    if not ids:
        return {}
    rows = await fetch(_FACTS[kind].format(in_list(ids)), list(ids))
    return {
        int(r["id"]): Facts(str(r["label"]), _int(r["y0"]), _int(r["y1"]), _int(r["cited"]))
        for r in rows
    }


def _ranking(mine: str, other: str, ids: str, window: Window, keep: int) -> tuple[str, list[Any]]:
    """The `keep` works on the `other` side of the citations of the works `ids` (on the `mine`
    side) by how many of them they cite or are cited by: the statement and its parameters after
    the ids'."""
    score = f"COUNT(DISTINCT c.{mine})"
    if windowed(window):  # every counted work must be inside the window: each is read
        win_k, pk = win("k", window)
        return (
            f"SELECT c.{other} AS id, {score} AS score FROM citation c"
            f" JOIN work k ON k.id = c.{other} WHERE c.{mine} IN {ids}"
            f" AND c.{other} <> c.{mine}{win_k} GROUP BY c.{other}"
            f" ORDER BY {score} DESC, MAX(k.cited_by_count) DESC, c.{other} LIMIT ?",
            [*pk, keep],
        )
    # Without a window the scores are counted from the citation index alone, and only the works
    # that can make the cut (ranked `keep` or better: a score at least the keep-th best) read
    # their citations for the tie-break, index-only (migration 0012). Joining `work` first read
    # every counted work (at 10^5 a hash join over the whole table, for the ~18,000 works citing
    # a slice); a correlated lookup after a `score >= (…)` filter was estimated at a third of the
    # rows, which at 10^6 crossed PostgreSQL's JIT threshold (~90 ms compiling).
    return (
        f"SELECT t.id, t.score FROM (SELECT c.{other} AS id, {score} AS score,"
        f" RANK() OVER (ORDER BY {score} DESC) AS r FROM citation c"
        f" WHERE c.{mine} IN {ids} AND c.{other} IS NOT NULL AND c.{other} <> c.{mine}"
        f" GROUP BY c.{other}) t JOIN work k ON k.id = t.id WHERE t.r <= ?"
        " ORDER BY t.score DESC, k.cited_by_count DESC, t.id LIMIT ?",
        [keep, keep],
    )


async def ranked_works(
    works: Sequence[int], window: Window, keep: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(prior works, derivative works) of these works, each `keep` at most, as (id, score)."""
    if not works:
        return [], []
    ids = in_list(works)

    async def ranking(mine: str, other: str) -> list[tuple[int, int]]:
        sql, params = _ranking(mine, other, ids, window, keep)
        rows = await fetch(sql, [*works, *params])
        return [(int(r["id"]), int(r["score"])) for r in rows]

    # side by side, each on its own connection
    prior, derivative = await asyncio.gather(
        ranking("citing_id", "cited_id"), ranking("cited_id", "citing_id")
    )
    return prior, derivative


Ranked = list[tuple[int, int]]


async def details(
    shown: Sequence[NodeKey], centers: Sequence[NodeKey], window: Window, keep: int
) -> tuple[dict[NodeKey, Facts], Ranked, Ranked]:
    """The shown nodes' facts, and the prior and derivative works of a slice around works."""
    works = sorted({i for k, i in [*shown, *centers] if k == "Work"})
    around_works = any(kind == "Work" for kind, _ in centers)
    # every statement side by side, each on its own connection
    per_kind = asyncio.gather(
        *(facts(kind, sorted(i for k, i in shown if k == kind)) for kind in NODE_KINDS)
    )
    found, (prior, derivative) = await asyncio.gather(
        per_kind, ranked_works(works if around_works else [], window, keep)
    )
    known = {
        (kind, i): f
        for kind, of_kind in zip(NODE_KINDS, found, strict=True)
        for i, f in of_kind.items()
    }
    return known, prior, derivative
