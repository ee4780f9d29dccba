"""The staged path (importers/staged.py: COPY into staging tables, one set-based statement per
table) of a first OpenAlex import into an empty PostgreSQL database must leave exactly the
tables the batch path leaves, ids included, keep rejects in file order, hand over to the batch
path where it cannot reproduce it, and leave every index and foreign key in place."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tortoise import connections

import settings
from importers import run_import
from importers.generate import generate
from models.works import Work
from resolvers.sql import execute
from tests.conftest import SHARED_DATA, shared_data
from tests.importers.helpers import TABLES, digest, scalar, table_counts
from tests.importers.test_kill import alive, children
from tests.importers.test_robustness import mixed_file, work
from tests.importers.test_versions import version
from tests.serving import REPO, command_env

#: `updated_at` is the moment of the write, the one column two imports never share
TIMESTAMPS = frozenset({"updated_at"})
INDEXES = "SELECT COUNT(*) AS n FROM pg_indexes WHERE schemaname = current_schema()"
FOREIGN_KEYS = "SELECT COUNT(*) AS n FROM pg_constraint WHERE contype = 'f'"
#: the killed run's staging table of works (the first run of a fresh database is run 1)
STAGED_WORK = "import_stage_1_work"
FOLDERS = sorted(p.name for p in (SHARED_DATA / "openalex").glob("*") if p.is_dir()) or ["none"]


@pytest.fixture(autouse=True)
def _postgres_only(db: str) -> None:
    if db != "postgres":
        pytest.skip("the staged path is PostgreSQL's (SQLite imports batch by batch)")


async def empty_the_graph() -> None:
    await execute(f"TRUNCATE {', '.join(TABLES)}, import_run RESTART IDENTITY CASCADE")


async def both_paths(files: list[Path], tmp_path: Path, batch_size: int) -> tuple[Any, Any]:
    """Import `files` into the empty database by the staged path, then (emptied again) by the
    batch path, in chunks of `batch_size` lines; the summaries and the tables' digests."""
    staged = await run_import(
        "openalex",
        files,
        rejects_dir=tmp_path / "a",
        progress=False,
        staged=True,
        batch_size=batch_size,
    )
    after_staged = (await digest(TIMESTAMPS), await table_counts())
    await empty_the_graph()
    batches = await run_import(
        "openalex",
        files,
        rejects_dir=tmp_path / "b",
        progress=False,
        staged=False,
        batch_size=batch_size,
    )
    after_batches = (await digest(TIMESTAMPS), await table_counts())
    assert staged.staged and not batches.staged
    assert staged.rejected == batches.rejected
    assert after_staged == after_batches
    return staged, batches


@pytest.mark.parametrize("name", FOLDERS)
async def test_a_real_folder_ends_as_the_batch_path_leaves_it(
    db: str, name: str, tmp_path: Path
) -> None:
    # given a real OpenAlex folder (works, authors, institutions, … mixed)
    files = sorted(shared_data("openalex", name).iterdir())
    # when it is imported by the staged path and by the batch path, 25 lines per chunk
    staged, batches = await both_paths(files, tmp_path, 25)
    # then every table is the same, ids included, and so are the counts of what was created
    assert staged.created == batches.created
    assert staged.skipped == batches.skipped


async def test_a_generated_set_ends_as_the_batch_path_leaves_it(db: str, tmp_path: Path) -> None:
    # given a generated set: shared authors, institutions nested everywhere, ORCIDs, grants
    generate(tmp_path / "set", works=800, seed=7, progress=False)
    order = ("institutions", "sources", "topics", "funders", "authors", "works")
    files = [p for n in order if (p := tmp_path / "set" / f"{n}.jsonl").exists()]
    # when it is imported by both paths, in chunks of 97 lines
    staged, _ = await both_paths(files, tmp_path, 97)
    # then the tables are the same (both_paths), and the staged path counts what it created
    assert staged.created["works"] == 800
    assert staged.created["authorships"] == await scalar("SELECT COUNT(*) AS n FROM authorship")


async def test_it_keeps_indexes_and_foreign_keys_and_a_second_run_writes_nothing(
    db: str, tmp_path: Path
) -> None:
    indexes, foreign_keys = await scalar(INDEXES), await scalar(FOREIGN_KEYS)
    generate(tmp_path / "set", works=300, seed=3, progress=False)
    files = sorted((tmp_path / "set").glob("*.jsonl"))
    # given a staged first import
    first = await run_import("openalex", files, rejects_dir=tmp_path, progress=False, staged=True)
    assert first.staged and first.changed
    before = (await digest(), await table_counts())
    # when the same files are imported again (the database is not empty: batch by batch)
    again = await run_import("openalex", files, rejects_dir=tmp_path, progress=False, staged=True)
    # then nothing changed, and every index and foreign key is back in place
    assert not again.staged and not again.changed, str(again)
    assert (await digest(), await table_counts()) == before
    assert (await scalar(INDEXES), await scalar(FOREIGN_KEYS)) == (indexes, foreign_keys)
    assert (
        await scalar("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename LIKE 'import_stage_%'")
        == 0
    )


async def test_rejects_keep_file_and_line_in_order(db: str, tmp_path: Path) -> None:
    # given bad lines spread over several chunks
    path = mixed_file(tmp_path)
    # when it is staged, two lines per chunk
    summary = await run_import(
        "openalex",
        [path],
        rejects_dir=tmp_path / "rejects",
        progress=False,
        staged=True,
        batch_size=2,
    )
    # then the good records are in and the rejects are reported in file order
    assert summary.staged
    assert [r.split(": ", 1)[0] for r in summary.rejected] == [
        f"{path}:2",
        f"{path}:4",
        f"{path}:5",
    ]
    assert {w.openalex_id for w in await Work.all()} == {"W101", "W103", "W106"}
    lines = (tmp_path / "rejects" / "mixed.rejects.jsonl").read_text().splitlines()
    assert [json.loads(line)["line"] for line in lines] == [2, 4, 5]


async def test_two_versions_of_a_record_go_through_the_batch_path(db: str, tmp_path: Path) -> None:
    # given two files holding two versions of one work, the newer one first
    newer = tmp_path / "newer.jsonl"
    newer.write_text(json.dumps(version("2024-06-01T00:00:00", "New title", [1, 3])) + "\n")
    older = tmp_path / "older.jsonl"
    older.write_text(json.dumps(version("2024-01-01T00:00:00", "Old title", [1, 2])) + "\n")
    # when they are imported into an empty database with the staged path asked for
    summary = await run_import(
        "openalex", [newer, older], rejects_dir=tmp_path, progress=False, staged=True
    )
    # then the batch path imported them (its order of updates decides), and the newer won
    assert not summary.staged
    assert summary.skipped["outdated work"] == 1
    assert (await Work.get(openalex_id="W77")).title == "New title"
    assert (
        await scalar("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename LIKE 'import_stage_%'")
        == 0
    )


_STAGED_IMPORT = """
import asyncio, sys
from pathlib import Path
from models.database import open_db
from importers import run_import
async def main():
    await open_db(run_migrations=False)
    await run_import("openalex", [Path(p) for p in sys.argv[2:]], rejects_dir=Path(sys.argv[1]),
                     progress=False, staged=True, batch_size=50)
asyncio.run(main())
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
async def test_a_staged_import_killed_while_staging_leaves_nothing_and_is_repaired(
    db: str, redis: Any, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a staged import in a real subprocess, 50 lines per chunk
    generate(tmp_path / "set", works=1500, seed=4, progress=False)
    files = [tmp_path / "set" / f"{n}.jsonl" for n in ("institutions", "sources", "topics")]
    files += [tmp_path / "set" / f"{n}.jsonl" for n in ("authors", "works")]
    url = str(connections.db_config["default"])
    monkeypatch.setattr(settings, "REDIS_URL", redis_url)
    env = command_env(DATABASE_URL=url, REDIS_URL=redis_url)
    argv = [sys.executable, "-c", _STAGED_IMPORT, str(tmp_path), *map(str, files)]
    with (tmp_path / "import.log").open("w") as out:
        process = subprocess.Popen(  # noqa: ASYNC220 (polled, never waited on while running)
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    # when it is killed with SIGKILL while its workers stage the works
    workers: list[int] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        workers = children(process.pid)
        staged = await scalar(
            "SELECT COUNT(*) AS n FROM pg_tables WHERE tablename LIKE 'import_stage_%_work'"
        )
        rows = await scalar(f"SELECT COUNT(*) AS n FROM {STAGED_WORK}") if staged else 0
        if workers and 0 < rows < 1500:  # still staging: the load's transaction not begun
            process.send_signal(signal.SIGKILL)
            break
        await asyncio.sleep(0.02)
    assert process.wait(10) == -signal.SIGKILL, (tmp_path / "import.log").read_text()
    # then no worker outlives it and nothing reached the real tables
    for _ in range(200):
        if not any(alive(w) for w in workers):
            break
        await asyncio.sleep(0.05)
    assert not any(alive(w) for w in workers)
    assert await scalar("SELECT COUNT(*) AS n FROM work") == 0
    # when the files are imported again
    summary = await run_import(
        "openalex", files, rejects_dir=tmp_path, progress=False, staged=True, batch_size=50
    )
    # then that run is staged, repairs the killed one and drops its staging tables
    assert summary.staged and summary.repaired == 1
    assert summary.created["works"] == 1500
    assert (
        await scalar("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename LIKE 'import_stage_%'")
        == 0
    )


async def test_a_value_the_database_refuses_hands_over_to_the_batch_path(
    db: str, tmp_path: Path
) -> None:
    # given a file whose second work has a title PostgreSQL cannot store (a lone surrogate,
    # which the json module accepts)
    path = tmp_path / "works.jsonl"
    lines = [json.dumps(work(1)), json.dumps(work(2, title="T")), json.dumps(work(3))]
    lines[1] = lines[1].replace('"title": "T"', '"title": "bad \\ud800 title"')
    path.write_text("".join(line + "\n" for line in lines))
    # when it is imported into the empty database with the staged path asked for
    summary = await run_import(
        "openalex", [path], rejects_dir=tmp_path / "rejects", progress=False, staged=True
    )
    # then the batch path imported it: only the refused record is rejected, nothing is staged
    assert not summary.staged
    assert [r.split(": ", 1)[0] for r in summary.rejected] == [f"{path}:2"]
    assert "database refused the record" in summary.rejected[0]
    assert {w.openalex_id for w in await Work.all()} == {"W101", "W103"}
    assert (
        await scalar("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename LIKE 'import_stage_%'")
        == 0
    )
