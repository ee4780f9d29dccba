"""Starting, probing and stopping the servers under test, and the CPU their process trees use.

Each server runs in its own session (`start_new_session`), so its CPU is the sum over the
processes of that session (uvicorn's or PostGraphile's workers included) and it is stopped by
its own process group id, nothing broader.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import BIN, POSTGRAPHILE_BIN, REPO, log

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    kind: str  # peergraph | floor | postgraphile
    processes: int
    port: int
    body: Path
    argv: list[str]
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    logfile: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: the checkout it runs from (another revision's, for a baseline)
    cwd: Path = REPO

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def start(self) -> None:
        self.logfile = open(f"/tmp/bench-{self.name}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited; see /tmp/bench-{self.name}.log")
            try:
                post(self.url, self.body.read_bytes(), timeout=5)
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer in {timeout}s")

    def cpu_by_pid(self) -> dict[int, float]:
        """User + system CPU seconds of each live process in the server's session."""
        out: dict[int, float] = {}
        if self.proc is None:
            return out
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == self.proc.pid:  # session id
                out[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
        return out

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.logfile is not None:
            self.logfile.close()


def post(url: str, body: bytes, timeout: float = 10) -> bytes:
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data: bytes = response.read()
        return data


def peergraph(
    name: str,
    processes: int,
    port: int,
    body: Path,
    db_url: str,
    redis_url: str,
    compiled: bool = True,
) -> Server:
    argv = [str(BIN / "peergraph"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(processes)]
    return Server(
        name,
        "peergraph",
        processes,
        port,
        body,
        argv,
        {
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            # its own metric files: servers sharing a var directory would reset each other's
            "PEERGRAPH_VAR_DIR": f"/tmp/bench-var-{name}",
            "PEERGRAPH_LOG_LEVEL": "warning",
            "PEERGRAPH_ENV": "production",
            # the cost and rate-limit hooks run (one Redis script per request) but never refuse
            "PEERGRAPH_BUDGET_ANONYMOUS": "1000000000000",
            # `compiled` off: the general graphql-core executor (no planner)
            "PEERGRAPH_PLANNER": "true" if compiled else "false",
        },
    )


def from_checkout(server: Server, directory: Path) -> Server:
    """`server` running the code of another checkout (a baseline revision): its modules first on
    the import path, before this checkout's editable install, and its files as the cwd."""
    server.cwd = directory
    server.env["PYTHONPATH"] = str(directory)
    return server


def floor(name: str, processes: int, port: int, body: Path, db_url: str) -> Server:
    argv = [str(BIN / "python"), "-m", "uvicorn", "bench.floor:create_app", "--factory"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop"]
    argv += ["--http", "httptools", "--no-access-log", "--log-level", "warning"]
    if processes > 1:
        argv += ["--workers", str(processes)]
    return Server(name, "floor", processes, port, body, argv, {"FLOOR_DATABASE_URL": db_url})


def postgraphile(name: str, processes: int, port: int, body: Path, db_url: str) -> Server:
    argv = [str(POSTGRAPHILE_BIN), "--connection", db_url, "--schema", "public"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--disable-graphiql"]
    argv += ["--disable-query-log", "--disable-default-mutations", "--dynamic-json"]
    if processes > 1:
        argv += ["--cluster-workers", str(processes)]
    return Server(name, "postgraphile", processes, port, body, argv, {"NODE_ENV": "production"})


def start_all(servers: list[Server]) -> None:
    for server in servers:
        log(f"starting {server.name} on :{server.port}")
        server.start()
    for server in servers:
        server.wait_ready()
    log("all servers answer")
