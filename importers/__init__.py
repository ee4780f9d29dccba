"""Importers for OpenAlex JSONL and the arXiv metadata snapshot, and the aggregate refresh.

    summary = await run_import("openalex", [Path("works.jsonl")], rejects_dir=Path("var/rejects"))
    print(summary)

Tortoise must already be open (`models.database.open_db`). Records are written in batches of
`settings.IMPORT_BATCH_SIZE`, one transaction each; a line that cannot be imported is reported as
`file:line: reason` and written to `<rejects_dir>/<file stem>.rejects.jsonl`, and the rest goes
on. After the files, `refresh_aggregates` recomputes collaborations and counters for the authors
the import touched, and an import that changed anything makes stale the cached graph slices that
show an entity it changed (importers/changes.py, `workers.runtime.announce_data_change`).
Importing the same files again changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from tortoise import connections
from tortoise.exceptions import BaseORMException
from tortoise.transactions import in_transaction

import settings
from importers.arxiv import ArxivImporter
from importers.changes import changed_entities
from importers.common import (
    ImportSummary,
    Line,
    RejectsWriter,
    add_lines,
    parse_json_object,
    read_lines,
)
from importers.openalex import OpenAlexImporter
from importers.progress import ImportProgress
from importers.refresh import refresh_aggregates, refresh_all_in
from importers.runs import begin_run, die_with_parent, finish_run
from importers.sql import Sql
from importers.staged import Fallback, Merge, Target, create_staging, drop_staging, stage_chunk
from importers.staged import is_empty as database_is_empty
from models.database import dialect
from resolvers.sql import execute, fetch_one

__all__ = ["ImportSummary", "refresh_aggregates", "run_import"]

log = logging.getLogger("peergraph.importers")


def default_rejects_dir() -> Path:
    """`<PEERGRAPH_VAR_DIR>/rejects`: beside the embedded database, never a fixed ./var."""
    return settings.VAR_DIR / "rejects"


#: From this many bytes of input, records are parsed in a worker process while the previous
#: batches are written (parsing is about half the CPU of an import); below it, the process start
#: costs more than it saves.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
#: Parsed batches waiting for the database, at most (bounds memory).
IN_FLIGHT = 2
#: PostgreSQL batches hold this many times `PEERGRAPH_IMPORT_BATCH_SIZE` records: a statement
#: costs a round trip and plans whatever its size, and a large insert checks its foreign keys
#: once per statement rather than per row (`Sql.bulk`).
PG_BATCH_FACTOR = 10
#: From this many bytes, a first OpenAlex load into an empty PostgreSQL database is staged
#: (importers/staged.py); below it, its fixed costs (staging tables, indexes rebuilt) are not
#: worth it and the batch path imports.
STAGED_MIN_BYTES = 64 * 1024 * 1024
#: Parse workers of the staged path (importers/staged.py): each parses and COPYs its chunks.
STAGE_WORKERS = 2


class _Importer(Protocol):
    kind: str

    def new_batch(self) -> Any: ...

    def add(self, batch: Any, record: dict[str, Any]) -> str | None: ...

    async def write(self, sql: Sql, batch: Any, summary: ImportSummary) -> set[int]: ...


def _importer(kind: str) -> _Importer:
    return OpenAlexImporter() if kind == "openalex" else ArxivImporter()


#: A line to parse, or a line already refused (too long to parse) with its reason.
_Item = Line | tuple[Line, str]


@dataclass
class _Parsed:
    """One chunk of lines parsed into a batch: what `_parse_chunk` sends back."""

    batch: Any
    #: positions in the chunk of the lines whose records are in the batch (re-parsed one by one
    #: if the database refuses the batch); positions, not lines, so no text travels back
    accepted: list[int]
    #: refused lines with their reason, in file order
    rejects: list[tuple[Line, str]]
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def _parse_chunk(kind: str, items: list[_Item]) -> _Parsed:
    """Parse lines into one batch. Pure CPU work: runs in a worker process for large imports."""
    importer = _importer(kind)
    parsed = _Parsed(importer.new_batch(), [], [])
    parsed.accepted = add_lines(importer, parsed.batch, items, parsed.rejects, parsed.skipped)
    parsed.records = len(parsed.accepted) + parsed.skipped.total()
    return parsed


class _Run:
    def __init__(self, importer: _Importer, summary: ImportSummary, rejects: RejectsWriter) -> None:
        self.importer = importer
        self.summary = summary
        self.rejects = rejects
        self.touched: set[int] = set()

    async def write(self, items: list[_Item], parsed: _Parsed) -> None:
        for line, reason in parsed.rejects:
            self.rejects.reject(line, reason)
        self.summary.records += parsed.records
        self.summary.skipped.update(parsed.skipped)
        if not parsed.accepted:
            return
        try:
            self.touched |= await self._write(parsed.batch, self.summary)
        except BaseORMException:
            count = len(parsed.accepted)
            log.exception("a batch failed; retrying its %d records one by one", count)
            lines = [items[i] for i in parsed.accepted]
            await self._one_by_one([line for line in lines if isinstance(line, Line)])

    async def _write(self, batch: Any, summary: ImportSummary) -> set[int]:
        async with in_transaction("default") as conn:
            return await self.importer.write(Sql(conn), batch, summary)

    async def _one_by_one(self, lines: list[Line]) -> None:
        """Isolate the record the database refused, so the rest of its batch still imports."""
        for line in lines:
            single = self.importer.new_batch()
            self.importer.add(single, parse_json_object(line))
            trial = ImportSummary(self.summary.kind)
            try:
                self.touched |= await self._write(single, trial)
            except BaseORMException as exc:
                self.summary.records -= 1
                self.rejects.reject(line, f"database refused the record: {exc}")
                continue
            self.summary.created.update(trial.created)
            self.summary.updated.update(trial.updated)
            self.summary.changed_works |= trial.changed_works


def _chunks(paths: Sequence[Path], size: int) -> Iterator[tuple[list[_Item], int, bool]]:
    """`(lines, bytes read so far, last chunk of its file)`; a chunk never spans two files."""
    done = 0
    for path in paths:
        offset = [0]
        items: list[_Item] = []
        for item in read_lines(path, offset):
            items.append(item)
            if len(items) >= size:
                yield items, done + offset[0], False
                items = []
        done += offset[0]
        yield items, done, True


#: An import that touched at least this share of the authors ends with VACUUM (ANALYZE).
VACUUM_MIN_SHARE = 0.05


async def _large_change(touched: int) -> bool:
    if not touched:
        return False
    rows = await fetch_one("SELECT reltuples AS n FROM pg_class WHERE relname = 'author'")
    authors = float(rows["n"]) if rows else 0.0
    return authors <= 0 or touched >= VACUUM_MIN_SHARE * authors


async def _next(
    waiting: deque[tuple[list[_Item], asyncio.Future[_Parsed], int]],
    bar: ImportProgress,
    write: Callable[[list[_Item], _Parsed, int], Awaitable[None]],
) -> None:
    """Write the oldest chunk in flight, once the parse worker has it (waiting counts as parse)."""
    items, future, read = waiting.popleft()
    with bar.phase("parse"):
        parsed = await future
    await write(items, parsed, read)


async def run_import(
    kind: Literal["openalex", "arxiv"],
    paths: Sequence[Path],
    *,
    rejects_dir: Path | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    parallel: bool | None = None,
    staged: bool | None = None,
) -> ImportSummary:
    """Import the files, then refresh the aggregates of the authors they touched.

    `parallel` parses in a worker process while batches are written (default: for inputs of
    `PARALLEL_MIN_BYTES` or more). `staged` takes the staged path (importers/staged.py) for an
    OpenAlex import into an empty PostgreSQL database (default: from `STAGED_MIN_BYTES`)."""
    paths = [Path(p) for p in paths]
    total = sum(p.stat().st_size for p in paths)
    if parallel is None:
        parallel = total >= PARALLEL_MIN_BYTES
    pg = dialect() == "postgres"
    size = batch_size or settings.IMPORT_BATCH_SIZE * (PG_BATCH_FACTOR if pg else 1)
    if staged is None:
        staged = total >= STAGED_MIN_BYTES
    staged = staged and pg and kind == "openalex"
    summary = ImportSummary(kind)
    rejects = RejectsWriter(rejects_dir or default_rejects_dir(), summary)
    started = time.perf_counter()
    run_id, interrupted = await begin_run(kind)
    if interrupted:
        log.warning(
            "%d earlier import(s) did not finish (killed?): every aggregate is recomputed and"
            " the slice data version bumped at the end of this one",
            len(interrupted),
        )
    touched: set[int] | None = set()
    try:
        with ImportProgress(kind, total, progress) as bar:
            summary.files = len(paths)
            if pg:  # staging tables a killed run left behind
                await drop_staging(Sql(connections.get("default")), interrupted)
            done = False
            if staged and await database_is_empty(Sql(connections.get("default"))):
                try:
                    await _staged(paths, size, bar, summary, rejects, run_id)
                    done, touched, summary.staged = True, None, True
                except Fallback as exc:
                    log.warning("staged import not possible (%s): importing batch by batch", exc)
                    rejects.close()
                    summary = ImportSummary(kind)
                    summary.files = len(paths)
                    rejects = RejectsWriter(rejects_dir or default_rejects_dir(), summary)
                    bar.restart()
            if not done:
                touched = await _batches(kind, paths, size, parallel, bar, summary, rejects)
            if not summary.staged:  # the staged path refreshes in its own transaction
                with bar.phase("refresh", "refresh aggregates"):
                    # repairing a killed run: which authors it touched is not known, so all
                    await refresh_aggregates(
                        None if interrupted else touched, works=summary.changed_works
                    )
            if pg and (interrupted or touched is None or await _large_change(len(touched))):
                # fresh statistics: without them the planner seq-scanned citation for slices
                # after a bulk import; and a visibility map, without which every "index-only"
                # count of the slice degree pass read the heap (docs/benchmarks.md). Autovacuum
                # may be off, and is late after a bulk load either way. A small change into a
                # large graph skips it: it moves neither, and costs as much as a large one.
                with bar.phase("vacuum", "vacuum analyze"):
                    await execute("VACUUM (ANALYZE)")
            summary.phases.update(bar.phases)
    finally:
        rejects.close()
    if summary.changed or interrupted:
        from workers.runtime import announce_data_change

        # the cached graph slices that show what changed become stale; all of them after a
        # killed run (what it changed is not known), a first load, or a change too large to name
        nodes = (
            None
            if interrupted or touched is None
            else await changed_entities(touched, summary.changed_works)
        )
        await announce_data_change(nodes)
    await finish_run(run_id, interrupted)
    summary.repaired = len(interrupted)
    summary.seconds = time.perf_counter() - started
    return summary


async def _batches(
    kind: str,
    paths: Sequence[Path],
    size: int,
    parallel: bool,
    bar: ImportProgress,
    summary: ImportSummary,
    rejects: RejectsWriter,
) -> set[int]:
    """The batch path: one transaction per batch; returns the authors it touched."""
    run = _Run(_importer(kind), summary, rejects)
    # fork, not spawn: the worker needs no re-import of the caller's main module, and it only
    # runs `_parse_chunk` (pure Python on its arguments), never the inherited connections.
    # the worker dies with this process, even on `kill -9` (importers/runs.py)
    pool = (
        ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        if parallel
        else None
    )
    try:
        waiting: deque[tuple[list[_Item], asyncio.Future[_Parsed], int]] = deque()

        async def write(items: list[_Item], parsed: _Parsed, read: int) -> None:
            with bar.phase("write"):
                await run.write(items, parsed)
            bar.advance(read, parsed.records)

        for items, read, _ in _chunks(paths, size):
            if pool is None:
                with bar.phase("parse"):
                    parsed = _parse_chunk(kind, items)
                await write(items, parsed, read)
                continue
            future = asyncio.wrap_future(pool.submit(_parse_chunk, kind, items))
            waiting.append((items, future, read))
            if len(waiting) > IN_FLIGHT:
                await _next(waiting, bar, write)
        while waiting:
            await _next(waiting, bar, write)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return run.touched


def _dsn() -> dict[str, Any]:
    """The default connection's PostgreSQL parameters, for the staged path's parse workers."""
    client = connections.get("default")
    return {
        name: getattr(client, name)
        for name in ("host", "port", "user", "password", "database")
        if getattr(client, name, None) is not None
    }


async def _staged(
    paths: Sequence[Path],
    size: int,
    bar: ImportProgress,
    summary: ImportSummary,
    rejects: RejectsWriter,
    run_id: int,
) -> None:
    """The staged path (importers/staged.py): parse workers COPY every chunk into the run's
    staging tables, then one transaction moves them into the real tables, set-based."""
    sql = Sql(connections.get("default"))
    columns = await create_staging(sql, run_id)
    target = Target(_dsn(), run_id, columns)
    seen: dict[str, set[str]] = {}
    pool = ProcessPoolExecutor(
        STAGE_WORKERS,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    waiting: deque[tuple[asyncio.Future[Any], int]] = deque()

    async def collect() -> None:
        future, read = waiting.popleft()
        with bar.phase("parse"):
            try:
                staged = await future
            except Exception as exc:  # a value the driver or the staging table refuses
                raise Fallback(f"a chunk could not be staged: {exc!r}") from exc
        for line, reason in staged.rejects:
            rejects.reject(line, reason)
        summary.records += staged.records
        summary.skipped.update(staged.skipped)
        for table, cols in staged.seen.items():
            seen.setdefault(table, set()).update(cols)
        bar.advance(read, staged.records)

    try:
        for chunk, (items, read, _) in enumerate(_chunks(paths, size)):
            future = asyncio.wrap_future(pool.submit(stage_chunk, target, chunk, items))
            waiting.append((future, read))
            if len(waiting) > IN_FLIGHT + STAGE_WORKERS:
                await collect()
        while waiting:
            await collect()
        pool.shutdown()
        try:
            async with in_transaction("default") as conn:
                one = Sql(conn)
                merge = Merge(one, run_id, columns)
                await merge.check()
                # the aggregates update every author, topic and institution row: their indexes
                # are built after that, not maintained through it
                async with (
                    one.indexes_after_rows("author"),
                    one.indexes_after_rows("topic"),
                    one.indexes_after_rows("institution"),
                ):
                    with bar.phase("write", "write staged rows"):
                        await merge.run(seen, summary)
                    with bar.phase("refresh", "refresh aggregates"):
                        await refresh_all_in(one)
        except BaseORMException as exc:
            raise Fallback(f"the database refused the staged rows: {exc}") from exc
    finally:
        pool.shutdown(cancel_futures=True)
        await drop_staging(sql, [run_id])
