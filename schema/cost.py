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
    # Query.graphSlice declares its own (schema/slices.py); this one is the full price of a
    # computation up front, since a list of authors multiplies it
    "Author.graphSlice": Cost(weight=10),
}
