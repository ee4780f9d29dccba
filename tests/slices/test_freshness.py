"""Freshness after imports: an import that changes the data makes stale the cached slices that
show what it changed (tests/slices/test_fine_freshness.py: only those), in the process that
imports (`run_import`) and across processes in the embedded default, where
`peergraph import` finds the embedded Redis of a running `peergraph serve`, and a `serve` that
starts treats what it cached before as stale."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

import settings
from importers import run_import
from importers.demo import DEMO_PROFILE
from resolvers.sql import fetch
from tests.serving import command_env, free_port, run_command, serving
from tests.slices.helpers import SLICE_QUERY
from workers import keys


def arxiv_line(arxiv_id: str, title: str, authors: str) -> bytes:
    record = {
        "id": arxiv_id,
        "authors": authors,
        "title": title,
        "categories": "cs.DC",
        "abstract": f"An abstract for {title}.",
        "versions": [{"version": "v1", "created": "2024-01-15"}],
        "update_date": "2024-01-15",
    }
    return orjson.dumps(record) + b"\n"


async def test_an_import_that_changes_data_marks_what_it_changed_and_a_repeat_does_not(
    db: str, redis_url: str, redis: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given the API's Redis, its data version and its change number
    monkeypatch.setattr(settings, "REDIS_URL", redis_url)
    version = await keys.data_version(redis)
    before = int(await redis.get(keys.CHANGE_SEQ_KEY) or 0)
    # when an import creates works and authors
    first = await run_import("arxiv", [DEMO_PROFILE], rejects_dir=tmp_path, progress=False)
    # then one change was announced, marking each imported work and author (not every slice)
    assert first.changed
    assert int(await redis.get(keys.CHANGE_SEQ_KEY)) == before + 1
    works = await fetch("SELECT id FROM work", [])
    authors = await fetch("SELECT id FROM author", [])
    assert len(works) == 5 and authors
    names = [keys.changed_key(f"Work:{r['id']}") for r in works]
    names += [keys.changed_key(f"Author:{r['id']}") for r in authors]
    assert await redis.mget(names) == [str(before + 1).encode()] * len(names)
    assert 0 < await redis.ttl(names[0]) <= keys.changed_ttl_seconds()
    assert await keys.data_version(redis) == version
    # and when the same file is imported again, which changes nothing
    second = await run_import("arxiv", [DEMO_PROFILE], rejects_dir=tmp_path, progress=False)
    # then nothing is announced: cached slices are still current
    assert not second.changed
    assert int(await redis.get(keys.CHANGE_SEQ_KEY)) == before + 1


async def test_an_import_while_redis_is_down_still_lands_and_says_what_to_do(
    db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given a REDIS_URL where nothing listens (a real refused connection)
    monkeypatch.setattr(settings, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    # when an import changes data
    with caplog.at_level(logging.WARNING, logger="peergraph.workers"):
        summary = await run_import("arxiv", [DEMO_PROFILE], rejects_dir=tmp_path, progress=False)
    # then the data is in, and the warning names the consequence and the command to run
    assert summary.changed and not summary.rejected
    warning = " ".join(r.getMessage() for r in caplog.records)
    assert "PEERGRAPH_SLICE_TTL_SECONDS" in warning
    assert "peergraph invalidate-slices" in warning


def _author_id(base: str, name: str) -> str:
    query = "query($t: String!) { search(text: $t, kinds: [AUTHOR], first: 1) { node { id } } }"
    body = httpx.post(f"{base}/graphql", json={"query": query, "variables": {"t": name}}).json()
    hits = body["data"]["search"]
    assert hits, body
    return str(hits[0]["node"]["id"])


def _slice(base: str, center: str) -> dict[str, Any]:
    variables = {"input": {"center": center, "edgeKinds": ["AUTHORED"], "maxNodes": 50}}
    response = httpx.post(
        f"{base}/graphql", json={"query": SLICE_QUERY, "variables": variables}, timeout=10
    )
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["graphSlice"]
    return result


def _until_done(base: str, center: str, wait_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + wait_s
    while True:
        sl = _slice(base, center)
        if sl["status"] != "PENDING":
            return sl
        assert time.monotonic() < deadline, "slice still PENDING"
        time.sleep(sl["retryAfterMs"] / 1000)


def _works(sl: dict[str, Any]) -> int:
    assert sl["status"] == "READY", sl
    return sum(1 for n in sl["nodes"] if n["kind"] == "WORK")


def _not_stale(sl: dict[str, Any], *, works: int) -> bool:
    """PENDING, or READY computed from the current data (`works` works)."""
    return sl["status"] == "PENDING" or _works(sl) == works


def test_the_embedded_default_never_serves_a_slice_of_data_an_import_changed(
    tmp_path: Path,
) -> None:
    # given the embedded default (no DATABASE_URL, no REDIS_URL): the reference profile
    # imported, and `peergraph serve` with its embedded Redis and in-process worker
    env = command_env(
        DATABASE_URL=None,
        REDIS_URL=None,
        PEERGRAPH_INPROCESS_WORKER=None,
        PEERGRAPH_VAR_DIR=str(tmp_path / "var"),
    )
    more = tmp_path / "more.jsonl"
    run_command(tmp_path, env, "import", "arxiv", str(DEMO_PROFILE))
    with serving(tmp_path, env) as server:
        mimi = _author_id(server.base, "Mimi Xie")
        # the worker inside `serve` computes her slice: her 5 works
        assert _works(_until_done(server.base, mimi)) == 5
        # when another process imports a sixth work of hers while the server runs
        more.write_bytes(arxiv_line("2401.00001", "A sixth paper", "Mimi Xie, Zed Quill"))
        run_command(tmp_path, env, "import", "arxiv", str(more))
        # then the cached slice is not served as current: PENDING (or already recomputed, if
        # the warm-up cron's 5-minute tick fell in between), then READY with 6 works
        assert _not_stale(_slice(server.base, mimi), works=6)
        assert _works(_until_done(server.base, mimi)) == 6
    # and when a seventh work is imported while no server runs (nothing to tell)
    more.write_bytes(arxiv_line("2401.00002", "A seventh paper", "Mimi Xie, Zed Quill"))
    run_command(tmp_path, env, "import", "arxiv", str(more))
    with serving(tmp_path, env, name="serve-again") as server:
        # then the restarted embedded Redis does not serve what it cached before either
        assert _not_stale(_slice(server.base, mimi), works=7)
        assert _works(_until_done(server.base, mimi)) == 7


def test_invalidate_slices_bumps_the_version_and_fails_when_redis_does_not_answer(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import redis as redis_sync

    import cli

    # given the API's Redis and its data version
    client: Any = redis_sync.Redis.from_url(redis_url)
    before = int(client.get(keys.DATA_VERSION_KEY) or 0)
    monkeypatch.setattr(settings, "REDIS_URL", redis_url)
    # when an operator runs `peergraph invalidate-slices`
    assert cli.main(["invalidate-slices"]) == 0
    # then the version moved on and the command said so
    assert int(client.get(keys.DATA_VERSION_KEY) or 0) == before + 1
    assert "stale" in capsys.readouterr().err
    # and with a Redis that does not answer, it exits 1 instead of claiming success
    monkeypatch.setattr(settings, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert cli.main(["invalidate-slices"]) == 1
    client.close()


def test_slice_ttls_are_read_from_the_environment(tmp_path: Path) -> None:
    # given a deployment that sets the slice TTLs
    env = command_env(PEERGRAPH_SLICE_TTL_SECONDS="7", PEERGRAPH_SLICE_FAILED_TTL_SECONDS="3")
    # when peergraph starts with them
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from workers import keys; print(keys.SLICE_TTL_SECONDS, keys.FAILED_TTL_SECONDS)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # then READY slices live 7 s and FAILED answers 3 s
    assert done.stdout.split() == ["7", "3"]
