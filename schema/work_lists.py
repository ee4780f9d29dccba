"""A `works` connection on another entity (a topic, an institution, a source, a funder, a work's
references): the planner's build and the resolver, newest first. Both import schema.works when
first called, since that module refers back to the types that list works."""

from __future__ import annotations

from typing import Any

from resolvers.works import WorkOrderKey, WorkQuery, list_works


def work_page(*args: Any) -> Any:
    """`schema.works.work_page`: the planner's build of a page of works."""
    from schema.works import work_page as build

    return build(*args)


async def works_of(query: WorkQuery, first: int | None, after: str | None) -> Any:
    """A page of the works `query` selects, newest first (an entity's `works` field)."""
    from schema.works import Work, WorkConnection

    page = await list_works(query, WorkOrderKey.PUBLICATION_DATE_DESC, first, after, Work.of)
    return WorkConnection.of(page)
