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
