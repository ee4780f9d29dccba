"""The caller's address: the socket peer, or `X-Forwarded-For` only from a trusted proxy.

Budgets and sign-in throttles are kept per address, so an address the caller can choose is a
fresh budget per request. uvicorn runs with its proxy-header support off (`peergraph serve`
passes `proxy_headers=False`: its default trusts `X-Forwarded-For` from 127.0.0.1), and this
module decides instead: only when the peer is in `PEERGRAPH_TRUSTED_PROXIES` (addresses or
networks, comma-separated; default none) is `X-Forwarded-For` read, from the right, skipping
the trusted proxies, and the first address that is not one of them is the caller.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """The networks in a `PEERGRAPH_TRUSTED_PROXIES` value; ValueError names a bad entry."""
    networks: list[Network] = []
    for part in spec.split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"PEERGRAPH_TRUSTED_PROXIES: {entry!r} is not an address or network"
            ) from None
    return tuple(networks)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: Iterable[str] = ()) -> str:
    """The caller's address, given the socket peer and every `X-Forwarded-For` header value."""
    host = peer or "unknown"
    networks = trusted_networks(settings.TRUSTED_PROXIES)
    if not networks or not _trusted(host, networks):
        return host
    hops = [h.strip() for value in forwarded_for for h in value.split(",")]
    for hop in reversed(hops):
        if not hop:
            continue
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return host  # a malformed chain: believe only the peer
        if not _trusted(hop, networks):
            return hop
    return host


def of_connection(connection: object) -> str:
    """`client_address` of a Starlette Request or WebSocket."""
    client = getattr(connection, "client", None)
    peer = client.host if client else None
    if not trusted_networks(settings.TRUSTED_PROXIES):
        return peer or "unknown"  # no proxy is believed: the headers are not even read
    headers = getattr(connection, "headers", None)
    values = headers.getlist("x-forwarded-for") if headers is not None else []
    return client_address(peer, values)
