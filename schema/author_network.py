"""An author's place in the graph: the topics they work on (`Author.topics`) and their co-authors
(`Author.collaborators`), with the builders the planner and the executor share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import authors as data
from resolvers import relations
from resolvers.pagination import build_page
from resolvers.sql import Row
from schema.connections import Connection
from schema.cost import column

if TYPE_CHECKING:
    from schema.authors import Author
    from schema.topics import Topic


@strawberry.type(description="A topic the author works on, and how much.")
class AuthorTopic:
    topic: Annotated[Topic, strawberry.lazy("schema.topics")] = strawberry.field(
        description="The topic."
    )
    work_count: int = strawberry.field(
        description="The author's works on this topic.", metadata=column("work_count")
    )
    share: float = strawberry.field(
        description="`workCount` divided by the author's works, from 0 to 1."
    )


@strawberry.type(description="A co-author, and the works the two share.")
class Collaborator:
    author: Annotated[Author, strawberry.lazy("schema.authors")] = strawberry.field(
        description="The co-author."
    )
    shared_works: int = strawberry.field(
        description="Works both are authors of; at least 1.", metadata=column("shared_works")
    )
    first_year: int | None = strawberry.field(
        description="The year of their first shared work; null when no shared work is dated.",
        metadata=column("first_year"),
    )
    last_year: int | None = strawberry.field(
        description="The year of their latest shared work; null when no shared work is dated.",
        metadata=column("last_year"),
    )
    is_close: bool = strawberry.field(description="A close collaborator: 2 or more shared works.")


@strawberry.type(description="A page of co-authors, strongest first.")
class CollaboratorConnection(Connection[Collaborator]):
    pass


def topics_of(author: Row, rows: list[Row], bound: object = None) -> list[AuthorTopic]:
    from schema.topics import Topic

    works = max(int(author["works_count"]), 1)
    return [
        AuthorTopic(topic=Topic.of(r), work_count=r["work_count"], share=r["work_count"] / works)
        for r in rows
    ]


def collaborator_page(
    author: Row, rows: list[Row], bound: relations.Bound, total: Callable[[], object]
) -> CollaboratorConnection:
    assert bound.page is not None
    page = build_page(rows, bound.page, data.collaborator_key, collaborator, total=total)
    return CollaboratorConnection.of(page)  # type: ignore[no-any-return]


def coauthor_row(row: Row) -> Row:
    return {k: v for k, v in row.items() if not k.startswith("_") and k not in _COLLAB_ONLY}


_COLLAB_ONLY = frozenset({"coauthor_id", "shared_works", "first_year", "last_year"})


def collaborator(row: Row) -> Collaborator:
    from schema.authors import Author

    shared = int(row["shared_works"])
    return Collaborator(
        author=Author.of(coauthor_row(row)),
        shared_works=shared,
        first_year=row["first_year"],
        last_year=row["last_year"],
        is_close=shared >= data.CLOSE_COLLABORATOR_MIN_SHARED,
    )
