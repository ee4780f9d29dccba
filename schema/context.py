"""The typed per-request GraphQL context (resolvers/context.py) and the `Info` alias types use."""

from __future__ import annotations

import strawberry

from resolvers.context import Context, Principal

Info = strawberry.Info[Context, None]

__all__ = ["Context", "Info", "Principal"]
