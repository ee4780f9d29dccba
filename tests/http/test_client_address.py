"""Who the caller is: `X-Forwarded-For` counts only from a proxy in `PEERGRAPH_TRUSTED_PROXIES`
(through the real app, calling from a chosen peer address)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import settings
from server.client_address import client_address, trusted_networks

QUERY = {"query": "{ works(first: 1) { totalCount } }"}


@pytest.fixture
def peer_client(app: Any) -> Any:
    """httpx clients on the app from a given peer address."""

    def make(peer: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    return make


async def spent(client: httpx.AsyncClient, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    response = await client.post("/graphql", json=QUERY, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.headers["x-ratelimit-used"])


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(db: str, peer_client: Any) -> None:
    # given no trusted proxies, and a peer that forges X-Forwarded-For on every request
    async with peer_client("192.0.2.10") as client:
        # when it sends three requests with three forged addresses
        used = [await spent(client, f"203.0.113.{n}") for n in (1, 2, 3)]
    # then all three were charged to the peer
    assert used == [used[0], used[0] + 1, used[0] + 2]


async def test_forwarded_for_from_a_trusted_proxy_names_the_caller(
    db: str, peer_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a trusted proxy network, and a proxy in it relaying two different callers
    monkeypatch.setattr(settings, "TRUSTED_PROXIES", "10.0.0.0/8")
    async with peer_client("10.1.2.3") as proxy:
        # when each caller sends a request through it (the client forged a first hop)
        first = await spent(proxy, "198.51.100.99, 198.51.100.7")
        second = await spent(proxy, "198.51.100.8")
        again = await spent(proxy, "6.6.6.6, 198.51.100.7, 10.9.9.9")
    # then each caller has a budget of its own, by the nearest untrusted hop
    assert (first, second, again) == (1, 1, 2)


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("127.0.0.1", ["1.2.3.4"], "127.0.0.1"),  # loopback is not trusted by default
        ("10.0.0.5", ["1.2.3.4"], "1.2.3.4"),
        ("10.0.0.5", ["not-an-ip"], "10.0.0.5"),
        ("10.0.0.5", [], "10.0.0.5"),
        ("10.0.0.5", ["10.0.0.6, 10.0.0.7"], "10.0.0.5"),
        ("10.0.0.5", ["9.9.9.9", "8.8.8.8"], "8.8.8.8"),
        ("192.0.2.1", ["1.2.3.4"], "192.0.2.1"),
    ],
)
def test_the_caller_is_the_nearest_untrusted_hop(
    monkeypatch: pytest.MonkeyPatch, peer: str, forwarded: list[str], expected: str
) -> None:
    # given 10.0.0.0/8 trusted (and nothing else)
    monkeypatch.setattr(settings, "TRUSTED_PROXIES", "10.0.0.0/8")
    # when / then
    assert client_address(peer, forwarded) == expected


def test_a_bad_trusted_proxy_entry_is_named() -> None:
    # when the setting holds something that is not an address / then the error names it
    with pytest.raises(ValueError, match=r"'proxy\.internal'"):
        trusted_networks("10.0.0.1, proxy.internal")
