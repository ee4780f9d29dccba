"""OpenAlex `updated_date`: a newer version of a record replaces the stored one and what depends
on it; an older one is left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from importers import run_import
from models.authors import Author, CollaborationPair
from models.works import Authorship, Work
from resolvers.sql import execute
from tests.factories import make_author
from tests.importers.helpers import collaborations


def author(n: int) -> dict[str, Any]:
    return {"author": {"id": f"https://openalex.org/A{n}", "display_name": f"Author {n}"}}


def version(updated: str, title: str, authors: list[int], **extra: Any) -> dict[str, Any]:
    return {
        "id": "https://openalex.org/W77",
        "title": title,
        "type": "article",
        "publication_year": 2022,
        "updated_date": updated,
        "authorships": [author(n) for n in authors],
        **extra,
    }


async def load(tmp_path: Path, record: dict[str, Any], name: str) -> Any:
    path = tmp_path / f"{name}.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)


async def coauthors(n: int) -> set[str]:
    me = await Author.get(openalex_id=f"A{n}")
    ids = [p.coauthor_id for p in await collaborations([me.id])]
    return {a.openalex_id or "" for a in await Author.filter(id__in=ids)}


async def test_a_newer_version_replaces_the_record_and_its_aggregates(
    db: str, tmp_path: Path
) -> None:
    # given a work by authors 1 and 2, with an abstract
    old = version("2024-01-01T00:00:00", "Old title", [1, 2], abstract="An abstract.")
    await load(tmp_path, old, "v1")
    assert await coauthors(1) == {"A2"}

    # when a newer version by authors 1 and 3, without an abstract, is imported
    await load(tmp_path, version("2024-06-01T00:00:00", "New title", [1, 3]), "v2")

    # then the work is the newer version, the dropped abstract included
    work = await Work.get(openalex_id="W77")
    assert (work.title, work.author_count) == ("New title", 2)
    assert work.abstract is None
    assert work.source_updated == "2024-06-01T00:00:00"
    names = (
        await Authorship.filter(work_id=work.id)
        .order_by("position")
        .values_list("raw_name", flat=True)
    )
    assert names == ["Author 1", "Author 3"]
    # and what depends on it follows: collaborations and counters
    assert await coauthors(1) == {"A3"}
    assert await coauthors(2) == set()
    assert (await Author.get(openalex_id="A2")).works_count == 0


async def test_an_older_version_is_left_out(db: str, tmp_path: Path) -> None:
    # given the newer version stored
    await load(tmp_path, version("2024-06-01T00:00:00", "New title", [1, 3]), "v2")

    # when an older version comes later (an older snapshot file, say)
    summary = await load(tmp_path, version("2024-01-01T00:00:00", "Old title", [1, 2]), "v1")

    # then the work and its links stay the newer version's (an author named only in the older
    # version is still created, with no works), and the summary says the record was outdated
    assert summary.created["works"] == summary.updated["works"] == 0
    assert summary.created["authorships"] == 0
    assert summary.skipped["outdated work"] == 1
    assert (await Work.get(openalex_id="W77")).title == "New title"
    assert await coauthors(1) == {"A3"}
    assert not await Author.exists(openalex_id="A2", works_count__gt=0)


async def test_a_reimport_refreshes_only_the_authors_of_what_changed(
    db: str, tmp_path: Path
) -> None:
    # given works by authors 1-2 and 3-8, imported, and every pair's aggregate then tampered
    # with (so that a refresh that covers a pair shows by repairing it)
    first = version("2024-01-01T00:00:00", "First", [1, 2])
    second = {**version("2024-01-01T00:00:00", "Second", [3, 4, 5, 6, 7, 8]), "id": "W78"}
    path = tmp_path / "both.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)
    await CollaborationPair.all().update(shared_works=99)

    # when the file is imported again with the first work alone changed (a newer version)
    first["updated_date"], first["cited_by_count"] = "2024-02-01T00:00:00", 7
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    summary = await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)

    # then the first work's authors are refreshed and the second's are left alone
    assert summary.updated["works"] == 1
    one = await Author.get(openalex_id="A1")
    three = await Author.get(openalex_id="A3")
    assert [p.shared_works for p in await collaborations([one.id])] == [1]
    assert {p.shared_works for p in await collaborations([three.id])} == {99}
    assert one.cited_by_count == 7


async def test_only_a_large_change_ends_with_vacuum(db: str) -> None:
    from importers import _large_change

    if db != "postgres":
        pytest.skip("VACUUM (ANALYZE) runs on PostgreSQL only")
    # given a graph of 100 authors whose statistics PostgreSQL has
    for _ in range(100):
        await make_author()
    await execute("ANALYZE author")
    # then an import that touched 1 of them skips the closing VACUUM, one that touched 10 runs it
    assert not await _large_change(1)
    assert await _large_change(10)
    # and nothing touched means nothing to vacuum
    assert not await _large_change(0)
