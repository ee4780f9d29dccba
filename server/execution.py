"""Running one GraphQL operation: cached parse and validation, operation checks, hooks, execution
and error formatting with stable codes.

The parse and validation results depend only on the document text (the schema is fixed), so
both are cached; graphql-core's validation visitor is the single largest cost of a small query
otherwise. Execution goes straight to graphql-core with Strawberry's execution context.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    specified_rules,
    validate,
)
from graphql.language import DefinitionNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.utils.await_maybe import AwaitableOrValue

import settings
from resolvers.errors import ApiError
from resolvers.sql import begin_operation, end_operation
from resolvers.telemetry.context import note_error_id
from schema.context import Context
from server.lru import LRU
from server.planner import Written, run_planned
from server.routing import route_operation

log = logging.getLogger("peergraph.graphql")
T = TypeVar("T")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_REQUEST = "BAD_REQUEST"
INTERNAL = "INTERNAL"


class RequestError(Exception):
    """An error before execution: the response has no `data` (HTTP 400 under
    application/graphql-response+json)."""

    def __init__(self, errors: list[GraphQLError], status: int = 400) -> None:
        super().__init__(errors[0].message if errors else "request error")
        self.errors = errors
        self.status = status


def coded(message: str, code: str, **extra: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extra})


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """The same error (message, locations, path) carrying `extensions.code`."""
    return GraphQLError(
        error.message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        error.original_error,
        {**(error.extensions or {}), "code": code},
    )


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed and validated document; `errors` holds parse or validation failures."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...] = ()


@dataclass
class Operation:
    """One operation of a request, as it goes through the pipeline."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    document: DocumentNode | None = None
    definition: OperationDefinitionNode | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> OperationType | None:
        return self.definition.operation if self.definition else None


#: Checks that run after validation and before execution (limits, cost, rate limits,
#: persisted queries). They raise `RequestError` or `ApiError` to stop the operation.
PreExecutionHook = Callable[[Operation, Context], Awaitable[None]]
PRE_EXECUTION_HOOKS: list[PreExecutionHook] = []
#: Validation rules added to graphql-core's (depth and alias limits register here).
EXTRA_RULES: list[type[ASTValidationRule]] = []
#: Hooks that rewrite the request before parsing (automatic persisted queries).
PRE_PARSE_HOOKS: list[Callable[[Operation, Context], Awaitable[None]]] = []
#: Rewrite every error message on the way out (production strips field suggestions).
MESSAGE_FILTERS: list[Callable[[str], str]] = []


class Executor:
    """Holds the schema and the document cache; one per process."""

    def __init__(self, graphql_schema: Any, cache_size: int = 1000) -> None:
        self.schema = graphql_schema
        self.cache: LRU[str, Prepared] = LRU(cache_size)
        self.timeout: float | None = None

    def prepare(self, query: str) -> Prepared:
        cached = self.cache.get(query)
        if cached is not None:
            return cached
        try:
            # the token limit bounds the parser itself, before an AST is built for a huge document
            document = parse(query, max_tokens=settings.MAX_TOKENS)
        except GraphQLError as error:
            too_long = "tokens. Parsing aborted" in error.message
            code = "MAX_TOKENS_EXCEEDED" if too_long else PARSE_FAILED
            prepared = Prepared(None, (with_code(error, code),))
        else:
            rules = [*specified_rules, *EXTRA_RULES]
            errors = validate(self.schema, document, rules)
            prepared = Prepared(
                # a document that failed validation is never executed: cache only its errors
                None if errors else document,
                tuple(e if _has_code(e) else with_code(e, VALIDATION_FAILED) for e in errors),
            )
        self.cache.put(query, prepared)
        return prepared

    async def run(
        self, op: Operation, ctx: Context, *, allow_mutations: bool = True
    ) -> dict[str, Any]:
        """Execute one operation and return the response body. Raises `RequestError`."""
        token = begin_operation()
        try:
            return await self._run(op, ctx, allow_mutations=allow_mutations)
        finally:
            end_operation(token)

    async def _run(self, op: Operation, ctx: Context, *, allow_mutations: bool) -> dict[str, Any]:
        for hook in PRE_PARSE_HOOKS:
            await hook(op, ctx)
        prepared = self.prepare(op.query)
        if prepared.errors:
            raise RequestError(list(prepared.errors))
        assert prepared.document is not None
        op.document = prepared.document
        op.definition = _select_operation(prepared.document.definitions, op.operation_name)
        if op.kind is OperationType.SUBSCRIPTION:
            raise RequestError(
                [
                    coded(
                        "Subscriptions are served over WebSocket (graphql-transport-ws)"
                        " at /graphql",
                        BAD_REQUEST,
                    )
                ]
            )
        if op.kind is OperationType.MUTATION and not allow_mutations:
            raise RequestError(
                [coded("Mutations are not allowed over GET; use POST", BAD_REQUEST)], 405
            )
        route_operation(prepared.document, op.definition)  # replica or primary (server/routing.py)
        for pre in PRE_EXECUTION_HOOKS:
            await pre(op, ctx)
        # a query or a mutation: the planner, if it covers the document
        assert op.definition is not None
        middleware: list[Any] = []
        planned = run_planned(
            self.schema,
            op.query,
            prepared.document,
            op.definition,
            op.variables,
            ctx,
            op.meta.get("variable_values"),  # coerced once, by the cost analysis
        )
        try:
            data = await _within(planned, self.timeout)
        except Written as written:  # a mutation ran: the executor answers, not running it again
            data, middleware = None, [written]
        if data is not None:
            extensions = dict(ctx.response_extensions)
            return {"data": data, "extensions": extensions} if extensions else {"data": data}
        outcome = execute(
            self.schema,
            prepared.document,
            context_value=ctx,
            variable_values=op.variables,
            operation_name=op.operation_name,
            middleware=middleware or None,
            executor_class=StrawberryGraphQLCoreExecutionContext,
        )
        result = await _await(outcome, self.timeout)
        if result.data is None and result.errors and _is_variable_error(result):
            raise RequestError([_format_request_error(e) for e in result.errors])
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [format_error(e) for e in result.errors]
        body["data"] = result.data
        if ctx.response_extensions:
            body["extensions"] = dict(ctx.response_extensions)
        return body


async def _await(
    outcome: AwaitableOrValue[ExecutionResult], limit: float | None
) -> ExecutionResult:
    if not asyncio.iscoroutine(outcome) and not isinstance(outcome, asyncio.Future):
        return outcome  # type: ignore[return-value]
    if limit is None:
        result: ExecutionResult = await outcome
        return result
    try:
        return await asyncio.wait_for(outcome, limit)
    except TimeoutError:
        raise RequestError(
            [coded(f"The operation took longer than {limit:g}s and was stopped", "TIMEOUT")], 504
        ) from None


async def _within(outcome: Awaitable[T], limit: float | None) -> T:
    """`outcome`, stopped with TIMEOUT (as the executor is) after `limit` seconds."""
    if limit is None:
        return await outcome
    try:
        # in this task (no extra task per request, as wait_for would make)
        async with asyncio.timeout(limit):
            return await outcome
    except TimeoutError:
        raise RequestError(
            [coded(f"The operation took longer than {limit:g}s and was stopped", "TIMEOUT")], 504
        ) from None


def _select_operation(
    definitions: tuple[DefinitionNode, ...] | list[DefinitionNode], name: str | None
) -> OperationDefinitionNode:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        if len(operations) == 1:
            return operations[0]
        raise RequestError(
            [coded("The document has several operations: pass `operationName`", BAD_REQUEST)]
        )
    for op in operations:
        if op.name and op.name.value == name:
            return op
    raise RequestError([coded(f"Unknown operation named '{name}'", BAD_REQUEST)])


def _is_variable_error(result: ExecutionResult) -> bool:
    return all(e.path is None for e in result.errors or [])


def _format_request_error(error: GraphQLError) -> GraphQLError:
    if _has_code(error):
        return error
    return with_code(error, BAD_USER_INPUT)


def _has_code(error: GraphQLError) -> bool:
    return bool(error.extensions and "code" in error.extensions)


def format_error(error: GraphQLError) -> dict[str, Any]:
    """Every error gets `extensions.code`; an unexpected exception is masked and logged."""
    original = error.original_error
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        out["path"] = error.path
    if isinstance(original, ApiError):
        out["extensions"] = dict(original.extensions or {})
    elif original is not None and not isinstance(original, GraphQLError):
        error_id = uuid.uuid4().hex[:16]
        log.error("unexpected error %s at %s", error_id, error.path, exc_info=original)
        note_error_id(error_id)
        out["message"] = f"Internal error (errorId {error_id}); it has been logged."
        out["extensions"] = {"code": INTERNAL, "errorId": error_id}
    elif isinstance(original, GraphQLError) and _has_code(original):
        out["extensions"] = dict(original.extensions or {})
    elif _has_code(error):
        out["extensions"] = dict(error.extensions or {})
    else:
        out["extensions"] = {"code": BAD_USER_INPUT if error.path is None else INTERNAL}
    for message_filter in MESSAGE_FILTERS:
        out["message"] = message_filter(out["message"])
    return out
