"""Where a cold slice's time goes, stage by stage and statement by statement (bench.seeds).

A cold slice is the arq job `workers.slices.compute_slice`: a few Redis calls, `compute` (the
centers' check, the walk's hops, then the edge pass, the neighbour counts and the details run
side by side, then the answer assembled in Python) and the write to Redis (`_store_ready`).
`Timeline.install` wraps those functions and every `fetch` the slice modules make, by name, so
the same harness times any version of the worker (a stage it does not have is simply absent).

Per slice the *stages* add up to the job: `job = pre + centers + hop 1 + hop 2 + passes +
assemble + store`, where `passes` is the wall time from the first to the last of the side-by-side
passes and `assemble` (and `pre`: the job's Redis reads before `compute`) is what is left. The
*statements* overlap (the passes and each hop's relations run concurrently on separate pool
connections), so they explain a stage, not the total: each is reported with its own median.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

#: the sequential stages, in the order a slice runs them
STAGES = ("pre", "centers", "hop 1", "hop 2", "passes", "assemble", "store")
#: the side-by-side passes after the walk (their wall time is the `passes` stage)
PASSES = ("edges", "degree", "details")


def _statement_label(frame: Any) -> str:
    """The statement's name: the function that ran it, and the relation, kind or ranking it was
    for (read from that function's locals)."""
    code: str = frame.f_code.co_name
    local = frame.f_locals
    if "rels" in local:
        return f"{code} {'+'.join(r.name for r in local['rels'])}"
    if "rel" in local:
        return f"{code} {local['rel'].name!s}"
    if "kind" in local and isinstance(local["kind"], str):
        return f"{code} {local['kind']}"
    if "label" in local and isinstance(local["label"], str):
        return f"{code} {local['label']}"
    if "mine" in local:  # workers.slice_nodes: the works cited by the slice's, or citing them
        return f"{code} {'prior' if local['mine'] == 'citing_id' else 'derivative'}"
    if code == "ranked_works":  # two statements in turn: prior works, then derivative works
        return f"{code} {'derivative' if 'prior' in local else 'prior'}"
    return code


class Timeline:
    def __init__(self) -> None:
        #: per slice: stage → ms, pass → ms, statement label → ms (summed within the slice)
        self.stages: list[dict[str, float]] = []
        self.passes: list[dict[str, float]] = []
        self.statements: list[dict[str, float]] = []
        self._spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._sql: dict[str, float] = defaultdict(float)

    def _span(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                label = f"hop {args[2]}" if name == "expand" else name
                self._spans[label].append((started, time.perf_counter()))

        return wrapper

    def _statement(self, original: Callable[..., Any]) -> Callable[..., Any]:
        async def fetch(sql: str, params: Any = ()) -> Any:
            label = _statement_label(sys._getframe(1))
            started = time.perf_counter()
            try:
                return await original(sql, params)
            finally:
                self._sql[label] += (time.perf_counter() - started) * 1000

        return fetch

    def install(self) -> None:
        from workers import slice_nodes, slice_sql, slices

        for module in (slices, slice_sql, slice_nodes):
            if hasattr(module, "fetch"):
                module.fetch = self._statement(module.fetch)  # type: ignore[attr-defined]
        walk = slices._Walk
        for method in ("expand", "edges", "degree"):
            setattr(walk, method, self._span(method, getattr(walk, method)))
        for name, stage in (
            ("_check_centers", "centers"),
            ("details", "details"),
            ("compute", "compute"),
            ("_store_ready", "store"),
        ):
            if hasattr(slices, name):
                setattr(slices, name, self._span(stage, getattr(slices, name)))

    def end_slice(self, job_ms: float) -> None:
        """Close one slice whose whole job took `job_ms`."""
        ms = {k: sum(b - a for a, b in v) * 1000 for k, v in self._spans.items()}
        runs = [s for name in PASSES for s in self._spans.get(name, [])]
        passes = (max(b for _a, b in runs) - min(a for a, _b in runs)) * 1000 if runs else 0.0
        compute = ms.get("compute", job_ms)
        stages = {
            "centers": ms.get("centers", 0.0),
            "hop 1": ms.get("hop 1", 0.0),
            "hop 2": ms.get("hop 2", 0.0),
            "passes": passes,
            "store": ms.get("store", 0.0),
        }
        stages["assemble"] = compute - sum(
            stages[s] for s in ("centers", "hop 1", "hop 2", "passes")
        )
        stages["pre"] = job_ms - compute - stages["store"]
        self.stages.append({**stages, "compute": compute, "job": job_ms})
        self.passes.append({name: ms[name] for name in PASSES if name in ms})
        self.statements.append(dict(self._sql))
        self._spans.clear()
        self._sql.clear()

    def report(self) -> dict[str, dict[str, float]]:
        """Medians per stage, pass and statement; `mean` holds the stages' means, which add up to
        the mean job exactly."""

        def medians(rows: list[dict[str, float]]) -> dict[str, float]:
            keys = sorted({k for r in rows for k in r})
            return {k: statistics.median(r.get(k, 0.0) for r in rows) for k in keys}

        order = [*STAGES, "compute", "job"]
        stage_medians = medians(self.stages)
        return {
            "stages": {k: stage_medians[k] for k in order if k in stage_medians},
            "mean": {k: statistics.fmean(r[k] for r in self.stages) for k in order if self.stages},
            "passes": medians(self.passes),
            "statements": dict(sorted(medians(self.statements).items(), key=lambda kv: -kv[1])),
        }

    def print(self) -> None:
        report = self.report()
        for name, title in (
            ("stages", "stages, median ms"),
            ("mean", "stages, mean ms (these add up to the job)"),
            ("passes", "side-by-side passes, median ms"),
            ("statements", "statements, median ms per slice (overlapping)"),
        ):
            print(f"  {title}: " + ", ".join(f"{k} {v:.1f}" for k, v in report[name].items()))
