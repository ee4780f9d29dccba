"""Field declarations, next to the fields they describe: what a field costs and what it reads.

    @strawberry.field(metadata=reads("display_name"))            # a column of the parent's row
    @strawberry.field(metadata=reads("claim_status", viewer=True))  # … and the viewer
    @strawberry.field(metadata=reads(relation=relations.AUTHOR_TOPICS, build=_topics))  # a join
    @strawberry.field(metadata=cost(weight=10))                   # only a price

One declaration serves everyone: the cost analysis (server/cost.py) reads `cost`, and the
planner (server/planner/) reads `reads` to turn a whole document into SQL. A field without a
`reads` declaration (a new field, or one the planner does not cover) makes the planner hand the
operation to graphql-core's executor, so an undeclared field is slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import strawberry

if TYPE_CHECKING:
    from resolvers.relations import Relation


@dataclass(frozen=True, slots=True)
class Cost:
    """What a field declares about its cost.

    weight: extra points for each call (expensive fields: graph slices, search).
    list_size: items a list field without `first`/`last` returns at most (for node counts).
    free: the field costs nothing and is allowed when the budget is spent (`rateLimit`).
    """

    weight: int = 0
    list_size: int | None = None
    free: bool = False


@dataclass(frozen=True, slots=True)
class Reads:
    """What a field's resolver reads, so the planner can fetch it in the parent's statement.

    columns: columns of the parent's row the resolver reads (the planner selects only those).
    relation: rows of another table, joined to the parent (resolvers/relations.py holds the
        join, ordering, page size and arguments); `build(parent_row, rows, bound)` turns them
        into the field's value, and the resolver calls the same `build` on its loader's rows.
    viewer: the resolver also asks about the viewer (it is called after the statement).
    node: a root field answering the object(s) its `id`/`ids` name: the type, or "Node" for any;
        below the root, a field holding an entity (a search hit's node), which the planner
        fetches again by id with its selection (one statement per field): a plain attribute
        holding the entity, or a resolver whose `ref(parent)` gives the entity's global id.
    outside: the resolver reads on its own, outside the planner's statements (graph slices:
        Redis; search: its ranked SQL); the planner calls it as it is, with its arguments, after
        the statements, and shapes its value.
    stored: the field's items are stored mappings (a slice's JSON), keyed by the item type's
        field names; `stored(parent)` returns them, the resolver builds its objects from the
        same mappings, and the planner shapes them directly.
    plain: the field's value is its one column as stored, given its GraphQL type (a string, an
        integer, a boolean, an enum member named by its value) and nothing else: the database
        writes it into the response itself (server/planner/emit.py), as the executor would.
    """

    columns: tuple[str, ...] = ()
    relation: Relation | None = None
    build: Callable[..., Any] | None = None
    viewer: bool = False
    node: str | None = None
    outside: bool = False
    stored: Callable[[Any], Sequence[Mapping[str, Any]]] | None = None
    ref: Callable[[Any], str | None] | None = None
    plain: bool = False


def cost(weight: int = 0, *, list_size: int | None = None, free: bool = False) -> dict[str, Any]:
    """`strawberry.field(metadata=cost(weight=10))`: declare a field's cost next to it."""
    return {"cost": Cost(weight, list_size, free)}


def reads(
    *columns: str,
    relation: Relation | None = None,
    build: Callable[..., Any] | None = None,
    viewer: bool = False,
    node: str | None = None,
    outside: bool = False,
    stored: Callable[[Any], Sequence[Mapping[str, Any]]] | None = None,
    ref: Callable[[Any], str | None] | None = None,
    plain: bool = False,
    weight: int = 0,
    list_size: int | None = None,
) -> dict[str, Any]:
    """`strawberry.field(metadata=reads("orcid", "openalex_id"))`: what the field reads (and
    what it costs, as with `cost`)."""
    return {
        "cost": Cost(weight, list_size),
        "reads": Reads(tuple(columns), relation, build, viewer, node, outside, stored, ref, plain),
    }


def column(name: str) -> dict[str, Any]:
    """`strawberry.field(metadata=column("title"))`: the field is the column `name` as stored
    (`reads(name, plain=True)`), so the database can write it into the response."""
    return reads(name, plain=True)


def stored_column(
    name: str, description: str, *, convert: Callable[[Any], Any] | None = None
) -> Any:
    """`title: str = stored_column("title", "…")`: a field of a type holding its row in `_row`
    that is the column `name` as stored: declared with `column(name)` and answered, when the
    executor runs it, from the same column; `convert` turns the stored value into an enum member.
    The GraphQL type is the attribute's annotation."""
    if convert is None:
        resolver = lambda self: self._row[name]  # noqa: E731
    else:
        resolver = lambda self: convert(self._row[name])  # noqa: E731
    return strawberry.field(description=description, metadata=column(name), resolver=resolver)


#: Declarations for fields whose module does not declare them itself, keyed "Type.field".
DECLARED: dict[str, Cost] = {}
