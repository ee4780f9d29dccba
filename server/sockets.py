"""What a WebSocket may keep doing: its token is checked again before each operation, a revoked
token closes every socket signed in with it (in any process, over the revocation channel), and
subscriptions are capped per socket and per caller.

- `token_refusal`: before each operation, the socket's token must still be valid (checked in the
  database at most every `WS_TOKEN_RECHECK_SECONDS`); else UNAUTHENTICATED.
- `watch_token`: a signed-in socket is listed under its token; `peergraph token revoke` and
  `logOut` publish the token's id, and each process closes its sockets for it with 4401.
- `claim_subscription`: at most `MAX_SUBSCRIPTIONS_PER_SOCKET` subscriptions on one socket and
  `MAX_SUBSCRIPTIONS_PER_CALLER` for one caller (budget identity) in this process; one more gets
  `TOO_MANY_SUBSCRIPTIONS`.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType

import settings
from resolvers.auth import forget_tokens, token_still_valid
from resolvers.budget import caller
from resolvers.pubsub import REVOCATION_HANDLERS, hub_for
from schema.context import Context

log = logging.getLogger("peergraph.sockets")

REVOKED_CLOSE_CODE = 4401
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"

#: token id → the sockets signed in with it, in this process
_BY_TOKEN: dict[int, weakref.WeakSet[Any]] = {}
#: running subscriptions per caller, in this process
SUBSCRIPTIONS: Counter[str] = Counter()


async def watch_token(token_id: int, websocket: Any, redis: Any) -> None:
    """List the socket under its token, and make sure this process hears revocations."""
    _BY_TOKEN.setdefault(token_id, weakref.WeakSet()).add(websocket)
    if redis is not None:
        try:
            await hub_for(redis).start()
        except Exception as error:  # the per-operation check still holds
            log.warning("revocation channel unavailable (%s)", error)


async def close_revoked(token_ids: list[int]) -> None:
    """Close every socket of this process signed in with one of these tokens."""
    forget_tokens(token_ids)
    for token_id in token_ids:
        for websocket in list(_BY_TOKEN.pop(token_id, ())):
            with contextlib.suppress(Exception):
                await websocket.close(code=REVOKED_CLOSE_CODE, reason="token revoked")


if close_revoked not in REVOCATION_HANDLERS:
    REVOCATION_HANDLERS.append(close_revoked)


async def token_refusal(ctx: Context) -> list[GraphQLError]:
    """[] while the socket's token (if any) is valid; else UNAUTHENTICATED (the revocation
    message closes the socket; this holds when it did not arrive, or the token expired)."""
    token_id = ctx.principal.token_id
    if token_id is None or await token_still_valid(token_id):
        return []
    message = "The token is invalid, expired or revoked: log in again"
    return [GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})]


def _is_subscription(ctx: Any, query: str, name: str | None) -> bool:
    """Judged from the executor's cached parse (the operation passed its checks already)."""
    document = ctx.request.app.state.services.executor.prepare(query).document
    if document is None:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [d for d in operations if d.name and d.name.value == name]
    return len(operations) == 1 and operations[0].operation is OperationType.SUBSCRIPTION


def claim_subscription(
    ctx: Any, query: str, name: str | None
) -> tuple[Any, str] | GraphQLError | None:
    """A slot for a new subscription (None for queries and mutations), or the refusal."""
    if not _is_subscription(ctx, query, name):
        return None
    who, _limit = caller(ctx.principal)
    per_socket = settings.MAX_SUBSCRIPTIONS_PER_SOCKET
    per_caller = settings.MAX_SUBSCRIPTIONS_PER_CALLER
    if getattr(ctx, "subscriptions", 0) >= per_socket:
        over = f"this socket runs {per_socket} subscriptions already"
    elif SUBSCRIPTIONS[who] >= per_caller:
        over = f"you run {per_caller} subscriptions already"
    else:
        ctx.subscriptions = getattr(ctx, "subscriptions", 0) + 1
        SUBSCRIPTIONS[who] += 1
        return ctx, who
    return GraphQLError(
        f"Too many subscriptions: {over}; complete one first",
        extensions={"code": TOO_MANY_SUBSCRIPTIONS, "perSocket": per_socket},
    )


def _release(slot: tuple[Any, str]) -> None:
    ctx, who = slot
    ctx.subscriptions -= 1
    SUBSCRIPTIONS[who] -= 1
    if SUBSCRIPTIONS[who] <= 0:
        del SUBSCRIPTIONS[who]


def released(result: Any, slot: tuple[Any, str] | None) -> Any:
    """`result` (a stream or a single result), giving the slot back when it ends."""
    if slot is None:
        return result
    if not hasattr(result, "__aiter__"):
        _release(slot)
        return result

    async def guarded() -> AsyncGenerator[Any, None]:
        iterator: AsyncIterator[Any] = result
        try:
            async for item in iterator:
                yield item
        finally:
            _release(slot)
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()

    return guarded()
