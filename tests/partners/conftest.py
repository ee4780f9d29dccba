"""Fixtures for the partner-access tests: an HTTP client on the real app whose caller has an
address of its own, so budgets never mix with other tests sharing the Redis database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest

_addresses = itertools.count(1)


def fresh_ip() -> str:
    n = next(_addresses)
    return f"198.51.{n // 250 % 250}.{n % 250 + 1}"


@pytest.fixture
async def http(app: Any) -> AsyncIterator[Any]:
    """An httpx client on the app, calling from an address no other test uses."""
    import httpx

    transport = httpx.ASGITransport(app=app, client=(fresh_ip(), 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
def redis_url(redis_url: str) -> str:
    """A Redis database of their own on a server (other suites flush theirs between tests,
    which would reset the budgets these tests count)."""
    if redis_url.startswith("redis://"):
        base, number = redis_url.rsplit("/", 1)
        return f"{base}/{int(number) + 1}"
    return redis_url
