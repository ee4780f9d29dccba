"""Arguments shared by every list field (connections and slices), with the
descriptions clients read in the schema (one wording for every field that takes them)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.errors import BadUserInput

#: the most years a `countsByYear(from, to)` answers (Author.metrics, Work)
MAX_YEAR_SPAN = 100

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


YearFrom = Annotated[int, strawberry.argument(name="from", description="The first year, included.")]
YearTo = Annotated[
    int,
    strawberry.argument(
        description=f"The last year, included; at most {MAX_YEAR_SPAN - 1} after `from`."
    ),
]


def year_span(from_: int, to: int) -> range:
    """The years of a `countsByYear(from, to)`; BAD_USER_INPUT past the bound."""
    if to < from_ or to - from_ >= MAX_YEAR_SPAN:
        raise BadUserInput(
            f"`from` must be ≤ `to`, spanning at most {MAX_YEAR_SPAN} years",
            argument="to",
            maximum=MAX_YEAR_SPAN,
        )
    return range(from_, to + 1)
