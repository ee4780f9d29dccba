"""Idempotent batch upserts of entity rows and replacement of a work's links.

Each function reads what exists for the whole batch in one statement, compares in Python, and
writes only the difference (one executemany per shape), so a second run of the same file writes
nothing at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from importers.sql import Sql, Table

AUTHOR = Table(
    "author",
    key="openalex_id",
    json_cols=frozenset({"alternative_names", "counts_by_year"}),
    bool_cols=frozenset({"metrics_from_openalex"}),
    unique_cols=("orcid",),
    defaults={
        "alternative_names": [],
        "open_to_collaborate": False,
        "claim_status": "UNCLAIMED",
        "works_count": 0,
        "cited_by_count": 0,
        "h_index": 0,
        "i10_index": 0,
        "followers_count": 0,
        "topics_count": 0,
        "close_collaborators_count": 0,
        "has_persistent_work": False,
        "counts_by_year": {},
        "metrics_from_openalex": False,
    },
    updated_at=True,
    version_col="source_updated",
)
ARXIV_AUTHOR = replace(AUTHOR, key="arxiv_key", version_col=None)
INSTITUTION = Table(
    "institution", key="openalex_id", unique_cols=("ror",), defaults={"works_count": 0}
)
FUNDER = Table("funder", key="openalex_id")
SOURCE = Table("source", key="key", unique_cols=("openalex_id",), defaults={"type": "OTHER"})
WORK = Table(
    "work",
    key="openalex_id",
    date_cols=frozenset({"publication_date"}),
    json_cols=frozenset({"keywords", "counts_by_year"}),
    bool_cols=frozenset({"is_oa", "is_retracted"}),
    unique_cols=("doi", "arxiv_id"),
    defaults={
        "cited_by_count": 0,
        "pub_sort": 0,
        "type": "OTHER",
        "author_count": 0,
        "referenced_works_count": 0,
        "is_retracted": False,
    },
    updated_at=True,
    version_col="source_updated",
)
ARXIV_WORK = replace(WORK, key="arxiv_id", unique_cols=("doi",), version_col=None)
OPENALEX_TOPIC = Table(
    "topic", key="external_id", defaults={"works_count": 0}, fixed=(("scheme", "OPENALEX"),)
)
ARXIV_TOPIC = Table(
    "topic", key="external_id", defaults={"works_count": 0}, fixed=(("scheme", "ARXIV"),)
)


@dataclass
class Upserted:
    ids: dict[Any, int]
    created: int = 0
    updated: int = 0
    #: keys whose stored row is a newer version than the record (left as stored)
    stale: set[Any] = field(default_factory=set)
    #: keys of the rows created or updated
    changed: set[Any] = field(default_factory=set)


async def _drop_taken_unique_values(
    sql: Sql, table: Table, rows: dict[Any, dict[str, Any]]
) -> None:
    """A secondary unique value (ORCID, ROR, DOI) already owned by another row is not written."""
    for col in table.unique_cols:
        wanted = [r[col] for r in rows.values() if r.get(col) is not None]
        owners = await sql.select_in(
            f"SELECT {table.key} AS k, {col} AS v FROM {table.name} WHERE {{clause}}", col, wanted
        )
        owner: dict[Any, Any] = {o["v"]: o["k"] for o in owners}
        for key, row in rows.items():
            value = row.get(col)
            if value is None:
                continue
            if owner.setdefault(value, key) != key:
                row[col] = None


async def upsert(
    sql: Sql, table: Table, rows: dict[Any, dict[str, Any]], *, fill_only: bool = False
) -> Upserted:
    """Insert rows whose key is new; update existing ones where a non-null value differs.

    `fill_only` (for the "dehydrated" copies of an entity nested inside another record) only
    sets columns that are still NULL, so a full record always wins over a nested copy."""
    if not rows:
        return Upserted({})
    await _drop_taken_unique_values(sql, table, rows)
    cols = sorted({c for row in rows.values() for c in row} - {table.key})
    where, params = sql.fixed_where(table)
    existing = await sql.select_in(
        f"SELECT id, {table.key} AS k, {', '.join(cols)} FROM {table.name} WHERE {where}{{clause}}",
        table.key,
        rows,
        params,
    )
    by_key = {e["k"]: e for e in existing}
    result = Upserted({k: e["id"] for k, e in by_key.items()})
    new_keys: list[Any] = []
    updates: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    for key, row in rows.items():
        old = by_key.get(key)
        if old is None:
            new_keys.append(key)
            continue
        newer = False
        if table.version_col and not fill_only:
            mine, theirs = row.get(table.version_col), old.get(table.version_col)
            if mine is not None and theirs is not None and mine < theirs:
                result.stale.add(key)  # an older version of the record: the stored one stays
                continue
            newer = mine is not None and theirs is not None and mine > theirs
        changes: dict[str, Any] = {}
        for col in cols if newer else row:
            value = row.get(col)
            current = sql.normalize(table, col, old[col])
            if value is None and newer and col not in table.unique_cols:
                value = table.defaults.get(col)  # a newer version that dropped the value
                if value is None and current is not None:
                    changes[col] = None
                    continue
            if value is None or (fill_only and current is not None) or current == value:
                continue
            changes[col] = value
        if changes:
            shape = tuple(sorted(changes))
            updates[shape].append([sql.adapt(table, c, changes[c]) for c in shape] + [old["id"]])
            result.updated += 1
            result.changed.add(key)
    for shape, values in updates.items():
        sets = [f"{c} = {sql.ph(i + 1)}" for i, c in enumerate(shape)]
        if table.updated_at:
            sets.append(f"updated_at = {sql.ph(len(shape) + 1)}")
            now = sql.now()
            values = [[*v[:-1], now, v[-1]] for v in values]
        sql_text = f"UPDATE {table.name} SET {', '.join(sets)} WHERE id = {sql.ph(len(sets) + 1)}"
        await sql.execute_many(sql_text, values)
    if new_keys:
        fixed_cols = [c for c, _ in table.fixed]
        insert_cols = [table.key, *fixed_cols, *sorted(set(cols) | set(table.defaults))]
        now = sql.now()
        values = []
        for key in new_keys:
            row = rows[key]
            value_row = [key, *(v for _, v in table.fixed)]
            for col in insert_cols[1 + len(fixed_cols) :]:
                value = row.get(col)
                value_row.append(
                    sql.adapt(table, col, table.defaults.get(col) if value is None else value)
                )
            values.append([*value_row, now] if table.updated_at else value_row)
        all_cols = [*insert_cols, "updated_at"] if table.updated_at else insert_cols
        await sql.insert_rows(table.name, all_cols, values, table.json_cols)
        result.ids.update(await sql.ids_by_key(table, new_keys))
        result.created = len(new_keys)
        result.changed.update(new_keys)
    return result
