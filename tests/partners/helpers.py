"""Shared helpers for the partner-access tests."""

from __future__ import annotations

from typing import Any

GRAPHQL_RESPONSE = "application/graphql-response+json"


def codes(body: Any) -> list[str]:
    """The `extensions.code` of every error in a response body (a batch included)."""
    bodies = body if isinstance(body, list) else [body]
    return [e["extensions"]["code"] for b in bodies for e in b.get("errors", [])]


async def used(http: Any, headers: dict[str, str] | None = None) -> int:
    """Points the caller has spent in this window (asking is free)."""
    response = await http.post(
        "/graphql", json={"query": "{ rateLimit { used } }"}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    value: int = response.json()["data"]["rateLimit"]["used"]
    return value


def nested(depth: int) -> str:
    """A valid query exactly `depth` fields deep: author → works → nodes → authorships → author …"""
    openers = ["works(first: 1)", "nodes", "authorships", "author"]
    leaves = ["totalCount", "id", "position", "id"]
    chain = [openers[i % 4] for i in range(depth - 2)]
    leaf = leaves[(depth - 3) % 4] if depth > 2 else "id"
    inner = leaf
    for field in reversed(chain):
        inner = f"{field} {{ {inner} }}"
    return f'{{ author(id: "orcid:0000-0002-1825-0097") {{ {inner} }} }}'
