"""`Query.author` and `Query.authors`: one author by any id form, and the filtered, ordered list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import authors as data
from resolvers import relations
from schema.args import After, First
from schema.authors import Author, AuthorConnection, author_page
from schema.common import describe
from schema.context import Info
from schema.cost import reads

describe(
    data.AuthorOrderKey,
    {
        "WORKS_COUNT_DESC": "Most works first.",
        "CITED_BY_COUNT_DESC": "Most cited first.",
        "DISPLAY_NAME_ASC": "By name, alphabetically.",
    },
    name="AuthorOrder",
    description="The order of `Query.authors`; ties are broken by id.",
)


@strawberry.input(
    description="Conditions on authors; all given ones must hold, null ones are ignored."
)
class AuthorFilter:
    institution: strawberry.ID | None = strawberry.field(
        default=None,
        description="Authors ever affiliated with this institution (its global id).",
    )
    topic: strawberry.ID | None = strawberry.field(
        default=None, description="Authors with works on this topic (its global id)."
    )
    open_to_collaborate: bool | None = strawberry.field(
        default=None, description="Authors whose `openToCollaborate` is this value."
    )
    claimed: bool | None = strawberry.field(
        default=None,
        description="Authors whose profile is claimed (CLAIMED or VERIFIED), or with false not.",
    )
    name_prefix: str | None = strawberry.field(
        default=None,
        description="Authors whose name starts with this, ignoring case and accents; at most 200"
        " characters.",
    )


@strawberry.type
class AuthorQueries:
    @strawberry.field(
        description="An author by global id, or `orcid:…`, `openalex:A…`; null if none.",
        metadata=reads(node="Author"),
    )
    async def author(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id, `orcid:…` or `openalex:A…`."),
        ],
    ) -> Author | None:
        from schema.nodes import resolve_node

        node = await resolve_node(info.context, str(id), expect="Author")
        return node if isinstance(node, Author) else None

    @strawberry.field(
        description="All authors, filtered and ordered; most works first by default.",
        metadata=reads(relation=relations.ROOT_AUTHORS, build=author_page),
    )
    async def authors(
        self,
        first: First = None,
        after: After = None,
        filter: Annotated[
            AuthorFilter | None,
            strawberry.argument(description="Keep only the authors that match; null keeps all."),
        ] = None,
        order_by: Annotated[
            data.AuthorOrderKey | None,
            strawberry.argument(description="The order; null means WORKS_COUNT_DESC."),
        ] = data.AuthorOrderKey.WORKS_COUNT_DESC,
    ) -> AuthorConnection:
        f = filter or AuthorFilter()
        query = data.author_query_of(
            institution=f.institution,
            topic=f.topic,
            open_to_collaborate=f.open_to_collaborate,
            claimed=f.claimed,
            name_prefix=f.name_prefix,
        )
        order = order_by or data.AuthorOrderKey.WORKS_COUNT_DESC  # the contract allows null
        page = await data.list_authors(query, order, first, after, Author.of)
        return AuthorConnection.of(page)  # type: ignore[no-any-return]
