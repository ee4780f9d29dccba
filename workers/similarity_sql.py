"""Similarity relations between works, as bounded SQL (the relation protocol of slice_sql.py:
rows `(a, b, w, r1, r2)` for the sources `a`; `r1, r2` rank `b`, higher first).

- CO_CITED (co-citation): `a` and `b` are cited together by other works; weight = the number of
  works citing both. A work citing itself is no evidence.
- COUPLED (bibliographic coupling): `a` and `b` share references; weight = the shared references,
  counted by OpenAlex id, so references to works that are not imported count too
  (`citation.cited_key` keeps every reference).
- RELATED: OpenAlex `related_works` (`related_work`), either direction; weight 2 when each lists
  the other, else 1.

Without a year window, CO_CITED and COUPLED are read from `work_similar` (importers/similarity.py:
each work's strongest co-cited and coupled works, kept by the aggregate refresh): `b` is a
neighbour of `a` when either keeps the other, so every statement is two index lookups per source
instead of a join of `citation` with itself (which read about 5,000 rows per work at 10^5).

Ties in strength go to the more cited work. With a year window, `a` and `b` must be inside it,
and so must the citing works of a co-citation (they are works of the graph); a coupling counts
every shared reference, since a work's reference list is its own data. Those are counted from
`citation` (every pair, not only the kept ones), as `work_similar` has no years.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resolvers.sql import in_list
from workers.slice_window import Window, win, windowed

_NOT_SELF = "(r.cited_id IS NULL OR r.cited_id <> r.citing_id)"

#: `work_similar.kind` per relation (importers/similarity.py)
STORED_KIND = {"co_cited": 1, "coupled": 2}


def stored_pairs(name: str, min_weight: int, targets: str = "") -> str:
    """`(a, b, w)` for the sources `{ids}` (which appears twice) from `work_similar`, both ways
    (a pair is kept when either work keeps the other: it may come twice, with one weight)."""
    kind = STORED_KIND[name]
    least = f" AND s.weight >= {min_weight:d}" if min_weight > 1 else ""
    only_b = f" AND s.other_id IN {targets}" if targets else ""
    only_a = f" AND s.work_id IN {targets}" if targets else ""
    return (
        "SELECT s.work_id AS a, s.other_id AS b, s.weight AS w FROM work_similar s"
        f" WHERE s.work_id IN {{ids}} AND s.kind = {kind:d}{least}{only_b}"
        " UNION ALL SELECT s.other_id AS a, s.work_id AS b, s.weight AS w FROM work_similar s"
        f" WHERE s.other_id IN {{ids}} AND s.kind = {kind:d}{least}{only_a}"
    )


def stored_neighbours(name: str, min_weight: int) -> str:
    """`(a, b)` for the sources `{ids}` (twice), for the degree pass (see slice_sql._PAIRS)."""
    return f"SELECT q.a, q.b FROM ({stored_pairs(name, min_weight)}) q"


def _stored(
    name: str, ids: str, idp: list[Any], targets: Sequence[int] | None, min_weight: int
) -> tuple[str, list[Any]]:
    """The relation's rows from `work_similar`; `b`'s citations are read once per pair."""
    only = in_list(targets) if targets is not None else ""
    tp = list(targets) if targets is not None else []
    pairs = stored_pairs(name, min_weight, only).format(ids=ids)
    return (
        "SELECT p.a AS a, p.b AS b, MAX(p.w) AS w, MAX(p.w) AS r1, MAX(k.cited_by_count) AS r2"
        f" FROM ({pairs}) p JOIN work k ON k.id = p.b GROUP BY p.a, p.b",
        idp + tp + idp + tp,
    )


def _targets(column: str, targets: Sequence[int] | None) -> tuple[str, list[Any]]:
    """` AND column IN (…)` when the caller wants only these neighbours (the edge pass)."""
    if targets is None:
        return "", []
    return f" AND {column} IN {in_list(targets)}", list(targets)


def _at_least(n: int) -> tuple[str, list[Any]]:
    """` HAVING COUNT(*) >= n` (one row per citing work, or per shared reference)."""
    return (" HAVING COUNT(*) >= ?", [n]) if n > 1 else ("", [])


def _ranked(pairs: str, params: list[Any], window: Window) -> tuple[str, list[Any]]:
    """The counted pairs `(a, b, w)` with the relation's columns; `b`'s citations (and its year,
    with a window) are read once per pair, after the count, not once per counted row."""
    win_k, pk = win("k", window)
    return (
        "SELECT p.a AS a, p.b AS b, p.w AS w, p.w AS r1, k.cited_by_count AS r2"
        f" FROM ({pairs}) p JOIN work k ON k.id = p.b WHERE 1 = 1{win_k}",
        params + pk,
    )


def co_cited(
    ids: str,
    idp: list[Any],
    window: Window,
    targets: Sequence[int] | None = None,
    min_weight: int = 1,
) -> tuple[str, list[Any]]:
    if not windowed(window):
        return _stored("co_cited", ids, idp, targets, min_weight)
    having, ph = _at_least(min_weight)
    only, po = _targets("c2.cited_id", targets)
    win_t, pt = win("t", window)
    win_s, ps = win("s", window)
    # one row per citing work: (citing, cited_key) is unique; `c2.cited_id <> c1.cited_id`
    # leaves out references that are not imported
    window_joins = (
        " JOIN work t ON t.id = c1.cited_id JOIN work s ON s.id = c1.citing_id" if pt or ps else ""
    )
    return _ranked(
        "SELECT c1.cited_id AS a, c2.cited_id AS b, COUNT(*) AS w"
        f" FROM citation c1 JOIN citation c2 ON c2.citing_id = c1.citing_id{window_joins}"
        f" WHERE c1.cited_id IN {ids}{only} AND c2.cited_id <> c1.cited_id"
        f" AND c1.citing_id <> c1.cited_id AND c2.citing_id <> c2.cited_id{win_t}{win_s}"
        f" GROUP BY c1.cited_id, c2.cited_id{having}",
        idp + po + pt + ps + ph,
        window,
    )


def coupled(
    ids: str,
    idp: list[Any],
    window: Window,
    targets: Sequence[int] | None = None,
    min_weight: int = 1,
) -> tuple[str, list[Any]]:
    if not windowed(window):
        return _stored("coupled", ids, idp, targets, min_weight)
    having, ph = _at_least(min_weight)
    only, po = _targets("r2.citing_id", targets)
    win_t, pt = win("t", window)
    # one row per shared reference: (citing, cited_key) is unique
    window_join = " JOIN work t ON t.id = r1.citing_id" if pt else ""
    return _ranked(
        "SELECT r1.citing_id AS a, r2.citing_id AS b, COUNT(*) AS w"
        f" FROM citation r1 JOIN citation r2 ON r2.cited_key = r1.cited_key{window_join}"
        f" WHERE r1.citing_id IN {ids}{only} AND r2.citing_id <> r1.citing_id"
        f" AND r1.cited_key <> '' AND {_NOT_SELF.replace('r.', 'r1.')}"
        f" AND {_NOT_SELF.replace('r.', 'r2.')}{win_t} GROUP BY r1.citing_id, r2.citing_id"
        f"{having}",
        idp + po + pt + ph,
        window,
    )


_RELATED_PAIRS = (
    "SELECT work_id AS a, related_id AS b FROM related_work"
    " WHERE work_id IN {ids}{only_b} AND related_id IS NOT NULL AND related_id <> work_id"
    " UNION ALL SELECT related_id AS a, work_id AS b FROM related_work"
    " WHERE related_id IN {ids}{only_a} AND related_id <> work_id"
)


def related(
    ids: str,
    idp: list[Any],
    window: Window,
    targets: Sequence[int] | None = None,
    min_weight: int = 1,
) -> tuple[str, list[Any]]:
    del min_weight  # RELATED has no threshold: OpenAlex chose these already
    only_b, po = _targets("related_id", targets)
    only_a, _ = _targets("work_id", targets)
    win_t, pt = win("t", window)
    win_k, pk = win("k", window)
    window_join = " JOIN work t ON t.id = p.a" if pt else ""
    pairs = _RELATED_PAIRS.format(ids=ids, only_a=only_a, only_b=only_b)
    return (
        "SELECT p.a AS a, p.b AS b, COUNT(*) AS w, COUNT(*) AS r1, MAX(k.cited_by_count) AS r2"
        f" FROM ({pairs}) p JOIN work k ON k.id = p.b{window_join}"
        f" WHERE 1 = 1{win_k}{win_t} GROUP BY p.a, p.b",
        idp + po + idp + po + pk + pt,
    )


SIMILARITY_BUILDERS = {"co_cited": co_cited, "coupled": coupled, "related": related}

#: The relations `minSimilarity` applies to.
THRESHOLDED = frozenset({"co_cited", "coupled"})


#: Neighbour pairs without a year window, for the degree pass (see slice_sql._PAIRS); CO_CITED
#: and COUPLED with `minSimilarity` 1 (`stored_neighbours` for more).
SIMILARITY_PAIRS: dict[str, tuple[str, bool]] = {
    "co_cited": (stored_neighbours("co_cited", 1), False),
    "coupled": (stored_neighbours("coupled", 1), False),
    "related": (_RELATED_PAIRS.replace("{only_a}", "").replace("{only_b}", ""), False),
}
