"""The data access behind the compiled plans of trusted documents (server/compiled.py): the one
statement that fetches an author and every list a document's selection needs, and the shapes
the compiled builder reads. PostgreSQL only (json aggregation); the plans stand aside on SQLite.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson

from models.enums import ClaimStatus, WorkType
from resolvers import authors as data
from resolvers.sql import Row, prepare

WORK_TYPES = frozenset(WorkType)


@dataclass
class Needs:
    """What the statement must fetch and what the viewer checks must compute."""

    affiliation: bool = False
    topics: int | None = None
    collaborators: tuple[int, bool] | None = None
    collaborators_total: bool = False
    works: int | None = None
    following: bool = False
    can_claim: bool = False


def statement(needs: Needs) -> str:
    """One statement for the author and every list the selection needs; `?` placeholders in
    the author id is its one parameter. The page sizes are constants of the document, written
    into the statement: with parameters for them, PostgreSQL re-planned the prepared statement on
    every execution (a custom plan, 3 ms of planning) instead of settling on a generic plan."""
    parts = [data.AUTHOR_COLUMNS]
    if needs.affiliation:
        parts.append(
            "(SELECT json_build_array(i.id, i.display_name) FROM author_affiliation x"
            " JOIN institution i ON i.id = x.institution_id WHERE x.author_id = a.id"
            " ORDER BY COALESCE(x.last_year, 0) DESC, i.id LIMIT 1) AS _aff"
        )
    if needs.topics is not None:
        parts.append(
            "(SELECT json_agg(json_build_array(q.id, q.display_name, q.work_count)"
            " ORDER BY q.work_count DESC, q.id) FROM (SELECT t.id, t.display_name, x.work_count"
            " FROM author_topic x JOIN topic t ON t.id = x.topic_id WHERE x.author_id = a.id"
            f" ORDER BY x.work_count DESC, t.id LIMIT {int(needs.topics)}) q) AS _topics"
        )
    if needs.collaborators is not None:
        first, close_only = needs.collaborators
        order = "c.shared_works DESC, COALESCE(c.last_year, 0) DESC, c.coauthor_id DESC"
        minimum = int(data.CLOSE_COLLABORATOR_MIN_SHARED)
        close = f" AND c.shared_works >= {minimum}" if close_only else ""
        parts.append(
            "(SELECT json_agg(json_build_array(c.coauthor_id, b.display_name, c.shared_works,"
            f" c.first_year, c.last_year) ORDER BY {order}) FROM (SELECT c.coauthor_id,"
            " c.shared_works, c.first_year, c.last_year FROM collaboration c"
            f" WHERE c.author_id = a.id{close} ORDER BY {order} LIMIT {int(first)}) c"
            " JOIN author b ON b.id = c.coauthor_id) AS _collabs"
        )
        if not close_only:
            parts.append(
                "(SELECT COUNT(*) FROM collaboration x WHERE x.author_id = a.id) AS _collab_total"
            )
    if needs.works is not None:
        parts.append(
            "(SELECT json_agg(json_build_array(w.id, w.title, w.abstract, w.type,"
            " w.publication_year, w.doi, w.arxiv_id, w.cited_by_count, s.display_name)"
            " ORDER BY w.pub_sort DESC, w.id DESC) FROM (SELECT w.id, w.title, w.abstract,"
            " w.type, w.publication_year, w.doi, w.arxiv_id, w.cited_by_count, w.pub_sort,"
            " w.source_id FROM authorship x JOIN work w ON w.id = x.work_id"
            " WHERE x.author_id = a.id ORDER BY w.pub_sort DESC, w.id DESC"
            f" LIMIT {int(needs.works)}) w"
            " LEFT JOIN source s ON s.id = w.source_id) AS _works"
        )
    return f"SELECT {', '.join(parts)} FROM author a WHERE a.id = ?"


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def shape(row: Row, needs: Needs) -> Row | None:
    """The row with its decoded sub-lists in the shapes the getters read; None when a value
    is one the schema would not serialise (the general executor then reports it)."""
    row["_counts"] = row
    status = row["claim_status"]
    row["_claim"] = {"status": status if status in CLAIM_STATUSES else "UNCLAIMED"}
    if needs.affiliation:
        aff = _json(row["_aff"])
        row["_affiliation"] = (
            {"status": "KNOWN", "institution": {"id": aff[0], "display_name": aff[1]}}
            if aff
            else {"status": "NOT_IMPORTED", "institution": None}
        )
        components = data.trust_components(row, affiliation_known=bool(aff))
        level = data.verification_level(row)
        row["_trust"] = {
            "score": sum(c.points for c in components),
            "label": data.trust_label(level),
            "verification_level": f"L{level}",
            "claimed": level >= 2,
            "components": [
                {"name": c.name, "points": c.points, "max_points": c.max_points, "detail": c.detail}
                for c in components
            ],
        }
    if needs.topics is not None:
        works = max(int(row["works_count"]), 1)
        row["_topics"] = [
            {"topic": {"id": tid, "name": name}, "work_count": n, "share": n / works}
            for tid, name, n in _json(row["_topics"]) or []
        ]
    if needs.collaborators is not None:
        close_only = needs.collaborators[1]
        total = row["close_collaborators_count"] if close_only else row["_collab_total"]
        row["_collaborators"] = {
            "total": int(total),
            "edges": [
                {
                    "node": {
                        "shared_works": shared,
                        "first_year": first_year,
                        "last_year": last_year,
                        "is_close": shared >= data.CLOSE_COLLABORATOR_MIN_SHARED,
                        "author": {"id": cid, "name": name},
                    }
                }
                for cid, name, shared, first_year, last_year in _json(row["_collabs"]) or []
            ],
        }
    if needs.works is not None:
        edges = []
        for wid, title, abstract, kind, year, doi, arxiv, cited, venue in (
            _json(row["_works"]) or []
        ):
            if kind not in WORK_TYPES:
                return None
            node = {
                "id": wid,
                "title": str(title),
                "abstract": abstract,
                "type": kind,
                "publication_year": year,
                "doi": doi,
                "arxiv_id": arxiv,
                "cited_by_count": cited,
                "venue": None if venue is None else {"display_name": venue},
            }
            edges.append({"node": node})
        row["_works"] = {"total": int(row["works_count"]), "edges": edges}
    return row


#: An author's claim state as the API shows it: a rejected claim leaves the author unclaimed.
CLAIM_STATUSES = frozenset(ClaimStatus) - {ClaimStatus.REJECTED}


async def fetch_row(sql: str, key: int) -> Row | None:
    """The one row, on a connection of Tortoise's pool (straight to asyncpg's fetchrow:
    Tortoise's query wrapper turned every row into a dict and logged it, 4% of a request)."""
    from tortoise import connections

    async with connections.get("default").acquire_connection() as connection:
        if _db_log.isEnabledFor(logging.DEBUG):
            # the statement shows in Tortoise's query log like every other (tests count them)
            _db_log.debug("%s: %s", sql, [key])
        record = await connection.fetchrow(prepare(sql), key)
    return dict(record) if record is not None else None


_db_log = logging.getLogger("tortoise.db_client")
