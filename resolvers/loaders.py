"""Per-request DataLoaders: every list of ids a query touches becomes one SQL statement.

Built once per request in `schema.context.get_context`; never shared between requests, so no
viewer ever sees another's cached rows. Connection loaders are keyed by (owner id, page args),
and each distinct page-args group is one windowed statement for all owners.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from resolvers import authors as author_sql
from resolvers import works as work_sql
from resolvers.authors import AUTHOR_COLUMNS
from resolvers.ids import ExternalRef, columns_for
from resolvers.pagination import PageArgs
from resolvers.sql import Row, fetch, group_by, in_list
from resolvers.works import (
    AUTHORSHIP_INSTITUTION_ORDER,
    AUTHORSHIP_ORDER,
    GRANT_ORDER,
    INSTITUTION_LINK_ORDER,
    WORK_COLUMNS,
    WORK_TOPIC_ORDER,
    WorkOrderKey,
    WorkQuery,
)


def _by_id(table: str, columns: str = "*") -> Callable[[list[int]], Awaitable[list[Row | None]]]:
    async def load(ids: list[int]) -> list[Row | None]:
        rows = await fetch(f"SELECT {columns} FROM {table} WHERE id IN {in_list(ids)}", ids)
        found = {r["id"]: r for r in rows}
        return [found.get(i) for i in ids]

    return load


class GroupedKey(Protocol):
    """A connection loader key: the owner (author id) and the page args shared by a batch."""

    @property
    def owner(self) -> int: ...

    @property
    def group(self) -> Hashable: ...


KG = TypeVar("KG", bound=GroupedKey)


def _grouped(
    run: Callable[[Any, list[int]], Awaitable[dict[int, list[Row]]]],
) -> Callable[[list[KG]], Awaitable[list[list[Row]]]]:
    """Batch keys that share the same page args into one statement per group."""

    async def load(keys: list[KG]) -> list[list[Row]]:
        groups: dict[Hashable, list[int]] = defaultdict(list)
        for key in keys:
            groups[key.group].append(key.owner)
        results: dict[tuple[Hashable, int], list[Row]] = {}
        for group, owners in groups.items():
            found = await run(group, sorted(set(owners)))
            for owner in owners:
                results[(group, owner)] = found.get(owner, [])
        return [results[(k.group, k.owner)] for k in keys]

    return load


ExternalKey = tuple[ExternalRef, str | None]


async def _external(keys: list[ExternalKey]) -> list[tuple[str, int] | None]:
    """The first object (in `EXTERNAL_COLUMNS` order) each external id names, of the type the
    key asks for (None: any type)."""
    wanted: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for ref, type_name in keys:
        for target in columns_for(ref, type_name):
            wanted[target].add(ref.value)
    hits: dict[tuple[str, str, str, str], int] = {}
    for (type_name, table, column), value_set in wanted.items():
        values = sorted(value_set)
        rows = await fetch(
            f"SELECT id, {column} AS v FROM {table} WHERE {column} IN {in_list(values)}", values
        )
        for row in rows:
            hits.setdefault((type_name, table, column, row["v"]), row["id"])
    out: list[tuple[str, int] | None] = []
    for ref, type_name in keys:
        found = (
            (t, hits[(t, table, column, ref.value)])
            for t, table, column in columns_for(ref, type_name)
            if (t, table, column, ref.value) in hits
        )
        out.append(next(found, None))
    return out


@dataclass(frozen=True, slots=True)
class WorksKey:
    owner: int
    query: WorkQuery
    order: WorkOrderKey
    args: PageArgs

    @property
    def group(self) -> tuple[WorkQuery, WorkOrderKey, PageArgs]:
        return (self.query, self.order, self.args)


@dataclass(frozen=True, slots=True)
class CollaboratorsKey:
    owner: int
    close_only: bool
    args: PageArgs

    @property
    def group(self) -> tuple[bool, PageArgs]:
        return (self.close_only, self.args)


@dataclass(frozen=True, slots=True)
class TopicsKey:
    owner: int
    first: int

    @property
    def group(self) -> int:
        return self.first


async def _works_run(
    group: tuple[WorkQuery, WorkOrderKey, PageArgs], ids: list[int]
) -> dict[int, list[Row]]:
    return await work_sql.works_by_authors(ids, *group)


async def _collaborators_run(group: tuple[bool, PageArgs], ids: list[int]) -> dict[int, list[Row]]:
    return await author_sql.collaborators_by_authors(ids, *group)


async def _topics_run(first: int, ids: list[int]) -> dict[int, list[Row]]:
    return await author_sql.topics_by_authors(ids, first)


#: Keys per statement: bounds the IN lists (PostgreSQL takes at most 32,767 parameters).
MAX_BATCH = 1000

LK = TypeVar("LK", bound=Hashable)
LV = TypeVar("LV")


def _loader(load: Callable[[list[LK]], Awaitable[Sequence[LV]]]) -> DataLoader[LK, LV]:
    return DataLoader(load, max_batch_size=MAX_BATCH)


class Loaders:
    """The request's DataLoaders, each made when first used: most requests use few or none
    (a planned operation reads with its own statements)."""

    @cached_property
    def author(self) -> DataLoader[int, Row | None]:
        return _loader(_by_id("author a", AUTHOR_COLUMNS))

    @cached_property
    def work(self) -> DataLoader[int, Row | None]:
        return _loader(_by_id("work w", WORK_COLUMNS))

    @cached_property
    def topic(self) -> DataLoader[int, Row | None]:
        return _loader(_by_id("topic"))

    @cached_property
    def institution(self) -> DataLoader[int, Row | None]:
        return _loader(_by_id("institution"))

    @cached_property
    def source(self) -> DataLoader[int, Row | None]:
        return _loader(_by_id("source"))

    @cached_property
    def external(self) -> DataLoader[ExternalKey, tuple[str, int] | None]:
        return _loader(_external)

    @cached_property
    def affiliations(self) -> DataLoader[int, list[Row]]:
        return _loader(_many(author_sql.affiliations_by_authors))

    @cached_property
    def author_topics(self) -> DataLoader[TopicsKey, list[Row]]:
        return _loader(_grouped(_topics_run))

    @cached_property
    def author_works(self) -> DataLoader[WorksKey, list[Row]]:
        return _loader(_grouped(_works_run))

    @cached_property
    def collaborators(self) -> DataLoader[CollaboratorsKey, list[Row]]:
        return _loader(_grouped(_collaborators_run))

    @cached_property
    def collaborator_counts(self) -> DataLoader[int, int]:
        return _loader(_collaborator_counts)

    @cached_property
    def authorships(self) -> DataLoader[int, list[Row]]:
        return _loader(_many(_authorships_by_works))

    @cached_property
    def work_topics(self) -> DataLoader[int, list[Row]]:
        return _loader(_many(_topics_by_works))

    @cached_property
    def authorship_institutions(self) -> DataLoader[int, list[Row]]:
        return _loader(_many(_institutions_by_authorships))

    @cached_property
    def funder(self) -> DataLoader[int, Row | None]:
        return _loader(_by_id("funder"))

    @cached_property
    def grants(self) -> DataLoader[int, list[Row]]:
        return _loader(_many(_grants_by_works))

    @cached_property
    def institution_links(self) -> DataLoader[int, list[Row]]:
        return _loader(_many(_links_by_institutions))

    def prime_authors(self, rows: Sequence[Row]) -> None:
        for row in rows:
            self.author.prime(row["id"], row)


async def _collaborator_counts(ids: list[int]) -> list[int]:
    found = await author_sql.collaborator_counts(ids)
    return [found.get(i, 0) for i in ids]


def _many(
    run: Callable[[list[int]], Awaitable[dict[int, list[Row]]]],
) -> Callable[[list[int]], Awaitable[list[list[Row]]]]:
    async def load(ids: list[int]) -> list[list[Row]]:
        found = await run(ids)
        return [found.get(i, []) for i in ids]

    return load


async def _authorships_by_works(ids: list[int]) -> dict[int, list[Row]]:
    rows = await fetch(
        "SELECT x.id, x.work_id, x.author_id, x.position, x.raw_name, x.is_corresponding"
        f" FROM authorship x WHERE x.work_id IN {in_list(ids)}"
        f" ORDER BY x.work_id, {AUTHORSHIP_ORDER}",
        ids,
    )
    return group_by(rows, ids, "work_id")


async def _owned(owner: str, select: str, order: str, ids: list[int]) -> dict[int, list[Row]]:
    """Rows of a link table `x` and what it joins, grouped by `x.<owner>` in `ids`, in `order`
    within each owner (`select`: the columns, then `FROM … x JOIN …`)."""
    rows = await fetch(
        f"SELECT x.{owner} AS _owner, {select} WHERE x.{owner} IN {in_list(ids)}"
        f" ORDER BY x.{owner}, {order}",
        ids,
    )
    return group_by(rows, ids)


async def _topics_by_works(ids: list[int]) -> dict[int, list[Row]]:
    select = "x.score, x.is_primary, t.* FROM work_topic x JOIN topic t ON t.id = x.topic_id"
    return await _owned("work_id", select, WORK_TOPIC_ORDER, ids)


async def _institutions_by_authorships(ids: list[int]) -> dict[int, list[Row]]:
    select = "i.* FROM authorship_institution x JOIN institution i ON i.id = x.institution_id"
    return await _owned("authorship_id", select, AUTHORSHIP_INSTITUTION_ORDER, ids)


async def _grants_by_works(ids: list[int]) -> dict[int, list[Row]]:
    select = "x.award_id, f.* FROM work_grant x JOIN funder f ON f.id = x.funder_id"
    return await _owned("work_id", select, GRANT_ORDER, ids)


async def _links_by_institutions(ids: list[int]) -> dict[int, list[Row]]:
    """Every linked institution (lineage and associated), each row with its `kind`."""
    select = "x.kind, i.* FROM institution_link x JOIN institution i ON i.id = x.other_id"
    return await _owned("institution_id", select, INSTITUTION_LINK_ORDER, ids)


def new_loaders() -> Loaders:
    return Loaders()


__all__ = ["CollaboratorsKey", "Loaders", "TopicsKey", "WorksKey", "new_loaders"]
