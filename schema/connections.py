"""Relay connections built from a `resolvers.pagination.Page`."""

from __future__ import annotations

import inspect
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page
from schema.common import PageInfo
from schema.cost import reads

T = TypeVar("T")


@strawberry.type(description="One item of a connection, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="An opaque cursor: pass it as `after` to get the items that follow this one."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of results; `first` takes 0 to 100 items (10 by default), `after` a cursor."
)
class Connection(Generic[T]):
    """A page of results; `totalCount` counts every item across all pages."""

    edges: list[Edge[T]] = strawberry.field(description="The page's items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more pages follow, and cursors.")
    _page: strawberry.Private[Page[Any]]

    @strawberry.field(description="How many items all pages hold together.", metadata=reads())
    async def total_count(self) -> int:
        if self._page.total is None:
            return len(self.edges)
        value = self._page.total()
        if inspect.isawaitable(value):
            value = await value
        return int(value)

    @strawberry.field(
        description="The page's items without cursors, in the order of `edges`.", metadata=reads()
    )
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @classmethod
    def of(cls, page: Page[Any]) -> Any:
        edges = [Edge(cursor=c, node=n) for c, n in zip(page.cursors, page.items, strict=True)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            _page=page,
        )
