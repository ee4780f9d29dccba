"""`peergraph user create` prints the token alone on the last line of stdout; `token revoke`
revokes it. Run as the real command against a fresh SQLite file."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def peergraph(tmp: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite://{tmp / 'db.sqlite3'}", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", "import sys, cli; sys.exit(cli.main())", *args],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_user_create_prints_the_token_last_and_revoke_works(tmp_path: Path) -> None:
    # when an admin user is created with an ORCID iD
    done = peergraph(
        tmp_path, "user", "create", "Ada@Example.org", "--admin", "--orcid", "0000-0002-1825-0097"
    )
    # then stdout is the token alone on its last line, and the row holds only its digest
    assert done.returncode == 0, done.stderr
    token = done.stdout.splitlines()[-1]
    assert len(token) == 43 and done.stdout.strip() == token
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    row = db.execute(
        "SELECT u.email, u.is_admin, u.orcid, u.orcid_verified, t.token_hash"
        " FROM app_user u JOIN token t ON t.user_id = u.id"
    ).fetchone()
    assert row == (
        "ada@example.org",
        1,
        "0000-0002-1825-0097",
        1,
        hashlib.sha256(token.encode()).hexdigest(),
    )
    # when the same email is created again: a clear error, exit code 1, nothing printed
    again = peergraph(tmp_path, "user", "create", "ada@example.org")
    assert again.returncode == 1 and again.stdout == "" and "INVALID_INPUT" in again.stderr
    # when the token is revoked from stdin, twice
    first = peergraph(tmp_path, "token", "revoke", "-", stdin=token + "\n")
    second = peergraph(tmp_path, "token", "revoke", "-", stdin=token + "\n")
    # then the first revokes it and the second finds nothing to revoke
    assert first.returncode == 0 and "revoked 1" in first.stderr
    assert second.returncode == 1 and "revoked 0" in second.stderr
    assert db.execute("SELECT revoked_at IS NOT NULL FROM token").fetchone() == (1,)
