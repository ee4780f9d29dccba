"""`peergraph apikey create|list|revoke`, run as a partner's operator would."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

PEERGRAPH = str(Path(sys.executable).with_name("peergraph"))


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite://{db}", "REDIS_URL": "redis://127.0.0.1:1/0"}
    return subprocess.run(
        [PEERGRAPH, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_create_list_revoke(tmp_path: Path) -> None:
    # given a migrated database
    db = tmp_path / "keys.sqlite3"
    assert run(db, "migrate").returncode == 0
    # when a partner key is created
    created = run(db, "apikey", "create", "Acme Research", "--tier", "partner")
    # then the key is alone on the last line of stdout, and only its digest is stored
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("pgk_") and len(key) > 40
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name, key_hash, prefix, tier FROM api_key").fetchall()
    assert rows == [
        ("Acme Research", hashlib.sha256(key.encode()).hexdigest(), key[:12], "partner")
    ]
    assert key not in (db.read_bytes().decode("latin-1"))
    # and it is listed, then revoked by its prefix, then listed no more
    assert key[:12] in run(db, "apikey", "list").stdout
    revoked = run(db, "apikey", "revoke", key[:12])
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert key[:12] not in run(db, "apikey", "list").stdout
    assert key[:12] in run(db, "apikey", "list", "--all").stdout
    # revoking again finds nothing; a bad tier is refused by the parser
    assert run(db, "apikey", "revoke", key[:12]).returncode == 1
    assert run(db, "apikey", "create", "X", "--tier", "gold").returncode == 2
