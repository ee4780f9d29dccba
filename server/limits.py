"""Limits on the shape and size of a request, each a setting (docs/partners.md#limits).

- validation rules (cached with the document, so they depend only on its text): depth, aliases
  and tokens; fragment cycles are graphql-core's own NoFragmentCycles rule;
- the document size, checked before parsing (a persisted query is checked too);
- the request body size, an ASGI middleware that answers 413 before the app reads the body;
- field suggestions ("Did you mean …?") removed from error messages in production.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import orjson
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)
from graphql.language import Lexer, Source, TokenKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import settings
from schema.context import Context
from server.execution import Operation, RequestError, coded

MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED"
MAX_ALIASES_EXCEEDED = "MAX_ALIASES_EXCEEDED"
MAX_TOKENS_EXCEEDED = "MAX_TOKENS_EXCEEDED"
DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
BODY_TOO_LARGE = "BODY_TOO_LARGE"
BODY_TIMEOUT = "BODY_TIMEOUT"

#: Introspection is bounded by the schema itself, so its nesting does not count.
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def _error(message: str, code: str, node: Any = None, **numbers: int) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code, **numbers})


class DepthLimitRule(ASTValidationRule):
    """Each operation nests at most `MAX_DEPTH` fields, counted through fragments."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragment_depths: dict[str, int] = {}

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        limit = settings.MAX_DEPTH
        depth = self._depth(node.selection_set, frozenset())
        if depth > limit:
            name = f"'{node.name.value}' " if node.name else ""
            self.report_error(
                _error(
                    f"The operation {name}nests {depth} fields deep; the limit is {limit}",
                    MAX_DEPTH_EXCEEDED,
                    node,
                    depth=depth,
                    maximum=limit,
                )
            )

    def _depth(self, selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    continue
                deepest = max(deepest, 1 + self._depth(selection.selection_set, seen))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self._depth(selection.selection_set, seen))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self._fragment_depth(selection.name.value, seen))
        return deepest

    def _fragment_depth(self, name: str, seen: frozenset[str]) -> int:
        if name in seen:  # a cycle: NoFragmentCycles reports it
            return 0
        if name not in self.fragment_depths:
            fragment: FragmentDefinitionNode | None = self.context.get_fragment(name)
            depth = self._depth(fragment.selection_set, seen | {name}) if fragment else 0
            self.fragment_depths[name] = depth
        return self.fragment_depths[name]


class AliasLimitRule(ASTValidationRule):
    """A document holds at most `MAX_ALIASES` aliased fields (alias bombs)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.count = 0

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.alias is not None:
            self.count += 1

    def leave_document(self, node: DocumentNode, *_args: Any) -> None:
        limit = settings.MAX_ALIASES
        if self.count > limit:
            self.report_error(
                _error(
                    f"The document uses {self.count} aliases; the limit is {limit}",
                    MAX_ALIASES_EXCEEDED,
                    count=self.count,
                    maximum=limit,
                )
            )


class TokenLimitRule(ASTValidationRule):
    """A document holds at most `MAX_TOKENS` lexical tokens (comments excluded)."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> None:
        limit = settings.MAX_TOKENS
        if node.loc is None:
            return
        count = count_tokens(node.loc.source, limit)
        if count > limit:
            self.report_error(
                _error(
                    f"The document has more than {limit} tokens",
                    MAX_TOKENS_EXCEEDED,
                    maximum=limit,
                )
            )


def count_tokens(source: Source, stop_after: int) -> int:
    """Tokens in `source`, counting no further than `stop_after + 1`."""
    lexer = Lexer(source)
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
        if count > stop_after:
            break
    return count


RULES: tuple[type[ASTValidationRule], ...] = (TokenLimitRule, DepthLimitRule, AliasLimitRule)


async def check_document_size(op: Operation, _ctx: Context) -> None:
    """Pre-parse hook: a document over `MAX_DOCUMENT_BYTES` is rejected before parsing."""
    limit = settings.MAX_DOCUMENT_BYTES
    size = len(op.query.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise RequestError(
            [
                coded(
                    f"The document is {size} bytes; the limit is {limit}",
                    DOCUMENT_TOO_LARGE,
                    size=size,
                    maximum=limit,
                )
            ],
            413,
        )


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    """The message without graphql-core's "Did you mean …?" hints, in production mode."""
    if not settings.SETTINGS.production:
        return message
    return _SUGGESTION.sub("", message)


class BodyLimitMiddleware:
    """Answer 413 `BODY_TOO_LARGE` to a request body over `MAX_BODY_BYTES`, before the app
    reads it: a declared Content-Length is checked first, a streamed body as it arrives; and
    408 `BODY_TIMEOUT` to a body that takes longer than `BODY_TIMEOUT_SECONDS` in all."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = settings.MAX_BODY_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        deadline = asyncio.get_running_loop().time() + settings.BODY_TIMEOUT_SECONDS
        while more:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await _body_timeout(send)
                return
            if message["type"] != "http.request":
                return  # the client went away
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > limit:
                await _too_large(send, limit)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            text = bytes(value).decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _too_large(send: Send, limit: int) -> None:
    message = f"The request body is larger than {limit} bytes"
    await _refuse(send, 413, message, {"code": BODY_TOO_LARGE, "maximum": limit})


async def _body_timeout(send: Send) -> None:
    seconds = settings.BODY_TIMEOUT_SECONDS
    message = f"The request body did not arrive within {seconds:g} seconds"
    await _refuse(send, 408, message, {"code": BODY_TIMEOUT, "maximum": seconds})


async def _refuse(send: Send, status: int, message: str, extensions: dict[str, Any]) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": extensions}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
