"""The third-party GraphQL-over-HTTP audit (`auditServer` from the npm package `graphql-http`,
pinned in tests/http/package.json) against a real `peergraph serve` on a free port.

It needs node and npm; without them the test is skipped, except on CI (`CI=true`), where it fails.
The npm packages are installed with `npm ci` into tests/http/node_modules (gitignored) when missing.
The audit must report 0 errors and 0 warnings.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
WHAT = "the graphql-http audit"
AUDIT_TIMEOUT_S = 180.0


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
    node = require_node(WHAT)
    require_npm_packages(HERE, "node_modules/graphql-http/package.json", WHAT)
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
