"""Ranked autocomplete over author names, work titles, topics and institutions.

Matching is on the normalized text (`models.text.name_key`): an exact match ranks above a
prefix match, which ranks above a match at the start of a later word; ties go to the entity
with more works (or citations). One statement per kind asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.text import name_key
from resolvers.authors import AUTHOR_COLUMNS
from resolvers.sql import Row, fetch
from resolvers.works import WORK_COLUMNS


class SearchKind(StrEnum):
    AUTHOR = "AUTHOR"
    WORK = "WORK"
    TOPIC = "TOPIC"
    INSTITUTION = "INSTITUTION"


@dataclass(frozen=True, slots=True)
class Hit:
    kind: SearchKind
    row: Row
    label: str
    score: float


#: kind → (columns, table, text column, label column, popularity column)
_SOURCES: dict[SearchKind, tuple[str, str, str, str, str]] = {
    SearchKind.AUTHOR: (AUTHOR_COLUMNS, "author a", "a.name_key", "display_name", "a.works_count"),
    SearchKind.WORK: (WORK_COLUMNS, "work w", "w.title_key", "title", "w.cited_by_count"),
    SearchKind.TOPIC: ("t.*", "topic t", "t.name_key", "display_name", "t.works_count"),
    SearchKind.INSTITUTION: ("i.*", "institution i", "i.name_key", "display_name", "i.works_count"),
}


def _escape(text: str) -> str:
    return text.replace("\\", "").replace("%", "").replace("_", " ")


async def search_rows(text: str, kinds: list[SearchKind], first: int) -> list[Hit]:
    key = name_key(text)
    if not key:
        return []
    term = _escape(key)
    hits: list[Hit] = []
    for kind in kinds:
        columns, table, column, label, popularity = _SOURCES[kind]
        rows = await fetch(
            f"SELECT {columns}, CASE WHEN {column} = ? THEN 3 WHEN {column} LIKE ? THEN 2"
            f" ELSE 1 END AS _rank, {popularity} AS _pop FROM {table}"
            f" WHERE {column} LIKE ? OR {column} LIKE ?"
            f" ORDER BY _rank DESC, {popularity} DESC LIMIT ?",
            [term, term + "%", term + "%", "% " + term + "%", first],
        )
        for row in rows:
            pop = int(row["_pop"] or 0)
            score = float(row["_rank"]) + min(pop, 10_000) / 10_001
            hits.append(Hit(kind, row, str(row[label]), round(score, 4)))
    hits.sort(key=lambda h: h.score, reverse=True)
    return hits[:first]
