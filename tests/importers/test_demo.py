"""`peergraph demo`: the reference profile plus generated works, idempotent, profile untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importers.demo import DEMO_PROFILE, load_demo
from models.authors import Author
from models.enums import WorkType
from models.works import Authorship, Work
from tests.conftest import shared_data
from tests.importers.helpers import digest, table_counts

PROFILE_IDS = {json.loads(line)["id"] for line in DEMO_PROFILE.read_text().splitlines()}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the importers' default rejects dir is ./var/rejects


def test_the_demo_profile_is_the_shared_reference_file_verbatim() -> None:
    # given the project's copy and the shared original
    original = shared_data("arxiv", "mimi_xie.jsonl")
    # then they are the same bytes
    assert DEMO_PROFILE.read_bytes() == original.read_bytes()


async def test_the_demo_keeps_the_reference_profile_to_its_five_works(db: str) -> None:
    # when the demo loads the profile and generated works around it
    await load_demo(generated_works=400, seed=7, progress=False)
    # then both are there
    assert await Work.all().count() == 5 + 400
    # and Mimi Xie has exactly her five arXiv preprints, each with its abstract, and 6 topics
    mimi = await Author.get(display_name="Mimi Xie")
    assert mimi.works_count == 5
    assert mimi.topics_count == 6
    works = await Work.filter(authorships__author_id=mimi.id)
    assert {w.arxiv_id for w in works} == PROFILE_IDS
    assert all(w.type == WorkType.PREPRINT and w.abstract for w in works)
    # and no generated work joined her or any of her co-authors
    coauthors = await Authorship.filter(work_id__in=[w.id for w in works]).values_list(
        "author_id", flat=True
    )
    theirs = await Work.filter(authorships__author_id__in=coauthors).distinct()
    assert {w.arxiv_id for w in theirs} == PROFILE_IDS


async def test_loading_the_demo_twice_changes_nothing(db: str) -> None:
    # given the demo loaded once
    await load_demo(generated_works=150, seed=7, progress=False)
    counts, before = await table_counts(), await digest()
    # when it is loaded again
    await load_demo(generated_works=150, seed=7, progress=False)
    # then no row was added or changed
    assert await table_counts() == counts
    assert await digest() == before
