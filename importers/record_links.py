"""Writing what importers/record_fields.py parses into link tables: a work's grants
(`work_grant`) and an institution's lineage and associated institutions (`institution_link`).

Like the other links, each owner's list is compared with what is stored and rewritten only when
it differs, so a second run of the same file writes nothing.
"""

from __future__ import annotations

from collections import defaultdict

from importers.common import ImportSummary
from importers.sql import Sql

Grant = tuple[int, str | None]  # (funder id, award id)
Link = tuple[str, int, str]  # (kind, position, OpenAlex id)


async def replace_grants(sql: Sql, wanted: dict[int, list[Grant]], summary: ImportSummary) -> None:
    """Make each work's grants exactly `wanted` (work id → [(funder id, award id)], in order)."""
    stored = await sql.select_in(
        "SELECT work_id, funder_id, award_id FROM work_grant WHERE {clause} ORDER BY position",
        "work_id",
        wanted,
    )
    current: dict[int, list[Grant]] = defaultdict(list)
    for r in stored:
        current[r["work_id"]].append((r["funder_id"], r["award_id"]))
    changed = [w for w, grants in wanted.items() if current[w] != grants]
    if not changed:
        return
    await sql.delete_in("work_grant", "work_id", changed)
    rows: list[list[object]] = [
        [w, position, funder, award]
        for w in changed
        for position, (funder, award) in enumerate(wanted[w])
    ]
    await sql.insert_rows("work_grant", ["work_id", "position", "funder_id", "award_id"], rows)
    summary.created["grants"] += len(rows)


async def replace_institution_links(
    sql: Sql, wanted: dict[int, list[Link]], arrived: dict[str, int], summary: ImportSummary
) -> None:
    """Make each institution's lineage and associated institutions exactly `wanted`
    (institution id → links); `arrived` (OpenAlex id → id) links rows that named them before."""
    stored = await sql.select_in(
        "SELECT institution_id, kind, position, other_key FROM institution_link"
        " WHERE {clause} ORDER BY kind, position",
        "institution_id",
        wanted,
    )
    current: dict[int, list[Link]] = defaultdict(list)
    for r in stored:
        current[r["institution_id"]].append((r["kind"], r["position"], r["other_key"]))
    changed = [i for i, links in wanted.items() if sorted(current[i]) != sorted(links)]
    if changed:
        await sql.delete_in("institution_link", "institution_id", changed)
        keys = {key for i in changed for _, _, key in wanted[i]}
        known = {
            r["openalex_id"]: r["id"]
            for r in await sql.select_in(
                "SELECT id, openalex_id FROM institution WHERE {clause}", "openalex_id", keys
            )
        }
        rows: list[list[object]] = [
            [i, kind, position, key, known.get(key)]
            for i in changed
            for kind, position, key in wanted[i]
        ]
        await sql.insert_rows(
            "institution_link",
            ["institution_id", "kind", "position", "other_key", "other_id"],
            rows,
        )
        summary.created["institution links"] += len(rows)
    unlinked = await sql.select_in(
        "SELECT id, other_key FROM institution_link WHERE other_id IS NULL AND {clause}",
        "other_key",
        arrived,
    )
    await sql.execute_many(
        f"UPDATE institution_link SET other_id = {sql.ph(1)} WHERE id = {sql.ph(2)}",
        [[arrived[r["other_key"]], r["id"]] for r in unlinked],
    )
