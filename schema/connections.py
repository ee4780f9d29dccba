"""Relay connections built from a `resolvers.pagination.Page`."""

from __future__ import annotations

import inspect
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page
from schema.common import PageInfo
from schema.cost import reads

T = TypeVar("T")


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    """A page of results; `totalCount` counts every item across all pages."""

    edges: list[Edge[T]]
    page_info: PageInfo
    _page: strawberry.Private[Page[Any]]

    @strawberry.field(metadata=reads())
    async def total_count(self) -> int:
        if self._page.total is None:
            return len(self.edges)
        value = self._page.total()
        if inspect.isawaitable(value):
            value = await value
        return int(value)

    @strawberry.field(metadata=reads())
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
