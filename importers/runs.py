"""What makes an import safe to kill: its parse worker dies with it, and the next run repairs it.

- `die_with_parent` runs first in the parse worker process: on Linux the kernel sends it SIGKILL
  when the importing process dies (`prctl(PR_SET_PDEATHSIG)`), and everywhere a watcher thread
  exits it once its parent is gone, so a `kill -9` of an import leaves no orphan blocked on a
  pipe.
- Every `run_import` records an `ImportRun` row before writing and finishes it after the
  aggregates are refreshed and the slice data version is bumped. A row left unfinished means a
  run died between its first committed batch and its end: the next run recomputes every
  aggregate and bumps the data version even when its own files change nothing (the records the
  killed run committed are already stored, so the new run alone would see "nothing changed").
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import sys
import threading
import time
from datetime import UTC, datetime

from models.imports import ImportRun

log = logging.getLogger("peergraph.importers")

#: `prctl` option: the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1
#: How often the watcher thread checks that the parent is still there.
PARENT_CHECK_SECONDS = 1.0


def die_with_parent(parent_pid: int) -> None:
    """Initializer of the parse worker: make it end when the importing process `parent_pid` ends,
    however that ends (`kill -9` included)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed (errno %d)", ctypes.get_errno())
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """Where PR_SET_PDEATHSIG does not exist: an orphan is re-parented, so its ppid changes."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


async def begin_run(kind: str) -> tuple[int, list[int]]:
    """Record this run; returns its id and the ids of earlier runs that never finished."""
    unfinished = await ImportRun.filter(finished_at=None, repaired_by_id=None).order_by("id")
    run = await ImportRun.create(kind=kind, pid=os.getpid(), host=socket.gethostname()[:255])
    return run.id, [r.id for r in unfinished]


async def finish_run(run_id: int, repaired: list[int]) -> None:
    """Mark this run finished, and the unfinished runs it repaired as repaired by it."""
    await ImportRun.filter(id=run_id).update(finished_at=datetime.now(UTC))
    if repaired:
        await ImportRun.filter(id__in=repaired).update(repaired_by_id=run_id)
