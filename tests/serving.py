"""`peergraph serve` (and other commands) as real subprocesses, for the tests that need a real
socket or the embedded default's own processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peergraph(*args: str) -> list[str]:
    """The `peergraph` command of this interpreter (the same code as the entry point)."""
    return [sys.executable, "-c", "import sys, cli; sys.exit(cli.main())", *args]


def command_env(**overrides: str | None) -> dict[str, str]:
    """This environment with the repository importable; `None` removes a variable."""
    env = {**os.environ, "PEERGRAPH_LOG_LEVEL": "warning", "PYTHONPATH": str(REPO)}
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_command(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a peergraph command to its end; fail the test with its output if it fails."""
    done = subprocess.run(
        peergraph(*args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, (
        f"peergraph {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
    )
    return done


@dataclass(frozen=True)
class Server:
    base: str
    log: Path

    @property
    def url(self) -> str:
        return f"{self.base}/graphql"

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@contextlib.contextmanager
def serving(cwd: Path, env: dict[str, str], name: str = "serve", *args: str) -> Iterator[Server]:
    """`peergraph serve [args]` on a free port until the block ends (then SIGTERM, as a user's
    Ctrl-C)."""
    port = free_port()
    log_path = cwd / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            peergraph("serve", "--host", "127.0.0.1", "--port", str(port), *args),
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base, log_path)
        yield Server(base, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_ready(process: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"peergraph serve exited with {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"peergraph serve was not ready in {START_TIMEOUT_S:g}s:\n{log_path.read_text()}")


def unavailable(reason: str, what: str) -> None:
    """Skip a test that needs a tool this machine lacks; on CI (`CI=true`) fail: `what` must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; on CI {what} must run")
    pytest.skip(reason)


def require_node(what: str) -> str:
    """node's path, for a test that runs `what` with node (and npm to install its packages)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable(f"node and npm are needed to run {what}", what)
        raise AssertionError  # unreachable: unavailable raises
    return node


def require_npm_packages(directory: Path, marker: str, what: str) -> None:
    """`npm ci` in `directory` unless `marker` (a path under it) shows it was done."""
    if (directory / marker).is_file():
        return
    failed = npm_ci(directory)
    if failed is not None:
        unavailable(failed, what)


def npm_ci(directory: Path) -> str | None:
    """`npm ci` in `directory` (its pinned lockfile); None when it worked, else why not."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        return f"`npm ci` in {directory} failed: {done.stderr.strip()[-2000:]}"
    return None


def current_db_url() -> str:
    """The URL of the test's database (Tortoise's default connection), for a subprocess."""
    from tortoise import connections

    conn: Any = connections.get("default")
    if hasattr(conn, "filename"):
        return f"sqlite://{conn.filename}"
    return f"postgres://{conn.user}:{conn.password or ''}@{conn.host}:{conn.port}/{conn.database}"
