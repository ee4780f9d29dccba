"""Importers for OpenAlex JSONL and the arXiv metadata snapshot, and the aggregate refresh.

    summary = await run_import("openalex", [Path("works.jsonl")], rejects_dir=Path("var/rejects"))
    print(summary)

Tortoise must already be open (`models.database.open_db`). Records are written in batches of
`settings.IMPORT_BATCH_SIZE`, one transaction each; a line that cannot be imported is reported as
`file:line: reason` and written to `<rejects_dir>/<file stem>.rejects.jsonl`, and the rest goes
on. After the files, `refresh_aggregates` recomputes collaborations and counters for the authors
the import touched. Importing the same files again changes nothing.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from tortoise.exceptions import BaseORMException
from tortoise.transactions import in_transaction

import settings
from importers.arxiv import ArxivImporter
from importers.common import (
    ImportSummary,
    Line,
    Reject,
    RejectsWriter,
    parse_json_object,
    read_lines,
)
from importers.openalex import OpenAlexImporter
from importers.refresh import refresh_aggregates
from importers.sql import Sql

__all__ = ["ImportSummary", "refresh_aggregates", "run_import"]

log = logging.getLogger("peergraph.importers")

DEFAULT_REJECTS_DIR = Path("var/rejects")


class _Importer(Protocol):
    kind: str

    def new_batch(self) -> Any: ...

    def add(self, batch: Any, record: dict[str, Any]) -> str | None: ...

    async def write(self, sql: Sql, batch: Any, summary: ImportSummary) -> set[int]: ...


class _Run:
    def __init__(self, importer: _Importer, summary: ImportSummary, rejects: RejectsWriter) -> None:
        self.importer = importer
        self.summary = summary
        self.rejects = rejects
        self.touched: set[int] = set()
        self.batch: Any = importer.new_batch()
        self.pending: list[tuple[Line, dict[str, Any]]] = []

    def add(self, line: Line) -> None:
        try:
            record = parse_json_object(line)
            skipped = self.importer.add(self.batch, record)
        except Reject as exc:
            self.rejects.reject(line, str(exc))
            return
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.rejects.reject(line, f"unexpected record shape: {exc!r}")
            return
        self.summary.records += 1
        if skipped:
            self.summary.skipped[skipped] += 1
        else:
            self.pending.append((line, record))

    async def flush(self) -> None:
        if not self.pending:
            return
        batch, pending = self.batch, self.pending
        self.batch, self.pending = self.importer.new_batch(), []
        try:
            self.touched |= await self._write(batch, self.summary)
        except BaseORMException:
            log.exception("a batch failed; retrying its %d records one by one", len(pending))
            await self._one_by_one(pending)

    async def _write(self, batch: Any, summary: ImportSummary) -> set[int]:
        async with in_transaction("default") as conn:
            return await self.importer.write(Sql(conn), batch, summary)

    async def _one_by_one(self, pending: list[tuple[Line, dict[str, Any]]]) -> None:
        """Isolate the record the database refused, so the rest of its batch still imports."""
        for line, record in pending:
            single = self.importer.new_batch()
            self.importer.add(single, record)
            trial = ImportSummary(self.summary.kind)
            try:
                self.touched |= await self._write(single, trial)
            except BaseORMException as exc:
                self.summary.records -= 1
                self.rejects.reject(line, f"database refused the record: {exc}")
                continue
            self.summary.created.update(trial.created)
            self.summary.updated.update(trial.updated)


async def run_import(
    kind: Literal["openalex", "arxiv"],
    paths: Sequence[Path],
    *,
    rejects_dir: Path | None = None,
    progress: bool = True,
) -> ImportSummary:
    """Import the files, then refresh the aggregates of the authors they touched."""
    importer: _Importer = OpenAlexImporter() if kind == "openalex" else ArxivImporter()
    summary = ImportSummary(kind)
    rejects = RejectsWriter(rejects_dir or DEFAULT_REJECTS_DIR, summary)
    run = _Run(importer, summary, rejects)
    started = time.perf_counter()
    paths = [Path(p) for p in paths]
    total = sum(p.stat().st_size for p in paths)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not (progress and sys.stderr.isatty()),
    )
    try:
        with bar:
            task = bar.add_task(f"import {kind}", total=total)
            done = 0
            for path in paths:
                summary.files += 1
                offset = [0]
                for item in read_lines(path, offset):
                    if isinstance(item, tuple):
                        rejects.reject(*item)
                        continue
                    run.add(item)
                    if run.batch.size >= settings.IMPORT_BATCH_SIZE:
                        await run.flush()
                        bar.update(task, completed=done + offset[0])
                await run.flush()
                done += offset[0]
                bar.update(task, completed=done)
            bar.update(task, description="refresh aggregates")
            await refresh_aggregates(run.touched)
    finally:
        rejects.close()
    summary.seconds = time.perf_counter() - started
    return summary
