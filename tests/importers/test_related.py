"""The OpenAlex importer keeps `related_works` (the explorer's RELATED edges): every one, linked to
the work when it is imported, in either order, and replaced when a record changes."""

from __future__ import annotations

import json
from pathlib import Path

from importers import run_import
from models.related import RelatedWork
from models.works import Work
from tests.conftest import shared_data
from tests.importers.helpers import raw_records, short


async def test_every_related_work_of_the_snowball_records_is_kept(db: str, tmp_path: Path) -> None:
    # given the snowball records and, from the raw JSON, their related works
    path = shared_data("openalex", "snowball_altmetrics", "works.jsonl")
    records = list(raw_records(path))
    ids = {short(r["id"]) for r in records}
    related = {
        (short(r["id"]), short(x))
        for r in records
        for x in r.get("related_works") or ()
        if short(x) != short(r["id"])
    }
    # when they are imported
    await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)
    # then every related work is kept by OpenAlex id, and those inside the set are linked
    by_id = {w.id: w.openalex_id for w in await Work.all()}
    rows = await RelatedWork.all().values("work_id", "related_key", "related_id")
    assert {(by_id[r["work_id"]], r["related_key"]) for r in rows} == related
    linked = {(by_id[r["work_id"]], by_id[r["related_id"]]) for r in rows if r["related_id"]}
    assert linked == {(a, b) for a, b in related if b in ids}
    assert len(linked) == 25


def _work(key: str, related: list[str]) -> str:
    return json.dumps(
        {
            "id": f"https://openalex.org/{key}",
            "title": f"Work {key}",
            "publication_year": 2020,
            "related_works": [f"https://openalex.org/{r}" for r in related],
        }
    )


async def test_a_related_work_imported_later_is_linked_and_changes_replace(
    db: str, tmp_path: Path
) -> None:
    # given a work naming two related works, one of them imported only in a later file
    first, later = tmp_path / "first.jsonl", tmp_path / "later.jsonl"
    first.write_text(_work("W901", ["W902", "W903", "W901"]) + "\n")
    later.write_text(_work("W902", []) + "\n")
    # when the files are imported one after the other
    await run_import("openalex", [first], rejects_dir=tmp_path, progress=False)
    assert await RelatedWork.filter(related_id__not_isnull=True).count() == 0
    await run_import("openalex", [later], rejects_dir=tmp_path, progress=False)
    # then the later work is linked, the missing one is kept by id, and no self-link is kept
    w901, w902 = await Work.get(openalex_id="W901"), await Work.get(openalex_id="W902")
    rows = dict(await RelatedWork.filter(work_id=w901.id).values_list("related_key", "related_id"))
    assert rows == {"W902": w902.id, "W903": None}
    # and a newer record replaces the list
    first.write_text(_work("W901", ["W903", "W904"]) + "\n")
    await run_import("openalex", [first], rejects_dir=tmp_path, progress=False)
    rows = dict(await RelatedWork.filter(work_id=w901.id).values_list("related_key", "related_id"))
    assert rows == {"W903": None, "W904": None}
