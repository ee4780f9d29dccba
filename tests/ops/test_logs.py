"""The per-request log line: what an operator on call reads first."""

from __future__ import annotations

import io
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest

from resolvers.sql import execute
from resolvers.telemetry.logs import StderrHandler, configure
from tests.conftest import GraphQLClient
from tests.factories import make_author
from tests.serving import command_env, peergraph
from tests.slices.helpers import gid


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "peergraph.access"]


async def test_a_masked_error_puts_its_error_id_in_the_request_line(
    db: str, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    # given an author, and a database that lost the table of authors' topics (a real fault)
    ada = await make_author()
    await execute("DROP TABLE author_topic")
    caplog.set_level(logging.INFO, logger="peergraph.access")
    # when the profile asks for her topics
    query = "query Topics($id: ID!) { author(id: $id) { topics { workCount } } }"
    body = await gql(query, {"id": gid("Author", ada.id)}, headers={"X-Request-Id": "err-1"})
    # then the client sees a masked INTERNAL error with an errorId
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    # and the request's log line carries the same errorId, the operation and the request id
    (record,) = access_records(caplog)
    fields: Any = record.__dict__
    assert fields["errorId"] == error["extensions"]["errorId"]
    assert fields["requestId"] == "err-1"
    assert fields["operation"] == "Topics"
    assert fields["status"] == 200
    assert fields["sql"] >= 1


def test_an_unknown_log_format_or_level_stops_the_command_with_the_choices(
    tmp_path: Path,
) -> None:
    for variable, wrong, choices in [
        ("PEERGRAPH_LOG_FORMAT", "jsn", "text, json"),
        ("PEERGRAPH_LOG_LEVEL", "loud", "debug, info, warning, error, critical"),
    ]:
        # when a command starts with a misspelt setting
        env = command_env(**{variable: wrong})
        done = subprocess.run(
            peergraph("export-schema"), cwd=tmp_path, env=env, capture_output=True, text=True
        )
        # then it stops with exit 2 and one line that names the setting and what it takes
        assert done.returncode == 2
        assert done.stderr == f"peergraph: {variable} must be one of {choices}, not {wrong!r}\n"


def test_a_process_that_configured_logging_keeps_its_handlers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a process whose root logger has handlers already (pytest's, here)
    root = logging.getLogger()
    before = list(root.handlers)
    assert before
    # when a peergraph command sets logging up in it
    configure("info", "json")
    # then the process's handlers stay, and no handler holds on to a stream that may close
    assert root.handlers == before


def test_the_stderr_handler_writes_where_stderr_is_now(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given the handler, whose stream at set-up has been closed since (as pytest's captures are)
    handler = StderrHandler()
    stale = io.StringIO()
    stale.close()
    handler.stream = stale
    # when a record comes
    handler.emit(logging.makeLogRecord({"msg": "after the swap", "levelno": logging.WARNING}))
    # then it lands in the current stderr, without a logging error
    err = capsys.readouterr().err
    assert "after the swap" in err
    assert "Logging error" not in err
