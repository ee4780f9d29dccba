"""The bulk-load paths of the importers, forced on small data: binary COPY, foreign keys checked
once per statement (dropped and re-added), and parsing in a worker process. They must import
exactly what the plain paths import, stay idempotent, keep rejects in file order, and leave every
foreign key in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers import run_import, sql
from tests.conftest import shared_data
from tests.importers.helpers import digest, scalar, table_counts
from tests.importers.test_openalex_data import (
    test_every_openalex_folder_imports_cleanly_and_matches_the_raw_files as imports_cleanly,
)
from tests.importers.test_robustness import mixed_file

FOREIGN_KEYS = "SELECT COUNT(*) AS n FROM pg_constraint WHERE contype = 'f'"


@pytest.fixture
def bulk_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(sql, "FK_SCAN_RATIO", 10**9)
    monkeypatch.setattr(sql, "COPY_MIN_ROWS", 1)


@pytest.mark.parametrize("name", ["ego_bangor", "snowball_altmetrics"])
async def test_bulk_paths_import_what_the_raw_files_hold_and_a_second_run_changes_nothing(
    db: str, name: str, tmp_path: Path, bulk_everywhere: None
) -> None:
    foreign_keys = await scalar(FOREIGN_KEYS) if db == "postgres" else None
    # given a real folder imported with every bulk path forced: it matches its raw files
    await imports_cleanly(db, name, tmp_path)
    before, counts = await digest(), await table_counts()
    # when it is imported again, parsed in a worker process, in small batches
    folder = shared_data("openalex", name)
    again = await run_import(
        "openalex",
        sorted(folder.iterdir()),
        rejects_dir=tmp_path,
        progress=False,
        parallel=True,
        batch_size=7,
    )
    # then nothing changed, and every foreign key is still there
    assert not again.changed, str(again)
    assert (await digest(), await table_counts()) == (before, counts)
    if db == "postgres":
        assert await scalar(FOREIGN_KEYS) == foreign_keys


async def test_a_worker_process_keeps_rejects_in_file_order(db: str, tmp_path: Path) -> None:
    # given bad lines spread over several batches
    path = mixed_file(tmp_path)
    # when it is parsed in a worker process, two lines per batch
    summary = await run_import(
        "openalex",
        [path],
        rejects_dir=tmp_path / "rejects",
        progress=False,
        parallel=True,
        batch_size=2,
    )
    # then the good records are in and the rejects are reported in file order
    assert summary.records == 3
    assert [r.split(": ", 1)[0] for r in summary.rejected] == [
        f"{path}:2",
        f"{path}:4",
        f"{path}:5",
    ]
    assert await scalar("SELECT COUNT(*) AS n FROM work") == 3
