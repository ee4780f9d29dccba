"""Each work's strongest co-cited and coupled works (`work_similar`), part of the aggregate refresh
(importers/refresh.py), so that a graph slice reads its similarity neighbours, edges and counts
through an index instead of joining `citation` with itself (docs/slices.md).

- CO_CITED (kind 1): works cited together with the work; weight = the works citing both (a work
  citing itself is no evidence, references to works not imported pair with nothing).
- COUPLED (kind 2): works sharing references with the work; weight = the shared references,
  counted by OpenAlex id, so references to works that are not imported count too.

Two bounds keep the pairs linear in the citations (as `COLLABORATION_MAX_AUTHORS` does for
co-authors): a reference that more than `settings.SIMILAR_MAX_CITERS` works cite adds no
coupling (n citing works make n^2 pairs, and sharing a classic says little), and a work citing
more than `settings.SIMILAR_MAX_REFERENCES` imported works adds no co-citation; every weight
counts the rest.

Per work and kind only the `settings.SIMILAR_WORKS_PER_WORK` strongest are kept, of weight at
least `settings.SIMILAR_MIN_WEIGHT`: ranked by weight, then the other work's citations, then its
lower id (the order a slice offers them in). A pair is a similarity neighbour when either work
keeps the other (readers look both ways), so the relation stays symmetric.

How: the citations that can pair are first copied into narrow temporary tables, integers only
(`tmp_sp`: citing work and a number per reference key, of the references cited by 2 to
SIMILAR_MAX_CITERS works; in a full refresh also `tmp_cc`: citing and cited work, of the works
citing 2 to SIMILAR_MAX_REFERENCES imported works), and the pairs are counted from those. A full
refresh counts each pair once (lower id first, into `tmp_pw`, only those reaching the floor) and
then ranks them both ways: the count of the pairs, most of weight 1, is most of its time. The
incremental one counts co-citations from `citation` itself (copying the citing works of every
work the changed works cite costs more than it saves), leaving out the works in `tmp_long`.

Scope: the works whose references changed (an import passes its changed works; without them,
every work the refresh's authors in `tmp_rs` wrote): their coupled lists, and the co-cited lists
of them and of the works they cite (whose co-citations changed). Those lists are recomputed
whole. A work outside the scope whose coupling with one of them changed keeps its own (older)
list until a full refresh, the nightly one at the latest, but the changed work's list, read both
ways, already shows the pair; so do the co-citations among references a work no longer cites.
With no authors (a full refresh) every work is recomputed, in chunks of ids so that each
statement's aggregate stays within work_mem. As with the other aggregates, only differences are
written.
"""

from __future__ import annotations

from collections.abc import Sequence

import settings
from importers.sql import Sql

#: kind codes in `work_similar.kind`, and the edge kind each stands for
CO_CITED, COUPLED = 1, 2

#: full refresh: works per chunk (each chunk's pairs are counted in one statement)
CHUNK = 10_000

_TEMP = ("tmp_sw", "tmp_sc", "tmp_sim", "tmp_sk", "tmp_sp", "tmp_cc", "tmp_pw", "tmp_long")

#: a citation row that is evidence (a work citing itself is not)
_NOT_SELF = "(c.cited_id IS NULL OR c.cited_id <> c.citing_id)"

#: the reference keys that can couple: cited by 2 to {most} works (of the keys `{scope}`)
_KEYS = (
    "INSERT INTO tmp_sk (k, r) SELECT q.cited_key, ROW_NUMBER() OVER () FROM"
    " (SELECT c.cited_key FROM citation c WHERE {scope} AND c.cited_key <> '' AND "
    + _NOT_SELF
    + " GROUP BY c.cited_key HAVING COUNT(*) BETWEEN 2 AND {most}) q"
)
#: their citing works: `(s, r)`, one row per (work, reference); (citing, cited_key) is unique
_KEYED = (
    "INSERT INTO tmp_sp (s, r) SELECT c.citing_id, k.r FROM citation c"
    " JOIN tmp_sk k ON k.k = c.cited_key WHERE " + _NOT_SELF
)
#: full refresh `(s, t)`: the imported works cited by the works citing 2 to {most} of them
_CITING = (
    "INSERT INTO tmp_cc (s, t) SELECT c.citing_id, c.cited_id FROM citation c"
    " WHERE c.cited_id IS NOT NULL AND c.cited_id <> c.citing_id AND c.citing_id IN"
    " (SELECT x.citing_id FROM citation x WHERE x.cited_id IS NOT NULL"
    " AND x.cited_id <> x.citing_id GROUP BY x.citing_id HAVING COUNT(*) BETWEEN 2 AND {most})"
)

#: `(a, b, w)`: the works co-cited with the works of `{scope}` (on `c1.t`), and how often
_CO_CITED = (
    "SELECT c1.t AS a, c2.t AS b, COUNT(*) AS w FROM tmp_cc c1 JOIN tmp_cc c2 ON c2.s = c1.s"
    " WHERE {scope} AND c2.t {other} c1.t GROUP BY c1.t, c2.t HAVING COUNT(*) >= {floor}"
)
#: `(a, b, w)`: the works sharing references with the works of `{scope}` (on `p1.s`)
_COUPLED = (
    "SELECT p1.s AS a, p2.s AS b, COUNT(*) AS w FROM tmp_sp p1 JOIN tmp_sp p2 ON p2.r = p1.r"
    " WHERE {scope} AND p2.s {other} p1.s GROUP BY p1.s, p2.s HAVING COUNT(*) >= {floor}"
)
#: incremental CO_CITED, from `citation` (a copy of the citing works of every work the changed
#: works cite would cost more than it saves): the works citing more than the bound are in tmp_long
_CO_CITED_SCOPED = (
    "SELECT c1.cited_id AS a, c2.cited_id AS b, COUNT(*) AS w"
    " FROM citation c1 JOIN citation c2 ON c2.citing_id = c1.citing_id"
    " WHERE {scope} AND c2.cited_id IS NOT NULL AND c2.cited_id <> c1.cited_id"
    " AND c1.citing_id <> c1.cited_id AND c2.citing_id <> c2.cited_id"
    " AND c1.citing_id NOT IN (SELECT id FROM tmp_long)"
    " GROUP BY c1.cited_id, c2.cited_id HAVING COUNT(*) >= {floor}"
)
_LONG = (
    "INSERT INTO tmp_long (id) SELECT c.citing_id FROM citation c WHERE c.cited_id IS NOT NULL"
    " AND c.cited_id <> c.citing_id GROUP BY c.citing_id HAVING COUNT(*) > {most}"
)

_TOP = (
    "INSERT INTO tmp_sim (work_id, kind, other_id, weight)"
    " SELECT r.a, {kind}, r.b, r.w FROM (SELECT p.a, p.b, p.w, ROW_NUMBER() OVER"
    " (PARTITION BY p.a ORDER BY p.w DESC, k.cited_by_count DESC, p.b) AS rn"
    " FROM ({pairs}) p JOIN work k ON k.id = p.b) r WHERE r.rn <= {n}"
)

#: the refresh's works (those its authors wrote): their couplings changed
_SCOPE = (
    "INSERT INTO tmp_sw (id) SELECT x.work_id FROM authorship x"
    " WHERE x.author_id IN (SELECT id FROM tmp_rs) GROUP BY x.work_id"
)
#: and the works these cite: their co-citations changed
_CITED_SCOPE = (
    "INSERT INTO tmp_sc (id) SELECT id FROM tmp_sw UNION SELECT c.cited_id FROM citation c"
    " WHERE c.citing_id IN (SELECT id FROM tmp_sw) AND c.cited_id IS NOT NULL"
)
#: incremental: the keys the changed works cite, and the works citing a work of tmp_sc
_SCOPED_KEYS = (
    "c.cited_key IN (SELECT y.cited_key FROM citation y"
    " WHERE y.citing_id IN (SELECT id FROM tmp_sw))"
)


async def refresh_similar(sql: Sql, full: bool, works: Sequence[int] | None = None) -> None:
    """Recompute `work_similar` for `works` (the works whose references changed) or else the
    works of the refresh's authors (`tmp_rs`), or for every work when `full`. Runs inside the
    refresh's transaction."""
    schema = "pg_temp" if sql.pg else "temp"
    for table in _TEMP:
        await sql.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
    await sql.execute(
        "CREATE TEMP TABLE tmp_sim (work_id INTEGER, kind INTEGER, other_id INTEGER,"
        " weight INTEGER)"
    )
    if full:
        await _keyed(sql, "1 = 1")
        await sql.execute("CREATE TEMP TABLE tmp_cc (s INTEGER, t INTEGER)")
        await sql.execute(_CITING.format(most=f"{int(settings.SIMILAR_MAX_REFERENCES):d}"))
        await _index(sql, "tmp_cc", "s", "t")
        await sql.execute("CREATE TEMP TABLE tmp_pw (a INTEGER, b INTEGER, w INTEGER)")
        bounds = (await sql.fetch("SELECT MIN(id) AS lo, MAX(id) AS hi FROM work"))[0]
        if bounds["lo"] is not None:
            chunks = [
                f"BETWEEN {lo:d} AND {lo + CHUNK - 1:d}"
                for lo in range(int(bounds["lo"]), int(bounds["hi"]) + 1, CHUNK)
            ]
            await _rank_all(sql, chunks)
        scope = "1 = 1"
    else:
        for table, fill in (("tmp_sw", _SCOPE), ("tmp_sc", _CITED_SCOPE)):
            await sql.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY)")
            if table == "tmp_sw" and works is not None:
                await _insert_ids(sql, works)
            else:
                await sql.execute(fill)
            if sql.pg:
                await sql.execute(f"ANALYZE {table}")
        await _keyed(sql, _SCOPED_KEYS)
        await sql.execute("CREATE TEMP TABLE tmp_long (id INTEGER PRIMARY KEY)")
        await sql.execute(_LONG.format(most=f"{int(settings.SIMILAR_MAX_REFERENCES):d}"))
        await _rank(sql, "IN (SELECT id FROM tmp_sc)", "IN (SELECT id FROM tmp_sw)")
        # each side reached by its index (an OR of two `IN (SELECT …)` would scan the table)
        scope = (
            "work_similar.id IN (SELECT id FROM work_similar WHERE work_id IN"
            f" (SELECT id FROM tmp_sc) AND kind = {CO_CITED:d} UNION ALL SELECT id"
            f" FROM work_similar WHERE work_id IN (SELECT id FROM tmp_sw) AND kind = {COUPLED:d})"
        )
    await sql.execute("CREATE INDEX tmp_sim_key_idx ON tmp_sim (work_id, kind, other_id)")
    if sql.pg:
        await sql.execute("ANALYZE tmp_sim")
    await _sync(sql, scope)
    for table in _TEMP:
        await sql.execute(f"DROP TABLE IF EXISTS {schema}.{table}")


async def _insert_ids(sql: Sql, works: Sequence[int]) -> None:
    if sql.pg:
        await sql.execute("INSERT INTO tmp_sw (id) SELECT unnest($1::int[])", [list(works)])
    else:
        await sql.execute_many("INSERT INTO tmp_sw (id) VALUES (?)", [[w] for w in works])


async def _index(sql: Sql, table: str, one: str, two: str) -> None:
    await sql.execute(f"CREATE INDEX {table}_a_idx ON {table} ({one}, {two})")
    await sql.execute(f"CREATE INDEX {table}_b_idx ON {table} ({two}, {one})")
    if sql.pg:
        await sql.execute(f"ANALYZE {table}")


async def _keyed(sql: Sql, keys: str) -> None:
    """Fill tmp_sk and tmp_sp (the module's docstring) from the reference keys `keys` (an SQL
    predicate on `c`), within SIMILAR_MAX_CITERS."""
    text = "TEXT" if not sql.pg else "VARCHAR(32)"
    await sql.execute(f"CREATE TEMP TABLE tmp_sk (k {text}, r INTEGER)")
    await sql.execute("CREATE TEMP TABLE tmp_sp (s INTEGER, r INTEGER)")
    await sql.execute(_KEYS.format(scope=keys, most=f"{int(settings.SIMILAR_MAX_CITERS):d}"))
    if not sql.pg:
        await sql.execute("CREATE INDEX tmp_sk_k_idx ON tmp_sk (k)")
    await sql.execute(_KEYED)
    await _index(sql, "tmp_sp", "r", "s")


def _settings() -> tuple[int, int]:
    return int(settings.SIMILAR_WORKS_PER_WORK), max(int(settings.SIMILAR_MIN_WEIGHT), 1)


async def _rank_all(sql: Sql, chunks: Sequence[str]) -> None:
    """The full refresh: each kind's pairs counted once (the lower id first, chunk by chunk) into
    tmp_pw, then ranked both ways, chunk by chunk."""
    n, floor = _settings()
    for kind, pairs, column in ((CO_CITED, _CO_CITED, "c1.t"), (COUPLED, _COUPLED, "p1.s")):
        await sql.execute("DELETE FROM tmp_pw")
        for chunk in chunks:
            query = pairs.format(scope=f"{column} {chunk}", other=">", floor=f"{floor:d}")
            await sql.execute(f"INSERT INTO tmp_pw (a, b, w) {query}")
        await _index(sql, "tmp_pw", "a", "b")
        for chunk in chunks:
            both = (
                f"SELECT a, b, w FROM tmp_pw WHERE a {chunk}"
                f" UNION ALL SELECT b, a, w FROM tmp_pw WHERE b {chunk}"
            )
            await sql.execute(_TOP.format(kind=f"{kind:d}", pairs=both, n=f"{n:d}"))
        await sql.execute("DROP INDEX tmp_pw_a_idx")
        await sql.execute("DROP INDEX tmp_pw_b_idx")


async def _rank(sql: Sql, cited: str, citing: str) -> None:
    """Add to tmp_sim the kept co-cited works of the works whose id is `cited`, and the kept
    coupled works of those whose id is `citing` (SQL predicates)."""
    n, floor = _settings()
    for kind, query in (
        (CO_CITED, _CO_CITED_SCOPED.format(scope=f"c1.cited_id {cited}", floor=f"{floor:d}")),
        (COUPLED, _COUPLED.format(scope=f"p1.s {citing}", other="<>", floor=f"{floor:d}")),
    ):
        await sql.execute(_TOP.format(kind=f"{kind:d}", pairs=query, n=f"{n:d}"))


async def _sync(sql: Sql, scope: str) -> None:
    """Make work_similar equal tmp_sim within `scope`, writing only the differences."""
    match = (
        "t.work_id = work_similar.work_id AND t.kind = work_similar.kind"
        " AND t.other_id = work_similar.other_id"
    )
    await sql.execute(
        f"DELETE FROM work_similar WHERE {scope}"
        f" AND NOT EXISTS (SELECT 1 FROM tmp_sim t WHERE {match})"
    )
    await sql.execute(
        "UPDATE work_similar SET weight = t.weight FROM tmp_sim t"
        f" WHERE {match} AND work_similar.weight <> t.weight"
    )
    new = (
        "FROM tmp_sim t WHERE NOT EXISTS (SELECT 1 FROM work_similar k WHERE k.work_id = t.work_id"
        " AND k.kind = t.kind AND k.other_id = t.other_id)"
    )
    rows = 0
    if sql.pg:  # how many rows are new decides whether their foreign keys are bulk-checked
        rows = int((await sql.fetch(f"SELECT COUNT(*) AS n {new}"))[0]["n"])
        if not rows:
            return
    async with sql.bulk("work_similar", rows):
        await sql.execute(
            "INSERT INTO work_similar (work_id, kind, other_id, weight)"
            f" SELECT t.work_id, t.kind, t.other_id, t.weight {new}"
            " ORDER BY t.work_id, t.kind, t.other_id"
        )
