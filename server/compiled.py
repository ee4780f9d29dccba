"""Compiled plans for trusted documents: today only the explorer's slice read
(docs/queries/slice.graphql, planned by server/slice_plan.py).

Every other read, the trusted profile included, is answered by the planner (server/planner/),
which plans any document from the fields' declarations; the slice read moves there once the
slice contract settles. A trusted document is compiled once, on first use; a plan answers only
the happy path and returns None otherwise, and the next path answers instead. It runs after the
pre-execution hooks (cost, rate limits). `PEERGRAPH_COMPILED_PLANS=false` turns it off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from graphql import DocumentNode

import settings
from schema.context import Context
from server.slice_plan import compile_slice

log = logging.getLogger("peergraph.compiled")


class Plan(Protocol):
    async def run(
        self, variables: dict[str, Any] | None, ctx: Context
    ) -> dict[str, Any] | None: ...


_PLANS: dict[str, Plan | None] = {}
_TRUSTED: dict[int, frozenset[str]] = {}
#: Compilers of trusted documents, tried in turn: each returns a plan (anything with
#: `async run(variables, ctx)`) or None.
OTHER_COMPILERS: list[Callable[[DocumentNode], Any]] = [compile_slice]


def trusted_documents() -> frozenset[str]:
    """The text of every trusted document (docs/queries/*.graphql), as the frontend sends it
    (or as automatic persisted queries restore it from its hash)."""
    from server.persisted import trusted_documents as documents

    loaded = documents()
    key = id(loaded)
    if key not in _TRUSTED:
        _TRUSTED.clear()
        _TRUSTED[key] = frozenset(loaded.by_hash.values())
    return _TRUSTED[key]


def plan_for(query: str, document: DocumentNode) -> Plan | None:
    """The compiled plan of a trusted document (compiled on first use), or None."""
    if query not in trusted_documents():
        return None
    if query not in _PLANS:
        _PLANS[query] = next(filter(None, (c(document) for c in OTHER_COMPILERS)), None)
    return _PLANS[query]


async def run_compiled(
    query: str, document: DocumentNode, variables: dict[str, Any] | None, ctx: Context
) -> dict[str, Any] | None:
    """`data` from the compiled plan, or None when the next path must answer."""
    plan = plan_for(query, document) if settings.COMPILED_PLANS else None
    if plan is None:
        return None
    try:
        return await plan.run(variables, ctx)
    except Exception:
        log.exception("compiled plan failed; the general executor answers")
        return None


__all__ = ["Plan", "plan_for", "run_compiled", "trusted_documents"]
