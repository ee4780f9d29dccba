"""Partner access: `Query.rateLimit`, and the checks every operation goes through.

Before parsing: automatic persisted queries, then the document size. While validating (cached
with the document): token, depth and alias limits. Before executing, in this order: the
trusted-documents and introspection policy, the cost (`MAX_COST_EXCEEDED`), the budget
(`RATE_LIMITED`), then storing a newly persisted query. A refused operation is never charged.
"""

from __future__ import annotations

import datetime

import strawberry

from resolvers.budget import Charge, spend
from schema import cost
from schema.context import Info


@strawberry.type(description="The caller's hourly point budget, as this query left it.")
class RateLimit:
    limit: int = strawberry.field(description="Points per window for this caller.")
    cost: int = strawberry.field(description="Points this query cost.")
    remaining: int = strawberry.field(description="Points left in this window.")
    used: int = strawberry.field(description="Points spent in this window.")
    reset_at: datetime.datetime = strawberry.field(description="When the window resets.")
    node_count: int = strawberry.field(description="Nodes this query can return at most.")

    @classmethod
    def of(cls, charge: Charge) -> RateLimit:
        return cls(
            limit=charge.limit,
            cost=charge.cost,
            remaining=charge.remaining,
            used=charge.used,
            reset_at=charge.reset_at,
            node_count=charge.node_count,
        )


@strawberry.type
class PartnerQueries:
    @strawberry.field(
        description="Your budget: what this query cost and what is left. Querying only"
        " `rateLimit` is free, and works when the budget is spent.",
        metadata=cost.cost(free=True),
    )
    async def rate_limit(self, info: Info) -> RateLimit:
        numbers = info.context.response_extensions.get("cost")
        if numbers is None:  # not metered (a subscription): read the budget as it stands
            return RateLimit.of(await spend(info.context, 0))
        return RateLimit(
            limit=numbers["limit"],
            cost=numbers["requested"],
            remaining=numbers["remaining"],
            used=numbers["used"],
            reset_at=datetime.datetime.fromisoformat(numbers["resetAt"]),
            node_count=numbers["nodeCount"],
        )


__all__ = ["PartnerQueries", "RateLimit"]
