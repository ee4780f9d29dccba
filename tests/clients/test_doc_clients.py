"""docs/clients.md's set-ups, as written there, against a live `peergraph serve`: Apollo Client,
Relay and urql (npm, pinned in tests/clients/package-lock.json) and Python gql (pinned in the dev
extras). Each sends a query, sends it again as an automatic persisted query (by hash only), follows
a graph slice over the WebSocket subscription until it completes READY, and reads the query back
from its cache; and a browser on another origin passes the CORS preflight the page describes.

Needs node and npm for the JavaScript clients: skipped without them locally, failed on CI."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import httpx
from gql import GraphQLRequest

from tests.clients.conftest import HERE, REPO, prepare_relay, run_node
from tests.serving import Server, require_node

WHAT = "the client set-ups of docs/clients.md (Apollo Client, Relay, urql)"
CLIENTS_MD = REPO / "docs" / "clients.md"
DOCS_HOST = "127.0.0.1:8000"
WORK = "query Work($id: ID!) { work(id: $id) { id title publicationYear } }"
SLICE = """subscription Slice($input: GraphSliceInput!) {
  graphSlice(input: $input) { id status nodes { entityId kind label hop } }
}"""


def set_ups() -> dict[str, str]:
    """Each `<!-- client NAME -->` block of docs/clients.md, by NAME."""
    text = CLIENTS_MD.read_text()
    blocks = re.findall(r"<!-- client (\w+) -->\n```\w+\n(.*?)^```", text, re.S | re.M)
    return dict(blocks)


def _live(code: str, server: Server) -> str:
    host = server.base.removeprefix("http://")
    assert DOCS_HOST in code, "the set-up no longer names the server's address"
    return code.replace(DOCS_HOST, host)


def _ids(server: Server) -> tuple[str, str, dict[str, Any]]:
    """A work's global id and title, and a slice input around its first author."""
    query = '{ work(id: "openalex:W902") { id title } author(id: "openalex:A901") { id } }'
    data = httpx.post(server.url, json={"query": query}, timeout=10).json()["data"]
    return data["work"]["id"], data["work"]["title"], {"center": data["author"]["id"]}


def test_the_page_sets_up_every_client_it_names() -> None:
    # given docs/clients.md
    text = CLIENTS_MD.read_text()
    # then it has a tested set-up for each client, and no other code block of a client language
    assert sorted(set_ups()) == ["apollo", "gql", "relay", "urql"]
    assert len(re.findall(r"^```(?:js|python)$", text, re.M)) == 4


def test_the_javascript_set_ups_query_subscribe_and_persist(server: Server) -> None:
    # given the three JavaScript set-ups, as the page writes them, pointed at the live server
    node = require_node(WHAT)
    (HERE / "doc").mkdir(exist_ok=True)
    for name in ("apollo", "relay", "urql"):
        (HERE / "doc" / f"{name}.js").write_text(_live(set_ups()[name], server))
    (HERE / "doc" / "package.json").write_text('{"type": "module"}\n')
    prepare_relay(WHAT)
    work, title, slice_input = _ids(server)
    # when each queries a work twice, follows a slice and reads the work from its cache
    args = {"work": work, "title": title, "slice": slice_input}
    done = run_node([node, str(HERE / "doc_clients.mjs"), json.dumps(args)], 180)
    assert done.returncode == 0, f"doc_clients.mjs failed:\n{done.stderr}\n{server.log_tail()}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # then each got the work both times, once at least by its hash alone, and its cache has it
    for name in ("apollo", "relay", "urql"):
        got = report[name]
        assert got["titles"] == [title, title], name
        assert got["persistedHits"] >= 1, name
        assert got["cached"] == title, name
        # and the subscription ended READY
        assert got["statuses"] and got["statuses"][-1] == "READY", (name, got["statuses"])


def _gql_module(server: Server, tmp_path: Path) -> Any:
    path = tmp_path / "peergraph_client.py"
    path.write_text(_live(set_ups()["gql"], server))
    spec = importlib.util.spec_from_file_location("peergraph_client", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_python_set_up_queries_subscribes_and_persists(
    server: Server, tmp_path: Path
) -> None:
    # given the gql set-up, as the page writes it, pointed at the live server
    client = _gql_module(server, tmp_path)
    work, title, slice_input = _ids(server)
    # when it queries a work
    async with client.make_client() as session:
        answer = await session.execute(GraphQLRequest(WORK, variable_values={"id": work}))
    # and follows a slice over the subscription
    statuses = []
    async with client.make_subscription_client() as session:
        request = GraphQLRequest(SLICE, variable_values={"input": slice_input})
        async for update in session.subscribe(request):
            statuses.append(update["graphSlice"]["status"])
    # and sends a query of its own as a persisted query
    query = WORK.replace("Work(", "PersistedWork(")
    first = await client.persisted(query, {"id": work})
    # then each answered, the slice ended READY, and the server now knows the query by its hash
    assert answer["work"]["title"] == title
    assert statuses[-1] == "READY", statuses
    assert first["data"]["work"]["title"] == title
    digest = hashlib.sha256(query.encode()).hexdigest()
    body = {
        "variables": {"id": work},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
    }
    async with httpx.AsyncClient(timeout=10) as http:
        by_hash = (await http.post(server.url, json=body)).json()
    assert by_hash["data"]["work"]["title"] == title


def test_a_browser_on_another_origin_passes_the_preflight(server: Server) -> None:
    # when a page on another origin asks to send a credentialed POST
    response = httpx.options(
        server.url,
        headers={
            "Origin": "https://app.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-api-key",
        },
        timeout=10,
    )
    # then the default PEERGRAPH_CORS_ORIGINS lets it, with the headers the page names
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://app.example.org")
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "x-api-key"} <= set(
        allowed.replace(" ", "").split(",")
    )
