"""The one place where the execution pipeline is wired: every hook HTTP and WebSocket run.

Before parsing: automatic persisted queries, then the document size. While validating (cached
with the document): token, depth and alias limits. Before executing, in this order: the
trusted-documents and introspection policy, the cost (`MAX_COST_EXCEEDED`), the budget
(`RATE_LIMITED`, charging the operation and the storage of a newly persisted query together),
then storing that query. A refused operation is never charged, and stores nothing.
Errors leave through `format_error`, which masks the unexpected ones (subscriptions too).
"""

from __future__ import annotations

import strawberry

from resolvers.budget import spend
from schema.context import Context
from server import cost, limits, observe, persisted
from server.execution import (
    EXTRA_RULES,
    MESSAGE_FILTERS,
    PRE_EXECUTION_HOOKS,
    PRE_PARSE_HOOKS,
    Executor,
    Operation,
)
from server.websocket import CodedMaskErrors, unexpected_error


async def gate(op: Operation, ctx: Context) -> None:
    """Pre-execution hook: policy, cost, budget; then store a newly persisted query."""
    from schema import schema

    found = cost.analyse(schema._schema, op)
    persisted.check_policy(op, ctx, free=found.free)
    cost.enforce(found)
    storing = persisted.storage_points(op, free=found.free)
    await spend(ctx, found.points + storing, found.nodes)
    await persisted.store_persisted(op, ctx)


def _mask_subscription_errors() -> CodedMaskErrors:
    return CodedMaskErrors(should_mask_error=unexpected_error)


def install(schema: strawberry.Schema) -> None:
    """Register the hooks, rules and error masking (idempotent)."""
    for hook in (observe.note_request, persisted.resolve_persisted, limits.check_document_size):
        if hook not in PRE_PARSE_HOOKS:
            PRE_PARSE_HOOKS.append(hook)
    for rule in limits.RULES:
        if rule not in EXTRA_RULES:
            EXTRA_RULES.append(rule)
    for pre in (observe.name_operation, gate):
        if pre not in PRE_EXECUTION_HOOKS:
            PRE_EXECUTION_HOOKS.append(pre)
    if limits.without_suggestions not in MESSAGE_FILTERS:
        MESSAGE_FILTERS.append(limits.without_suggestions)
    # Strawberry runs subscriptions itself; it reads its extensions on every operation
    if _mask_subscription_errors not in schema.extensions:
        schema.extensions = (*schema.extensions, _mask_subscription_errors)


def build_executor(schema: strawberry.Schema | None = None) -> Executor:
    """The process's executor for `schema` (the served one by default), with every hook."""
    if schema is None:
        from schema import schema as served

        schema = served
    install(schema)
    return Executor(schema._schema)


__all__ = ["build_executor", "gate", "install"]
