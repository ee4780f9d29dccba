"""Arguments shared by every list field (connections and slices), with the
descriptions clients read in the schema (one wording for every field that takes them)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

First = Annotated[
    int | None,
    strawberry.argument(
        description="Page size: 0 to 100 (PEERGRAPH_MAX_PAGE_SIZE), 10 when null; more is "
        "refused with BAD_USER_INPUT."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="The `pageInfo.endCursor` of the previous page; null for the first page."
    ),
]


def id_argument(forms: str) -> Any:
    """The `id` argument of a root field that fetches one entity, given the id forms it takes."""
    return strawberry.argument(
        description=f"{forms}. Malformed, or the id of another type: INVALID_ID; naming "
        "nothing: null."
    )
