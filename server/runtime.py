"""Process-level tuning of the server: the garbage collector after start-up, and a cap on the
GraphQL requests one process executes at once.

Both are measured in bench/runtime.py (docs/benchmarks.md, "Process tuning").
"""

from __future__ import annotations

import gc
import logging

import settings

log = logging.getLogger("peergraph.runtime")


def tune_gc() -> None:
    """Freeze what start-up allocated and set the youngest generation's threshold
    (`PEERGRAPH_GC_FREEZE`, `PEERGRAPH_GC_GEN0_THRESHOLD`)."""
    if not settings.GC_FREEZE:
        return
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(1, settings.GC_GEN0_THRESHOLD), gen1, gen2)
    log.debug("gc: %d objects frozen, thresholds %s", gc.get_freeze_count(), gc.get_threshold())


class InFlight:
    """The GraphQL requests this process is executing, against `PEERGRAPH_MAX_IN_FLIGHT`.

    A request over the cap is refused at once (OVERLOADED) rather than queued: the database pool
    would make it wait, and every request behind it would wait longer, until the execution timeout
    ended them all. A refused client retries after `Retry-After`, possibly on another process.
    """

    def __init__(self) -> None:
        self.count = 0

    def enter(self) -> bool:
        limit = settings.MAX_IN_FLIGHT
        if limit > 0 and self.count >= limit:
            return False
        self.count += 1
        return True

    def leave(self) -> None:
        self.count -= 1


IN_FLIGHT = InFlight()
