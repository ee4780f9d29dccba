"""The import's progress bar (bytes read, records/s, ETA) and where its time goes, by phase."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)


class ImportProgress:
    """A rich bar on stderr (only when stderr is a terminal and `enabled`), and phase timers.

    `phases` adds up the wall time of each phase: `parse` (parsing in this process, or waiting
    for the parse worker), `write` (the batches' transactions), `refresh` (aggregates) and
    `vacuum` (VACUUM ANALYZE on PostgreSQL)."""

    def __init__(self, kind: str, total_bytes: int, enabled: bool) -> None:
        self.started = time.perf_counter()
        self.records = 0
        self.phases: dict[str, float] = {}
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not (enabled and sys.stderr.isatty()),
        )
        self.task: TaskID = self.bar.add_task(f"import {kind}", total=total_bytes, rate="")

    def __enter__(self) -> ImportProgress:
        self.bar.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.bar.__exit__(kind, error, traceback)

    def advance(self, read_bytes: int, records: int) -> None:
        """`read_bytes` of input done so far, `records` more records written."""
        self.records += records
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = f"{self.records:,} records, {self.records / elapsed:,.0f}/s"
        self.bar.update(self.task, completed=read_bytes, rate=rate)

    def restart(self) -> None:
        """Start the bar over (the staged path fell back to the batch path); phases go on."""
        self.records = 0
        self.bar.update(self.task, completed=0, rate="")

    @contextmanager
    def phase(self, name: str, description: str | None = None) -> Iterator[None]:
        if description:
            self.bar.update(self.task, description=description)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - started
