"""Cost declarations, next to the fields they price: `metadata=cost(weight=10)`.

The analysis that reads them before an operation runs is server/cost.py.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def cost(weight: int = 0, *, list_size: int | None = None, free: bool = False) -> dict[str, Cost]:
    """`strawberry.field(metadata=cost(weight=10))`: declare a field's cost next to it."""
    return {"cost": Cost(weight, list_size, free)}


#: Declarations for fields whose module does not declare them itself, keyed "Type.field".
DECLARED: dict[str, Cost] = {
    # priced like Query.graphSlice (schema/slices.py): a read or a poll costs 1 point, and each
    # request that starts a computation pays the rest when it enqueues it (resolvers/slices.py),
    # so a list of authors pays 9 more for each slice it starts, and a profile page with its
    # graph panel stays about 1 point
    "Author.graphSlice": Cost(weight=1),
}
