"""Logging set-up for every peergraph process: text (the default) or one JSON object per line
(`PEERGRAPH_LOG_FORMAT=json`), both to stderr.

Every record carries `requestId` (and `jobId` in a worker job) when there is one, so the lines of
one request, and of the slice job it caused, can be found together. `logging_config()` is a
`logging.config.dictConfig` dictionary: the CLI applies it, and `serve` hands it to uvicorn,
which applies it again in each worker process."""

from __future__ import annotations

import logging
import logging.config
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from resolvers.telemetry.context import JOB, REQUEST

FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warning", "error", "critical")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The standard fields of a JSON line; anything passed as `extra=` is added after them.
JSON_FIELDS = ["asctime", "levelname", "name", "message"]
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}


class ContextFilter(logging.Filter):
    """Adds `requestId` and `jobId` from the request or job being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        info, job = REQUEST.get(), JOB.get()
        if not hasattr(record, "requestId"):
            if info is not None:
                record.requestId = info.request_id
            elif job is not None and job.request_id:
                record.requestId = job.request_id
        if job is not None and not hasattr(record, "jobId"):
            record.jobId = job.job_id
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields=JSON_RENAMES,
        timestamp=False,
        json_ensure_ascii=False,
    )


def logging_config(level: str, fmt: str) -> dict[str, Any]:
    """The dictConfig for `level` (info, debug, …) and `fmt` (text or json)."""
    if fmt not in FORMATS:
        raise ValueError(f"PEERGRAPH_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if level.lower() not in LEVELS:
        raise ValueError(f"PEERGRAPH_LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}")
    formatter: dict[str, Any] = (
        {"()": "resolvers.telemetry.logs.json_formatter"}
        if fmt == "json"
        else {"format": TEXT_FORMAT}
    )
    root_level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "resolvers.telemetry.logs.ContextFilter"}},
        "formatters": {"peergraph": formatter},
        "handlers": {
            "stderr": {
                "()": "resolvers.telemetry.logs.StderrHandler",
                "formatter": "peergraph",
                "filters": ["context"],
            }
        },
        "root": {"level": root_level, "handlers": ["stderr"]},
        "loggers": {
            # uvicorn's own loggers go through the same handler
            "uvicorn": {"level": root_level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": root_level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": root_level, "handlers": [], "propagate": True},
            # Tortoise announces every start and shutdown at INFO; keep the console for the rest
            "tortoise": {"level": max(logging.WARNING, logging.getLevelNamesMapping()[root_level])},
        },
    }


def configure(level: str, fmt: str) -> None:
    """Apply `logging_config`, unless this process configured logging already (as with
    `logging.basicConfig`: a host application, or pytest running a command in its process)."""
    config = logging_config(level, fmt)  # a misspelt level or format fails here either way
    if logging.getLogger().handlers:
        return
    logging.config.dictConfig(config)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to `sys.stderr` as it is when a record comes, not as it was at set-up (a
    replaced or closed stream would otherwise turn each line into a logging error)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class _SqlCounter(logging.Handler):
    """Counts the statements Tortoise runs for the current request: both backends log each one
    at DEBUG on `tortoise.db_client` before running it."""

    def emit(self, record: logging.LogRecord) -> None:
        info = REQUEST.get()
        if info is not None:
            info.sql += 1


_SQL_COUNTER = _SqlCounter()
_DB_CLIENT_LOG = logging.getLogger("tortoise.db_client")


def note_statement(sql: str, params: Any) -> None:
    """A statement run on the pool directly, not through Tortoise (resolvers/sql.py), recorded
    as Tortoise records its own: logged at DEBUG on `tortoise.db_client` when anything but the
    request counter listens there (tests, debugging), else counted without a log record."""
    logger = _DB_CLIENT_LOG
    if logger.handlers == [_SQL_COUNTER] and not logger.propagate:
        info = REQUEST.get()
        if info is not None:
            info.sql += 1
    elif logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s: %s", sql, params)


def count_sql_statements() -> None:
    """Count SQL statements per request (idempotent). The statements themselves are not printed:
    the logger stops here instead of passing them on to the console."""
    logger = logging.getLogger("tortoise.db_client")
    if _SQL_COUNTER not in logger.handlers:
        logger.addHandler(_SQL_COUNTER)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
