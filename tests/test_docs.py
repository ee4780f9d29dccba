"""The docs agree with the server: every example in README.md and docs/*.md runs against a live
`peergraph serve` on the demo data and answers what the text says it answers (the convention is
in tests/doc_examples.py), a limit is the code's, and no doc sends the reader to a file the
repository does not have."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from schema.args import MAX_YEAR_SPAN
from tests.conftest import SHARED_DATA, shared_data
from tests.doc_examples import PLACEHOLDERS, Example, extract, fill, mismatches
from tests.serving import Server, command_env, run_command, serving

ROOT = Path(__file__).resolve().parent.parent
API_MD = ROOT / "docs" / "api.md"
DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
OPENALEX = SHARED_DATA / "openalex"
EXTRACTED = extract()
UNTIL_S = 60.0
DOCS_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Live:
    """The docs' server: `peergraph demo` data (plus the OpenAlex samples when present), served
    from `cwd` with `env`, and the values of the placeholders."""

    server: Server
    cwd: Path
    env: dict[str, str]
    values: dict[str, str]


def _post(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.post(
        url, json={"query": query, "variables": variables or {}}, timeout=30
    ).json()
    return answer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`make demo`'s data on the embedded default (SQLite, embedded Redis, in-process worker) in
    a var directory of its own, the OpenAlex samples the partner examples use, a user and a key."""
    tmp = tmp_path_factory.mktemp("docs")
    env = command_env(
        DATABASE_URL=None,
        REDIS_URL=None,
        PEERGRAPH_INPROCESS_WORKER=None,
        PEERGRAPH_TRUSTED_DOCUMENTS=None,
        PEERGRAPH_VAR_DIR=str(tmp / "var"),
    )
    run_command(tmp, env, "demo")
    files = sorted(OPENALEX.glob("*/*.jsonl"))
    if files:
        run_command(tmp, env, "import", "openalex", *map(str, files))
    token = run_command(tmp, env, "user", "create", "docs@example.org").stdout.split()[-1]
    key = run_command(tmp, env, "apikey", "create", "Docs").stdout.split()[-1]
    with serving(tmp, env) as server:
        hits = _post(server.url, '{ search(text: "Mimi Xie", kinds: [AUTHOR]) { node { id } } }')
        values = {"AUTHOR_ID": hits["data"]["search"][0]["node"]["id"], "TOKEN": token}
        values["API_KEY"] = key
        if files:
            topic = _post(server.url, '{ topic(id: "openalex:T10319") { id } }')["data"]["topic"]
            values["TOPIC_ID"] = topic["id"]
        assert sorted(values) == sorted(PLACEHOLDERS) or not files
        yield Live(server, tmp, env, values)


def _document(example: Example) -> str:
    wrap = example.directives.get("wrap")
    return str(wrap).replace("BLOCK", example.request) if wrap else example.request


def _over_http(example: Example, live: Live) -> dict[str, Any]:
    headers = fill(example.directives.get("headers", {}), live.values)
    body = {
        "query": fill(_document(example), live.values),
        "variables": fill(example.directives.get("variables", {}), live.values),
    }
    answer: dict[str, Any] = httpx.post(
        live.server.url, json=body, headers=headers, timeout=30
    ).json()
    return answer


def _with_curl(example: Example, live: Live) -> dict[str, Any]:
    """The block as a reader pastes it into a shell in the repository, at the test's server."""
    script = fill(example.request, live.values).replace(DOCS_URL, live.server.base)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"the block failed ({done.returncode}):\n{done.stderr}"
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _over_websocket(example: Example, live: Live) -> list[dict[str, Any]]:
    """Every update of a subscription (graphql-transport-ws), until the server completes it."""
    url = live.server.url.replace("http://", "ws://")
    updates: list[dict[str, Any]] = []
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_ack"
        payload = {
            "query": fill(_document(example), live.values),
            "variables": fill(example.directives.get("variables", {}), live.values),
        }
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        deadline = time.monotonic() + UNTIL_S
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=UNTIL_S))
            if message["type"] == "next":
                updates.append(message["payload"])
            elif message["type"] == "complete":
                return updates
            else:
                raise AssertionError(f"unexpected message {message}")
    raise AssertionError(f"no `complete` in {UNTIL_S:g}s after {updates}")


def _answers(example: Example, live: Live) -> tuple[Any, Any]:
    """The first answer and the one `until` is checked against."""
    if example.directives.get("transport") == "ws":
        updates = _over_websocket(example, live)
        assert updates, "the subscription completed without an update"
        return updates[0], updates[-1]
    send = _with_curl if example.language in ("sh", "bash") else _over_http
    first = latest = send(example, live)
    until = example.directives.get("until")
    deadline = time.monotonic() + UNTIL_S
    while until is not None and mismatches(until, latest, set()) and time.monotonic() < deadline:
        time.sleep(0.3)
        latest = send(example, live)
    return first, latest


def test_every_example_follows_the_convention() -> None:
    # given every graphql, curl and json block of the docs
    # then each is a runnable example, or a part of one, by the convention
    assert EXTRACTED.problems == []
    assert len(EXTRACTED.examples) >= 10


@pytest.mark.parametrize("example", EXTRACTED.examples, ids=lambda e: e.id)
def test_the_example_answers_what_the_doc_says(example: Example, live: Live) -> None:
    # given the live demo server, cold slices when the example says so
    if example.directives.get("data") == "openalex":
        shared_data("openalex")
    if example.directives.get("setup") == "invalidate-slices":
        run_command(live.cwd, live.env, "invalidate-slices")
    # when the example is sent as the doc shows it
    first, last = _answers(example, live)
    # then the answers are the ones the doc claims
    ignore = example.directives.get("ignore", set())
    assert mismatches(example.directives.get("expect", "…"), first, ignore) == [], first
    assert mismatches(example.directives.get("until", "…"), last, ignore) == [], last


def test_the_counts_by_year_limit_in_the_guide_is_the_codes() -> None:
    assert f"the range is at most {MAX_YEAR_SPAN} years" in API_MD.read_text()


def test_no_doc_cites_a_file_the_repository_does_not_have() -> None:
    # given every Markdown doc's relative links
    broken = [
        f"{doc.relative_to(ROOT)}: {link}"
        for doc in DOCS
        for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text())
        if not (doc.parent / link).exists()
    ]
    # then each names a file that exists, and none sends the reader to DESIGN.md, which is the
    # steering document of the project and not part of the repository
    assert broken == []
    assert [str(doc.relative_to(ROOT)) for doc in DOCS if "DESIGN.md" in doc.read_text()] == []
