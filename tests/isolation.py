"""Keep the test suite away from a running demo: imported by tests/conftest.py before anything
reads `settings`.

A `make demo` keeps its SQLite file, its embedded Redis and `redis.url` (the socket that
`peergraph import` uses to announce a data change) under `./var`. Tests that imported data
found that file and bumped the demo's slice data version, so every slice it had cached went
back to PENDING. Each test session gets a var directory of its own instead, and runs as if no
`DATABASE_URL`, `REDIS_URL` or `.env` pointed at a real deployment: tests that need a database or
Redis get them from fixtures.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

if "settings" in sys.modules:  # pragma: no cover - a guard for whoever reorders the imports
    raise RuntimeError("tests.isolation must be imported before settings")

VAR_DIR = tempfile.mkdtemp(prefix="peergraph-test-var-")
os.environ["PEERGRAPH_VAR_DIR"] = VAR_DIR
# environment variables win over a `.env` file in starlette's Config: empty means embedded
os.environ["DATABASE_URL"] = ""
os.environ["REDIS_URL"] = ""
# `peergraph worker` processes of parallel test runs would compete for the metrics port
os.environ["PEERGRAPH_WORKER_METRICS_PORT"] = "0"
# the test process starts hundreds of apps: freezing at each start would keep every test's garbage
# for good (server/runtime.py; tests/test_runtime.py turns it on where it is the subject)
os.environ["PEERGRAPH_GC_FREEZE"] = "false"
# tests fire more concurrent requests at one app than a process would take in production;
# tests/ops/test_runtime.py sets the cap where it is the subject
os.environ["PEERGRAPH_MAX_IN_FLIGHT"] = "0"
atexit.register(shutil.rmtree, VAR_DIR, ignore_errors=True)
