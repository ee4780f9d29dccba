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
    """A query `depth` fields deep: author → works → edges → node → authorships → author …"""
    inner = "id"
    levels = 1
    while levels < depth:
        inner = f"authorships {{ author {{ {inner} }} }}"
        levels += 2
    return f'{{ work(id: "doi:10.1/x") {{ {inner} }} }}'
