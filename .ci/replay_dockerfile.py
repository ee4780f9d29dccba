"""Replay the Dockerfile's steps on this machine, where no Docker engine runs.

    python3 .ci/replay_dockerfile.py [--ref HEAD] [--repo .] [--keep]

It reads the Dockerfile and carries out its instructions under one scratch root
(/tmp/http-docker-*), standing in for the image's file system:

- the build context is `git archive REF` filtered by .dockerignore;
- FROM python:3.11-slim is this machine's Python 3.11 (as `python` on PATH);
- WORKDIR, ENV, COPY (context and `--from=builder`) and RUN are carried out with the image's
  absolute paths (/opt, /src, /tmp, /var/lib/peergraph) moved under the scratch root;
- RUN steps that call apt-get are skipped after checking that the tools they install are here;
  the one that creates the user is skipped too: USER's uid runs the commands below (setpriv).

Then, as the image would run, with no source tree and no PYTHONPATH: `peergraph --help`, the
ENTRYPOINT + CMD (`peergraph serve`, on the embedded default, on 127.0.0.1 and a free port), the
HEALTHCHECK command, /readyz and one GraphQL query, and `peergraph worker` against REDIS_URL
(or the machine's Redis) for a few seconds. Exit 0 when every step passed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMAGE_ROOTS = ("/opt/", "/src", "/tmp/", "/var/lib/peergraph")
APT_TOOLS = ("gcc", "make")


@dataclass
class Stage:
    name: str | None
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)


def say(message: str) -> None:
    print(f"replay: {message}", flush=True)


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def base_python() -> str:
    """The interpreter standing in for the base image's: a real Python 3.11 that the image's
    non-root uid can run too (pyenv's, under root's home, is not), used by both stages."""
    for candidate in ("/usr/local/bin/python3.11", "/usr/bin/python3.11"):
        if os.access(candidate, os.X_OK):
            return candidate
    if sys.version_info[:2] == (3, 11):
        return os.path.realpath(sys.executable)
    raise SystemExit("replay: no Python 3.11 found to stand in for python:3.11-slim")


class Replay:
    def __init__(self, root: Path, context: Path) -> None:
        self.root = root
        self.context = context
        self.stages: list[Stage] = []
        bin_dir = root / "base" / "bin"
        bin_dir.mkdir(parents=True)
        (root / "tmp").mkdir()
        python = base_python()
        (bin_dir / "python").symlink_to(python)
        (bin_dir / "python3").symlink_to(python)
        self.base_path = f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"

    def host(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    def rewrite(self, text: str) -> str:
        """Move the image's absolute paths under the scratch root."""
        pattern = "|".join(re.escape(r) for r in IMAGE_ROOTS)
        return re.sub(rf"(?<![\w/.-])({pattern})", lambda m: f"{self.root}{m.group(1)}", text)

    @property
    def stage(self) -> Stage:
        return self.stages[-1]

    def stage_env(self) -> dict[str, str]:
        env = {"PATH": self.base_path, "HOME": str(self.host("/root")), "LANG": "C.UTF-8"}
        env.update(self.stage.env)
        return env

    def run(self, kind: str, args: str) -> None:
        getattr(self, f"do_{kind.lower()}", self.do_other)(kind, args)

    def do_from(self, _kind: str, args: str) -> None:
        words = args.split()
        name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
        self.stages.append(Stage(name))
        say(f"FROM {args}  (this machine's {base_python()})")

    def do_workdir(self, _kind: str, args: str) -> None:
        self.stage.workdir = args
        self.host(args).mkdir(parents=True, exist_ok=True)

    def do_env(self, _kind: str, args: str) -> None:
        for token in shlex.split(args):
            name, _, value = token.partition("=")
            value = self.rewrite(value).replace("${PATH}", self.stage_env()["PATH"])
            self.stage.env[name] = value

    def do_copy(self, _kind: str, args: str) -> None:
        words = shlex.split(args)
        source_root = self.context
        if words[0].startswith("--from="):
            # Both stages share the scratch root, so the builder's files are already in place.
            say(f"COPY {args}  (same place under the scratch root)")
            return
        *sources, dest = words
        target = self.host(dest if dest.startswith("/") else f"{self.stage.workdir}/{dest}")
        for source in sources:
            src = source_root / source
            if src.is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            elif dest.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / src.name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)
        say(f"COPY {args}")

    def do_run(self, _kind: str, args: str) -> None:
        if "apt-get" in args:
            missing = [t for t in APT_TOOLS if shutil.which(t) is None]
            if missing:
                raise SystemExit(
                    f"replay: the machine lacks {missing} that the apt-get step installs"
                )
            say(f"RUN apt-get …  (skipped: {', '.join(APT_TOOLS)} are on this machine)")
            return
        if "useradd" in args:
            say("RUN groupadd/useradd …  (skipped: USER's uid runs the commands below)")
            return
        command = self.rewrite(args)
        say(f"RUN {args[:110]}{'…' if len(args) > 110 else ''}")
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=self.host(self.stage.workdir),
            env=self.stage_env(),
            check=True,
        )

    def do_user(self, _kind: str, args: str) -> None:
        self.stage.user = args

    def do_entrypoint(self, _kind: str, args: str) -> None:
        self.stage.entrypoint = json.loads(args)

    def do_cmd(self, _kind: str, args: str) -> None:
        self.stage.cmd = json.loads(args)

    def do_healthcheck(self, _kind: str, args: str) -> None:
        self.stage.healthcheck = json.loads(args[args.index("CMD") + 3 :].strip())

    def do_other(self, kind: str, args: str) -> None:
        say(f"{kind} {args[:60]}  (metadata)")


def build_context(root: Path, repo: Path, ref: str) -> Path:
    """`git archive REF`, less what .dockerignore excludes."""
    context = root / "context"
    context.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", ref], capture_output=True, check=True
    ).stdout
    tar_path = root / "context.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(context, filter="data")
    ignore = context / ".dockerignore"
    patterns = [
        p.strip()
        for p in (ignore.read_text().splitlines() if ignore.exists() else [])
        if p.strip() and not p.startswith("#")
    ]
    rules = [(p.startswith("!"), p.lstrip("!").rstrip("/")) for p in patterns]
    for path in sorted(context.rglob("*"), reverse=True):
        rel = path.relative_to(context).as_posix()
        # Docker's rule: the last pattern that matches decides; `!pattern` re-includes.
        excluded = False
        for negated, pattern in rules:
            if fnmatch.fnmatch(rel, pattern) or rel.startswith(pattern + "/"):
                excluded = not negated
        if not excluded or not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return context


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def as_user(user: str | None, command: list[str]) -> list[str]:
    if not user or os.geteuid() != 0 or shutil.which("setpriv") is None:
        return command
    uid, _, gid = user.partition(":")
    return ["setpriv", f"--reuid={uid}", f"--regid={gid or uid}", "--clear-groups", *command]


def check_runtime(replay: Replay) -> None:
    stage = replay.stage
    workdir = replay.host(stage.workdir)
    env = replay.stage_env()
    for name in ("PYTHONPATH", "DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"):
        env.pop(name, None)
    if stage.user:
        uid, _, gid = stage.user.partition(":")
        os.chown(workdir, int(uid), int(gid or uid))
        for parent in [replay.root, *workdir.relative_to(replay.root).parents]:
            path = replay.root / parent
            path.chmod(path.stat().st_mode | 0o755)
    port = free_port()
    env["PEERGRAPH_PORT"] = str(port)

    def run(command: list[str]) -> None:
        subprocess.run(
            as_user(stage.user, command),
            cwd=workdir,
            env=env,
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    trusted = Path(env.get("PEERGRAPH_TRUSTED_DOCUMENTS_DIR", "/nonexistent"))
    documents = sorted(p.name for p in trusted.glob("*.graphql"))
    if not documents:
        raise SystemExit(f"replay: no trusted documents in {trusted}")
    say(f"trusted documents in the image: {', '.join(documents)}")
    say(f"as uid {stage.user or os.geteuid()}: peergraph --help")
    run([*stage.entrypoint, "--help"])
    serve = [*stage.entrypoint, *stage.cmd]
    serve = [("127.0.0.1" if w == "0.0.0.0" else w) for w in serve]
    say(f"ENTRYPOINT + CMD: {' '.join(serve)}  (embedded default, port {port})")
    log_path = replay.root / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            as_user(stage.user, serve), cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(
                    f"replay: serve exited {server.returncode}\n{log_path.read_text()}"
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"replay: serve not up in 60s\n{log_path.read_text()}"
                    ) from None
                time.sleep(0.3)
        say("GET /healthz → 200")
        run(stage.healthcheck)
        say("HEALTHCHECK command → exit 0")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            say(f"GET /readyz → {r.status} {r.read().decode()}")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=b'{"query": "{ __typename }"}',
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as r:
            body = r.read().decode()
            assert json.loads(body)["data"] == {"__typename": "Query"}, body
            say(f"POST /graphql → {r.status} {body}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    worker_env = {**env, "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")}
    say(f"peergraph worker (REDIS_URL={worker_env['REDIS_URL']}) for 5 s")
    worker = subprocess.Popen(
        as_user(stage.user, [*stage.entrypoint, "worker"]),
        cwd=workdir,
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(5)
    if worker.poll() is not None:
        raise SystemExit(
            f"replay: the worker exited {worker.returncode}: {worker.communicate()[0]}"
        )
    worker.terminate()
    output = worker.communicate(timeout=20)[0]
    say(f"worker ran and stopped on SIGTERM ({len(output.splitlines())} log lines)")


def stray_processes(root: Path) -> list[int]:
    """Processes still running a program from the scratch root (e.g. a daemonized redis-server)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            argv0 = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and argv0.startswith(str(root)):
            pids.append(int(entry.name))
    return pids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD", help="the git revision to build (default HEAD)")
    parser.add_argument("--repo", type=Path, default=REPO, help="the git repository")
    parser.add_argument("--keep", action="store_true", help="keep the scratch root")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="http-docker-", dir="/tmp"))
    started = time.monotonic()
    try:
        context = build_context(root, args.repo, args.ref)
        replay = Replay(root, context)
        for kind, rest in instructions((context / "Dockerfile").read_text()):
            replay.run(kind, rest)
        check_runtime(replay)
        strays = stray_processes(root)
        if strays:
            raise SystemExit(f"replay: processes outlived the container's commands: {strays}")
    finally:
        for pid in stray_processes(root):
            os.kill(pid, 9)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    say(f"every step passed in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
