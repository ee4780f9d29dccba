"""Work lists (top level, by author, by topic, by institution, references, cited by) and their
ordering, filtering and keyset pagination, in one parametrized statement per page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from resolvers.errors import BadUserInput
from resolvers.ids import Ref, match_id, ref_of
from resolvers.pagination import Page, PageArgs, build_page, page_args
from resolvers.sql import Row, fetch, fetch_one, group_by, in_list


class WorkOrderKey(StrEnum):
    PUBLICATION_DATE_DESC = "PUBLICATION_DATE_DESC"
    PUBLICATION_DATE_ASC = "PUBLICATION_DATE_ASC"
    CITED_BY_COUNT_DESC = "CITED_BY_COUNT_DESC"
    TITLE_ASC = "TITLE_ASC"


#: order key → (sort column, descending)
_ORDERS: dict[WorkOrderKey, tuple[str, bool]] = {
    WorkOrderKey.PUBLICATION_DATE_DESC: ("pub_sort", True),
    WorkOrderKey.PUBLICATION_DATE_ASC: ("pub_sort", False),
    WorkOrderKey.CITED_BY_COUNT_DESC: ("cited_by_count", True),
    WorkOrderKey.TITLE_ASC: ("title_key", False),
}

#: a work's topics: the primary one first, then by score
WORK_TOPIC_ORDER = "x.is_primary DESC, x.score DESC, t.id"
#: byline order
AUTHORSHIP_ORDER = "x.position"
#: an authorship's institutions, as the record listed them
AUTHORSHIP_INSTITUTION_ORDER = "x.id"
#: a work's grants, as the record listed them
GRANT_ORDER = "x.position"
#: an institution's lineage and associated institutions, as the record listed them
INSTITUTION_LINK_ORDER = "x.position, x.id"

WORK_COLUMNS = (
    "w.id, w.title, w.abstract, w.type, w.publication_year, w.publication_date, w.pub_sort, "
    "w.source_id, w.doi, w.arxiv_id, w.openalex_id, w.cited_by_count, w.title_key,"
    " w.author_count, w.is_oa, w.oa_status, w.oa_url, w.language, w.keywords, w.counts_by_year,"
    " w.referenced_works_count, w.is_retracted, w.biblio_volume, w.biblio_issue,"
    " w.biblio_first_page, w.biblio_last_page, w.journal_ref"
)


#: the venue columns a work list carries as `_venue_<column>` (works_by_authors)
VENUE_COLUMNS = ("display_name", "type", "issn_l", "openalex_id", "key")


@dataclass(frozen=True, slots=True)
class WorkQuery:
    """What a work list is restricted to; every field is optional."""

    year_from: int | None = None
    year_to: int | None = None
    types: tuple[str, ...] = ()
    topic_id: Ref | None = None
    institution_id: Ref | None = None
    author_id: Ref | None = None
    references_of: int | None = None
    cited_by_of: int | None = None
    has_abstract: bool | None = None
    source_id: Ref | None = None
    funder_id: Ref | None = None
    related_of: int | None = None
    oa_statuses: tuple[str, ...] = ()
    language: str | None = None
    is_retracted: bool | None = None

    def where(self, w: str = "w") -> tuple[list[str], list[Any]]:
        """The conditions on the work alias `w` (the planner passes its own) and their
        parameters; the subqueries' aliases derive from it, so nesting never shadows them."""
        x, y = f"{w}x", f"{w}y"
        clauses: list[str] = []
        params: list[Any] = []
        if self.year_from is not None:
            clauses.append(f"{w}.publication_year >= ?")
            params.append(self.year_from)
        if self.year_to is not None:
            clauses.append(f"{w}.publication_year <= ?")
            params.append(self.year_to)
        if self.types:
            clauses.append(f"{w}.type IN {in_list(self.types)}")
            params.extend(self.types)
        if self.topic_id is not None:
            cond, param = match_id(self.topic_id, f"{x}.topic_id")
            clauses.append(
                f"EXISTS (SELECT 1 FROM work_topic {x} WHERE {x}.work_id = {w}.id AND {cond})"
            )
            params.append(param)
        if self.author_id is not None:
            cond, param = match_id(self.author_id, f"{x}.author_id")
            clauses.append(
                f"EXISTS (SELECT 1 FROM authorship {x} WHERE {x}.work_id = {w}.id AND {cond})"
            )
            params.append(param)
        if self.institution_id is not None:
            cond, param = match_id(self.institution_id, f"{y}.institution_id")
            clauses.append(
                f"EXISTS (SELECT 1 FROM authorship {x} JOIN authorship_institution {y}"
                f" ON {y}.authorship_id = {x}.id WHERE {x}.work_id = {w}.id AND {cond})"
            )
            params.append(param)
        if self.source_id is not None:
            cond, param = match_id(self.source_id, f"{w}.source_id")
            clauses.append(cond)
            params.append(param)
        if self.funder_id is not None:
            cond, param = match_id(self.funder_id, f"{x}.funder_id")
            clauses.append(
                f"EXISTS (SELECT 1 FROM work_grant {x} WHERE {x}.work_id = {w}.id AND {cond})"
            )
            params.append(param)
        if self.related_of is not None:
            clauses.append(
                f"EXISTS (SELECT 1 FROM related_work {x} WHERE {x}.related_id = {w}.id"
                f" AND {x}.work_id = ?)"
            )
            params.append(self.related_of)
        if self.oa_statuses:
            clauses.append(f"{w}.oa_status IN {in_list(self.oa_statuses)}")
            params.extend(self.oa_statuses)
        if self.language is not None:
            clauses.append(f"{w}.language = ?")
            params.append(self.language)
        if self.is_retracted is not None:
            clauses.append(f"{w}.is_retracted = ?")
            params.append(self.is_retracted)
        if self.references_of is not None:
            clauses.append(
                f"EXISTS (SELECT 1 FROM citation {x} WHERE {x}.cited_id = {w}.id"
                f" AND {x}.citing_id = ?)"
            )
            params.append(self.references_of)
        if self.cited_by_of is not None:
            clauses.append(
                f"EXISTS (SELECT 1 FROM citation {x} WHERE {x}.citing_id = {w}.id"
                f" AND {x}.cited_id = ?)"
            )
            params.append(self.cited_by_of)
        if self.has_abstract is not None:
            clauses.append(
                f"{w}.abstract IS NOT NULL" if self.has_abstract else f"{w}.abstract IS NULL"
            )
        return clauses, params


def work_query_of(
    *,
    year_from: int | None = None,
    year_to: int | None = None,
    types: Iterable[Any] | None = None,
    topic: str | None = None,
    institution: str | None = None,
    author: str | None = None,
    has_abstract: bool | None = None,
    open_access: Iterable[Any] | None = None,
    source: str | None = None,
    funder: str | None = None,
    language: str | None = None,
    is_retracted: bool | None = None,
) -> WorkQuery:
    """A `WorkFilter`'s values → the query (ids checked: INVALID_ID for a wrong one; every id
    form `node` takes is taken)."""
    if language is not None and not 1 <= len(language) <= 16:
        raise BadUserInput("`language` must be a language code such as `en`", argument="language")
    return WorkQuery(
        year_from=year_from,
        year_to=year_to,
        types=tuple(str(getattr(t, "value", t)) for t in types or ()),
        topic_id=ref_of(topic, "Topic", "topic"),
        institution_id=ref_of(institution, "Institution", "institution"),
        author_id=ref_of(author, "Author", "author"),
        has_abstract=has_abstract,
        source_id=ref_of(source, "Source", "source"),
        funder_id=ref_of(funder, "Funder", "funder"),
        oa_statuses=tuple(dict.fromkeys(str(getattr(s, "value", s)) for s in open_access or ())),
        language=language.lower() if language is not None else None,
        is_retracted=is_retracted,
    )


def order_sql(order: WorkOrderKey, alias: str = "w") -> tuple[str, str, str]:
    """(ORDER BY clause, keyset comparison, sort column) for an ordering of `alias`'s rows."""
    column, desc = _ORDERS[order]
    direction = "DESC" if desc else "ASC"
    return f"{alias}.{column} {direction}, {alias}.id {direction}", "<" if desc else ">", column


def cursor_types(order: WorkOrderKey) -> tuple[type, ...]:
    """The types of a work cursor's (sort column, id) under this ordering."""
    return (str, int) if _ORDERS[order][0] == "title_key" else (int, int)


def work_key(order: WorkOrderKey) -> Callable[[Row], tuple[Any, ...]]:
    column = _ORDERS[order][0]
    return lambda row: (row[column], row["id"])


async def list_works(
    query: WorkQuery,
    order: WorkOrderKey,
    first: int | None,
    after: str | None,
    convert: Callable[[Row], Any],
) -> Page[Any]:
    args = page_args(first, after, 2, types=cursor_types(order))
    clauses, params = query.where()
    order_by, cmp, column = order_sql(order)
    page_clauses = list(clauses)
    page_params = list(params)
    if args.after is not None:
        page_clauses.append(f"(w.{column}, w.id) {cmp} (?, ?)")
        page_params.extend(args.after)
    where = f"WHERE {' AND '.join(page_clauses)}" if page_clauses else ""
    rows = await fetch(
        f"SELECT {WORK_COLUMNS} FROM work w {where} ORDER BY {order_by} LIMIT ?",
        [*page_params, args.limit],
    )
    return build_page(rows, args, work_key(order), convert, total=work_counter(query))


def work_counter(query: WorkQuery) -> Callable[[], Awaitable[int]]:
    """A deferred COUNT(*), run only if the client selects `totalCount`."""

    async def count() -> int:
        clauses, params = query.where()
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        row = await fetch_one(f"SELECT COUNT(*) AS n FROM work w {where}", params)
        return int(row["n"]) if row else 0

    return count


async def works_by_authors(
    author_ids: list[int], query: WorkQuery, order: WorkOrderKey, args: PageArgs
) -> dict[int, list[Row]]:
    """One page of works for each of several authors, in one statement (a window per author)."""
    clauses, params = query.where()
    order_by, cmp, column = order_sql(order)
    if args.after is not None:
        clauses.append(f"(w.{column}, w.id) {cmp} (?, ?)")
        params.extend(args.after)
    extra = "".join(f" AND {c}" for c in clauses)
    venue = ", ".join(f"s.{c} AS _venue_{c}" for c in VENUE_COLUMNS)
    rows = await fetch(
        f"SELECT * FROM (SELECT {WORK_COLUMNS}, s.display_name AS _venue_name, {venue},"
        f" a.author_id AS _owner,"
        f" ROW_NUMBER() OVER (PARTITION BY a.author_id ORDER BY {order_by}) AS _rn"
        f" FROM authorship a JOIN work w ON w.id = a.work_id"
        f" LEFT JOIN source s ON s.id = w.source_id"
        f" WHERE a.author_id IN {in_list(author_ids)}{extra}) t"
        f" WHERE _rn <= ? ORDER BY _owner, _rn",
        [*author_ids, *params, args.limit],
    )
    return group_by(rows, author_ids)
