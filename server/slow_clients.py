"""Slow and greedy clients at the connection level: uvicorn's httptools protocol with a deadline
for the request head and a cap on concurrent connections per address.

uvicorn times out idle keep-alive connections (`timeout_keep_alive`) but not a request whose
head trickles in one byte at a time, and the ASGI app only sees a request once its head is
complete, so both checks live in the protocol:

- the request head (request line and headers) must arrive within `HEADER_TIMEOUT_SECONDS` of
  the connection opening or of the request's first byte, else the connection gets 408 and is
  closed;
- an address holds at most `MAX_CONNECTIONS_PER_ADDRESS` open HTTP connections in this process;
  one more is answered 503 and closed at once. Trusted proxies (`PEERGRAPH_TRUSTED_PROXIES`)
  are not capped: they carry many callers. A connection upgraded to a WebSocket leaves the
  count (sockets have their own caps, server/websocket.py).

The body has its own deadline, in the ASGI app (`server.limits.BodyLimitMiddleware`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

import settings
from server.client_address import _trusted, trusted_networks

#: Open connections per peer address, in this process.
OPEN: Counter[str] = Counter()


def _reply(status: bytes, message: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: "
        + str(len(message)).encode()
        + b"\r\nconnection: close\r\n\r\n"
        + message
    )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` with a request-head deadline and a per-address connection cap."""

    _head_timer: asyncio.TimerHandle | None = None
    _counted: str | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else None
        if host is not None and not _trusted(host, trusted_networks(settings.TRUSTED_PROXIES)):
            if OPEN[host] >= settings.MAX_CONNECTIONS_PER_ADDRESS:
                transport.write(
                    _reply(b"503 Service Unavailable", b"Too many connections from this address")
                )
                transport.close()
                return
            OPEN[host] += 1
            self._counted = host
        self._arm_head_timer()

    def _release(self) -> None:
        if self._counted is not None:
            OPEN[self._counted] -= 1
            if OPEN[self._counted] <= 0:
                del OPEN[self._counted]
            self._counted = None

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(
            settings.HEADER_TIMEOUT_SECONDS, self._head_timed_out
        )

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.write(
                _reply(b"408 Request Timeout", b"The request head took too long to arrive")
            )
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._release()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is not None and self.cycle is not before:
            self.cycle.transport = HeadWithBody(self.transport)  # type: ignore[assignment]

    def on_response_complete(self) -> None:
        # a response may end without writing a body (HEAD): its head leaves now
        if self.cycle is not None and isinstance(self.cycle.transport, HeadWithBody):
            self.cycle.transport.flush()
        super().on_response_complete()

    def handle_websocket_upgrade(self) -> None:
        self._cancel_head_timer()
        self._release()
        super().handle_websocket_upgrade()


class HeadWithBody:
    """The transport of one response, holding its head (status line and headers) back until the
    first piece of its body, so that the response leaves in one write: one segment and one
    wake-up of the client, not two (uvicorn writes them apart). The head is the cycle's first
    write other than `100 Continue`, which goes at once; closing sends what is held first."""

    __slots__ = ("_head", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None
        self._held = False  # the head was held (and may since have left)

    def write(self, data: bytes) -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        elif not self._held and not data.startswith(b"HTTP/1.1 100 "):
            self._head, self._held = data, True
            return
        self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def uvicorn_options() -> dict[str, Any]:
    """What `peergraph serve` passes to uvicorn for slow clients."""
    return {
        "http": GuardedHttpToolsProtocol,
        "timeout_keep_alive": settings.KEEP_ALIVE_SECONDS,
    }
