"""Real processes: `peergraph serve --workers 2` whose /metrics adds up both API processes and
whose JSON log has one line per request; `peergraph worker` with its own /metrics and the
requesting request's id in its job lines."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import GraphQLClient
from tests.ops.helpers import parse, value
from tests.serving import REPO, command_env, current_db_url, free_port, run_command, serving
from tests.slices.helpers import SLICE_QUERY, gid, make_coauthors

PROBE = "query LiveProbe { works(first: 1) { totalCount } }"
REQUESTS = 6


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The log's JSON lines (every line must be one)."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def test_two_api_processes_add_up_in_metrics_and_log_one_json_line_per_request(
    tmp_path: Path, redis_url: str
) -> None:
    # given `serve --workers 2` on a migrated database, with JSON logs
    env = command_env(
        DATABASE_URL=f"sqlite://{tmp_path / 'live.sqlite3'}",
        REDIS_URL=redis_url,
        PEERGRAPH_VAR_DIR=str(tmp_path / "var"),
        PEERGRAPH_LOG_FORMAT="json",
        PEERGRAPH_LOG_LEVEL="info",
    )
    run_command(tmp_path, env, "migrate")
    with serving(tmp_path, env, "serve", "--workers", "2") as server:
        # when a client sends the same named query six times, on new connections, the first
        # with its own request id and the second with one that is not a plain token
        ids = ["live-probe-1", "bad id!"] + [""] * (REQUESTS - 2)
        answered = []
        for request_id in ids:
            headers = {"X-Request-Id": request_id} if request_id else {}
            response = httpx.post(server.url, json={"query": PROBE}, headers=headers, timeout=30)
            assert response.status_code == 200, response.text
            answered.append(response.headers["x-request-id"])
        # then every scrape, whichever process answers it, counts all six
        for _ in range(6):
            samples = parse(httpx.get(f"{server.base}/metrics", timeout=30).text)
            name = "peergraph_requests_total"
            assert value(samples, name, operation="LiveProbe", status="200") == REQUESTS
            assert value(samples, "peergraph_points_spent_total", caller="anonymous") >= REQUESTS
    # and both processes kept their metrics in the var directory's metrics folder
    pids = {p.stem.rsplit("_", 1)[-1] for p in (tmp_path / "var" / "metrics").glob("*.db")}
    assert len(pids) >= 2, pids
    # and the client's plain request id came back; the other was replaced by a fresh one
    assert answered[0] == "live-probe-1"
    assert answered[1] != "bad id!" and len(answered[1]) == 32
    # and each request logged one JSON line with its id, operation, caller, cost, SQL and time
    access = [line for line in json_lines(server.log) if line.get("logger") == "peergraph.access"]
    assert sorted(line["requestId"] for line in access) == sorted(answered)
    first = next(line for line in access if line["requestId"] == "live-probe-1")
    assert first["operation"] == "LiveProbe"
    assert first["caller"] == "anonymous"
    assert first["status"] == 200
    assert first["cost"] >= 1
    assert first["sql"] >= 0
    assert first["durationMs"] > 0
    assert first["level"] == "INFO"
    # and no SQL statement reached the log
    assert "SELECT" not in server.log.read_text()


async def test_the_worker_serves_its_own_metrics_and_logs_the_request_behind_a_slice(
    db: str, gql: GraphQLClient, redis: Any, redis_url: str, tmp_path: Path
) -> None:
    # given a `peergraph worker` process with its metrics on a port of its own and JSON logs
    port = free_port()
    env = command_env(
        DATABASE_URL=current_db_url(),
        REDIS_URL=redis_url,
        PEERGRAPH_WORKER_METRICS_PORT=str(port),
        PEERGRAPH_LOG_FORMAT="json",
        PEERGRAPH_LOG_LEVEL="info",
    )
    log_path = tmp_path / "worker.log"
    ada, _bob = await make_coauthors()
    variables = {"input": {"center": gid("Author", ada.id)}}
    with log_path.open("w") as log:
        worker = subprocess.Popen(  # noqa: ASYNC220 (stopped and waited for below)
            [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(['worker']))"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            # when the explorer asks for a slice with its request id, and polls until READY
            first = await gql(SLICE_QUERY, variables, headers={"X-Request-Id": "slice-req-1"})
            assert first["data"]["graphSlice"]["status"] == "PENDING", first
            for _ in range(300):
                body = await gql(SLICE_QUERY, variables)
                if body["data"]["graphSlice"]["status"] != "PENDING":
                    break
                await asyncio.sleep(0.1)
            assert body["data"]["graphSlice"]["status"] == "READY", log_path.read_text()
            # then the worker's own /metrics counts the computation and its duration
            async with httpx.AsyncClient() as http:
                text = (await http.get(f"http://127.0.0.1:{port}/metrics", timeout=10)).text
            samples = parse(text)
            job = {"function": "compute_slice", "outcome": "ready"}
            assert value(samples, "peergraph_job_duration_seconds_count", **job) == 1
            assert value(samples, "peergraph_slice_computations_total", outcome="ready") == 1
        finally:
            worker.terminate()
            worker.wait(15)
    # and its log has one JSON line for the job, with the id of the request that caused it
    jobs = [line for line in json_lines(log_path) if line.get("logger") == "peergraph.jobs"]
    computed = [line for line in jobs if line.get("function") == "compute_slice"]
    assert [line["requestId"] for line in computed] == ["slice-req-1"], jobs
    assert computed[0]["outcome"] == "ready"
    assert computed[0]["jobId"].startswith("peergraph:slice:")
