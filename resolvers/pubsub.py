"""One Redis pub/sub connection per process, shared by every subscription (fan-out in the
process), plus the token-revocation channel.

Each pending `Subscription.graphSlice` used to open a pub/sub connection of its own: 3 sockets
x 100 subscriptions took Redis from 32 clients to 359. Now a `Hub` per Redis client holds one
PubSub and one reader task; `watch` registers a queue for a channel (ref-counted: the channel
is subscribed while anyone waits on it) and the reader hands each message to every queue.

The hub is always subscribed to `keys.TOKENS_REVOKED_CHANNEL`, on which logOut and `peergraph
token revoke` publish the ids of revoked tokens; `REVOCATION_HANDLERS` (the WebSocket server
registers one) run for each. When Redis fails, the hub is broken: its waiters get
`HubBroken`, and the next `hub_for` builds a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from workers.keys import TOKENS_REVOKED_CHANNEL

log = logging.getLogger("peergraph.pubsub")

#: Called with the ids of revoked tokens (from any process).
REVOCATION_HANDLERS: list[Callable[[list[int]], Awaitable[None]]] = []


class HubBroken(Exception):
    """The shared pub/sub connection failed (Redis went away)."""


class Hub:
    def __init__(self, redis: Any) -> None:
        self.pubsub = redis.pubsub()
        self.queues: dict[str, set[asyncio.Queue[Any]]] = {}
        self.task: asyncio.Task[None] | None = None
        self.broken = False
        self.ready = asyncio.Event()
        self.lock = asyncio.Lock()

    async def start(self) -> None:
        if self.task is None:
            self.task = asyncio.create_task(self._read(), name="peergraph-pubsub")
        await self.ready.wait()
        if self.broken:
            raise HubBroken("Redis pub/sub is unavailable")

    async def _read(self) -> None:
        try:
            await self.pubsub.subscribe(TOKENS_REVOKED_CHANNEL)
            self.ready.set()
            while True:
                message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                if message is None:
                    continue
                channel = message["channel"]
                channel = channel.decode() if isinstance(channel, bytes) else str(channel)
                if channel == TOKENS_REVOKED_CHANNEL:
                    await _revoked(message["data"])
                for queue in list(self.queues.get(channel, ())):
                    queue.put_nowait(message["data"])
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("pub/sub: Redis connection lost (%s)", error)
        finally:
            self.broken = True
            self.ready.set()
            for queues in self.queues.values():
                for queue in queues:
                    queue.put_nowait(HubBroken)
            with contextlib.suppress(Exception):
                await self.pubsub.aclose()

    async def add(self, channel: str) -> asyncio.Queue[Any]:
        """A queue that receives every message on `channel` from now on."""
        await self.start()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        async with self.lock:
            waiting = self.queues.setdefault(channel, set())
            waiting.add(queue)
            if len(waiting) == 1:
                await self.pubsub.subscribe(channel)
        return queue

    async def remove(self, channel: str, queue: asyncio.Queue[Any]) -> None:
        async with self.lock:
            waiting = self.queues.get(channel)
            if waiting is None:
                return
            waiting.discard(queue)
            if not waiting:
                del self.queues[channel]
                if not self.broken:
                    with contextlib.suppress(Exception):
                        await self.pubsub.unsubscribe(channel)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


_HUBS: weakref.WeakKeyDictionary[Any, Hub] = weakref.WeakKeyDictionary()


def hub_for(redis: Any) -> Hub:
    """The process's hub on this Redis client (a new one after the last one broke)."""
    hub = _HUBS.get(redis)
    if hub is None or hub.broken:
        hub = Hub(redis)
        _HUBS[redis] = hub
    return hub


async def wait_message(queue: asyncio.Queue[Any], seconds: float) -> bool:
    """Whether a message came within `seconds`; HubBroken when the connection failed."""
    try:
        item = await asyncio.wait_for(queue.get(), seconds)
    except TimeoutError:
        return False
    if item is HubBroken:
        raise HubBroken("Redis pub/sub connection lost")
    return True


async def _revoked(data: Any) -> None:
    try:
        ids = [int(i) for i in orjson.loads(data)]
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return
    for handler in REVOCATION_HANDLERS:
        try:
            await handler(ids)
        except Exception:
            log.exception("token revocation handler failed")


async def announce_revoked(token_ids: list[int], redis: Any = None) -> None:
    """Tell every API process that these tokens are revoked (their sockets close): on `redis`,
    or on the Redis the API uses (REDIS_URL, or a running embedded one)."""
    if not token_ids:
        return
    payload = orjson.dumps(token_ids)
    if redis is not None:
        try:
            await redis.publish(TOKENS_REVOKED_CHANNEL, payload)
        except Exception as error:
            log.warning("token revocation not announced: Redis unavailable (%s)", error)
        return
    import settings
    from workers.embedded import running_embedded_url

    url = settings.REDIS_URL or running_embedded_url()
    if not url:
        return
    from redis.asyncio import Redis

    client: Any = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        await client.publish(TOKENS_REVOKED_CHANNEL, payload)
    except Exception as error:
        log.warning(
            "token revocation not announced: Redis at %s unavailable (%s); open sockets notice"
            " it within %s s",
            url,
            error,
            settings.WS_TOKEN_RECHECK_SECONDS,
        )
    finally:
        await client.aclose()
