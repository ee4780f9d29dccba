"""OpenAlex `related_works` of a batch of works (table `related_work`, the explorer's RELATED
edges), kept by OpenAlex id like citations: a related work already imported is linked at once,
one imported later is linked when it arrives (`link_arrivals`)."""

from __future__ import annotations

from collections import defaultdict

from importers.common import ImportSummary
from importers.sql import Sql


async def replace_related(
    sql: Sql, wanted: dict[int, set[str]], arrived: dict[str, int], summary: ImportSummary
) -> None:
    """Make each work's related works exactly `wanted` (work id → OpenAlex ids); `arrived` is the
    batch's works (OpenAlex id → work id), linked wherever earlier works named them."""
    stored = await sql.select_in(
        "SELECT id, work_id, related_key FROM related_work WHERE {clause}", "work_id", wanted
    )
    current: dict[int, dict[str, int]] = defaultdict(dict)
    for r in stored:
        current[r["work_id"]][r["related_key"]] = r["id"]
    gone = [i for w, keys in wanted.items() for k, i in current[w].items() if k not in keys]
    new = [(w, k) for w, keys in wanted.items() for k in sorted(keys) if k not in current[w]]
    await sql.delete_in("related_work", "id", gone)
    await _link_arrivals(sql, arrived)
    if not new:
        return
    known = {
        r["openalex_id"]: r["id"]
        for r in await sql.select_in(
            "SELECT id, openalex_id FROM work WHERE {clause}", "openalex_id", {k for _, k in new}
        )
    }
    rows: list[list[object]] = [[w, k, known.get(k)] for w, k in new]
    await sql.insert_rows("related_work", ["work_id", "related_key", "related_id"], rows)
    summary.created["related works"] += len(rows)


async def _link_arrivals(sql: Sql, arrived: dict[str, int]) -> None:
    """Link rows that named one of these works before it was imported."""
    rows = await sql.select_in(
        "SELECT id, related_key FROM related_work WHERE related_id IS NULL AND {clause}",
        "related_key",
        arrived,
    )
    await sql.execute_many(
        f"UPDATE related_work SET related_id = {sql.ph(1)} WHERE id = {sql.ph(2)}",
        [[arrived[r["related_key"]], r["id"]] for r in rows],
    )
