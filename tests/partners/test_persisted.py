"""Automatic persisted queries (POST and GET), trusted documents and the introspection policy."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import settings
from models.enums import ApiTier
from resolvers.admin_keys import create_key
from tests.partners.helpers import codes, used

#: unique per run: persisted queries outlive a test in the process's cache
QUERY = f"query Count {{ works(first: 3) {{ totalCount }} }} # {uuid.uuid4()}"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def apq(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_apq_miss_register_then_hash_only(db: str, http: Any) -> None:
    # given an unknown hash (a query this process has never seen) / when it is sent alone
    query = f"{{ works(first: 3) {{ totalCount }} }} # {uuid.uuid4()}"
    digest = hashlib.sha256(query.encode()).hexdigest()
    miss = await http.post("/graphql", json={"extensions": apq(digest)})
    # then PERSISTED_QUERY_NOT_FOUND, and nothing is charged
    assert miss.status_code == 200
    assert codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert await used(http) == 0
    # when the query is sent with its hash, it runs and is stored
    stored = await http.post("/graphql", json={"query": query, "extensions": apq(digest)})
    assert stored.json()["data"] == {"works": {"totalCount": 0}}
    # then the hash alone runs it, over POST and over GET (cacheable by a CDN)
    again = await http.post("/graphql", json={"extensions": apq(digest)})
    assert again.json()["data"] == {"works": {"totalCount": 0}}
    get = await http.get("/graphql", params={"extensions": json.dumps(apq(digest))})
    assert get.status_code == 200
    assert get.json()["data"] == {"works": {"totalCount": 0}}
    # and each run was charged once, plus one point for storing the document
    assert await used(http) == 3 + 1


async def test_apq_bad_requests(db: str, http: Any) -> None:
    cases = [
        ({"query": QUERY, "extensions": apq("0" * 64)}, "PERSISTED_QUERY_HASH_MISMATCH"),
        ({"extensions": apq("not-a-hash")}, "PERSISTED_QUERY_INVALID"),
        (
            {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": HASH}}},
            "PERSISTED_QUERY_INVALID",
        ),
        ({"extensions": {"persistedQuery": "x"}}, "PERSISTED_QUERY_INVALID"),
    ]
    for payload, code in cases:
        response = await http.post("/graphql", json=payload)
        assert response.status_code < 500
        assert codes(response.json()) == [code], payload
    # a mutation stored by hash is still refused over GET
    assert await used(http) == 0


async def test_trusted_documents_mode(db: str, http: Any, monkeypatch: Any) -> None:
    # given trusted-documents mode and the frontend's profile query
    monkeypatch.setattr(settings, "TRUSTED_DOCUMENTS", True)
    profile = (settings.TRUSTED_DOCUMENTS_DIR / "profile.graphql").read_text()
    variables = {"id": "orcid:0000-0002-1825-0097"}
    # when an anonymous caller sends another document
    other = await http.post("/graphql", json={"query": QUERY})
    # then it is refused with TRUSTED_DOCUMENT_REQUIRED, uncharged
    assert other.status_code == 403
    assert codes(other.json()) == ["TRUSTED_DOCUMENT_REQUIRED"]
    assert await used(http) == 0
    # but the trusted document runs: as text, reformatted, or by its hash alone
    digest = hashlib.sha256(profile.encode()).hexdigest()
    payloads: list[dict[str, Any]] = [
        {"query": profile},
        {"query": " ".join(profile.split()) + "\n# a comment"},
        {"extensions": apq(digest)},
    ]
    for payload in payloads:
        response = await http.post("/graphql", json={**payload, "variables": variables})
        assert response.json() == {
            "data": {"author": None},
            "extensions": response.json()["extensions"],
        }
    # and a partner key may run anything
    key = await create_key("Acme", ApiTier.PARTNER)
    response = await http.post("/graphql", json={"query": QUERY}, headers={"x-api-key": key})
    assert response.json()["data"] == {"works": {"totalCount": 0}}


async def test_introspection_policy(db: str, http: Any, monkeypatch: Any) -> None:
    query = "{ __schema { queryType { name } } }"
    # given introspection is on for anonymous callers by default
    response = await http.post("/graphql", json={"query": query})
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    # when it is turned off for them
    monkeypatch.setattr(settings, "ANONYMOUS_INTROSPECTION", False)
    for q in [
        query,
        '{ ... on Query { __type(name: "Author") { name } } }',
        "{ ...F } fragment F on Query { __schema { description } }",
    ]:
        response = await http.post(
            "/graphql", json={"query": q}, headers={"accept": "application/graphql-response+json"}
        )
        assert response.status_code == 403
        assert codes(response.json()) == ["INTROSPECTION_DISABLED"]
    # then __typename still works, and a key may introspect
    assert (await http.post("/graphql", json={"query": "{ __typename }"})).json()["data"]
    key = await create_key("Acme", ApiTier.PARTNER)
    response = await http.post("/graphql", json={"query": query}, headers={"x-api-key": key})
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}


def test_trusted_documents_are_the_committed_frontend_queries() -> None:
    # the allowlist is docs/queries/*.graphql, every one of them a valid document
    from server.persisted import trusted_documents

    files = sorted(Path(settings.TRUSTED_DOCUMENTS_DIR).glob("*.graphql"))
    assert files, "docs/queries/*.graphql is the allowlist"
    assert len(trusted_documents().by_hash) == len(files)


async def test_anonymous_sign_up_and_log_in_pass_in_trusted_documents_mode(
    db: str, http: Any, monkeypatch: Any
) -> None:
    # given trusted-documents mode, and the frontend's sign-up and log-in documents
    monkeypatch.setattr(settings, "TRUSTED_DOCUMENTS", True)
    sign_up = (settings.TRUSTED_DOCUMENTS_DIR / "sign_up.graphql").read_text()
    log_in = (settings.TRUSTED_DOCUMENTS_DIR / "log_in.graphql").read_text()
    credentials = {"email": "ada@example.org", "password": "correct horse battery"}
    # when an anonymous visitor signs up, then logs in, as the frontend does
    signed_up = await http.post("/graphql", json={"query": sign_up, "variables": credentials})
    logged_in = await http.post("/graphql", json={"query": log_in, "variables": credentials})
    # then both run and return a token
    assert signed_up.status_code == 200, signed_up.text
    assert signed_up.json()["data"]["signUp"]["token"]
    assert logged_in.json()["data"]["logIn"]["user"]["email"] == "ada@example.org"
    # but another mutation document is still refused
    other = await http.post(
        "/graphql",
        json={"query": 'mutation { signUp(email: "x@example.org", password: "p") { token } }'},
    )
    assert other.status_code == 403
    assert codes(other.json()) == ["TRUSTED_DOCUMENT_REQUIRED"]
