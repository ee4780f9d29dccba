"""/metrics: the counters move with the requests, charges, refusals and slice jobs they count."""

from __future__ import annotations

from typing import Any

import pytest

import settings
from tests.conftest import GraphQLClient
from tests.factories import make_author
from tests.ops.helpers import scrape, value
from tests.slices.helpers import gid, make_coauthors, until_done

NAMED = (
    "query OpsProbe($id: ID!) { author(id: $id) { displayName works(first: 5) { totalCount } } }"
)


async def test_a_request_is_counted_by_operation_status_and_caller_with_its_sql_and_time(
    client: Any, gql: GraphQLClient
) -> None:
    # given an author, and the metrics before
    ada = await make_author(display_name="Ada")
    before = await scrape(client)
    # when an anonymous caller runs a named query twice
    for _ in range(2):
        body = await gql(NAMED, {"id": gid("Author", ada.id)})
        assert body["data"]["author"]["displayName"] == "Ada"
    after = await scrape(client)

    # then it is counted under its name, status 200 and caller kind anonymous
    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    labels = {"operation": "OpsProbe", "caller": "anonymous"}
    assert moved("peergraph_requests_total", status="200", **labels) == 2
    # and its latency and SQL statements were observed once per request
    assert moved("peergraph_request_duration_seconds_count", **labels) == 2
    assert moved("peergraph_request_sql_statements_count", operation="OpsProbe") == 2
    assert moved("peergraph_request_sql_statements_sum", operation="OpsProbe") >= 2
    # and the points it cost were charged to anonymous callers
    assert moved("peergraph_points_spent_total", caller="anonymous") >= 2


async def test_an_unnamed_operation_a_parse_error_and_a_bad_token_are_labelled(
    client: Any, gql: GraphQLClient
) -> None:
    # given the metrics before
    before = await scrape(client)
    # when a document names its operation only inside, one does not parse, one has a bad token
    await gql("query Inside { rateLimit { remaining } }")
    await gql("query { nope", headers={"Accept": "application/graphql-response+json"})
    await gql("{ rateLimit { remaining } }", headers={"Authorization": "Bearer wrong"})
    after = await scrape(client)

    def moved(**labels: str) -> float:
        name = "peergraph_requests_total"
        return value(after, name, **labels) - value(before, name, **labels)

    # then each is counted with a bounded, meaningful label
    assert moved(operation="Inside", status="200", caller="anonymous") == 1
    assert moved(operation="(anonymous)", status="400", caller="anonymous") == 1
    assert moved(operation="-", status="401", caller="invalid") == 1


async def test_a_refused_operation_counts_as_rate_limited_and_spends_nothing(
    client: Any, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an anonymous budget of 1 point per window, spent by a first query
    monkeypatch.setattr(settings, "BUDGET_ANONYMOUS", 1)
    query = "query Costly { works(first: 1) { totalCount } }"
    assert "errors" not in await gql(query)
    before = await scrape(client)
    # when the same query comes again
    body = await gql(query)
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # then one refusal is counted, as a 429 of that operation, and no points
    assert moved("peergraph_rate_limited_total", caller="anonymous") == 1
    assert moved("peergraph_requests_total", operation="Costly", status="429") == 1
    assert moved("peergraph_points_spent_total", caller="anonymous") == 0


async def test_slice_misses_hits_computations_and_job_durations_are_counted(
    client: Any, gql: GraphQLClient, worker: Any
) -> None:
    # given two co-authors, and the metrics before
    ada, _bob = await make_coauthors()
    variables = {"input": {"center": gid("Author", ada.id), "radius": 1}}
    before = await scrape(client)
    # when the explorer asks for a slice until it is READY, then asks again
    assert (await until_done(gql, variables))["status"] == "READY"
    await gql(
        "query Again($input: GraphSliceInput!) { graphSlice(input: $input) { status } }", variables
    )
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # then the first request missed, the worker computed it once, and later reads hit the cache
    assert moved("peergraph_slice_lookups_total", result="miss") >= 1
    assert moved("peergraph_slice_lookups_total", result="hit") >= 2
    assert moved("peergraph_slice_computations_total", outcome="ready") == 1
    job = {"function": "compute_slice", "outcome": "ready"}
    assert moved("peergraph_job_duration_seconds_count", **job) == 1
    # and the queue depth is read from Redis at the scrape: nothing waits now
    assert value(after, "peergraph_queue_depth") == 0


async def test_with_a_metrics_token_only_its_bearer_may_scrape(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a metrics token
    monkeypatch.setattr(settings, "METRICS_TOKEN", "s3cret-token")
    # when /metrics is asked without it, with a wrong one, and with it
    missing = await client.get("/metrics")
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-tokeX"})
    right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    # then only the right one gets the metrics; the others a coded 401 that says what to send
    for refused in (missing, wrong):
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "PEERGRAPH_METRICS_TOKEN" in refused.json()["errors"][0]["message"]
    assert right.status_code == 200
    assert "# HELP peergraph_requests_total" in right.text
