"""Fine-grained freshness (issue 11, item 3): an import, a claim or a profile edit makes stale only
the cached slices that show an entity it changed; the others keep being served from Redis. A slice
computed while an import changes an entity it read is not stored as fresh. Real PostgreSQL and
SQLite, real Redis, a real arq worker, real imports and claims."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import settings
import workers.slices
from importers import run_import
from resolvers.sql import fetch_one
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_work
from tests.factories_social import signed_in
from tests.slices.helpers import SLICE_QUERY, gid, key_of, until_done
from tests.slices.test_freshness import arxiv_line
from tests.social.helpers import CLAIM, author_gid
from workers import freshness, keys

ORCID = "0000-0002-1825-0097"
EDGES = ["AUTHORED", "COAUTHOR"]


def _input(center: str) -> dict[str, Any]:
    return {"input": {"center": center, "edgeKinds": EDGES, "maxNodes": 50}}


async def _author(name: str) -> str:
    row = await fetch_one("SELECT id FROM author WHERE display_name = ?", [name])
    assert row is not None, name
    return gid("Author", row["id"])


async def _status(gql: GraphQLClient, center: str) -> dict[str, Any]:
    body = await gql(SLICE_QUERY, _input(center))
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["graphSlice"]
    return result


def _titles_shown(sl: dict[str, Any]) -> int:
    return sum(1 for n in sl["nodes"] if n["kind"] == "WORK")


async def _computed(redis: Any) -> int:
    return int(await redis.get(keys.COMPUTED_KEY) or 0)


async def test_an_import_makes_stale_only_the_slice_that_shows_what_it_changed(
    gql: GraphQLClient,
    worker: Any,
    redis: Any,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # given two groups of authors with no link between them, imported from arXiv records
    monkeypatch.setattr(settings, "REDIS_URL", redis_url)
    first = tmp_path / "first.jsonl"
    first.write_bytes(
        arxiv_line("2401.00001", "Paper one", "Ada Lovelace, Bob Byte")
        + arxiv_line("2401.00002", "Paper two", "Cy Cipher, Dan Data")
    )
    await run_import("arxiv", [first], rejects_dir=tmp_path, progress=False)
    ada, cy = await _author("Ada Lovelace"), await _author("Cy Cipher")
    # and a READY slice around each, computed by the worker
    ada_before = await until_done(gql, _input(ada))
    cy_before = await until_done(gql, _input(cy))
    assert _titles_shown(ada_before) == 1 and _titles_shown(cy_before) == 1
    version, computed = await keys.data_version(redis), await _computed(redis)

    # when an import adds a work of Ada's with a new co-author
    more = tmp_path / "more.jsonl"
    more.write_bytes(arxiv_line("2401.00003", "Paper three", "Ada Lovelace, Eve Echo"))
    summary = await run_import("arxiv", [more], rejects_dir=tmp_path, progress=False)
    assert summary.changed

    # then Cy's slice is still served from the cache, the same computation
    cy_after = await _status(gql, cy)
    assert cy_after["status"] == "READY"
    assert cy_after["computedAt"] == cy_before["computedAt"]
    # and Ada's is not: PENDING, then READY with the new work and co-author
    assert (await _status(gql, ada))["status"] == "PENDING"
    ada_after = await until_done(gql, _input(ada))
    assert _titles_shown(ada_after) == 2
    assert await _author("Eve Echo") in {n["entityId"] for n in ada_after["nodes"]}
    # and only that one slice was computed again; nothing made every slice stale
    assert await _computed(redis) == computed + 1
    assert await keys.data_version(redis) == version
    assert (await _status(gql, cy))["computedAt"] == cy_before["computedAt"]


async def test_a_claim_makes_stale_only_the_slices_that_show_the_claimed_author(
    gql: GraphQLClient, worker: Any, redis: Any
) -> None:
    # given two authors in separate parts of the graph, each with a READY slice
    ada = await make_author(orcid=ORCID)
    cy = await make_author()
    await make_work(authors=[ada])
    await make_work(authors=[cy])
    ada_before = await until_done(gql, _input(author_gid(ada)))
    cy_before = await until_done(gql, _input(author_gid(cy)))
    assert ada_before["status"] == cy_before["status"] == "READY"
    # and a change elsewhere since, which both slices were read after (and stay current)
    await freshness.mark_changed(redis, [("Work", 10**6)])
    for author, sl in ((ada, ada_before), (cy, cy_before)):
        again = await _status(gql, author_gid(author))
        assert (again["status"], again["computedAt"]) == ("READY", sl["computedAt"])
    # when Ada's record is claimed (verified by her ORCID)
    _, headers = await signed_in(orcid=ORCID, orcid_verified=True)
    result = await gql(CLAIM, {"id": author_gid(ada)}, headers=headers)
    assert result["data"]["claimAuthor"]["claim"]["status"] == "VERIFIED", result
    # then her slice is computed again, and Cy's is served as it was
    assert (await _status(gql, author_gid(ada)))["status"] == "PENDING"
    cy_after = await _status(gql, author_gid(cy))
    assert (cy_after["status"], cy_after["computedAt"]) == ("READY", cy_before["computedAt"])
    assert (await until_done(gql, _input(author_gid(ada))))["status"] == "READY"


async def test_a_slice_that_read_an_entity_an_import_changed_meanwhile_is_not_stored_as_fresh(
    gql: GraphQLClient,
    worker: Any,
    redis: Any,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # given Ada with one work, and an import of a second work of hers that commits while the
    # worker's first computation of her slice has read the graph but not yet stored the slice
    monkeypatch.setattr(settings, "REDIS_URL", redis_url)
    first = tmp_path / "first.jsonl"
    first.write_bytes(arxiv_line("2401.00001", "Paper one", "Ada Lovelace, Bob Byte"))
    await run_import("arxiv", [first], rejects_dir=tmp_path, progress=False)
    ada = await _author("Ada Lovelace")
    more = tmp_path / "more.jsonl"
    more.write_bytes(arxiv_line("2401.00003", "Paper three", "Ada Lovelace, Eve Echo"))
    real_compute = workers.slices.compute
    runs: list[int] = []

    async def compute_then_import(spec: Any) -> dict[str, Any]:
        body = await real_compute(spec)
        runs.append(len(body["nodes"]))
        if len(runs) == 1:
            await run_import("arxiv", [more], rejects_dir=tmp_path, progress=False)
        return body

    monkeypatch.setattr(workers.slices, "compute", compute_then_import)
    # when the explorer asks for her slice until it is done
    sl = await until_done(gql, _input(ada))
    # then the slice served is the one computed after the import: both works
    assert sl["status"] == "READY"
    assert _titles_shown(sl) == 2
    assert len(runs) == 2 and runs[0] < runs[1]


async def test_a_change_naming_more_entities_than_the_bound_makes_every_slice_stale(
    gql: GraphQLClient, worker: Any, redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a READY slice, and a bound of two entities per change
    ada = await make_author()
    await make_work(authors=[ada])
    before = await until_done(gql, _input(author_gid(ada)))
    assert before["status"] == "READY"
    monkeypatch.setattr(settings, "SLICE_FINE_MAX_ENTITIES", 2)
    version = await keys.data_version(redis)
    # when a write names three entities, none of them in the slice
    done = await freshness.mark_changed(redis, [("Work", 10**6), ("Work", 10**6 + 1), ("Topic", 1)])
    # then the data version moved on, and the slice is computed again
    assert done == "all"
    assert await keys.data_version(redis) == version + 1
    assert (await _status(gql, author_gid(ada)))["status"] == "PENDING"
    after = await until_done(gql, _input(author_gid(ada)))
    assert {key_of(n["entityId"]) for n in after["nodes"]} == {
        key_of(n["entityId"]) for n in before["nodes"]
    }


async def test_the_warm_up_cron_recomputes_a_popular_slice_that_went_stale(
    gql: GraphQLClient, worker: Any, redis: Any
) -> None:
    from workers.settings import warm_popular_slices

    # given a popular slice, READY, and another author's popular slice, READY too
    ada, cy = await make_author(), await make_author()
    await make_work(authors=[ada])
    await make_work(authors=[cy])
    before = await until_done(gql, _input(author_gid(ada)))
    cy_before = await until_done(gql, _input(author_gid(cy)))
    ctx = {"redis": worker.pool}
    assert await warm_popular_slices(ctx) == 0  # both cached and current: nothing to do
    # when Ada changes (a claim, an import) and the warm-up cron runs
    await freshness.mark_changed(redis, [("Author", ada.id)])
    # then it enqueued her slice alone, which is READY again before any client asks
    assert await warm_popular_slices(ctx) == 1
    for _ in range(200):
        after = await _status(gql, author_gid(ada))
        if after["status"] == "READY":
            break
        await asyncio.sleep(0.05)
    assert after["status"] == "READY" and after["computedAt"] != before["computedAt"]
    assert (await _status(gql, author_gid(cy)))["computedAt"] == cy_before["computedAt"]
