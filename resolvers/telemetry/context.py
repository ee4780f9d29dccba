"""The facts of the request or job being handled, kept in context variables.

The request middleware (server/observe.py) opens a `RequestInfo`; the layers below fill it in as
they learn things (the caller, the operation, the points spent, each SQL statement, the errorId
of a masked error), and the middleware turns it into metrics and one log line. A job carries the
request id of the request that enqueued it (`JobInfo`), so a slice's log lines in the worker say
which request caused them."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class RequestInfo:
    request_id: str
    caller: str = "anonymous"
    operations: list[str] = field(default_factory=list)
    cost: int = 0
    sql: int = 0
    rate_limited: bool = False
    error_ids: list[str] = field(default_factory=list)

    @property
    def operation(self) -> str:
        """The operation name for metrics and logs: `-` before one is known, `(batch)`."""
        if not self.operations:
            return "-"
        return self.operations[0] if len(self.operations) == 1 else "(batch)"


@dataclass(frozen=True)
class JobInfo:
    job_id: str
    function: str
    request_id: str | None


REQUEST: ContextVar[RequestInfo | None] = ContextVar("peergraph_request", default=None)
JOB: ContextVar[JobInfo | None] = ContextVar("peergraph_job", default=None)


def current_request() -> RequestInfo | None:
    return REQUEST.get()


def request_id() -> str | None:
    """The id of the request (or of the request behind the job) being handled."""
    info = REQUEST.get()
    if info is not None:
        return info.request_id
    job = JOB.get()
    return job.request_id if job is not None else None


def note_caller(kind: str) -> None:
    info = REQUEST.get()
    if info is not None:
        info.caller = kind


def note_operation(name: str | None) -> None:
    info = REQUEST.get()
    if info is not None:
        info.operations.append(name or "(anonymous)")


def note_error_id(error_id: str) -> None:
    info = REQUEST.get()
    if info is not None:
        info.error_ids.append(error_id)
