"""The CORS preflight as a real browser runs it: headless Chromium on a page of another origin
fetches /graphql with each header common client libraries add (Apollo's client awareness, W3C
trace context, Sentry). Skipped when Chromium is not installed, except on CI."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

HEADERS = [
    "apollographql-client-name",
    "apollographql-client-version",
    "traceparent",
    "sentry-trace",
    "baggage",
]
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--virtual-time-budget=10000",
    "--dump-dom",
)
PAGE = """<html><body><pre id="out">pending</pre><script>
const headers = %s;
Promise.all(headers.map(h => fetch("%s", {
  method: "POST",
  headers: {"content-type": "application/json", [h]: "x-1"},
  body: JSON.stringify({query: "{ __typename }"}),
}).then(r => r.json()).then(b => [h, b.data ? "ok" : "no data"], e => [h, "failed: " + e])))
  .then(rs => document.getElementById("out").textContent = "RESULT" + JSON.stringify(rs) + "END");
</script></body></html>"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; on CI the browser CORS test must run")
        pytest.skip("chromium is not installed")
    return found


@pytest.fixture
async def api_url(app: Any) -> AsyncIterator[str]:
    """The app served by uvicorn on a free port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no started event)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        sock.close()


@contextlib.contextmanager
def page_origin(directory: Path) -> Iterator[str]:
    """A static server for `directory` on another port: another origin than the API."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_browser_may_send_common_client_headers(
    api_url: str, tmp_path: Path, db: str
) -> None:
    chromium = _chromium()
    # given a page on another origin that POSTs to the API with each common client header
    (tmp_path / "page.html").write_text(PAGE % (json.dumps(HEADERS), api_url))
    with page_origin(tmp_path) as origin:
        # when headless Chromium loads it (and runs each CORS preflight)
        done = await asyncio.to_thread(
            subprocess.run,
            [chromium, *BROWSER_FLAGS, f"{origin}/page.html"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    found = re.search(r"RESULT(.*)END", done.stdout)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    # then every fetch got through and answered
    assert dict(json.loads(found.group(1))) == dict.fromkeys(HEADERS, "ok")
