"""The test suite leaves a running demo alone: nothing it runs reads or writes `./var`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import settings
from importers import run_import
from tests.serving import REPO
from workers import keys

#: Tests that import data and so announce a data change to "the running server's" Redis.
CHILD_TESTS = [
    "tests/importers/test_robustness.py::test_bad_lines_go_to_rejects_with_file_and_line_and_the_rest_imports",
    "tests/importers/test_robustness.py::test_a_paper_from_arxiv_then_openalex_is_one_work",
]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_this_session_has_a_var_directory_of_its_own() -> None:
    # then settings point at a fresh directory, not at ./var of the checkout or of the cwd
    var = settings.VAR_DIR.resolve()
    assert var != (REPO / "var").resolve()
    assert var != (Path.cwd() / "var").resolve()
    assert var.name.startswith("peergraph-test-var-")
    assert settings.REDIS_URL == "" and settings.DATABASE_URL == ""


async def test_running_tests_beside_a_demo_leaves_its_var_and_its_redis_untouched(
    tmp_path: Path, redis_url: str, redis: Any
) -> None:
    # given a directory where `make demo` runs: its ./var holds the SQLite file and the
    # `redis.url` of its embedded Redis (here a real Redis database), at slice data version 1
    demo = tmp_path / "checkout"
    var = demo / "var"
    var.mkdir(parents=True)
    (var / "redis.url").write_text(redis_url)
    (var / "peergraph.sqlite3").write_bytes(b"the demo's data")
    await redis.set(keys.DATA_VERSION_KEY, 1)
    before = _snapshot(var)
    # when a developer runs tests that import data from there (a shell without our variables)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEERGRAPH_", "PYTEST_"))}
    env |= {"PEERGRAPH_TEST_BACKENDS": "sqlite"}
    child = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(REPO)],
        *[str(REPO / t) for t in CHILD_TESTS],
        cwd=demo,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await asyncio.wait_for(child.communicate(), 300))[0].decode(errors="replace")
    assert child.returncode == 0, out[-4000:]
    assert "2 passed" in out, out[-2000:]
    # then the demo's slices are still current: its data version did not move, and no entity
    # was marked changed there (an import announces what it changed with marks)
    assert await redis.get(keys.DATA_VERSION_KEY) == b"1"
    assert await redis.get(keys.CHANGE_SEQ_KEY) is None
    # and its ./var holds exactly what it held, byte for byte
    assert _snapshot(var) == before


async def test_rejects_go_under_the_var_directory_by_default(db: str, tmp_path: Path) -> None:
    # given a file with one malformed line
    bad = tmp_path / "works.jsonl"
    bad.write_text('{"id": "https://openalex.org/W1", "title": \n')
    # when it is imported without a rejects directory
    summary = await run_import("openalex", [bad], progress=False)
    # then the bad line is kept under PEERGRAPH_VAR_DIR, not under ./var of the cwd
    assert len(summary.rejected) == 1
    assert (settings.VAR_DIR / "rejects" / "works.rejects.jsonl").is_file()
    assert not (Path.cwd() / "var" / "rejects" / "works.rejects.jsonl").exists()
