"""What an import changed, as graph-slice entities: the works whose row, topics or references
changed, the authors whose records, authorships or aggregates changed, and every entity one link
away from such a work (its authors, topics, institutions, the works it cites, cites it or is
related to): a new link changes both ends' neighbourhoods (and `hiddenNeighbors`), so a slice
that shows either end is stale (workers/freshness.py).

A link removed by the import is not followed (its far end is no longer linked when this runs);
that end's slices are refreshed by their TTL.
"""

from __future__ import annotations

from collections.abc import Collection

from tortoise import connections

import settings
from importers.sql import Sql

#: (kind of the far end, statement with `{clause}` on the column of the changed works' ids)
_WORK_LINKS: tuple[tuple[str, str, str], ...] = (
    (
        "Author",
        "SELECT author_id AS x FROM authorship WHERE author_id IS NOT NULL AND {clause}",
        "work_id",
    ),
    ("Topic", "SELECT topic_id AS x FROM work_topic WHERE {clause}", "work_id"),
    (
        "Institution",
        "SELECT ai.institution_id AS x FROM authorship_institution ai"
        " JOIN authorship a ON a.id = ai.authorship_id WHERE {clause}",
        "a.work_id",
    ),
    (
        "Work",
        "SELECT cited_id AS x FROM citation WHERE cited_id IS NOT NULL AND {clause}",
        "citing_id",
    ),
    ("Work", "SELECT citing_id AS x FROM citation WHERE {clause}", "cited_id"),
    (
        "Work",
        "SELECT related_id AS x FROM related_work WHERE related_id IS NOT NULL AND {clause}",
        "work_id",
    ),
    ("Work", "SELECT work_id AS x FROM related_work WHERE {clause}", "related_id"),
)
_AUTHOR_LINKS: tuple[tuple[str, str, str], ...] = (
    (
        "Institution",
        "SELECT institution_id AS x FROM author_affiliation WHERE {clause}",
        "author_id",
    ),
)


async def changed_entities(
    authors: Collection[int], works: Collection[int]
) -> set[tuple[str, int]] | None:
    """The entities whose slices the import made stale; None when they are more than
    `PEERGRAPH_SLICE_FINE_MAX_ENTITIES` (then every slice is, by a data-version bump)."""
    limit = settings.SLICE_FINE_MAX_ENTITIES
    if len(authors) + len(works) > limit:
        return None
    found: set[tuple[str, int]] = {("Author", a) for a in authors} | {("Work", w) for w in works}
    sql = Sql(connections.get("default"))
    for ids, links in ((works, _WORK_LINKS), (authors, _AUTHOR_LINKS)):
        for kind, statement, column in links:
            rows = await sql.select_in(statement, column, sorted(ids))
            found.update((kind, int(r["x"])) for r in rows)
            if len(found) > limit:
                return None
    return found
