"""The staged OpenAlex import on PostgreSQL: COPY into UNLOGGED staging tables, then one
set-based statement per table.

Used for a first import into an empty database (no works, authors, institutions, topics,
sources or funders yet: the bulk load of a snapshot), where the batch path spends most of its
time reading what exists, comparing and maintaining indexes row by row. Its parse workers (two
by default) parse chunks of lines with the same record → row mapping as the batch path
(`OpenAlexImporter.add`, importers/openalex_records.py, importers/record_fields.py) and COPY the
rows, keyed by OpenAlex id, with their position in the input (`seq`: chunk, full record or
nested copy, place in the chunk), into `import_stage_<run>_<table>`. Then, in one transaction,
each table is filled by one `INSERT … SELECT` from its staging table, in `seq` order, so that ids
come out as the batch path gives them; secondary indexes of the (empty) tables are dropped
first and built after their rows, and foreign keys are validated once per table.

The batch path's rules, as they apply to an empty database:
- each entity is inserted once, at its first appearance; a full record's non-null values win,
  and a column it leaves empty takes the first non-null value of the entity's nested
  ("dehydrated") copies in input order, else the column default;
- a secondary unique value (ORCID, ROR, DOI) stays with the first entity that carried it; a
  later entity carrying it gets NULL;
- a work's links (authorships and their institutions, topics, references, related works,
  grants) and an institution's lineage are those of its record, in record order; references
  and related works are linked to the works present at the end;
- affiliations are the union of their years over the whole input.

An entity with two full records in the input (two versions of one work, say) is where the batch
path's order of updates matters: the staged path then leaves everything as it was and the
import runs through the batch path (`Fallback`), as it does when the database refuses a
statement (which the batch path narrows to the refused record). Nothing is written to the real
tables until the one transaction commits.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from importers.common import ImportSummary, Line, add_lines
from importers.openalex import OpenAlexBatch, OpenAlexImporter
from importers.sql import Sql, Table
from importers.upsert import AUTHOR, FUNDER, INSTITUTION, OPENALEX_TOPIC, SOURCE, WORK

#: Entity tables in dependency order, with the summary's name for them.
ENTITIES: tuple[tuple[Table, str], ...] = (
    (INSTITUTION, "institutions"),
    (OPENALEX_TOPIC, "topics"),
    (SOURCE, "sources"),
    (FUNDER, "funders"),
    (AUTHOR, "authors"),
    (WORK, "works"),
)
#: `OpenAlexBatch` attribute of each entity table's full records (and of `Nested`'s copies).
_BATCH_ATTR = {
    "institution": "institutions",
    "topic": "topics",
    "source": "sources",
    "funder": "funders",
    "author": "authors",
    "work": "works",
}
#: Columns of the entity tables a record never carries.
_NOT_STAGED = frozenset({"id", "updated_at", "abstract_tsv", "scheme"})

#: Link staging tables: name → columns (all but `seq`, the owner's position in the input).
LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "authorship": (
        ("work_key", "text"),
        ("position", "integer"),
        ("author_key", "text"),
        ("raw_name", "text"),
        ("is_corresponding", "boolean"),
    ),
    "authorship_institution": (
        ("work_key", "text"),
        ("position", "integer"),
        ("inst_key", "text"),
    ),
    "work_topic": (
        ("work_key", "text"),
        ("ord", "integer"),
        ("topic_key", "text"),
        ("score", "float8"),
        ("is_primary", "boolean"),
    ),
    "citation": (("work_key", "text"), ("ord", "integer"), ("cited_key", "text")),
    "related_work": (("work_key", "text"), ("ord", "integer"), ("related_key", "text")),
    "work_grant": (
        ("work_key", "text"),
        ("position", "integer"),
        ("funder_key", "text"),
        ("award_id", "text"),
    ),
    "institution_link": (
        ("inst_key", "text"),
        ("ord", "integer"),
        ("kind", "text"),
        ("position", "integer"),
        ("other_key", "text"),
    ),
    "author_affiliation": (("author_key", "text"), ("inst_key", "text"), ("years", "integer[]")),
}

#: Bits of `seq`: chunk number, then full record (0) or nested copy (1), then place in chunk.
_CHUNK_SHIFT = 32
_NESTED_BIT = 1 << 31


class Fallback(Exception):
    """The staged path cannot reproduce the batch path for this input: use the batch path."""


def stage_name(run_id: int, table: str) -> str:
    return f"import_stage_{run_id}_{table}"


@dataclass(frozen=True)
class Target:
    """Where the parse workers COPY to: the database and the run's staging tables' columns."""

    dsn: dict[str, Any]
    run_id: int
    #: entity table → staged columns (key first), the same for full records and nested copies
    columns: dict[str, tuple[str, ...]]


@dataclass
class Staged:
    """What a worker sends back for one chunk (no rows: they are in the staging tables)."""

    accepted: int = 0
    rejects: list[tuple[Line, str]] = field(default_factory=list)
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    #: entity table → columns with a value in some row of the chunk
    seen: dict[str, set[str]] = field(default_factory=dict)


# -- the parse workers -------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def stage_chunk(target: Target, chunk: int, items: list[Line | tuple[Line, str]]) -> Staged:
    """Parse one chunk of lines and COPY its rows into the staging tables (in a worker)."""
    importer = OpenAlexImporter()
    batch = importer.new_batch()
    out = Staged()
    out.accepted = len(add_lines(importer, batch, items, out.rejects, out.skipped))
    out.records = out.accepted + out.skipped.total()
    rows = _rows(target, chunk, batch, out)
    loop = _worker.get("loop")
    if loop is None:
        loop = _worker["loop"] = asyncio.new_event_loop()
    loop.run_until_complete(_copy(target, rows))
    return out


async def _copy(target: Target, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    conn: asyncpg.Connection | None = _worker.get("conn")
    if conn is None or conn.is_closed():
        conn = _worker["conn"] = await asyncpg.connect(**target.dsn)
    async with conn.transaction():
        for table, records in rows.items():
            if records:
                await conn.copy_records_to_table(stage_name(target.run_id, table), records=records)


def _rows(
    target: Target, chunk: int, batch: OpenAlexBatch, out: Staged
) -> dict[str, list[tuple[Any, ...]]]:
    """The chunk's staging rows: values adapted as the batch path adapts them (`Sql.adapt`)."""
    base = chunk << _CHUNK_SHIFT
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table, _ in ENTITIES:
        cols = target.columns[table.name]
        full: dict[str, Any] = getattr(batch, _BATCH_ATTR[table.name])
        nested: dict[str, dict[str, Any]] = (
            {} if table.name == "work" else getattr(batch.nested, _BATCH_ATTR[table.name])
        )
        seen = out.seen.setdefault(table.name, set())
        seen_nested = out.seen.setdefault(f"{table.name}:nested", set())
        names = cols[1:]
        json_at = [j for j, c in enumerate(names) if c in table.json_cols]
        staged: list[tuple[Any, ...]] = []
        for flag, group in ((0, full), (_NESTED_BIT, nested)):
            for i, (key, value) in enumerate(group.items()):
                if flag and key in full:
                    continue  # the batch path fills only entities without a full record
                row = value.row if table.name == "work" else value
                # the columns a row carries (a None too), as the batch path's insert takes them
                (seen_nested if flag else seen).update(row)
                get = row.get
                values = [get(c) for c in names]
                for j in json_at:
                    if values[j] is not None:
                        values[j] = orjson.dumps(values[j]).decode()
                if table.name == "work":
                    values[-1] = value.source_key
                staged.append((base | flag | i, flag == 0, key, *values))
        rows[table.name] = staged
    links: dict[str, list[tuple[Any, ...]]] = {name: [] for name in LINKS}
    for i, (key, w) in enumerate(batch.works.items()):
        seq = base | i
        for position, (author, raw, corr, insts) in enumerate(w.authorships):
            links["authorship"].append((seq, key, position, author, raw[:512], corr))
            for inst in insts:
                links["authorship_institution"].append((seq, key, position, inst))
        for ord_, (topic, (score, primary)) in enumerate(w.topics.items()):
            links["work_topic"].append((seq, key, ord_, topic, score, primary))
        for ord_, cited in enumerate(sorted(w.references)):
            links["citation"].append((seq, key, ord_, cited))
        for ord_, related in enumerate(sorted(w.related)):
            links["related_work"].append((seq, key, ord_, related))
        for position, (funder, award) in enumerate(w.grants):
            links["work_grant"].append((seq, key, position, funder, award))
    for i, (key, inst_links) in enumerate(batch.institution_links.items()):
        for ord_, (kind, position, other) in enumerate(inst_links):
            links["institution_link"].append((base | i, key, ord_, kind, position, other))
    i = 0
    for author, by_institution in batch.nested.affiliations.items():
        for inst, years in by_institution.items():
            links["author_affiliation"].append((base | i, author, inst, sorted(years)))
            i += 1
    rows.update(links)
    return rows


def _adapt(table: Table, col: str, value: Any) -> Any:
    if value is None:
        return None
    if col in table.json_cols:
        return orjson.dumps(value).decode()
    return value


# -- the main process ------------------------------------------------------------------------


async def is_empty(sql: Sql) -> bool:
    """No entity an OpenAlex import writes exists yet (a first import)."""
    checks = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {t.name})" for t, _ in ENTITIES)
    rows = await sql.fetch(f"SELECT ({checks}) AS empty")
    return bool(rows[0]["empty"])


async def create_staging(sql: Sql, run_id: int) -> dict[str, tuple[str, ...]]:
    """The run's UNLOGGED staging tables; returns the staged columns of each entity table."""
    columns: dict[str, tuple[str, ...]] = {}
    for table, _ in ENTITIES:
        found = await sql.fetch(
            "SELECT column_name AS c FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            [table.name],
        )
        others = [r["c"] for r in found if r["c"] not in _NOT_STAGED and r["c"] != table.key]
        if table.name == "work":
            others = [c for c in others if c != "source_id"]
        cols = (table.key, *others)
        select = ", ".join(cols)
        extra = ", ADD COLUMN source_key text" if table.name == "work" else ""
        name = stage_name(run_id, table.name)
        await sql.execute(
            f"CREATE UNLOGGED TABLE {name} AS SELECT 0::bigint AS seq, true AS full_record,"
            f" {select} FROM {table.name} WITH NO DATA"
        )
        if extra:
            await sql.execute(f"ALTER TABLE {name} {extra.lstrip(', ')}")
        columns[table.name] = (*cols, "source_key") if table.name == "work" else cols
    for name, link_cols in LINKS.items():
        defs = ", ".join(f"{c} {t}" for c, t in link_cols)
        await sql.execute(f"CREATE UNLOGGED TABLE {stage_name(run_id, name)} (seq bigint, {defs})")
    return columns


async def drop_staging(sql: Sql, run_ids: Iterable[int]) -> None:
    for run_id in run_ids:
        for table in [*(t.name for t, _ in ENTITIES), *LINKS]:
            await sql.execute(f"DROP TABLE IF EXISTS {stage_name(run_id, table)}")


class Merge:
    """The set-based statements that move the staged rows into the real tables."""

    def __init__(self, sql: Sql, run_id: int, columns: dict[str, tuple[str, ...]]) -> None:
        self.sql = sql
        self.run_id = run_id
        self.columns = columns

    def s(self, table: str) -> str:
        return stage_name(self.run_id, table)

    async def check(self) -> None:
        """Raise `Fallback` when an entity has two full records in the input."""
        for table, _ in ENTITIES:
            key = table.key
            rows = await self.sql.fetch(
                f"SELECT {key} AS k FROM {self.s(table.name)} WHERE full_record"
                f" GROUP BY {key} HAVING COUNT(*) > 1 LIMIT 1"
            )
            if rows:
                raise Fallback(f"{table.name} {rows[0]['k']} has several records in the input")

    async def run(self, seen: dict[str, set[str]], summary: ImportSummary) -> None:
        sql = self.sql
        await sql.execute("SET LOCAL work_mem = '256MB'")
        for table, kind in ENTITIES:
            # statistics of the columns the statements group and join on only: sampling the
            # text columns (titles, abstracts) costs more than the rest of the analysis
            await sql.execute(f"ANALYZE {self.s(table.name)} (seq, {table.key})")
            async with sql.indexes_after_rows(table.name):
                summary.created[kind] += await self._entity(
                    table, seen.get(table.name, set()), seen.get(f"{table.name}:nested", set())
                )
            await sql.execute(f"ANALYZE {table.name} (id, {table.key})")
        for name in LINKS:
            await sql.execute(f"ANALYZE {self.s(name)}")
        for name, kind, statement in self._links():
            async with sql.indexes_after_rows(name):
                count = await self._count(statement)
            if count and kind:
                summary.created[kind] += count

    async def _entity(self, table: Table, seen: set[str], seen_nested: set[str]) -> int:
        sql = self.sql
        stage = self.s(table.name)
        key = table.key
        for col in table.unique_cols:  # the first entity carrying a value keeps it
            await sql.execute(
                f"UPDATE {stage} s SET {col} = NULL FROM (SELECT DISTINCT ON ({col}) {col}, {key}"
                f" FROM {stage} WHERE {col} IS NOT NULL ORDER BY {col}, seq) o"
                f" WHERE s.{col} = o.{col} AND s.{key} <> o.{key}"
            )
        staged = self.columns[table.name][1:]
        seen = seen | seen_nested
        cols = sorted(({c for c in staged if c in seen} | set(table.defaults)) - {"source_key"})
        nested = sorted(seen_nested & set(cols))
        params: list[Any] = [v for _, v in table.fixed]
        fixed_cols = [c for c, _ in table.fixed]
        fixed_values = [f"${i + 1}" for i in range(len(params))]
        values: list[str] = []
        for col in cols:
            parts = [f"f.{col}"] if col in staged else []
            if col in nested:
                parts.append(f"n.{col}")
            if col in table.defaults:
                params.append(_adapt(table, col, table.defaults[col]))
                cast = "::jsonb" if col in table.json_cols else ""
                parts.append(f"${len(params)}{cast}")
            values.append(f"COALESCE({', '.join(parts)})" if len(parts) > 1 else parts[0])
        extra_cols = ["source_id"] if table.name == "work" else []
        extra_vals = ["src.id"] if table.name == "work" else []
        join_src = " LEFT JOIN source src ON src.key = f.source_key" if table.name == "work" else ""
        updated = ["updated_at"] if table.updated_at else []
        updated_val = ["now()"] if table.updated_at else []
        nested_select = ", ".join(
            f"(array_agg({c} ORDER BY seq) FILTER (WHERE {c} IS NOT NULL))[1] AS {c}"
            for c in nested
        )
        nested_join = (
            f" LEFT JOIN (SELECT {key}, {nested_select} FROM {stage} WHERE NOT full_record"
            f" GROUP BY {key}) n ON n.{key} = o.k"
            if nested
            else ""
        )
        full_join = f" LEFT JOIN {stage} f ON f.{key} = o.k AND f.full_record"
        insert_cols = [key, *fixed_cols, *cols, *extra_cols, *updated]
        select = ["o.k", *fixed_values, *values, *extra_vals, *updated_val]
        statement = (
            f"INSERT INTO {table.name} ({', '.join(insert_cols)})"
            f" SELECT {', '.join(select)}"
            f" FROM (SELECT {key} AS k, MIN(seq) AS seq FROM {stage} GROUP BY {key}) o"
            f"{full_join}{nested_join}{join_src} ORDER BY o.seq"
        )
        return await self._count(statement, params)

    async def _count(self, statement: str, params: list[Any] | None = None) -> int:
        """Run an INSERT; the number of rows it wrote (from the command tag)."""
        async with self.sql.conn.acquire_connection() as raw:
            tag: str = await raw.execute(statement, *(params or []))
        return int(tag.rsplit(" ", 1)[-1])

    def _links(self) -> list[tuple[str, str, str]]:
        s = self.s
        return [
            (
                "authorship",
                "authorships",
                "INSERT INTO authorship (work_id, position, author_id, raw_name, is_corresponding)"
                " SELECT w.id, s.position, a.id, s.raw_name, s.is_corresponding"
                f" FROM {s('authorship')} s JOIN work w ON w.openalex_id = s.work_key"
                " LEFT JOIN author a ON a.openalex_id = s.author_key ORDER BY s.seq, s.position",
            ),
            (
                "authorship_institution",
                "",  # the batch path does not count them either
                "INSERT INTO authorship_institution (authorship_id, institution_id)"
                " SELECT au.id, i.id"
                f" FROM {s('authorship_institution')} s JOIN work w ON w.openalex_id = s.work_key"
                " JOIN authorship au ON au.work_id = w.id AND au.position = s.position"
                " JOIN institution i ON i.openalex_id = s.inst_key"
                " ORDER BY s.seq, s.position, i.id",
            ),
            (
                "work_topic",
                "work topics",
                "INSERT INTO work_topic (work_id, topic_id, score, is_primary)"
                " SELECT w.id, t.id, s.score, s.is_primary"
                f" FROM {s('work_topic')} s JOIN work w ON w.openalex_id = s.work_key"
                " JOIN topic t ON t.scheme = 'OPENALEX' AND t.external_id = s.topic_key"
                " ORDER BY s.seq, s.ord",
            ),
            (
                "citation",
                "citations",
                "INSERT INTO citation (citing_id, cited_key, cited_id)"
                " SELECT w.id, s.cited_key, c.id"
                f" FROM {s('citation')} s JOIN work w ON w.openalex_id = s.work_key"
                " LEFT JOIN work c ON c.openalex_id = s.cited_key ORDER BY s.seq, s.ord",
            ),
            (
                "related_work",
                "related works",
                "INSERT INTO related_work (work_id, related_key, related_id)"
                " SELECT w.id, s.related_key, r.id"
                f" FROM {s('related_work')} s JOIN work w ON w.openalex_id = s.work_key"
                " LEFT JOIN work r ON r.openalex_id = s.related_key ORDER BY s.seq, s.ord",
            ),
            (
                "work_grant",
                "grants",
                "INSERT INTO work_grant (work_id, position, funder_id, award_id)"
                " SELECT w.id, s.position, f.id, s.award_id"
                f" FROM {s('work_grant')} s JOIN work w ON w.openalex_id = s.work_key"
                " JOIN funder f ON f.openalex_id = s.funder_key ORDER BY s.seq, s.position",
            ),
            (
                "institution_link",
                "institution links",
                "INSERT INTO institution_link (institution_id, kind, position, other_key, other_id)"
                " SELECT i.id, s.kind, s.position, s.other_key, o.id"
                f" FROM {s('institution_link')} s JOIN institution i ON i.openalex_id = s.inst_key"
                " LEFT JOIN institution o ON o.openalex_id = s.other_key ORDER BY s.seq, s.ord",
            ),
            (
                "author_affiliation",
                "affiliations",
                "INSERT INTO author_affiliation"
                " (author_id, institution_id, years, first_year, last_year)"
                " SELECT a.id, i.id, to_jsonb(COALESCE(g.years, '{}')), g.years[1],"
                " g.years[cardinality(g.years)]"
                " FROM (SELECT author_key, inst_key, MIN(seq) AS seq,"
                " array_agg(DISTINCT y ORDER BY y) FILTER (WHERE y IS NOT NULL) AS years"
                f" FROM {s('author_affiliation')} s"
                " LEFT JOIN LATERAL unnest(s.years) AS y ON true GROUP BY author_key, inst_key) g"
                " JOIN author a ON a.openalex_id = g.author_key"
                " JOIN institution i ON i.openalex_id = g.inst_key ORDER BY g.seq",
            ),
        ]
