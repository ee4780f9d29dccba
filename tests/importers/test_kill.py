"""`kill -9` of a real `peergraph import` subprocess: no orphan parse process, and the next run
repairs what the killed one left (aggregates and the slice data version)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from tortoise import connections

import settings
from importers import refresh_aggregates, run_import
from importers.generate import generate
from tests.importers.helpers import digest, scalar
from tests.serving import REPO, command_env, peergraph
from workers import keys

WORKS = 3_000  # about 26 MB of JSONL: over PARALLEL_MIN_BYTES, so a parse worker is forked
FILES = ("institutions", "sources", "topics", "authors", "works")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("kill-data")
    generate(out, works=WORKS, seed=3, progress=False)
    return [out / f"{name}.jsonl" for name in FILES]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


async def works_stored() -> int:
    try:
        return int(await scalar("SELECT COUNT(*) AS n FROM work"))
    except Exception:  # SQLite: the importer holds the write lock for a moment
        return -1


async def kill_when_written(process: subprocess.Popen[Any], log: Path) -> list[int]:
    """Wait until every work is committed and the parse worker exists, then `kill -9` the
    importer (it is in its aggregate refresh then); returns the worker's pid. A worker seen
    once counts: on a quiet machine it may have parsed everything and been reaped before the
    last work is committed."""
    deadline = time.monotonic() + 240
    workers: set[int] = set()
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the import ended before the kill:\n{log.read_text()}"
        workers.update(children(process.pid))
        if workers and await works_stored() == WORKS:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            return sorted(workers)
        await asyncio.sleep(0.02)
    process.kill()
    raise AssertionError(f"the import wrote no works in time:\n{log.read_text()}")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
async def test_a_killed_import_leaves_no_orphan_and_the_next_run_repairs_it(
    db: str,
    redis: Any,
    redis_url: str,
    generated: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a real import subprocess on this database, parsing in a worker process
    url = str(connections.db_config["default"])
    monkeypatch.setattr(settings, "REDIS_URL", redis_url)
    log = tmp_path / "import.log"
    env = command_env(DATABASE_URL=url, REDIS_URL=redis_url)
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: ASYNC220 (polled, never waited on while running)
            peergraph(
                "import",
                "openalex",
                "--quiet",
                "--rejects-dir",
                str(tmp_path),
                *map(str, generated),
            ),
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    version = await keys.data_version(redis)

    # when it is killed with SIGKILL once every work is committed
    workers = await kill_when_written(process, log)

    # then its parse worker does not outlive it
    for _ in range(200):  # 10 s
        if not any(alive(w) for w in workers):
            break
        await asyncio.sleep(0.05)
    assert not any(alive(w) for w in workers), f"orphan parse worker(s) {workers}"
    # and the slice data version was not bumped by the killed run
    assert await keys.data_version(redis) == version

    # when the same files are imported again
    summary = await run_import("openalex", generated, rejects_dir=tmp_path, progress=False)

    # then that run finds nothing new, yet repairs the killed run: slices made stale, and
    # aggregates complete (a full refresh after it writes nothing)
    assert not summary.changed
    assert summary.repaired == 1
    assert await keys.data_version(redis) == version + 1
    assert int(await scalar("SELECT COUNT(*) AS n FROM collaboration")) > 0
    assert int(await scalar("SELECT COUNT(*) AS n FROM author WHERE works_count > 0")) > 0
    repaired = await digest()
    await refresh_aggregates()
    assert await digest() == repaired

    # and a third run has nothing to repair
    again = await run_import("openalex", generated, rejects_dir=tmp_path, progress=False)
    assert again.repaired == 0
    assert await keys.data_version(redis) == version + 1
