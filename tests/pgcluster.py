"""Real PostgreSQL clusters for the replica tests: a primary made with initdb and a streaming
replica made from it with `pg_basebackup -R`, each on its own port, started and stopped with
pg_ctl. Run as the current user, or as `postgres` (runuser) when that is root, which PostgreSQL
refuses. Skipped with the reason when the binaries are missing, never on CI (CI=true)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ON_CI
from tests.serving import free_port

#: Where Debian/Ubuntu put the server binaries; PATH is searched first.
BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def _missing(reason: str) -> None:
    if ON_CI:
        pytest.fail(f"{reason}; .ci/run must provide them (CI=true never skips)")
    pytest.skip(reason)


def _bin_dir() -> Path:
    found = shutil.which("pg_basebackup")
    candidates = [Path(found).parent] if found else []
    for folder in [*candidates, *BIN_DIRS]:
        if all((folder / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return folder
    _missing("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed")
    raise AssertionError  # unreachable: _missing raised


@dataclass
class Cluster:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"


@dataclass
class Pair:
    """A primary and its streaming replica."""

    bin: Path
    root: Path
    run_as: list[str]
    primary: Cluster
    replica: Cluster

    def run(self, tool: str, *args: str | Path) -> None:
        command = [*self.run_as, str(self.bin / tool), *map(str, args)]
        subprocess.run(command, check=True, capture_output=True, timeout=120, cwd=self.root)

    def start(self, cluster: Cluster) -> None:
        self.run(
            "pg_ctl", "-D", cluster.data, "-l", cluster.data.with_suffix(".log"), "-w", "start"
        )

    def stop(self, cluster: Cluster) -> None:
        self.run("pg_ctl", "-D", cluster.data, "-m", "fast", "-w", "stop")

    def running(self, cluster: Cluster) -> bool:
        return (cluster.data / "postmaster.pid").exists()


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _missing("running as root and there is no `postgres` user to run pg_ctl as")
    runuser = shutil.which("runuser")
    if runuser is None:
        _missing("running as root and `runuser` is missing, so pg_ctl cannot run as postgres")
    return [str(runuser), "-u", "postgres", "--"]


def _configure(data: Path, port: int, sockets: Path) -> None:
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nlisten_addresses = '127.0.0.1'\nport = {port}\n"
            f"unix_socket_directories = '{sockets}'\nfsync = off\nmax_connections = 50\n"
        )


@pytest.fixture(scope="module")
def pg_pair() -> Iterator[Pair]:
    """A running primary with a streaming replica; both stopped and removed afterwards."""
    folder = _bin_dir()
    run_as = _run_as()
    root = Path(tempfile.mkdtemp(prefix="peergraph-replica-"))
    if run_as:
        shutil.chown(root, "postgres")
    primary = Cluster(root / "primary", free_port())
    replica = Cluster(root / "replica", free_port())
    pair = Pair(folder, root, run_as, primary, replica)
    try:
        pair.run("initdb", "-D", primary.data, "-A", "trust", "-U", "postgres", "--no-sync")
        _configure(primary.data, primary.port, root)
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("\nhost replication all 127.0.0.1/32 trust\n")
        pair.start(primary)
        pair.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", replica.data, "-R", "-X", "stream",
        )  # fmt: skip
        with (replica.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {replica.port}\n")
        pair.start(replica)
        yield pair
    finally:
        for cluster in (replica, primary):
            if pair.running(cluster):
                pair.stop(cluster)
        shutil.rmtree(root, ignore_errors=True)
