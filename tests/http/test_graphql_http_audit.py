"""The third-party GraphQL-over-HTTP audit (`auditServer` from the npm package `graphql-http`,
pinned in tests/http/package.json) against a real `peergraph serve` on a free port.

It needs node and npm; without them the test is skipped, except on CI (`CI=true`), where it fails.
The npm packages are installed with `npm ci` into tests/http/node_modules (gitignored) when missing.
The audit must report 0 errors and 0 warnings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serving import Server, command_env, npm_ci, run_command, serving

HERE = Path(__file__).resolve().parent
ON_CI = os.environ.get("CI") == "true"
AUDIT_TIMEOUT_S = 180.0


def _unavailable(reason: str) -> None:
    if ON_CI:
        pytest.fail(f"{reason}; on CI the graphql-http audit must run")
    pytest.skip(reason)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed, so the graphql-http audit cannot run")
        raise AssertionError  # unreachable: _unavailable raises
    return node


def _ensure_node_modules() -> None:
    if (HERE / "node_modules" / "graphql-http" / "package.json").is_file():
        return
    failed = npm_ci(HERE)
    if failed is not None:
        _unavailable(f"{failed}, so graphql-http cannot be installed for the audit")


@pytest.fixture
def server(tmp_path: Path, redis_url: str) -> Iterator[Server]:
    """`peergraph serve` in a subprocess, on a migrated temporary SQLite file and the test Redis."""
    env = command_env(
        DATABASE_URL=f"sqlite://{tmp_path / 'audit.sqlite3'}",
        REDIS_URL=redis_url,
        PEERGRAPH_VAR_DIR=str(tmp_path / "var"),
        PEERGRAPH_INPROCESS_WORKER="false",
    )
    run_command(tmp_path, env, "migrate")
    with serving(tmp_path, env) as server:
        yield server


def _run_audit(url: str) -> dict[str, Any]:
    node = _node()
    _ensure_node_modules()
    done = subprocess.run(
        [node, str(HERE / "audit.mjs"), url],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT_S,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"the audit printed nothing (exit {done.returncode}): {done.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def test_graphql_http_audit_reports_no_error_and_no_warning(server: Server) -> None:
    # given peergraph serving on a real socket
    # when graphql-http's auditServer runs every GraphQL-over-HTTP audit against it
    report = _run_audit(server.url)
    failures = [r for r in report["results"] if r["status"] in ("warn", "error")]
    summary = (
        f"graphql-http audit: {report['ok']} ok, {report['notice']} notices, "
        f"{report['warn']} warnings, {report['error']} errors"
    )
    print(summary)
    # then it reports no error and no warning, and it did run the audits
    assert report["ok"] > 0, summary
    assert failures == [], "\n".join(
        [summary, json.dumps(failures, indent=2), "server log:", server.log_tail()]
    )
    assert report["warn"] == 0 and report["error"] == 0, summary
