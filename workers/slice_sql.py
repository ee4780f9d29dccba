"""The graph a slice walks, as bounded SQL: one *relation* per edge kind and direction.

A relation yields rows `(a, b, w, r1, r2)` for the sources `a` it is given: `b` a neighbour, `w`
the edge weight, `(r1, r2)` how strong the neighbour is (higher first, then lower id). Every
statement filters on an index (`… IN (sources)`), so a slice reads the neighbourhood it needs and
never the whole graph. With a year window, works outside it do not exist: every relation applies
the window to each work it touches, so the forward and backward directions define the same pairs
(the degree counts and the edges then agree exactly).

Edge weights: COAUTHOR shared works; AUTHORED and CITES the (cited) work's citations; HAS_TOPIC
work→topic score and author→topic share (the author's works with that topic / the author's
works); AFFILIATED the years spanned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from resolvers.sql import fetch, in_list
from workers.similarity_sql import (
    SIMILARITY_BUILDERS,
    SIMILARITY_PAIRS,
    THRESHOLDED,
    stored_neighbours,
)
from workers.slice_spec import EdgeKind
from workers.slice_window import Window
from workers.slice_window import win as _win
from workers.slice_window import windowed as _windowed

Builder = Callable[[str, list[Any], Window], tuple[str, list[Any]]]


def _share(numerator: str, denominator: str) -> str:
    return (
        f"CAST({numerator} AS DOUBLE PRECISION) / "
        f"CASE WHEN {denominator} > 0 THEN {denominator} ELSE 1 END"
    )


def _co(ids: str, idp: list[Any], window: Window) -> tuple[str, list[Any]]:
    if not _windowed(window):
        return (
            "SELECT c.author_id AS a, c.coauthor_id AS b, c.shared_works AS w,"
            " c.shared_works AS r1, COALESCE(c.last_year, 0) AS r2"
            f" FROM collaboration c WHERE c.author_id IN {ids}",
            idp,
        )
    win, params = _win("k", window)
    return (
        "SELECT x.author_id AS a, y.author_id AS b, COUNT(DISTINCT x.work_id) AS w,"
        " COUNT(DISTINCT x.work_id) AS r1, MAX(COALESCE(k.publication_year, 0)) AS r2"
        " FROM authorship x JOIN work k ON k.id = x.work_id"
        " JOIN authorship y ON y.work_id = x.work_id"
        f" WHERE x.author_id IN {ids} AND y.author_id IS NOT NULL"
        f" AND y.author_id <> x.author_id{win} GROUP BY x.author_id, y.author_id",
        idp + params,
    )


def _authored(ids: str, idp: list[Any], window: Window) -> tuple[str, list[Any]]:
    win, params = _win("k", window)
    return (
        "SELECT x.author_id AS a, x.work_id AS b, MAX(k.cited_by_count) AS w,"
        " MAX(k.cited_by_count) AS r1, MAX(k.pub_sort) AS r2"
        f" FROM authorship x JOIN work k ON k.id = x.work_id WHERE x.author_id IN {ids}{win}"
        " GROUP BY x.author_id, x.work_id",
        idp + params,
    )


def _authors(ids: str, idp: list[Any], window: Window) -> tuple[str, list[Any]]:
    win, params = _win("k", window)
    return (
        "SELECT x.work_id AS a, x.author_id AS b, MAX(k.cited_by_count) AS w,"
        " -MIN(x.position) AS r1, 0 AS r2"
        f" FROM authorship x JOIN work k ON k.id = x.work_id WHERE x.work_id IN {ids}"
        f" AND x.author_id IS NOT NULL{win} GROUP BY x.work_id, x.author_id",
        idp + params,
    )


def _cites(ids: str, idp: list[Any], window: Window) -> tuple[str, list[Any]]:
    win_k, pk = _win("k", window)
    win_s, ps = _win("s", window)
    return (
        "SELECT c.citing_id AS a, c.cited_id AS b, MAX(k.cited_by_count) AS w,"
        " MAX(k.cited_by_count) AS r1, MAX(k.pub_sort) AS r2"
        " FROM citation c JOIN work k ON k.id = c.cited_id JOIN work s ON s.id = c.citing_id"
        f" WHERE c.citing_id IN {ids} AND c.cited_id <> c.citing_id{win_k}{win_s}"
        " GROUP BY c.citing_id, c.cited_id",
        idp + pk + ps,
    )


def _cited_by(ids: str, idp: list[Any], window: Window) -> tuple[str, list[Any]]:
    win_k, pk = _win("k", window)
    win_t, pt = _win("t", window)
    return (
        "SELECT c.cited_id AS a, c.citing_id AS b, MAX(t.cited_by_count) AS w,"
        " MAX(k.cited_by_count) AS r1, MAX(k.pub_sort) AS r2"
        " FROM citation c JOIN work k ON k.id = c.citing_id JOIN work t ON t.id = c.cited_id"
        f" WHERE c.cited_id IN {ids} AND c.cited_id <> c.citing_id{win_k}{win_t}"
        " GROUP BY c.cited_id, c.citing_id",
        idp + pk + pt,
    )


def _work_topics(ids: str, idp: list[Any], window: Window) -> tuple[str, list[Any]]:
    win, params = _win("k", window)
    return (
        "SELECT wt.work_id AS a, wt.topic_id AS b, wt.score AS w, wt.score AS r1, 0 AS r2"
        f" FROM work_topic wt JOIN work k ON k.id = wt.work_id WHERE wt.work_id IN {ids}{win}",
        idp + params,
    )


def _topic_works(ids: str, idp: list[Any], window: Window) -> tuple[str, list[Any]]:
    win, params = _win("k", window)
    return (
        "SELECT wt.topic_id AS a, wt.work_id AS b, wt.score AS w, wt.score AS r1,"
        " k.cited_by_count AS r2"
        f" FROM work_topic wt JOIN work k ON k.id = wt.work_id WHERE wt.topic_id IN {ids}{win}",
        idp + params,
    )


def _author_topic(
    ids: str, idp: list[Any], window: Window, *, by_topic: bool
) -> tuple[str, list[Any]]:
    src, dst = ("topic_id", "author_id") if by_topic else ("author_id", "topic_id")
    if not _windowed(window):
        share = _share("t.work_count", "u.works_count")
        r1, r2 = ("t.work_count", share) if by_topic else (share, "t.work_count")
        return (
            f"SELECT t.{src} AS a, t.{dst} AS b, {share} AS w, {r1} AS r1, {r2} AS r2"
            f" FROM author_topic t JOIN author u ON u.id = t.author_id WHERE t.{src} IN {ids}",
            idp,
        )
    win_k, pk = _win("k", window)
    win_k2, pk2 = _win("k2", window)
    total = (
        "(SELECT COUNT(DISTINCT x2.work_id) FROM authorship x2 JOIN work k2 ON k2.id = x2.work_id"
        f" WHERE x2.author_id = x.author_id{win_k2})"
    )
    n = "COUNT(DISTINCT x.work_id)"
    # the author has at least this row's work inside the window, so `total` is never 0
    share = f"CAST({n} AS DOUBLE PRECISION) / {total}"
    xsrc, xdst = ("wt.topic_id", "x.author_id") if by_topic else ("x.author_id", "wt.topic_id")
    r1, r2 = (n, share) if by_topic else (share, n)
    return (
        f"SELECT {xsrc} AS a, {xdst} AS b, {share} AS w, {r1} AS r1, {r2} AS r2"
        " FROM authorship x JOIN work k ON k.id = x.work_id"
        " JOIN work_topic wt ON wt.work_id = x.work_id"
        f" WHERE {xsrc} IN {ids} AND x.author_id IS NOT NULL{win_k}"
        f" GROUP BY {xsrc}, {xdst}",
        pk2 * 2 + idp + pk,
    )


def _affiliation(
    ids: str, idp: list[Any], window: Window, *, by_institution: bool
) -> tuple[str, list[Any]]:
    src, dst = (
        ("institution_id", "author_id") if by_institution else ("author_id", "institution_id")
    )
    span = "CASE WHEN f.first_year IS NULL THEN 1 ELSE f.last_year - f.first_year + 1 END"
    sql = (
        f"SELECT f.{src} AS a, f.{dst} AS b, {span} AS w, {span} AS r1,"
        f" COALESCE(f.last_year, 0) AS r2 FROM author_affiliation f WHERE f.{src} IN {ids}"
    )
    lo, hi = window
    params: list[Any] = list(idp)
    if lo is not None:
        sql += " AND f.last_year >= ?"
        params.append(lo)
    if hi is not None:
        sql += " AND f.first_year <= ?"
        params.append(hi)
    return sql, params


@dataclass(frozen=True)
class Relation:
    name: str
    edge: str
    src: str
    dst: str
    #: rows of a forward relation are the edges as the API reports them (source → target)
    forward: bool
    #: CO_CITED, COUPLED: the least weight of an edge (`minSimilarity`); others ignore it
    min_weight: int = 1

    def sql(
        self, sources: Sequence[int], window: Window, targets: Sequence[int] | None = None
    ) -> tuple[str, list[Any]]:
        """The statement and its parameters (the sources' ids included). `targets` (similarity
        relations only) keeps those neighbours, inside the joins."""
        if self.name in SIMILARITY_BUILDERS:
            build = SIMILARITY_BUILDERS[self.name]
            return build(in_list(sources), list(sources), window, targets, self.min_weight)
        builders: dict[str, Builder] = {
            "co": _co,
            "authored": _authored,
            "authors": _authors,
            "cites": _cites,
            "cited_by": _cited_by,
            "work_topics": _work_topics,
            "topic_works": _topic_works,
            "author_topics": partial(_author_topic, by_topic=False),
            "topic_authors": partial(_author_topic, by_topic=True),
            "affiliations": partial(_affiliation, by_institution=False),
            "members": partial(_affiliation, by_institution=True),
        }
        return builders[self.name](in_list(sources), list(sources), window)


RELATIONS: tuple[Relation, ...] = (
    Relation("co", EdgeKind.COAUTHOR, "Author", "Author", True),
    Relation("authored", EdgeKind.AUTHORED, "Author", "Work", True),
    Relation("author_topics", EdgeKind.HAS_TOPIC, "Author", "Topic", True),
    Relation("affiliations", EdgeKind.AFFILIATED, "Author", "Institution", True),
    Relation("authors", EdgeKind.AUTHORED, "Work", "Author", False),
    Relation("cites", EdgeKind.CITES, "Work", "Work", True),
    Relation("cited_by", EdgeKind.CITES, "Work", "Work", False),
    Relation("work_topics", EdgeKind.HAS_TOPIC, "Work", "Topic", True),
    Relation("topic_works", EdgeKind.HAS_TOPIC, "Topic", "Work", False),
    Relation("topic_authors", EdgeKind.HAS_TOPIC, "Topic", "Author", False),
    Relation("members", EdgeKind.AFFILIATED, "Institution", "Author", False),
    Relation("co_cited", EdgeKind.CO_CITED, "Work", "Work", True),
    Relation("coupled", EdgeKind.COUPLED, "Work", "Work", True),
    Relation("related", EdgeKind.RELATED, "Work", "Work", True),
)
#: Edge kinds with one edge per pair (both directions are rows of one relation): the edge's
#: source is the lower id.
SYMMETRIC = frozenset({EdgeKind.COAUTHOR, EdgeKind.CO_CITED, EdgeKind.COUPLED, EdgeKind.RELATED})


async def strongest(
    rel: Relation, sources: Sequence[int], window: Window, blocked: Sequence[int], k: int
) -> list[dict[str, Any]]:
    """Each source's `k` strongest neighbours outside `blocked`."""
    inner, params = rel.sql(sources, window)
    not_in = f" WHERE q.b NOT IN {in_list(blocked)}" if blocked else ""
    sql = (
        "SELECT z.a, z.b, z.w, z.r1, z.r2 FROM (SELECT q.a, q.b, q.w, q.r1, q.r2, ROW_NUMBER()"
        " OVER (PARTITION BY q.a ORDER BY q.r1 DESC, q.r2 DESC, q.b) AS rn"
        f" FROM ({inner}) q{not_in}) z WHERE z.rn <= ?"
    )
    return await fetch(sql, [*params, *blocked, k])


async def shared(
    rel: Relation, sources: Sequence[int], window: Window, blocked: Sequence[int], k: int
) -> list[dict[str, Any]]:
    """Several seeds: the `k` neighbours outside `blocked` reached from the most sources (two at
    least), with every row that reaches them; the per-source `strongest` can miss a neighbour
    that is nobody's strongest but everybody's."""
    inner, params = rel.sql(sources, window)
    not_in = f" AND s.b NOT IN {in_list(blocked)}" if blocked else ""
    # the relation's rows once (a CTE read twice is computed once), not once per reference
    sql = (
        f"WITH q AS ({inner}) SELECT q.a, q.b, q.w, q.r1, q.r2 FROM q WHERE q.b IN (SELECT s.b"
        f" FROM q s WHERE 1 = 1{not_in} GROUP BY s.b HAVING COUNT(DISTINCT s.a) > 1"
        " ORDER BY COUNT(DISTINCT s.a) DESC, MAX(s.r1) DESC, s.b LIMIT ?)"
    )
    return await fetch(sql, [*params, *blocked, k])


async def pairs_within(
    rel: Relation, sources: Sequence[int], targets: Sequence[int], window: Window
) -> list[dict[str, Any]]:
    """The relation's rows whose source and target are both in the given sets (a similarity
    relation filters its targets inside its joins: its rows per source can be many)."""
    if rel.name in SIMILARITY_BUILDERS:
        inner, params = rel.sql(sources, window, targets)
        return await fetch(f"SELECT q.a, q.b, q.w FROM ({inner}) q", params)
    inner, params = rel.sql(sources, window)
    sql = f"SELECT q.a, q.b, q.w FROM ({inner}) q WHERE q.b IN {in_list(targets)}"
    return await fetch(sql, [*params, *targets])


#: Without a year window, each relation's neighbour pairs `(a, b)` read from one table through
#: the index that starts with `a` (no joins, no weights): relation → (SQL with `{ids}`, whether
#: each (a, b) appears once). The joins the ranking SQL makes never drop a row here (foreign keys),
#: so the pairs are the same ones the relation yields. `{ids}` may appear more than once.
_PAIRS: dict[str, tuple[str, bool]] = {
    **SIMILARITY_PAIRS,
    "co": (
        "SELECT author_id AS a, coauthor_id AS b FROM collaboration WHERE author_id IN {ids}",
        True,
    ),
    "authored": (
        "SELECT author_id AS a, work_id AS b FROM authorship WHERE author_id IN {ids}",
        False,
    ),
    "authors": (
        "SELECT work_id AS a, author_id AS b FROM authorship WHERE work_id IN {ids}"
        " AND author_id IS NOT NULL",
        False,
    ),
    "cites": (
        "SELECT citing_id AS a, cited_id AS b FROM citation WHERE citing_id IN {ids}"
        " AND cited_id IS NOT NULL AND cited_id <> citing_id",
        False,
    ),
    "cited_by": (
        "SELECT cited_id AS a, citing_id AS b FROM citation WHERE cited_id IN {ids}"
        " AND citing_id <> cited_id",
        False,
    ),
    "work_topics": (
        "SELECT work_id AS a, topic_id AS b FROM work_topic WHERE work_id IN {ids}",
        True,
    ),
    "topic_works": (
        "SELECT topic_id AS a, work_id AS b FROM work_topic WHERE topic_id IN {ids}",
        True,
    ),
    "author_topics": (
        "SELECT author_id AS a, topic_id AS b FROM author_topic WHERE author_id IN {ids}",
        True,
    ),
    "topic_authors": (
        "SELECT topic_id AS a, author_id AS b FROM author_topic WHERE topic_id IN {ids}",
        True,
    ),
    "affiliations": (
        "SELECT author_id AS a, institution_id AS b FROM author_affiliation"
        " WHERE author_id IN {ids}",
        True,
    ),
    "members": (
        "SELECT institution_id AS a, author_id AS b FROM author_affiliation"
        " WHERE institution_id IN {ids}",
        True,
    ),
}


async def degrees(
    rels: Sequence[Relation], sources: Sequence[int], window: Window
) -> dict[int, int]:
    """Distinct neighbours per source over these relations (same source and target kinds).

    Without a year window this is a plain count over one index per relation (a topic with
    thousands of works costs an index-only scan, not the ranking joins); with one, the
    relations' own SQL decides which works exist."""
    parts, params = [], []
    if not _windowed(window):
        unique = len(rels) == 1 and _PAIRS[rels[0].name][1]
        for rel in rels:
            pairs = _PAIRS[rel.name][0]
            if rel.name in THRESHOLDED:
                pairs = stored_neighbours(rel.name, rel.min_weight)
            parts.append(pairs.format(ids=in_list(sources)))
            params += list(sources) * pairs.count("{ids}")
        count = "COUNT(*)" if unique else "COUNT(DISTINCT u.b)"
        sql = f"SELECT u.a, {count} AS n FROM ({' UNION ALL '.join(parts)}) u GROUP BY u.a"
        return {int(r["a"]): int(r["n"]) for r in await fetch(sql, params)}
    for rel in rels:
        inner, p = rel.sql(sources, window)
        parts.append(f"SELECT q.a, q.b FROM ({inner}) q")
        params += p
    sql = f"SELECT u.a, COUNT(*) AS n FROM ({' UNION '.join(parts)}) u GROUP BY u.a"
    return {int(r["a"]): int(r["n"]) for r in await fetch(sql, params)}
