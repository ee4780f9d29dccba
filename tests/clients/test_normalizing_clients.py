"""Real normalizing clients against a real `peergraph serve`: Apollo Client 4 (InMemoryCache,
defaults) and relay-runtime 21 (its store, documents compiled by relay-compiler from the committed
schema.graphql), pinned in tests/clients/package-lock.json. Each reads two overlapping graph slices
(the same authors at different hops) and the profile, then reads all three back from its cache:
every record must be what the server sent. A control run aliases `id: entityId` in the slice nodes
(the old contract) and must show the corruption, so the comparison is known to see it.

Needs node and npm: skipped without them locally, failed on CI (`CI=true`), like the
graphql-http audit. `npm ci` runs here when node_modules is missing.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import (
    Server,
    command_env,
    require_node,
    require_npm_packages,
    run_command,
    serving,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WHAT = "the normalizing-client test (Apollo Client and relay-runtime)"
SLICE = "query($input: GraphSliceInput!) { graphSlice(input: $input) { status nodes { hop } } }"


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=HERE, capture_output=True, text=True, timeout=timeout, check=False
    )


def _prepare() -> None:
    """`npm ci` when needed, then relay-compiler over src/ (with the trusted profile document)
    against the committed schema."""
    require_npm_packages(HERE, "node_modules/relay-compiler/package.json", WHAT)
    profile = (REPO / "docs" / "queries" / "profile.graphql").read_text()
    renamed = profile.replace("query Profile(", "query ExplorerProfileQuery(", 1)
    assert renamed != profile, "docs/queries/profile.graphql no longer names its query Profile"
    (HERE / "src" / "ExplorerProfile.js").write_text(
        f"// written by test_normalizing_clients.py\nexport const profile = graphql`\n{renamed}`;\n"
    )
    (HERE / "__generated__").mkdir(exist_ok=True)
    done = _run([str(HERE / "node_modules" / ".bin" / "relay-compiler")], 120)
    assert done.returncode == 0, f"relay-compiler failed:\n{done.stdout}\n{done.stderr}"


def _record(key: str, **fields: Any) -> str:
    return json.dumps({"id": f"https://openalex.org/{key}", **fields})


def _authorship(key: str, name: str) -> dict[str, Any]:
    return {"author": {"id": f"https://openalex.org/{key}", "display_name": name}}


def _records() -> str:
    """Ada and Bob share two works, Bob and Cy one; one work cites another."""
    names = {"A901": "Ada Lovelace", "A902": "Bob Babbage", "A903": "Cy Somerville"}
    works = [
        ("W901", ["A901", "A902"], 2019, []),
        ("W902", ["A901", "A902"], 2021, ["W901"]),
        ("W903", ["A902", "A903"], 2022, ["W902"]),
    ]
    lines = [
        _record(
            key,
            title=f"Work {key}",
            publication_year=year,
            authorships=[_authorship(a, names[a]) for a in authors],
            referenced_works=[f"https://openalex.org/{r}" for r in refs],
            cited_by_count=3,
        )
        for key, authors, year, refs in works
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def server(tmp_path: Path, redis_url: str) -> Iterator[Server]:
    """`peergraph serve` with its in-process worker, on a SQLite file holding the records."""
    env = command_env(
        DATABASE_URL=f"sqlite://{tmp_path / 'clients.sqlite3'}",
        REDIS_URL=redis_url,
        PEERGRAPH_VAR_DIR=str(tmp_path / "var"),
        PEERGRAPH_INPROCESS_WORKER="true",
    )
    run_command(tmp_path, env, "migrate")
    (tmp_path / "works.jsonl").write_text(_records())
    run_command(tmp_path, env, "import", "openalex", str(tmp_path / "works.jsonl"))
    with serving(tmp_path, env) as server:
        yield server


def _post(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = httpx.post(
        url, json={"query": query, "variables": variables}, timeout=10
    ).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _ready(url: str, slice_input: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sl: dict[str, Any] = _post(url, SLICE, {"input": slice_input})["graphSlice"]
        if sl["status"] != "PENDING":
            assert sl["status"] == "READY", sl
            return sl
        time.sleep(0.3)
    raise AssertionError("slice still PENDING")


def test_apollo_and_relay_caches_return_every_record_as_sent(server: Server) -> None:
    # given two READY slices centred on co-authors, so each shows the other at another hop
    node = require_node(WHAT)
    _prepare()
    ids = {
        key: _post(server.url, "query($id: ID!) { author(id: $id) { id } }", {"id": key})["author"][
            "id"
        ]
        for key in ("openalex:A901", "openalex:A902")
    }
    slice_a = {"center": ids["openalex:A901"], "radius": 2}
    slice_b = {"center": ids["openalex:A902"], "radius": 1}
    hops_a, hops_b = _ready(server.url, slice_a), _ready(server.url, slice_b)
    assert sorted(n["hop"] for n in hops_a["nodes"]) != sorted(n["hop"] for n in hops_b["nodes"])
    # when Apollo and Relay each read both slices and the profile, then read them from the cache
    args = {"url": server.url, "sliceA": slice_a, "sliceB": slice_b}
    argv = [node, str(HERE / "clients.mjs"), json.dumps({**args, "author": ids["openalex:A901"]})]
    done = _run(argv, 120)
    assert done.returncode == 0, f"clients.mjs failed:\n{done.stderr}\n{server.log_tail()}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # then every answer, fresh or cached, is what the server sent, and Relay warned of nothing
    assert report["apollo"]["mismatches"] == []
    assert report["relay"]["mismatches"] == []
    assert report["relay"]["warnings"] == []
    # and the old contract (an `id` equal to the entity's) corrupts Apollo's cache, as reported
    assert report["control"]["mismatches"], "the control should have shown merged slice nodes"
