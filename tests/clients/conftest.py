"""The live server the client tests share: `peergraph serve` with its in-process worker, on a
SQLite file holding three works by three authors."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serving import Server, command_env, require_npm_packages, run_command, serving


def _record(key: str, **fields: Any) -> str:
    return json.dumps({"id": f"https://openalex.org/{key}", **fields})


def _authorship(key: str, name: str) -> dict[str, Any]:
    return {"author": {"id": f"https://openalex.org/{key}", "display_name": name}}


def _records() -> str:
    """Ada and Bob share two works, Bob and Cy one; one work cites another."""
    names = {"A901": "Ada Lovelace", "A902": "Bob Babbage", "A903": "Cy Somerville"}
    works = [
        ("W901", ["A901", "A902"], 2019, []),
        ("W902", ["A901", "A902"], 2021, ["W901"]),
        ("W903", ["A902", "A903"], 2022, ["W902"]),
    ]
    lines = [
        _record(
            key,
            title=f"Work {key}",
            publication_year=year,
            authorships=[_authorship(a, names[a]) for a in authors],
            referenced_works=[f"https://openalex.org/{r}" for r in refs],
            cited_by_count=3,
        )
        for key, authors, year, refs in works
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def server(tmp_path: Path, redis_url: str) -> Iterator[Server]:
    """`peergraph serve` with its in-process worker, on a SQLite file holding the records."""
    env = command_env(
        DATABASE_URL=f"sqlite://{tmp_path / 'clients.sqlite3'}",
        REDIS_URL=redis_url,
        PEERGRAPH_VAR_DIR=str(tmp_path / "var"),
        PEERGRAPH_INPROCESS_WORKER="true",
    )
    run_command(tmp_path, env, "migrate")
    (tmp_path / "works.jsonl").write_text(_records())
    run_command(tmp_path, env, "import", "openalex", str(tmp_path / "works.jsonl"))
    with serving(tmp_path, env) as server:
        yield server


HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
#: a package of the lockfile's newest additions: node_modules without it predates them
NPM_MARKER = "node_modules/@urql/exchange-persisted/package.json"


def run_node(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=HERE, capture_output=True, text=True, timeout=timeout, check=False
    )


def prepare_relay(what: str) -> None:
    """`npm ci` when needed, then relay-compiler over src/ (with the trusted profile document)
    against the committed schema."""
    require_npm_packages(HERE, NPM_MARKER, what)
    profile = (REPO / "docs" / "queries" / "profile.graphql").read_text()
    renamed = profile.replace("query Profile(", "query ExplorerProfileQuery(", 1)
    assert renamed != profile, "docs/queries/profile.graphql no longer names its query Profile"
    (HERE / "src" / "ExplorerProfile.js").write_text(
        f"// written by tests/clients/conftest.py\nexport const profile = graphql`\n{renamed}`;\n"
    )
    (HERE / "__generated__").mkdir(exist_ok=True)
    done = run_node([str(HERE / "node_modules" / ".bin" / "relay-compiler")], 120)
    assert done.returncode == 0, f"relay-compiler failed:\n{done.stdout}\n{done.stderr}"
