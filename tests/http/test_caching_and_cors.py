"""What shared caches may keep, and which headers a browser may send cross-origin: answers to
requests with credentials are private; a browser's common tracing and client headers pass the
CORS preflight. Through the real app on a real database and Redis."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import settings
from models.enums import ApiTier
from resolvers.admin_keys import create_key
from server.http import CORS_ALLOW_HEADERS
from tests.factories_social import signed_in

VIEWER = "{ viewer { user { email } } }"


def vary(response: httpx.Response) -> set[str]:
    return {v.strip() for v in response.headers.get("vary", "").split(",")}


async def test_a_signed_in_get_is_private_and_varies_on_credentials(
    db: str, client: httpx.AsyncClient
) -> None:
    # given a signed-in user
    _user, headers = await signed_in()
    # when they read their email over GET (what a CDN in front of GET would see)
    response = await client.get("/graphql", params={"query": VIEWER}, headers=headers)
    # then no shared cache may keep it, and any cache keys it on the credentials
    assert response.status_code == 200
    assert "@" in response.json()["data"]["viewer"]["user"]["email"]
    assert response.headers["cache-control"] == "private, no-store"
    assert {"Authorization", "X-API-Key"} <= vary(response)


async def test_a_partner_get_is_private(db: str, client: httpx.AsyncClient) -> None:
    # given a partner key
    raw = await create_key("partner", ApiTier.PARTNER)
    # when it reads over GET / then the answer is private
    response = await client.get(
        "/graphql", params={"query": "{ rateLimit { used } }"}, headers={"X-API-Key": raw}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert {"Authorization", "X-API-Key"} <= vary(response)


async def test_a_bad_token_answer_is_private(db: str, client: httpx.AsyncClient) -> None:
    # when a forged token is sent / then the 401 is not cached either
    response = await client.get(
        "/graphql", params={"query": VIEWER}, headers={"Authorization": "Bearer forged"}
    )
    assert response.status_code == 401
    assert response.headers["cache-control"] == "private, no-store"


async def test_an_anonymous_get_may_be_kept_briefly(db: str, client: httpx.AsyncClient) -> None:
    # when an anonymous caller reads public data over GET
    response = await client.get("/graphql", params={"query": "{ works(first: 1) { totalCount } }"})
    # then a shared cache may keep it for a short while, keyed on the credentials too
    assert response.status_code == 200
    max_age = settings.PUBLIC_MAX_AGE
    assert response.headers["cache-control"] == f"public, max-age={max_age}"
    assert {"Authorization", "X-API-Key"} <= vary(response)


@pytest.mark.parametrize(
    ("method", "query"),
    [("POST", "{ works(first: 1) { totalCount } }"), ("GET", '{ node(id: "bad") { id } }')],
)
async def test_posts_and_errors_are_never_shared(
    db: str, client: httpx.AsyncClient, method: str, query: str
) -> None:
    # when an anonymous POST, or a GET answering an error, comes back
    if method == "POST":
        response = await client.post("/graphql", json={"query": query})
    else:
        response = await client.get("/graphql", params={"query": query})
    # then it is not kept by a shared cache
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(
    "header",
    [
        "apollographql-client-name",
        "apollographql-client-version",
        "traceparent",
        "sentry-trace",
        "baggage",
    ],
)
async def test_the_preflight_allows_common_client_headers(client: Any, header: str) -> None:
    # given a browser on another origin about to POST with a header its client library adds
    preflight = {
        "Origin": "https://explorer.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": f"content-type,{header}",
    }
    # when it sends the preflight
    response = await client.options("/graphql", headers=preflight)
    # then the header is allowed
    assert response.status_code == 200, response.text
    allowed = response.headers["access-control-allow-headers"].lower()
    assert header in allowed
    assert header in CORS_ALLOW_HEADERS
