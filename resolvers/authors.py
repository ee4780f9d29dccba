"""Authors: lists, collaborators (from the aggregate table), topics, affiliations, and the
trust snapshot rule from DESIGN.md."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from models.text import name_key
from resolvers.errors import BadUserInput
from resolvers.ids import Ref, match_id, ref_of
from resolvers.pagination import Page, PageArgs, build_page, page_args
from resolvers.sql import Row, fetch, fetch_one, group_by, in_list

AUTHOR_COLUMNS = (
    "a.id, a.display_name, a.name_key, a.alternative_names, a.description, a.orcid, "
    "a.openalex_id, a.arxiv_key, a.open_to_collaborate, a.claim_status, a.works_count, "
    "a.cited_by_count, a.h_index, a.i10_index, a.followers_count, a.topics_count, "
    "a.close_collaborators_count, a.has_persistent_work, a.counts_by_year"
)
CLOSE_COLLABORATOR_MIN_SHARED = 2


def json_value(value: Any) -> Any:
    """JSON columns come back as text on SQLite and on asyncpg's jsonb; decode them once."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


class AuthorOrderKey(StrEnum):
    WORKS_COUNT_DESC = "WORKS_COUNT_DESC"
    CITED_BY_COUNT_DESC = "CITED_BY_COUNT_DESC"
    DISPLAY_NAME_ASC = "DISPLAY_NAME_ASC"


_ORDERS: dict[AuthorOrderKey, tuple[str, bool]] = {
    AuthorOrderKey.WORKS_COUNT_DESC: ("works_count", True),
    AuthorOrderKey.CITED_BY_COUNT_DESC: ("cited_by_count", True),
    AuthorOrderKey.DISPLAY_NAME_ASC: ("name_key", False),
}


@dataclass(frozen=True, slots=True)
class AuthorQuery:
    institution_id: Ref | None = None
    topic_id: Ref | None = None
    open_to_collaborate: bool | None = None
    claimed: bool | None = None
    name_prefix: str | None = None

    def where(self, a: str = "a") -> tuple[list[str], list[Any]]:
        """The conditions on the author alias `a` (the planner passes its own)."""
        x = f"{a}x"
        clauses: list[str] = []
        params: list[Any] = []
        if self.institution_id is not None:
            cond, param = match_id(self.institution_id, f"{x}.institution_id")
            clauses.append(
                f"EXISTS (SELECT 1 FROM author_affiliation {x}"
                f" WHERE {x}.author_id = {a}.id AND {cond})"
            )
            params.append(param)
        if self.topic_id is not None:
            cond, param = match_id(self.topic_id, f"{x}.topic_id")
            clauses.append(
                f"EXISTS (SELECT 1 FROM author_topic {x} WHERE {x}.author_id = {a}.id AND {cond})"
            )
            params.append(param)
        if self.open_to_collaborate is not None:
            clauses.append(f"{a}.open_to_collaborate = ?")
            params.append(self.open_to_collaborate)
        if self.claimed is not None:
            op = "IN" if self.claimed else "NOT IN"
            clauses.append(f"{a}.claim_status {op} ('CLAIMED', 'VERIFIED')")
        if self.name_prefix:
            clauses.append(f"{a}.name_key LIKE ?")
            params.append(self.name_prefix.replace("%", "").replace("_", "") + "%")
        return clauses, params


def author_order_sql(order: AuthorOrderKey, alias: str = "a") -> tuple[str, str, str]:
    """(ORDER BY clause, keyset comparison, sort column) for an ordering of `alias`'s rows."""
    column, desc = _ORDERS[order]
    direction = "DESC" if desc else "ASC"
    return f"{alias}.{column} {direction}, {alias}.id {direction}", "<" if desc else ">", column


def author_cursor_types(order: AuthorOrderKey) -> tuple[type, ...]:
    return (str, int) if _ORDERS[order][0] == "name_key" else (int, int)


def author_query_of(
    *,
    institution: str | None = None,
    topic: str | None = None,
    open_to_collaborate: bool | None = None,
    claimed: bool | None = None,
    name_prefix: str | None = None,
) -> AuthorQuery:
    """An `AuthorFilter`'s values → the query (ids checked, the prefix normalised)."""
    if name_prefix is not None and len(name_prefix) > 200:
        raise BadUserInput("`namePrefix` must be at most 200 characters", argument="filter")
    return AuthorQuery(
        institution_id=ref_of(institution, "Institution", "institution"),
        topic_id=ref_of(topic, "Topic", "topic"),
        open_to_collaborate=open_to_collaborate,
        claimed=claimed,
        name_prefix=name_key(name_prefix) if name_prefix else None,
    )


async def list_authors(
    query: AuthorQuery,
    order: AuthorOrderKey,
    first: int | None,
    after: str | None,
    convert: Callable[[Row], Any],
) -> Page[Any]:
    order_by, cmp, column = author_order_sql(order)
    args = page_args(first, after, 2, types=author_cursor_types(order))
    clauses, params = query.where()
    page_clauses, page_params = list(clauses), list(params)
    if args.after is not None:
        page_clauses.append(f"(a.{column}, a.id) {cmp} (?, ?)")
        page_params.extend(args.after)
    where = f"WHERE {' AND '.join(page_clauses)}" if page_clauses else ""
    rows = await fetch(
        f"SELECT {AUTHOR_COLUMNS} FROM author a {where} ORDER BY {order_by} LIMIT ?",
        [*page_params, args.limit],
    )

    async def total() -> int:
        count_where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        row = await fetch_one(f"SELECT COUNT(*) AS n FROM author a {count_where}", params)
        return int(row["n"]) if row else 0

    return build_page(rows, args, lambda r: (r[column], r["id"]), convert, total=total)


#: strongest first: shared works, then most recent, then the co-author id (the keyset)
COLLABORATOR_ORDER = "c.shared_works DESC, COALESCE(c.last_year, 0) DESC, c.coauthor_id DESC"
COLLABORATOR_KEYSET = "(c.shared_works, COALESCE(c.last_year, 0), c.coauthor_id) < (?, ?, ?)"
#: most works first
AUTHOR_TOPIC_ORDER = "x.work_count DESC, t.id ASC"
#: the latest affiliation first
AFFILIATION_ORDER = "COALESCE(x.last_year, 0) DESC, i.id"


def collaborator_key(row: Row) -> tuple[Any, ...]:
    return (row["shared_works"], row["last_year"] or 0, row["coauthor_id"])


async def collaborators_by_authors(
    author_ids: list[int], close_only: bool, args: PageArgs
) -> dict[int, list[Row]]:
    """A page of collaborators for each author, strongest first, with the co-author's row."""
    clauses: list[str] = []
    params: list[Any] = []
    if close_only:
        clauses.append("c.shared_works >= ?")
        params.append(CLOSE_COLLABORATOR_MIN_SHARED)
    if args.after is not None:
        clauses.append(COLLABORATOR_KEYSET)
        params.extend(args.after)
    extra = "".join(f" AND {c}" for c in clauses)
    rows = await fetch(
        f"SELECT * FROM (SELECT c.author_id AS _owner, c.coauthor_id, c.shared_works,"
        f" c.first_year, c.last_year, {AUTHOR_COLUMNS}, ROW_NUMBER() OVER ("
        f"PARTITION BY c.author_id ORDER BY {COLLABORATOR_ORDER}) AS _rn"
        f" FROM collaboration c JOIN author a ON a.id = c.coauthor_id"
        f" WHERE c.author_id IN {in_list(author_ids)}{extra}) t"
        f" WHERE _rn <= ? ORDER BY _owner, _rn",
        [*author_ids, *params, args.limit],
    )
    return group_by(rows, author_ids)


def collaborators_total(
    author: Row, close_only: bool, count_all: Callable[[int], Awaitable[int]]
) -> Callable[[], Awaitable[int]]:
    """`totalCount` of a collaborator list: the cached counter for close ones, else
    `count_all` (the per-request loader, so a list of authors costs one COUNT statement)."""

    async def total() -> int:
        if close_only:
            return int(author["close_collaborators_count"])
        return await count_all(author["id"])

    return total


async def collaborator_counts(author_ids: list[int]) -> dict[int, int]:
    rows = await fetch(
        "SELECT author_id, COUNT(*) AS n FROM collaboration"
        f" WHERE author_id IN {in_list(author_ids)} GROUP BY author_id",
        author_ids,
    )
    return {r["author_id"]: int(r["n"]) for r in rows}


async def topics_by_authors(author_ids: list[int], first: int) -> dict[int, list[Row]]:
    rows = await fetch(
        "SELECT * FROM (SELECT x.author_id AS _owner, x.work_count, t.*, ROW_NUMBER() OVER ("
        f"PARTITION BY x.author_id ORDER BY {AUTHOR_TOPIC_ORDER}) AS _rn"
        " FROM author_topic x JOIN topic t ON t.id = x.topic_id"
        f" WHERE x.author_id IN {in_list(author_ids)}) q WHERE _rn <= ? ORDER BY _owner, _rn",
        [*author_ids, first],
    )
    return group_by(rows, author_ids)


async def affiliations_by_authors(author_ids: list[int]) -> dict[int, list[Row]]:
    rows = await fetch(
        "SELECT x.author_id AS _owner, x.years, x.first_year, x.last_year, i.*"
        " FROM author_affiliation x JOIN institution i ON i.id = x.institution_id"
        f" WHERE x.author_id IN {in_list(author_ids)}"
        f" ORDER BY x.author_id, {AFFILIATION_ORDER}",
        author_ids,
    )
    return group_by(rows, author_ids)


# --- trust snapshot (DESIGN.md, "Trust snapshot") -------------------------------------------

VERIFICATION_POINTS = {0: 0, 1: 10, 2: 25, 3: 40}


@dataclass(frozen=True, slots=True)
class TrustComponent:
    name: str
    points: int
    max_points: int
    detail: str


def verification_level(author: Row) -> int:
    status = author["claim_status"]
    if status == "VERIFIED":
        return 3
    if status == "CLAIMED":
        return 2
    external = bool(author["orcid"] or author["openalex_id"])
    return 1 if external or author["has_persistent_work"] else 0


def trust_components(author: Row, affiliation_known: bool) -> list[TrustComponent]:
    works = int(author["works_count"])
    close = int(author["close_collaborators_count"])
    followers = int(author["followers_count"])
    claimed = author["claim_status"] in ("CLAIMED", "VERIFIED")
    level = verification_level(author)
    follower_points = min(10, 2 * math.floor(math.log2(1 + followers)))
    return [
        TrustComponent("works", min(works, 20), 20, f"{works} works, 1 point each"),
        TrustComponent(
            "closeCollaborators", min(close, 10), 10, f"{close} co-authors with 2+ shared works"
        ),
        TrustComponent("followers", follower_points, 10, f"{followers} followers"),
        TrustComponent(
            "affiliation",
            5 if affiliation_known else 0,
            5,
            "affiliation known" if affiliation_known else "affiliation not imported",
        ),
        TrustComponent("claimed", 15 if claimed else 0, 15, "claimed" if claimed else "unclaimed"),
        TrustComponent(
            "verification", VERIFICATION_POINTS[level], 40, f"verification level L{level}"
        ),
    ]


def trust_label(level: int) -> str:
    return {0: "UNVERIFIED", 1: "UNVERIFIED", 2: "CLAIMED", 3: "VERIFIED"}[level]
