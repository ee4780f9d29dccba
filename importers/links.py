"""A batch of works' links: ordered authorships with institutions, topics, citations, affiliations.

Links are compared per work with what is stored; only works whose links differ are rewritten.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from importers.common import ImportSummary
from importers.sql import Sql, Table

_AFFILIATION = Table("author_affiliation", key="id", json_cols=frozenset({"years"}))


@dataclass(frozen=True)
class AuthorshipRow:
    position: int
    author_id: int | None
    raw_name: str
    is_corresponding: bool
    institution_ids: tuple[int, ...] = ()


async def replace_authorships(
    sql: Sql, wanted: dict[int, list[AuthorshipRow]], summary: ImportSummary
) -> set[int]:
    """Rewrite the authorships of works whose list changed; returns the authors they lost or
    gained (whose aggregates change)."""
    stored = await sql.select_in(
        "SELECT id, work_id, position, author_id, raw_name, is_corresponding"
        " FROM authorship WHERE {clause}",
        "work_id",
        wanted,
    )
    links = await sql.select_in(
        "SELECT ai.authorship_id, ai.institution_id FROM authorship_institution ai"
        " JOIN authorship a ON a.id = ai.authorship_id WHERE {clause}",
        "a.work_id",
        wanted,
    )
    inst: dict[int, list[int]] = defaultdict(list)
    for link in links:
        inst[link["authorship_id"]].append(link["institution_id"])
    current: dict[int, list[AuthorshipRow]] = defaultdict(list)
    for r in stored:
        current[r["work_id"]].append(
            AuthorshipRow(
                r["position"],
                r["author_id"],
                r["raw_name"],
                bool(r["is_corresponding"]),
                tuple(sorted(inst[r["id"]])),
            )
        )
    changed = [w for w, rows in wanted.items() if sorted(current[w], key=_pos) != rows]
    if not changed:
        return set()
    lost = {r.author_id for w in changed for r in current[w] if r.author_id is not None}
    lost |= {r.author_id for w in changed for r in wanted[w] if r.author_id is not None}
    old_ids = [r["id"] for r in stored if r["work_id"] in set(changed)]
    await sql.delete_in("authorship_institution", "authorship_id", old_ids)
    await sql.delete_in("authorship", "work_id", changed)
    await sql.insert_rows(
        "authorship",
        ["work_id", "position", "author_id", "raw_name", "is_corresponding"],
        [
            [w, a.position, a.author_id, a.raw_name[:512], a.is_corresponding]
            for w in changed
            for a in wanted[w]
        ],
    )
    summary.created["authorships"] += sum(len(wanted[w]) for w in changed)
    if any(a.institution_ids for w in changed for a in wanted[w]):
        new = await sql.select_in(
            "SELECT id, work_id, position FROM authorship WHERE {clause}", "work_id", changed
        )
        ids = {(r["work_id"], r["position"]): r["id"] for r in new}
        await sql.insert_rows(
            "authorship_institution",
            ["authorship_id", "institution_id"],
            [
                [ids[(w, a.position)], i]
                for w in changed
                for a in wanted[w]
                for i in a.institution_ids
            ],
        )
    return lost


def _pos(row: AuthorshipRow) -> int:
    return row.position


async def replace_work_topics(
    sql: Sql, wanted: dict[int, dict[int, tuple[float, bool]]], summary: ImportSummary
) -> set[int]:
    """Rewrite the topics of works whose topics changed; returns those works."""
    stored = await sql.select_in(
        "SELECT work_id, topic_id, score, is_primary FROM work_topic WHERE {clause}",
        "work_id",
        wanted,
    )
    current: dict[int, dict[int, tuple[float, bool]]] = defaultdict(dict)
    for r in stored:
        current[r["work_id"]][r["topic_id"]] = (float(r["score"]), bool(r["is_primary"]))
    changed = [w for w, topics in wanted.items() if current[w] != topics]
    if not changed:
        return set()
    await sql.delete_in("work_topic", "work_id", changed)
    rows = [[w, t, s, p] for w in changed for t, (s, p) in wanted[w].items()]
    await sql.insert_rows("work_topic", ["work_id", "topic_id", "score", "is_primary"], rows)
    summary.created["work topics"] += len(rows)
    return set(changed)


async def replace_citations(
    sql: Sql, wanted: dict[int, set[str]], summary: ImportSummary
) -> set[int]:
    """Citations by OpenAlex key; the cited work is linked now if present, later otherwise.
    Returns the citing works whose references changed."""
    stored = await sql.select_in(
        "SELECT id, citing_id, cited_key FROM citation WHERE {clause}", "citing_id", wanted
    )
    current: dict[int, dict[str, int]] = defaultdict(dict)
    for r in stored:
        current[r["citing_id"]][r["cited_key"]] = r["id"]
    gone = [i for w, keys in wanted.items() for k, i in current[w].items() if k not in keys]
    new = [[w, k, k] for w, keys in wanted.items() for k in sorted(keys) if k not in current[w]]
    await sql.delete_in("citation", "id", gone)
    changed: set[int] = {w for w, keys in wanted.items() if set(current[w]) - keys}
    changed |= {w for w, keys in wanted.items() if keys - set(current[w])}
    if not new:
        return changed
    if sql.pg:
        # staged by COPY, then linked to the cited works in one statement
        await sql.execute(
            "CREATE TEMP TABLE IF NOT EXISTS tmp_citation_stage (n integer, citing integer, k text)"
            " ON COMMIT DELETE ROWS"
        )
        await sql.copy(
            "tmp_citation_stage", ("n", "citing", "k"), [[n, *r[:2]] for n, r in enumerate(new)]
        )
        async with sql.bulk("citation", len(new)):
            await sql.execute(
                "INSERT INTO citation (citing_id, cited_key, cited_id)"
                " SELECT u.citing, u.k, w.id FROM tmp_citation_stage u"
                " LEFT JOIN work w ON w.openalex_id = u.k ORDER BY u.n"
            )
        await sql.execute("TRUNCATE tmp_citation_stage")
    else:
        await sql.execute_many(
            "INSERT INTO citation (citing_id, cited_key, cited_id)"
            " VALUES (?, ?, (SELECT id FROM work WHERE openalex_id = ?))",
            new,
        )
    summary.created["citations"] += len(new)
    return changed


async def merge_affiliations(
    sql: Sql, wanted: dict[tuple[int, int], set[int]], summary: ImportSummary
) -> None:
    """Add (author, institution) affiliations and union their years with what is stored."""
    if not wanted:
        return
    stored = await sql.select_in(
        "SELECT id, author_id, institution_id, years FROM author_affiliation WHERE {clause}",
        "author_id",
        {a for a, _ in wanted},
    )
    current = {(r["author_id"], r["institution_id"]): r for r in stored}
    inserts: list[list[object]] = []
    updates: list[list[object]] = []
    for pair, years in wanted.items():
        old = current.get(pair)
        old_years = set(sql.normalize(_AFFILIATION, "years", old["years"])) if old else set()
        merged = sorted(old_years | years)
        first, last = (merged[0], merged[-1]) if merged else (None, None)
        value = sql.adapt(_AFFILIATION, "years", merged)
        if old is None:
            inserts.append([pair[0], pair[1], value, first, last])
        elif merged != sorted(old_years):
            updates.append([value, first, last, old["id"]])
    await sql.insert_rows(
        "author_affiliation",
        ["author_id", "institution_id", "years", "first_year", "last_year"],
        inserts,
        _AFFILIATION.json_cols,
    )
    await sql.execute_many(
        f"UPDATE author_affiliation SET years = {sql.ph(1)}, first_year = {sql.ph(2)},"
        f" last_year = {sql.ph(3)} WHERE id = {sql.ph(4)}",
        updates,
    )
    summary.created["affiliations"] += len(inserts)
    if updates:
        summary.updated["affiliations"] += len(updates)
