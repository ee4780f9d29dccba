"""Ranked search over author names, work titles and abstracts, topics and institutions.

Names and titles (`NAME`, `TITLE`) match on the normalized text (`models.text.name_key`) as
autocomplete does: an exact match ranks above a prefix match, which ranks above a match at the
start of a later word; ties go to the entity with more works (or citations), then the lower id.
Abstracts (`ABSTRACT`, asked for explicitly) match every word, the last one as a prefix, and rank
by text relevance below any name or title match.

Both backends answer from an index (migration 0005_search): trigram GIN indexes and a full-text
GIN index on PostgreSQL, FTS5 tables on SQLite, and b-tree indexes for whole-key prefixes.
One or two statements per kind and field asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.text import name_key
from resolvers.authors import AUTHOR_COLUMNS
from resolvers.sql import Row, fetch, is_postgres
from resolvers.works import WORK_COLUMNS


class NodeKind(StrEnum):
    """The kinds of object `search` finds (the GraphQL enum NodeKind is this one)."""

    AUTHOR = "AUTHOR"
    WORK = "WORK"
    TOPIC = "TOPIC"
    INSTITUTION = "INSTITUTION"


class SearchField(StrEnum):
    NAME = "NAME"
    TITLE = "TITLE"
    ABSTRACT = "ABSTRACT"


#: what `search` matches when the caller does not say
DEFAULT_FIELDS = (SearchField.NAME, SearchField.TITLE)


@dataclass(frozen=True, slots=True)
class Hit:
    kind: NodeKind
    row: Row
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class _Source:
    columns: str
    table: str
    alias: str
    key: str
    label: str
    popularity: str


#: (kind, field) → where a name or title match reads; a kind has one such field
_KEYED: dict[tuple[NodeKind, SearchField], _Source] = {
    (NodeKind.AUTHOR, SearchField.NAME): _Source(
        AUTHOR_COLUMNS, "author", "a", "name_key", "display_name", "works_count"
    ),
    (NodeKind.WORK, SearchField.TITLE): _Source(
        WORK_COLUMNS, "work", "w", "title_key", "title", "cited_by_count"
    ),
    (NodeKind.TOPIC, SearchField.NAME): _Source(
        "t.*", "topic", "t", "name_key", "display_name", "works_count"
    ),
    (NodeKind.INSTITUTION, SearchField.NAME): _Source(
        "i.*", "institution", "i", "name_key", "display_name", "works_count"
    ),
}


def _select(s: _Source, rank: str) -> str:
    return (
        f"SELECT {s.columns}, {rank} AS _rank, {s.alias}.{s.popularity} AS _pop"
        f" FROM {s.table} {s.alias}"
    )


def _order(s: _Source) -> str:
    return f" ORDER BY _rank DESC, {s.alias}.{s.popularity} DESC, {s.alias}.id LIMIT ?"


async def _keyed(kind: NodeKind, s: _Source, key: str, first: int) -> list[Hit]:
    """Whole-key matches (exact, then prefix) from a b-tree range; word-start matches only when
    those leave room, since they rank below: most prefixes never need the second statement."""
    column = f"{s.alias}.{s.key}"
    postgres = is_postgres()
    # PostgreSQL answers LIKE 'term%' from a text_pattern_ops index; SQLite's LIKE ignores case
    # and so cannot use an index: a range over the key (only [a-z0-9 ]; '~' sorts after them)
    prefix = f"{column} LIKE ?" if postgres else f"{column} >= ? AND {column} < ?"
    prefix_params: list[object] = [key + "%"] if postgres else [key, key + "~"]
    rank = f"CASE WHEN {column} = ? THEN 3 ELSE 2 END"
    rows = await fetch(
        f"{_select(s, rank)} WHERE {prefix}{_order(s)}", [key, *prefix_params, first]
    )
    if len(rows) < first:
        later = f"{column} LIKE ? AND NOT ({prefix})"
        params: list[object] = ["% " + key + "%", *prefix_params, first - len(rows)]
        if postgres:  # the trigram index answers the word-start pattern
            sql = f"{_select(s, '1')} WHERE {later}{_order(s)}"
        else:  # FTS5 finds the candidates; LIKE keeps PostgreSQL's exact rule
            fts = f"{s.table}_fts"
            sql = (
                f"{_select(s, '1')} JOIN {fts} ON {fts}.rowid = {s.alias}.id"
                f" WHERE {fts} MATCH ? AND {later}{_order(s)}"
            )
            params.insert(0, f'{s.key} : "{key}"*')  # key is [a-z0-9 ] only: a safe phrase
        rows += await fetch(sql, params)
    return [
        Hit(
            kind,
            row,
            str(row[s.label]),
            round(row["_rank"] + min(int(row["_pop"] or 0), 10_000) / 10_001, 4),
        )
        for row in rows
    ]


async def _abstracts(key: str, first: int) -> list[Hit]:
    words = key.split()
    if is_postgres():
        query = " & ".join([*words[:-1], words[-1] + ":*"])
        sql = (  # abstract_tsv: a stored, indexed column (migration 0005_search)
            f"SELECT {WORK_COLUMNS}, ts_rank(w.abstract_tsv, q) AS _rel FROM work w,"
            " to_tsquery('simple', ?) q WHERE w.abstract_tsv @@ q"
            " ORDER BY _rel DESC, w.cited_by_count DESC, w.id LIMIT ?"
        )
    else:
        query = "abstract : (" + " AND ".join([*words[:-1], words[-1] + "*"]) + ")"
        sql = (
            f"SELECT {WORK_COLUMNS}, -bm25(work_fts) AS _rel FROM work w"
            " JOIN work_fts ON work_fts.rowid = w.id WHERE work_fts MATCH ?"
            " ORDER BY _rel DESC, w.cited_by_count DESC, w.id LIMIT ?"
        )
    rows = await fetch(sql, [query, first])
    # relevance r > 0 maps into (0, 1): below every name or title match, which scores >= 1
    return [
        Hit(NodeKind.WORK, row, str(row["title"]), round(max(r, 0.0) / (1 + max(r, 0.0)), 4))
        for row in rows
        for r in [float(row["_rel"] or 0.0)]
    ]


async def search_rows(
    text: str, kinds: list[NodeKind], first: int, fields: tuple[SearchField, ...] = DEFAULT_FIELDS
) -> list[Hit]:
    key = name_key(text)
    if not key:
        return []
    best: dict[tuple[NodeKind, int], Hit] = {}
    for kind in kinds:
        found: list[Hit] = []
        for field in fields:
            source = _KEYED.get((kind, field))
            if source is not None:
                found += await _keyed(kind, source, key, first)
            elif kind is NodeKind.WORK and field is SearchField.ABSTRACT:
                found += await _abstracts(key, first)
        for hit in found:  # a work found by title and by abstract keeps its best score
            seen = best.get((kind, hit.row["id"]))
            if seen is None or hit.score > seen.score:
                best[(kind, hit.row["id"])] = hit
    hits = sorted(best.values(), key=lambda h: h.score, reverse=True)
    return hits[:first]
