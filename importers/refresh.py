"""Recompute the aggregates derived from authorships, set-based in SQL (SQLite and PostgreSQL).

- `collaboration_pair`: one row per co-author pair (`low_id < high_id`, stored once; readers use
  the `collaboration` view, both ways), with the number of distinct shared works and the first
  and last year they share;
- `author_topic`: works per author and topic;
- the counters on `author` (works, citations, h-index, i10, topics, close collaborators,
  persistent work, counts by year), `topic.works_count` and `institution.works_count`;
- citations whose cited work arrived later are linked;
- `work_similar`, each work's strongest co-cited and coupled works (importers/similarity.py).

Given author ids, only those authors and their co-authors are recomputed (incremental imports);
with None, everything is. Every step computes into a temporary table and then writes only the
rows that differ, so a refresh that finds nothing new writes nothing. Reading collaborators never
scans authorships at request time: that is what these tables are for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tortoise.transactions import in_transaction

import settings
from importers.similarity import refresh_similar
from importers.sql import Sql

_TEMP = (
    "tmp_rs",
    "tmp_rs2",
    "tmp_aw",
    "tmp_collab",
    "tmp_at",
    "tmp_stats",
    "tmp_years",
    "tmp_cby",
    "tmp_tc",
    "tmp_ic",
)

_RESOLVE_CITATIONS = """
UPDATE citation SET cited_id = (SELECT w.id FROM work w WHERE w.openalex_id = citation.cited_key)
WHERE cited_id IS NULL AND EXISTS (SELECT 1 FROM work w WHERE w.openalex_id = citation.cited_key)
"""

#: Both sides come from tmp_aw, distinct (author, work) pairs: a pair with an author in tmp_rs
#: has both authors in tmp_rs2 (co-authors included), so COUNT(*) counts distinct shared works
#: and the aggregate hashes instead of sorting for a COUNT(DISTINCT). Each pair once, the lower
#: author id first (`y.author_id > x.author_id`): half the rows a both-ways join would hash.
#: Only authorships within the first `COLLABORATION_MAX_AUTHORS` of their work (`paired`) form
#: pairs, so a work with 3,000 authors adds at most 100 x 99 / 2 rows, not 4.5 M. `{where}`
#: keeps the pairs with an author in tmp_rs, through tmp_aw's `in_rs` flag: an `IN (SELECT …)`
#: inside an OR cannot become a join, and PostgreSQL rescans the subquery per row once its hash
#: table outgrows work_mem (at 10^6 works a plan of cost 10^12 that never ended). The year comes
#: with tmp_aw (one lookup of the work per authorship, not one per pair).
_COLLABORATIONS = """
CREATE TEMP TABLE tmp_collab AS
SELECT x.author_id AS low_id, y.author_id AS high_id,
       COUNT(*) AS shared_works, MIN(x.year) AS first_year, MAX(x.year) AS last_year
FROM tmp_aw x
JOIN tmp_aw y ON y.work_id = x.work_id AND y.author_id > x.author_id AND y.paired
WHERE x.paired {where}
GROUP BY x.author_id, y.author_id
"""

#: PostgreSQL's work_mem inside a refresh (its transaction only): the aggregates hash tens of
#: millions of author pairs at 10^6 works, and an incremental refresh's `IN (SELECT id FROM
#: tmp_rs)` filters stay hashed (not rescanned per row) for up to a few million ids.
REFRESH_WORK_MEM = "256MB"

_AUTHOR_TOPICS = """
CREATE TEMP TABLE tmp_at AS
SELECT aw.author_id AS author_id, wt.topic_id AS topic_id, COUNT(DISTINCT aw.work_id) AS work_count
FROM tmp_aw aw JOIN work_topic wt ON wt.work_id = aw.work_id
WHERE aw.in_rs
GROUP BY aw.author_id, wt.topic_id
"""

_STATS = """
CREATE TEMP TABLE tmp_stats AS
SELECT r.id AS author_id,
       COALESCE(ws.n, 0) AS works_count,
       CASE WHEN ws.cites > 2147483647 THEN 2147483647 ELSE COALESCE(ws.cites, 0) END
         AS cited_by_count,
       COALESCE(h.h, 0) AS h_index, COALESCE(ws.i10, 0) AS i10_index,
       COALESCE(ws.persistent, 0) AS persistent,
       COALESCE(t.n, 0) AS topics_count, COALESCE(c.n, 0) AS close_count
FROM tmp_rs2 r
LEFT JOIN (
  SELECT aw.author_id, COUNT(*) AS n, SUM(w.cited_by_count) AS cites,
         SUM(CASE WHEN w.cited_by_count >= 10 THEN 1 ELSE 0 END) AS i10,
         MAX(CASE WHEN w.doi IS NOT NULL OR w.arxiv_id IS NOT NULL THEN 1 ELSE 0 END) AS persistent
  FROM tmp_aw aw JOIN work w ON w.id = aw.work_id GROUP BY aw.author_id
) ws ON ws.author_id = r.id
LEFT JOIN (
  SELECT author_id, COUNT(*) AS h FROM (
    SELECT aw.author_id, w.cited_by_count AS cites,
           ROW_NUMBER() OVER (PARTITION BY aw.author_id ORDER BY w.cited_by_count DESC) AS rank
    FROM tmp_aw aw JOIN work w ON w.id = aw.work_id
  ) ranked WHERE cites >= rank GROUP BY author_id
) h ON h.author_id = r.id
LEFT JOIN (
  SELECT author_id, COUNT(*) AS n FROM author_topic
  WHERE author_id IN (SELECT id FROM tmp_rs2) GROUP BY author_id
) t ON t.author_id = r.id
LEFT JOIN (
  SELECT author_id, COUNT(*) AS n FROM collaboration
  WHERE shared_works >= 2 AND author_id IN (SELECT id FROM tmp_rs2) GROUP BY author_id
) c ON c.author_id = r.id
"""

_UPDATE_AUTHORS = """
UPDATE author SET
  works_count = s.works_count, cited_by_count = s.cited_by_count,
  h_index = CASE WHEN author.metrics_from_openalex THEN author.h_index ELSE s.h_index END,
  i10_index = CASE WHEN author.metrics_from_openalex THEN author.i10_index ELSE s.i10_index END,
  topics_count = s.topics_count, close_collaborators_count = s.close_count,
  has_persistent_work = (s.persistent = 1)
FROM tmp_stats s
WHERE author.id = s.author_id AND (
  author.works_count <> s.works_count OR author.cited_by_count <> s.cited_by_count
  OR author.topics_count <> s.topics_count OR author.close_collaborators_count <> s.close_count
  OR author.has_persistent_work <> (s.persistent = 1)
  OR (NOT author.metrics_from_openalex
      AND (author.h_index <> s.h_index OR author.i10_index <> s.i10_index)))
"""

#: works published per year, and citations received per year (by the citing work's year), for
#: the authors named (tmp_rs) only: a co-author's own works did not change, and recomputing its
#: years was most of an incremental refresh (2-5 s of 10-15 s for 1,000 works at 10^5).
#: Citations are counted per cited work and year first, then spread over the work's authors
#: (one lookup of the citing work per citation, not one per citation and author).
_YEARS = """
CREATE TEMP TABLE tmp_years AS
SELECT author_id, year, SUM(works) AS works, SUM(cites) AS cites FROM (
  SELECT aw.author_id AS author_id, aw.year AS year, 1 AS works, 0 AS cites
  FROM tmp_aw aw WHERE aw.in_rs AND aw.year IS NOT NULL
  UNION ALL
  SELECT aw.author_id, c.year, 0, c.n
  FROM tmp_aw aw JOIN (
    SELECT c.cited_id AS work_id, cw.publication_year AS year, COUNT(*) AS n
    FROM citation c JOIN work cw ON cw.id = c.citing_id
    WHERE cw.publication_year IS NOT NULL
      AND c.cited_id IN (SELECT work_id FROM tmp_aw WHERE in_rs)
    GROUP BY c.cited_id, cw.publication_year
  ) c ON c.work_id = aw.work_id
  WHERE aw.in_rs
) u GROUP BY author_id, year
"""

_CBY = {
    # one aggregate over tmp_years, not a subquery per author (70 s of a full refresh at 10^6);
    # a jsonb object's keys are ordered by jsonb itself, whatever the order they come in
    "postgres": """
CREATE TEMP TABLE tmp_cby AS
SELECT r.id AS author_id, COALESCE(y.cby, '{}'::jsonb) AS cby
FROM tmp_rs r LEFT JOIN (
  SELECT author_id, jsonb_object_agg(year::text, jsonb_build_array(works, cites)) AS cby
  FROM tmp_years GROUP BY author_id
) y ON y.author_id = r.id
""",
    "sqlite": """
CREATE TEMP TABLE tmp_cby AS
SELECT r.id AS author_id, COALESCE((
  SELECT json_group_object(CAST(y.year AS TEXT), json_array(y.works, y.cites))
  FROM (SELECT * FROM tmp_years WHERE author_id = r.id ORDER BY year) y), '{}') AS cby
FROM tmp_rs r
""",
}

_UPDATE_CBY = """
UPDATE author SET counts_by_year = c.cby FROM tmp_cby c
WHERE author.id = c.author_id AND NOT author.metrics_from_openalex
  AND author.counts_by_year {ne} c.cby
"""

_TOPIC_COUNTS = """
CREATE TEMP TABLE tmp_tc AS
SELECT wt.topic_id AS id, COUNT(DISTINCT wt.work_id) AS n FROM work_topic wt
WHERE {scope} GROUP BY wt.topic_id
"""
_TOPIC_SCOPE = (
    "wt.topic_id IN (SELECT k.topic_id FROM work_topic k JOIN tmp_aw aw ON aw.work_id = k.work_id"
    " WHERE aw.author_id IN (SELECT id FROM tmp_rs))"
)

_INSTITUTION_COUNTS = """
CREATE TEMP TABLE tmp_ic AS
SELECT ai.institution_id AS id, COUNT(DISTINCT a.work_id) AS n
FROM authorship_institution ai JOIN authorship a ON a.id = ai.authorship_id
WHERE {scope} GROUP BY ai.institution_id
"""
_INSTITUTION_SCOPE = (
    "ai.institution_id IN (SELECT k.institution_id FROM authorship_institution k"
    " JOIN authorship b ON b.id = k.authorship_id JOIN tmp_aw aw ON aw.work_id = b.work_id"
    " WHERE aw.author_id IN (SELECT id FROM tmp_rs))"
)

_UPDATE_COUNT = """
UPDATE {table} SET works_count = COALESCE((SELECT n FROM {temp} t WHERE t.id = {table}.id), 0)
WHERE {scope} AND works_count <> COALESCE((SELECT n FROM {temp} t WHERE t.id = {table}.id), 0)
"""


async def refresh_aggregates(
    author_ids: Iterable[int] | None = None, works: Iterable[int] | None = None
) -> None:
    """Recompute the aggregates for these authors and their co-authors (None: for everyone).
    `works`, when known (an import's changed works), scopes the similarity lists instead of every
    work of the authors (importers/similarity.py)."""
    ids = None if author_ids is None else sorted(set(author_ids))
    changed = None if works is None else sorted(set(works))
    if ids is not None and not ids:
        async with in_transaction("default") as conn:
            await Sql(conn).execute(_RESOLVE_CITATIONS)
            if changed:
                await refresh_similar(Sql(conn), False, changed)
        return
    async with in_transaction("default") as conn:
        sql = Sql(conn)
        if ids is not None and len(ids) * 2 >= await _author_count(sql):
            ids = None  # most authors: recomputing all is the same result with simpler plans
        await _Refresh(sql, ids, changed).run()


async def refresh_all_in(sql: Sql) -> None:
    """Recompute every aggregate inside the caller's transaction (the staged import's, whose
    author, topic and institution indexes are built after these updates)."""
    await _Refresh(sql, None).run()


async def _author_count(sql: Sql) -> int:
    rows = await sql.fetch("SELECT COUNT(*) AS n FROM author")
    return int(rows[0]["n"])


class _Refresh:
    def __init__(self, sql: Sql, ids: list[int] | None, works: list[int] | None = None) -> None:
        self.sql = sql
        self.ids = ids
        self.works = works
        self.ne = "IS DISTINCT FROM" if sql.pg else "IS NOT"
        self.bound = int(settings.COLLABORATION_MAX_AUTHORS)

    async def run(self) -> None:
        sql = self.sql
        full = self.ids is None
        if sql.pg:
            await sql.execute(f"SET LOCAL work_mem = '{REFRESH_WORK_MEM}'")
        await self._drop_temps()
        await sql.execute(_RESOLVE_CITATIONS)
        await sql.execute("CREATE TEMP TABLE tmp_rs (id INTEGER PRIMARY KEY)")
        if self.ids is None:
            await sql.execute("INSERT INTO tmp_rs (id) SELECT id FROM author")
            await sql.execute("CREATE TEMP TABLE tmp_rs2 AS SELECT id FROM tmp_rs")
        else:
            if sql.pg:
                await sql.execute("INSERT INTO tmp_rs (id) SELECT unnest($1::int[])", [self.ids])
            else:
                await sql.execute_many(
                    "INSERT INTO tmp_rs (id) VALUES (?)", [[i] for i in self.ids]
                )
            await sql.execute(
                "CREATE TEMP TABLE tmp_rs2 AS SELECT id FROM tmp_rs UNION"
                " SELECT b.author_id FROM authorship a JOIN authorship b ON b.work_id = a.work_id"
                " WHERE a.author_id IN (SELECT id FROM tmp_rs) AND b.author_id IS NOT NULL"
                f" AND a.position < {self.bound} AND b.position < {self.bound}"
                # former co-authors too: a pair that is gone changes both sides' counters
                # (the `collaboration` view shows each stored pair from both sides)
                " UNION SELECT coauthor_id FROM collaboration"
                " WHERE author_id IN (SELECT id FROM tmp_rs)"
            )
        await self._index("tmp_rs2", "id")
        await sql.execute(
            "CREATE TEMP TABLE tmp_aw AS SELECT a.author_id, a.work_id,"
            f" (r.id IS NOT NULL) AS in_rs, (MIN(a.position) < {self.bound}) AS paired,"
            " MIN(w.publication_year) AS year"
            " FROM authorship a JOIN tmp_rs2 s ON s.id = a.author_id"
            " JOIN work w ON w.id = a.work_id"
            " LEFT JOIN tmp_rs r ON r.id = a.author_id GROUP BY a.author_id, a.work_id, r.id"
        )
        await self._index("tmp_aw", "author_id")
        await self._index("tmp_aw", "work_id")
        await self._analyze("tmp_rs", "tmp_rs2", "tmp_aw")

        await sql.execute(_COLLABORATIONS.format(where="" if full else "AND (x.in_rs OR y.in_rs)"))
        if not (full and sql.pg and await self._empty("collaboration_pair")):
            # read by `_sync`'s comparisons, which a first load skips
            await self._index("tmp_collab", "low_id, high_id")
            await self._analyze("tmp_collab")
        await self._sync(
            "collaboration_pair",
            "tmp_collab",
            ("low_id", "high_id"),
            ("shared_works", "first_year", "last_year"),
            "1 = 1"
            if full
            # the pairs of tmp_rs's authors, on either side, each side reached by its index
            # (an OR of two `IN (SELECT …)` would scan the table: it cannot become a join)
            else "collaboration_pair.id IN (SELECT id FROM collaboration_pair"
            " WHERE low_id IN (SELECT id FROM tmp_rs) UNION ALL SELECT id FROM collaboration_pair"
            " WHERE high_id IN (SELECT id FROM tmp_rs))",
        )
        await sql.execute(_AUTHOR_TOPICS)
        await self._index("tmp_at", "author_id, topic_id")
        await self._analyze("tmp_at")
        await self._sync(
            "author_topic",
            "tmp_at",
            ("author_id", "topic_id"),
            ("work_count",),
            "1 = 1" if full else "author_topic.author_id IN (SELECT id FROM tmp_rs)",
        )
        await sql.execute(_STATS)
        await sql.execute(_UPDATE_AUTHORS)
        await sql.execute(_YEARS)
        await self._index("tmp_years", "author_id")
        await sql.execute(_CBY["postgres" if sql.pg else "sqlite"])
        await sql.execute(_UPDATE_CBY.format(ne=self.ne))

        await sql.execute(_TOPIC_COUNTS.format(scope="1 = 1" if full else _TOPIC_SCOPE))
        await sql.execute(
            _UPDATE_COUNT.format(
                table="topic",
                temp="tmp_tc",
                scope="1 = 1" if full else "topic.id IN (SELECT id FROM tmp_tc)",
            )
        )
        await sql.execute(_INSTITUTION_COUNTS.format(scope="1 = 1" if full else _INSTITUTION_SCOPE))
        await sql.execute(
            _UPDATE_COUNT.format(
                table="institution",
                temp="tmp_ic",
                scope="1 = 1" if full else "institution.id IN (SELECT id FROM tmp_ic)",
            )
        )
        await refresh_similar(sql, full, self.works)  # work_similar: importers/similarity.py
        await self._drop_temps()

    async def _sync(
        self, table: str, temp: str, keys: Sequence[str], values: Sequence[str], scope: str
    ) -> None:
        """Make `table` equal `temp` within `scope`: delete, update and insert only differences."""
        match = " AND ".join(f"t.{k} = {table}.{k}" for k in keys)
        await self.sql.execute(
            f"DELETE FROM {table} WHERE {scope}"
            f" AND NOT EXISTS (SELECT 1 FROM {temp} t WHERE {match})"
        )
        sets = ", ".join(f"{v} = t.{v}" for v in values)
        differs = " OR ".join(f"{table}.{v} {self.ne} t.{v}" for v in values)
        await self.sql.execute(
            f"UPDATE {table} SET {sets} FROM {temp} t WHERE {match} AND ({differs})"
        )
        cols = ", ".join([*keys, *values])
        if self.sql.pg and self.ids is None and await self._empty(table):
            # a first load: no row to compare with, and the indexes are built after the rows
            async with self.sql.indexes_after_rows(table):
                await self.sql.execute(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {temp}"
                    f" ORDER BY {', '.join(keys)}"
                )
            return
        exists = " AND ".join(f"k.{c} = t.{c}" for c in keys)
        new = f"FROM {temp} t WHERE NOT EXISTS (SELECT 1 FROM {table} k WHERE {exists})"
        rows = 0
        if self.sql.pg:  # how many rows are new decides whether their foreign keys are bulk-checked
            found = await self.sql.fetch(f"SELECT COUNT(*) AS n {new}")
            rows = int(found[0]["n"])
            if not rows:
                return
        async with self.sql.bulk(table, rows):
            await self.sql.execute(
                f"INSERT INTO {table} ({cols})"
                f" SELECT {', '.join(f't.{c}' for c in [*keys, *values])} {new}"
                f" ORDER BY {', '.join(f't.{c}' for c in keys)}"
            )

    async def _empty(self, table: str) -> bool:
        rows = await self.sql.fetch(f"SELECT NOT EXISTS (SELECT 1 FROM {table}) AS empty")
        return bool(rows[0]["empty"])

    async def _index(self, table: str, cols: str) -> None:
        name = f"{table}_{cols.replace(', ', '_')}_idx"
        await self.sql.execute(f"CREATE INDEX {name} ON {table} ({cols})")

    async def _analyze(self, *tables: str) -> None:
        if self.sql.pg:  # autovacuum never analyzes temporary tables
            for table in tables:
                await self.sql.execute(f"ANALYZE {table}")

    async def _drop_temps(self) -> None:
        schema = "pg_temp" if self.sql.pg else "temp"
        for table in _TEMP:
            await self.sql.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
