"""The joins behind relational fields, declared once for the planner (server/planner/).

A `Relation` says how the rows of a field are found from its parent's row: the tables (`{t}` is
the row's entity, `{x}` a link table, `{p}` the parent), the correlation, the ordering and the
page size. Its `bind` checks the field's arguments exactly as the resolver does (the same
`page_args`, the same limits: an argument the resolver would refuse raises the same ApiError)
and says what they add to the statement. The orderings are the resolvers' own constants
(resolvers/authors.py, resolvers/works.py), rewritten to the planner's aliases, so that an
ordering is written down once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import settings
from resolvers import authors as author_sql
from resolvers import works as work_sql
from resolvers.errors import BadUserInput
from resolvers.pagination import PageArgs, page_args
from resolvers.works import WorkOrderKey


class Unplanned(Exception):
    """The planner does not cover this (yet): graphql-core's executor answers instead."""


@dataclass(frozen=True, slots=True)
class Bound:
    """A relation's arguments, checked: what they add to its statement, and what `build` needs.

    where: conditions (templates over {t} {x} {p}) with `params`, counted in totals.
    keyset: the cursor condition with `keyset_params` (not counted in totals).
    total: None, "count" (COUNT(*) of the rows, without the keyset) or a parent column.
    """

    order: str = ""
    limit: int | None = None
    where: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()
    keyset: str = ""
    keyset_params: tuple[Any, ...] = ()
    total: str | None = None
    page: PageArgs | None = None
    value: Any = None
    #: what "count" counts when it is not the rows' own FROM and WHERE (templates, params)
    count_source: str = ""
    count_where: tuple[str, ...] = ()
    count_params: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Relation:
    """How a field's rows are joined to its parent's row."""

    kind: Literal["one", "list", "page"]
    #: FROM clause: `{t}` is the entity whose columns the item's fields read
    source: str
    #: the condition tying a row to its parent (empty for a root list)
    correlate: str
    bind: Callable[[dict[str, Any]], Bound]
    #: link columns every item carries (name → expression)
    extras: tuple[tuple[str, str], ...] = ()
    #: entity columns `build` (or the cursor) reads whatever is selected
    always: tuple[str, ...] = ("id",)
    #: parent columns `build` reads
    parent: tuple[str, ...] = ()


_ALIAS = re.compile(r"\b([a-z])\.")


def realias(sql: str, names: dict[str, str]) -> str:
    """`x.work_count DESC, t.id` with {"x": "{x}", "t": "{t}"} → `{x}.work_count DESC, {t}.id`."""
    return _ALIAS.sub(lambda m: f"{names.get(m.group(1), m.group(1))}.", sql)


def _fixed(order: str, limit: int | None = None) -> Callable[[dict[str, Any]], Bound]:
    return lambda _args: Bound(order=order, limit=limit)


def check_topics_first(first: int) -> int:
    """`Author.topics(first:)`: between 0 and the page size limit (the resolver's rule)."""
    if not 0 <= first <= settings.MAX_PAGE_SIZE:
        raise BadUserInput(
            f"`first` must be between 0 and {settings.MAX_PAGE_SIZE}", argument="first"
        )
    return first


_WORK_FILTER = {
    "yearFrom": "year_from",
    "yearTo": "year_to",
    "types": "types",
    "topic": "topic",
    "institution": "institution",
    "author": "author",
    "hasAbstract": "has_abstract",
    "openAccess": "open_access",
    "source": "source",
    "funder": "funder",
    "language": "language",
    "isRetracted": "is_retracted",
}
_AUTHOR_FILTER = {
    "institution": "institution",
    "topic": "topic",
    "openToCollaborate": "open_to_collaborate",
    "claimed": "claimed",
    "namePrefix": "name_prefix",
}


def _filter(args: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A filter argument's values by the query function's names; a field this module does
    not know (one added since) hands the operation to the executor."""
    values = args.get("filter") or {}
    unknown = [k for k, v in values.items() if k not in names and v is not None]
    if unknown:
        raise Unplanned(f"filter fields {unknown}")
    return {names[k]: v for k, v in values.items() if k in names}


def _work_page(total: str | None) -> Callable[[dict[str, Any]], Bound]:
    def bind(args: dict[str, Any]) -> Bound:
        query = work_sql.work_query_of(**_filter(args, _WORK_FILTER))
        order = args.get("orderBy") or WorkOrderKey.PUBLICATION_DATE_DESC
        page = page_args(
            args.get("first"), args.get("after"), 2, types=work_sql.cursor_types(order)
        )
        order_by, cmp, column = work_sql.order_sql(order, "{t}")
        keyset = f"({{t}}.{column}, {{t}}.id) {cmp} (?, ?)" if page.after else ""
        clauses, params = query.where("{t}")
        bound = Bound(
            order=order_by,
            limit=page.limit,
            where=tuple(clauses),
            params=tuple(params),
            keyset=keyset,
            keyset_params=tuple(page.after or ()),
            total=total,
            page=page,
            value=order,
        )
        if total == "works_count" and query != work_sql.WorkQuery():
            # a filtered list of an author's works: the resolver counts the matching works
            # (the filter's own `author` replaced by this author), not the cached counter
            counted, counted_params = replace(query, author_id=None).where("{t}")
            owner = "EXISTS (SELECT 1 FROM authorship {x} WHERE {x}.work_id = {t}.id"
            owner += " AND {x}.author_id = {p}.id)"
            bound = replace(
                bound,
                total="count",
                count_source="work {t}",
                count_where=(*counted, owner),
                count_params=tuple(counted_params),
            )
        return bound

    return bind


def _author_page(args: dict[str, Any]) -> Bound:
    query = author_sql.author_query_of(**_filter(args, _AUTHOR_FILTER))
    clauses, params = query.where("{t}")
    order = args.get("orderBy") or author_sql.AuthorOrderKey.WORKS_COUNT_DESC
    types = author_sql.author_cursor_types(order)
    page = page_args(args.get("first"), args.get("after"), 2, types=types)
    order_by, cmp, column = author_sql.author_order_sql(order, "{t}")
    keyset = f"({{t}}.{column}, {{t}}.id) {cmp} (?, ?)" if page.after else ""
    return Bound(
        order=order_by,
        limit=page.limit,
        where=tuple(clauses),
        params=tuple(params),
        keyset=keyset,
        keyset_params=tuple(page.after or ()),
        total="count",
        page=page,
        value=order,
    )


def _collaborators(args: dict[str, Any]) -> Bound:
    page = page_args(args.get("first"), args.get("after"), 3)
    close_only = bool(args.get("closeOnly"))
    names = {"c": "{x}"}
    minimum = int(author_sql.CLOSE_COLLABORATOR_MIN_SHARED)
    return Bound(
        order=realias(author_sql.COLLABORATOR_ORDER, names),
        limit=page.limit,
        where=(f"{{x}}.shared_works >= {minimum}",) if close_only else (),
        keyset=realias(author_sql.COLLABORATOR_KEYSET, names) if page.after else "",
        keyset_params=tuple(page.after or ()),
        # the cached counter answers the close ones, as the resolver does
        total="close_collaborators_count" if close_only else "count",
        page=page,
        value=close_only,
    )


def _author_topics(args: dict[str, Any]) -> Bound:
    first = check_topics_first(int(args.get("first", 10)))
    order = realias(author_sql.AUTHOR_TOPIC_ORDER, {"x": "{x}", "t": "{t}"})
    return Bound(order=order, limit=first, value=first)


_WORK = "work {t}"
_WORK_ITEM = ("id", "pub_sort", "cited_by_count", "title_key")
_AUTHOR_ITEM = ("id", "works_count", "cited_by_count", "name_key")
_AFFILIATION_ORDER = realias(author_sql.AFFILIATION_ORDER, {"x": "{x}", "i": "{t}"})
_AFFILIATION = "author_affiliation {x} JOIN institution {t} ON {t}.id = {x}.institution_id"
_AFFILIATION_EXTRAS: tuple[tuple[str, str], ...] = (
    ("years", "{x}.years"),
    ("first_year", "{x}.first_year"),
    ("last_year", "{x}.last_year"),
)

AUTHOR_AFFILIATIONS = Relation(
    "list",
    _AFFILIATION,
    "{x}.author_id = {p}.id",
    _fixed(_AFFILIATION_ORDER),
    extras=_AFFILIATION_EXTRAS,
)
#: the latest affiliation only (Author.affiliation, and whether one is known for the trust)
AUTHOR_AFFILIATION = Relation(
    "list",
    _AFFILIATION,
    "{x}.author_id = {p}.id",
    _fixed(_AFFILIATION_ORDER, 1),
    extras=_AFFILIATION_EXTRAS,
)
AUTHOR_TRUST = Relation(
    "list",
    _AFFILIATION,
    "{x}.author_id = {p}.id",
    _fixed(_AFFILIATION_ORDER, 1),
    parent=(
        "works_count",
        "close_collaborators_count",
        "followers_count",
        "claim_status",
        "orcid",
        "openalex_id",
        "has_persistent_work",
    ),
)
AUTHOR_TOPICS = Relation(
    "list",
    "author_topic {x} JOIN topic {t} ON {t}.id = {x}.topic_id",
    "{x}.author_id = {p}.id",
    _author_topics,
    extras=(("work_count", "{x}.work_count"),),
    parent=("works_count",),
)
AUTHOR_COLLABORATORS = Relation(
    "page",
    "collaboration {x} JOIN author {t} ON {t}.id = {x}.coauthor_id",
    "{x}.author_id = {p}.id",
    _collaborators,
    extras=(
        ("coauthor_id", "{x}.coauthor_id"),
        ("shared_works", "{x}.shared_works"),
        ("first_year", "{x}.first_year"),
        ("last_year", "{x}.last_year"),
    ),
    parent=("close_collaborators_count",),
)
AUTHOR_WORKS = Relation(
    "page",
    "authorship {x} JOIN work {t} ON {t}.id = {x}.work_id",
    "{x}.author_id = {p}.id",
    _work_page("works_count"),
    always=_WORK_ITEM,
    parent=("works_count",),
)
WORK_VENUE = Relation(
    "one",
    "source {t}",
    "{t}.id = {p}.source_id",
    _fixed(""),
    always=("id", "display_name", "type", "issn_l"),
    parent=("source_id",),
)
WORK_AUTHORSHIPS = Relation(
    "list",
    "authorship {t}",
    "{t}.work_id = {p}.id",
    _fixed(realias(work_sql.AUTHORSHIP_ORDER, {"x": "{t}"})),
    always=("id", "work_id", "author_id", "position", "raw_name", "is_corresponding"),
)
AUTHORSHIP_AUTHOR = Relation(
    "one", "author {t}", "{t}.id = {p}.author_id", _fixed(""), parent=("author_id",)
)
AUTHORSHIP_INSTITUTIONS = Relation(
    "list",
    "authorship_institution {x} JOIN institution {t} ON {t}.id = {x}.institution_id",
    "{x}.authorship_id = {p}.id",
    _fixed(realias(work_sql.AUTHORSHIP_INSTITUTION_ORDER, {"x": "{x}"})),
)
WORK_TOPICS = Relation(
    "list",
    "work_topic {x} JOIN topic {t} ON {t}.id = {x}.topic_id",
    "{x}.work_id = {p}.id",
    _fixed(realias(work_sql.WORK_TOPIC_ORDER, {"x": "{x}", "t": "{t}"})),
    extras=(("score", "{x}.score"), ("is_primary", "{x}.is_primary")),
)
# the same conditions as WorkQuery.where(), correlated to the parent instead of a parameter
WORK_REFERENCES = Relation(
    "page",
    _WORK,
    "EXISTS (SELECT 1 FROM citation {x} WHERE {x}.cited_id = {t}.id AND {x}.citing_id = {p}.id)",
    _work_page("count"),
    always=_WORK_ITEM,
)
WORK_CITED_BY = Relation(
    "page",
    _WORK,
    "EXISTS (SELECT 1 FROM citation {x} WHERE {x}.citing_id = {t}.id AND {x}.cited_id = {p}.id)",
    _work_page("count"),
    always=_WORK_ITEM,
)
TOPIC_WORKS = Relation(
    "page",
    _WORK,
    "EXISTS (SELECT 1 FROM work_topic {x} WHERE {x}.work_id = {t}.id AND {x}.topic_id = {p}.id)",
    _work_page("count"),
    always=_WORK_ITEM,
)
INSTITUTION_WORKS = Relation(
    "page",
    _WORK,
    "EXISTS (SELECT 1 FROM authorship {x} JOIN authorship_institution {x}y"
    " ON {x}y.authorship_id = {x}.id WHERE {x}.work_id = {t}.id"
    " AND {x}y.institution_id = {p}.id)",
    _work_page("count"),
    always=_WORK_ITEM,
)
INSTITUTION_AUTHORS = Relation(
    "page",
    "author {t}",
    "EXISTS (SELECT 1 FROM author_affiliation {x}"
    " WHERE {x}.author_id = {t}.id AND {x}.institution_id = {p}.id)",
    _author_page,
    always=_AUTHOR_ITEM,
)
WORK_RELATED = Relation(
    "page",
    _WORK,
    "EXISTS (SELECT 1 FROM related_work {x} WHERE {x}.related_id = {t}.id"
    " AND {x}.work_id = {p}.id)",
    _work_page("count"),
    always=_WORK_ITEM,
)
WORK_GRANTS = Relation(
    "list",
    "work_grant {x} JOIN funder {t} ON {t}.id = {x}.funder_id",
    "{x}.work_id = {p}.id",
    _fixed(realias(work_sql.GRANT_ORDER, {"x": "{x}"})),
    extras=(("award_id", "{x}.award_id"),),
)
SOURCE_WORKS = Relation(
    "page", _WORK, "{t}.source_id = {p}.id", _work_page("count"), always=_WORK_ITEM
)
FUNDER_WORKS = Relation(
    "page",
    _WORK,
    "EXISTS (SELECT 1 FROM work_grant {x} WHERE {x}.work_id = {t}.id AND {x}.funder_id = {p}.id)",
    _work_page("count"),
    always=_WORK_ITEM,
)
_INSTITUTION_LINK = "institution_link {x} JOIN institution {t} ON {t}.id = {x}.other_id"
_LINK_ORDER = realias(work_sql.INSTITUTION_LINK_ORDER, {"x": "{x}"})
INSTITUTION_LINEAGE = Relation(
    "list",
    _INSTITUTION_LINK,
    "{x}.institution_id = {p}.id AND {x}.kind = 'LINEAGE'",
    _fixed(_LINK_ORDER),
)
#: the first PARENT of the associated institutions (a list of one, as AUTHOR_AFFILIATION)
INSTITUTION_PARENT = Relation(
    "list",
    _INSTITUTION_LINK,
    "{x}.institution_id = {p}.id AND {x}.kind = 'PARENT'",
    _fixed(_LINK_ORDER, 1),
)
INSTITUTION_ASSOCIATED = Relation(
    "list",
    _INSTITUTION_LINK,
    "{x}.institution_id = {p}.id AND {x}.kind <> 'LINEAGE'",
    _fixed(_LINK_ORDER),
    extras=(("kind", "{x}.kind"),),
)
ROOT_WORKS = Relation("page", _WORK, "", _work_page("count"), always=_WORK_ITEM)
ROOT_AUTHORS = Relation("page", "author {t}", "", _author_page, always=_AUTHOR_ITEM)

#: the table behind each node type, for node(id), nodes(ids) and author(id) …
NODE_TABLES = {
    "Author": "author",
    "Work": "work",
    "Topic": "topic",
    "Institution": "institution",
    "Source": "source",
    "Funder": "funder",
}
