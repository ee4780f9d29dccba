"""Synthetic OpenAlex-shaped JSONL for benchmarks (`peergraph generate --works N --seed S`).

Model (importers/synthetic.py). Authors sit in contiguous blocks ("communities") with one
subfield's topics, two home institutions and two journals. Each author has a Pareto productivity
weight, so works per author follow a power law. An author is active while a sliding window over
the author index passes them (a career); a work takes its lead author from the window by weight and
its co-authors mostly from the lead's community, so pairs recur. About 12% of authors move to
another institution mid-career. Works come in time order; a reference goes to a co-author's or the
community's latest work, follows such a work's first reference back, copies what a random earlier
work cited first (so citations are rich-get-richer), or takes a recent older work; 2% point to a
slightly newer work, as preprints do.

Memory. No list of works is kept; records are written as they are made, in blocks of 512 works.
Pass 1 runs the plan (authors and references of every work) once, writing it compactly to a temp
file and counting citations into an int array, so that pass 2 writes each work with its final
`cited_by_count`. Pass 2 spills authorship rows to binary files bucketed by author; the author
records, with exact works and citation counts, h-index, i10 and affiliation years, are then built
one bucket at a time. Citations per year are not tracked: a work's citations are spread over the
ten years after its publication, in works and authors alike.

Speed. From 50,000 works on, blocks and buckets are shared between two worker processes; every
block's text has its own seed, so the files are the same whichever process made which block.

Deterministic: the same (works, seed) writes byte-identical files. Ids, DOIs (10.5555 is Crossref's
test prefix), ORCIDs and RORs depend only on the index, so re-importing with another seed upserts
the same rows instead of colliding.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any, TypeVar

import orjson
from rich.console import Console
from rich.progress import Progress

from importers.synthetic import OA, Universe
from importers.synthetic_fields import funder_count, funder_record, institution_links, parent_of
from importers.synthetic_works import (
    STAMP,
    Planned,
    WorkMaker,
    author_block,
    source_ref,
)

__all__ = ["GenerateSummary", "generate"]

BLOCK = 512  # works per block: the unit a process writes (a few MB of JSON)
BUCKET_BITS = 11  # 2048 authors per spill bucket, so one bucket's records stay small
FLUSH_INTS = 4096  # a bucket's buffered rows go to disk at this size
PARALLEL_FROM = 50_000  # works; below this one process is faster than starting two
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class GenerateSummary:
    out_dir: Path
    works: int
    authors: int
    institutions: int
    topics: int
    sources: int
    authorships: int
    references: int
    seconds: float


@dataclass
class _Job:
    """What a process needs to make blocks and buckets; workers load it from the temp dir."""

    uni: Universe
    cites: array[int]
    offsets: array[int]  # where each block starts in plan.bin, in ints; one extra at the end
    tmp: Path
    maker: WorkMaker | None = None


_JOBS: dict[Path, _Job] = {}


def _job(tmp: Path, works: int, seed: int) -> _Job:
    if tmp not in _JOBS:
        cites, offsets = array("i"), array("q")
        cites.frombytes((tmp / "cites.bin").read_bytes())
        offsets.frombytes((tmp / "offsets.bin").read_bytes())
        _JOBS.clear()
        _JOBS[tmp] = _Job(Universe(works, seed), cites, offsets, tmp)
    return _JOBS[tmp]


def _work_task(spec: tuple[Path, int, int, int]) -> tuple[bytearray, bytes, bytes]:
    job = _job(*spec[:3])
    if job.maker is None:
        job.maker = WorkMaker(job.uni, job.cites)
    return job.maker.block(spec[3], _read_plan(job, spec[3]))


def _author_task(spec: tuple[Path, int, int, Path]) -> bytearray:
    return author_block(_job(*spec[:3]).uni, spec[3].read_bytes())


def _read_plan(job: _Job, b: int) -> Iterator[Planned]:
    start, end = job.offsets[b], job.offsets[b + 1]
    data = array("i")
    with (job.tmp / "plan.bin").open("rb") as fh:
        fh.seek(4 * start)
        data.fromfile(fh, end - start)
    i, pos = b * BLOCK, 0
    while pos < len(data):
        comm, n_team, n_refs = data[pos : pos + 3]
        pos += 3 + n_team + n_refs
        team, refs = data[pos - n_team - n_refs : pos - n_refs], data[pos - n_refs : pos]
        yield i, comm, team.tolist(), refs.tolist()
        i += 1


def _plan(
    uni: Universe, tmp: Path, tick: Callable[[int], object]
) -> tuple[array[int], array[int], int]:
    """Pass 1: the plan into plan.bin, citations counted: (cites, block offsets, references)."""
    cites, offsets, buf = array("i", bytes(4 * uni.n_works)), array("q"), array("i")
    written = references = 0
    with (tmp / "plan.bin").open("wb") as fh:
        for i, comm, team, refs in uni.plan():
            if i % BLOCK == 0:
                offsets.append(written + len(buf))
                tick(i)
            buf.extend((comm, len(team), len(refs)))
            buf.extend(team)
            buf.extend(refs)
            for j in refs:
                cites[j] += 1
            references += len(refs)
            if len(buf) >= 1 << 16:
                buf.tofile(fh)
                written, buf = written + len(buf), array("i")
        buf.tofile(fh)
        offsets.append(written + len(buf))
    (tmp / "cites.bin").write_bytes(cites.tobytes())
    (tmp / "offsets.bin").write_bytes(offsets.tobytes())
    return cites, offsets, references


class _Runner:
    """Maps a task over items in order, in this process or a small pool, few results in flight."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool: Pool | None = None
        if jobs > 1:
            # fork where there is one (no re-import of the caller's __main__), before any thread
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self.pool = context.Pool(jobs)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        if self.pool is None:
            yield from map(fn, items)
            return
        pending: deque[AsyncResult[R]] = deque()
        for item in items:
            pending.append(self.pool.apply_async(fn, (item,)))
            if len(pending) > 2 * self.jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

    def close(self, failed: bool) -> None:
        if self.pool is not None:
            if failed:
                self.pool.terminate()
            else:
                self.pool.close()
            self.pool.join()


def generate(
    out_dir: Path, *, works: int, seed: int, progress: bool = True, jobs: int | None = None
) -> GenerateSummary:
    """Write works, authors, institutions, topics and sources JSONL files into `out_dir`.

    `jobs`: processes to use; by default two from 50,000 works on (when there are two CPUs)."""
    if works < 1:
        raise ValueError("works must be at least 1")
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    if jobs is None:
        jobs = min(2, os.cpu_count() or 1) if works >= PARALLEL_FROM else 1
    runner, failed = _Runner(jobs), True
    try:
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".generate-") as tmp_name:
            tmp, uni = Path(tmp_name), Universe(works, seed)
            show = progress and sys.stderr.isatty()
            with Progress(console=Console(stderr=True), disable=not show) as bar:
                task = bar.add_task("planning works and citations", total=works)
                tick = lambda n: bar.update(task, completed=n)  # noqa: E731
                cites, offsets, references = _plan(uni, tmp, tick)
                bar.update(task, completed=works)
                _JOBS.clear()
                _JOBS[tmp] = _Job(uni, cites, offsets, tmp)
                counts = _write(uni, tmp, out_dir, runner, bar)
        failed = False
    finally:
        runner.close(failed)
        _JOBS.clear()
    sizes = len(uni.institutions), len(uni.topics), len(uni.sources)
    authors, authorships = counts
    seconds = time.monotonic() - started
    return GenerateSummary(out_dir, works, authors, *sizes, authorships, references, seconds)


def _write(
    uni: Universe, tmp: Path, out_dir: Path, runner: _Runner, bar: Progress
) -> tuple[int, int]:
    """Pass 2 and the author pass; returns (authors, authorships)."""
    n_blocks = (uni.n_works + BLOCK - 1) // BLOCK
    stats = [array("q", bytes(8 * len(x))) for x in (uni.institutions, uni.topics, uni.sources)]
    cited = [array("q", bytes(8 * len(x))) for x in (uni.institutions, uni.topics, uni.sources)]
    spill: dict[int, array[int]] = {}
    rows_total = 0

    def flush(bucket: int) -> None:
        with (tmp / f"bucket-{bucket}.bin").open("ab") as fh:
            spill.pop(bucket).tofile(fh)

    task = bar.add_task("writing works", total=uni.n_works)
    specs = [(tmp, uni.n_works, uni.seed, b) for b in range(n_blocks)]
    with (out_dir / "works.jsonl").open("wb") as fh:
        for b, (text, rows_bytes, tallies_bytes) in enumerate(runner.map(_work_task, specs)):
            fh.write(text)
            rows, tallies = array("i", rows_bytes), array("q", tallies_bytes)
            for k in range(0, len(rows), 5):
                bucket = rows[k] >> BUCKET_BITS
                buf = spill.setdefault(bucket, array("i"))
                buf.extend(rows[k : k + 5])
                if len(buf) >= FLUSH_INTS:
                    flush(bucket)
            rows_total += len(rows) // 5
            for k in range(0, len(tallies), 3):
                stats[tallies[k]][tallies[k + 1]] += 1
                cited[tallies[k]][tallies[k + 1]] += tallies[k + 2]
            bar.update(task, completed=min((b + 1) * BLOCK, uni.n_works))
    for bucket in list(spill):
        flush(bucket)
    buckets = sorted(tmp.glob("bucket-*.bin"), key=lambda p: int(p.stem.split("-")[1]))
    task, authors = bar.add_task("writing authors", total=len(buckets)), 0
    with (out_dir / "authors.jsonl").open("wb") as fh:
        author_specs = [(tmp, uni.n_works, uni.seed, path) for path in buckets]
        for text in runner.map(_author_task, author_specs):
            fh.write(text)
            authors += text.count(b"\n")
            bar.advance(task)
    _write_small(uni, out_dir, stats, cited)
    return authors, rows_total


def _write_small(
    uni: Universe, out_dir: Path, works: list[array[int]], cited: list[array[int]]
) -> None:
    """Institutions (with their parents and children), topics, sources and funders, with the
    works and citations counted in pass 2."""

    def counts(kind: int, k: int) -> dict[str, int]:
        return {"works_count": works[kind][k], "cited_by_count": cited[kind][k]}

    children: dict[int, list[int]] = {}
    for k in range(len(uni.institutions)):
        if (parent := parent_of(k)) is not None:
            children.setdefault(parent, []).append(k)
    records: list[Iterator[dict[str, Any]]] = [
        (
            _institution(uni, k) | institution_links(uni, k, children.get(k, [])) | counts(0, k)
            for k in range(len(uni.institutions))
        ),
        (_topic(uni, t) | counts(1, t) for t in range(len(uni.topics))),
        (_source(uni, k) | counts(2, k) for k in range(len(uni.sources))),
        (funder_record(uni, k) for k in range(funder_count(uni.n_works))),
    ]
    names = ("institutions", "topics", "sources", "funders")
    for name, recs in zip(names, records, strict=True):
        with (out_dir / f"{name}.jsonl").open("wb") as fh:
            for rec in recs:
                fh.write(orjson.dumps(rec | STAMP) + b"\n")


def _institution(uni: Universe, k: int) -> dict[str, Any]:
    inst, (city, country) = uni.institutions[k], uni.inst_geo[k]
    rec = {**inst, "type_id": f"{OA}institution-types/{inst['type']}"}
    rec["homepage_url"] = f"https://www.{city.lower()}.example"
    rec["display_name_acronyms"], rec["display_name_alternatives"] = [], []
    rec["ids"] = {"openalex": inst["id"], "ror": inst["ror"]}
    rec["geo"] = {"city": city, "country_code": inst["country_code"], "country": country}
    return rec


def _topic(uni: Universe, t: int) -> dict[str, Any]:
    tid, name = f"{OA}T{uni.other_base + t}", uni.topics[t]
    rec = {"id": tid, "display_name": name}
    rec["description"] = f"This cluster of papers covers {name.lower()}."
    return rec | {"keywords": name.split(" and "), "ids": {"openalex": tid}} | uni.topic_tails[t]


def _source(uni: Universe, k: int) -> dict[str, Any]:
    rec = source_ref(uni, k)
    rec["ids"] = {"openalex": rec["id"]} | ({"issn_l": rec["issn_l"]} if rec["issn_l"] else {})
    return rec
