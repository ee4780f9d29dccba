"""Hostile input: each case gets a clear coded error, no 5xx, and nothing is charged."""

from __future__ import annotations

import json
from typing import Any

import pytest

import settings
from resolvers.ids import to_global_id
from tests.factories import make_author
from tests.partners.helpers import GRAPHQL_RESPONSE, codes, nested, used

STRICT = {"accept": GRAPHQL_RESPONSE}


async def post(http: Any, query: str, variables: dict[str, Any] | None = None) -> Any:
    return await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=STRICT
    )


def alias_bomb(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


REJECTED = [
    # (what, query, code, status)
    ("deep nesting", nested(13), "MAX_DEPTH_EXCEEDED", 400),
    ("alias bomb", alias_bomb(31), "MAX_ALIASES_EXCEEDED", 400),
    (
        "fragment cycle",
        "query { author(id: 1) { ...A } } fragment A on Author { ...B }"
        " fragment B on Author { ...A }",
        "GRAPHQL_VALIDATION_FAILED",
        400,
    ),
    ("token flood", "{ nodes(ids: [" + '"a" ' * 5000 + "]) { id } }", "MAX_TOKENS_EXCEEDED", 400),
    ("huge document", "{ __typename }" + "#" * (100 * 1024), "DOCUMENT_TOO_LARGE", 413),
    (
        "cost",
        "{ authors(first: 100) { nodes { works(first: 100) { nodes {"
        " citedBy(first: 100) { totalCount } } } } } }",
        "MAX_COST_EXCEEDED",
        400,
    ),
    ("parse error", "{ author(id: ", "GRAPHQL_PARSE_FAILED", 400),
    ("unknown field", "{ nope }", "GRAPHQL_VALIDATION_FAILED", 400),
]


@pytest.mark.parametrize("what,query,code,status", REJECTED, ids=[r[0] for r in REJECTED])
async def test_rejected_before_execution_and_not_charged(
    http: Any, what: str, query: str, code: str, status: int
) -> None:
    # given a hostile document / when it is sent
    response = await post(http, query)
    # then it is refused with its code, before execution, and costs nothing
    assert response.status_code == status, (what, response.text)
    assert codes(response.json()) == [code]
    assert "data" not in response.json()
    assert await used(http) == 0


async def test_limits_allow_what_they_should(db: str, http: Any) -> None:
    # given documents just within the depth and alias limits
    for query in [nested(12), alias_bomb(30)]:
        # when each is sent / then it runs
        response = await post(http, query)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()
    # and one just within the token limit (the resolver then refuses 4,980 ids)
    response = await post(http, "{ nodes(ids: [" + '"a" ' * 4980 + "]) { id } }")
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_malformed_requests_are_coded(db: str, http: Any) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        (
            {
                "content": b'{"query": "{ __typename }"',
                "headers": {"content-type": "application/json"},
            },
            400,
            "BAD_REQUEST",
        ),
        (
            {"content": b"\xff\xfe{}", "headers": {"content-type": "application/json"}},
            400,
            "BAD_REQUEST",
        ),
        (
            {"content": b"{ __typename }", "headers": {"content-type": "application/graphql"}},
            415,
            "BAD_REQUEST",
        ),
        (
            {"content": b"query={__typename}", "headers": {"content-type": "text/plain"}},
            415,
            "BAD_REQUEST",
        ),
        ({"json": [{"query": "{ __typename }"}] * 6}, 400, "BAD_REQUEST"),
        ({"json": {"query": "{ __typename }", "variables": "x"}}, 400, "BAD_REQUEST"),
        ({"json": 42}, 400, "BAD_REQUEST"),
    ]
    for request, status, code in cases:
        # when each malformed request is sent
        response = await http.post("/graphql", **request)
        # then it gets its status and a coded error, never a 5xx
        assert response.status_code == status, (request, response.text)
        assert codes(response.json()) == [code], request
    assert await used(http) == 0


async def test_oversized_body_is_413_before_it_is_read(db: str, http: Any) -> None:
    # given a body over MAX_BODY_BYTES (a huge id list)
    ids = ["x" * 30] * (settings.MAX_BODY_BYTES // 30)
    body = json.dumps(
        {"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": ids}}
    )
    # when it is posted
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    # then 413 BODY_TOO_LARGE
    assert response.status_code == 413
    assert codes(response.json()) == ["BODY_TOO_LARGE"]
    assert await used(http) == 0


async def test_huge_first_and_id_lists_are_bad_user_input(db: str, http: Any) -> None:
    for query, variables in [
        ("{ works(first: 2147483647) { totalCount } }", None),
        ("{ authors(first: -1) { totalCount } }", None),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["orcid:0"] * 101}),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["a"] * 20_000}),
    ]:
        response = await post(http, query, variables)
        assert response.status_code < 500
        assert set(codes(response.json())) == {"BAD_USER_INPUT"}, response.text
    # an Int beyond 32 bits is refused by GraphQL itself
    response = await post(http, "{ works(first: 99999999999) { totalCount } }")
    assert codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_invalid_cursors_and_ids(db: str, http: Any) -> None:
    author = await make_author()
    gid = to_global_id("Author", author.id)
    for cursor in ["", "!!!", "bm90IGpzb24", "W10", "WzEsMiwzLDQsNSw2XQ", "\u0000", "💥" * 100]:
        query = (
            "query($id: ID!, $c: String)"
            " { author(id: $id) { works(first: 2, after: $c) { totalCount } } }"
        )
        response = await post(http, query, {"id": gid, "c": cursor})
        assert response.status_code == 200, response.text
        assert set(codes(response.json())) <= {"INVALID_CURSOR"}, (cursor, response.text)
    for bad in [
        "%%%",
        "QXV0aG9yOg",
        "QXV0aG9yOi0x",
        "Zm9vOjE",
        "\ud7ff" * 3,
        " ",
        "orcid:",
        "doi:",
    ]:
        response = await post(http, "query($id: ID!) { author(id: $id) { id } }", {"id": bad})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] == {"author": None}, bad
        assert set(codes(body)) <= {"INVALID_ID"}, (bad, body)


async def test_odd_unicode_strings(db: str, http: Any) -> None:
    # given strings a fuzzer would send: NUL, lone surrogates, RTL marks, combining marks, huge
    strings = ["\x00", "a\x00b", "\u202egnp.exe", "e\u0301" * 50, "🧪" * 60, "\ufeff", "x" * 10_000]
    for text in strings:
        # when they are searched for
        response = await post(
            http, "query($t: String!) { search(text: $t) { label } }", {"t": text}
        )
        # then a result or a coded error, never a 5xx
        assert response.status_code == 200, (text[:20], response.text)
        assert set(codes(response.json())) <= {"BAD_USER_INPUT"}, (text[:20], response.text)
    raw = (
        b'{"query": "query($t: String!) { search(text: $t) { label } }",'
        b' "variables": {"t": "\\ud800"}}'
    )
    response = await http.post(
        "/graphql", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code < 500, response.text


async def test_timeout_is_coded(app: Any, http: Any) -> None:
    # given an executor with a tiny time limit
    app.state.services.executor.timeout = 1e-9
    # when a query reaching the database runs
    response = await post(http, "{ authors(first: 5) { totalCount } }")
    # then TIMEOUT
    assert response.status_code == 504
    assert codes(response.json()) == ["TIMEOUT"]


async def test_no_field_suggestions_in_production(db: str, http: Any, monkeypatch: Any) -> None:
    # given development mode, the suggestion is there
    response = await post(http, "{ autor(id: 1) { id } }")
    assert "Did you mean" in response.json()["errors"][0]["message"]
    # when the server runs in production mode
    monkeypatch.setattr(settings, "SETTINGS", settings.Settings(environment="production"))
    for query in ["{ autor(id: 1) { id } }", "{ works(orderBy: NEWST) { totalCount } }"]:
        response = await post(http, query)
        # then the message names the mistake without suggesting the schema's names
        message = response.json()["errors"][0]["message"]
        assert "Did you mean" not in message and "author" not in message, message
