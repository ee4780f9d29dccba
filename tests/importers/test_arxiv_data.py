"""The arXiv importer on the real files under ../shared/data/arxiv.

Expected numbers come from the raw files: for mimi_xie.jsonl by splitting its plain authors
strings, for the snapshot from `authors_parsed` (a field the importer does not read when the
authors string parses), so the importer's own parser is checked against an independent source.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from importers import run_import
from importers.record_fields import published_venue
from models.authors import Author, AuthorTopic
from models.enums import TopicScheme, WorkType
from models.text import name_key
from models.topics import Topic
from models.works import Authorship, Source, Work
from tests.conftest import shared_data
from tests.importers.helpers import collaborations, digest, raw_records, table_counts


async def test_mimi_xie_profile_numbers_match_the_file(db: str, tmp_path: Path) -> None:
    # given the reference profile's five papers, and from the raw file: her papers, their
    # categories and the co-authors she shares at least two papers with
    path = shared_data("arxiv", "mimi_xie.jsonl")
    records = list(raw_records(path))
    papers_of: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        for name in re.split(r",|\band\b", rec["authors"]):
            if name.strip():
                papers_of[name.strip().lower()].add(rec["id"])
    hers = papers_of["mimi xie"]
    categories = {c for rec in records if rec["id"] in hers for c in rec["categories"].split()}
    close = {n for n, p in papers_of.items() if n != "mimi xie" and len(p & hers) >= 2}
    # when the file is imported
    summary = await run_import("arxiv", [path], rejects_dir=tmp_path, progress=False)
    # then her counters, topics and close collaborators are what the file says
    assert summary.rejected == []
    mimi = await Author.get(arxiv_key="arxiv:mimi xie")
    assert (mimi.works_count, len(hers)) == (5, 5)
    assert mimi.topics_count == len(categories) == 6
    assert await AuthorTopic.filter(author_id=mimi.id).count() == 6
    assert mimi.close_collaborators_count == len(close)
    rows = [p for p in await collaborations([mimi.id]) if p.shared_works >= 2]
    names = {(await Author.get(id=r.coauthor_id)).name_key for r in rows}
    assert names == close
    assert mimi.has_persistent_work and mimi.openalex_id is None and mimi.orcid is None
    assert await Author.all().count() == len(papers_of) == 29
    # and every paper is an arXiv preprint with its abstract
    works = await Work.all().prefetch_related("source")
    assert {w.arxiv_id for w in works} == {r["id"] for r in records}
    assert all(w.type is WorkType.PREPRINT and w.abstract for w in works)
    # the four published ones (journal-ref) carry their published venue and year, the fifth
    # stays on arXiv; each keeps its arXiv id and journal-ref
    published = {
        w.arxiv_id: (w.source and w.source.display_name, w.publication_year) for w in works
    }
    assert published == {
        "2007.08563": ("ISLPED", 2020),
        "2110.08190": ("arXiv", 2021),
        "2206.10461": ("ISQED", 2022),
        "2111.14051": ("DATE", 2022),
        "2203.11313": ("ASP-DAC", 2022),
    }
    assert {w.arxiv_id: w.journal_ref for w in works} == {
        r["id"]: r["journal-ref"] for r in records
    }
    ftrans = next(w for w in works if w.arxiv_id == "2007.08563")
    assert ftrans.doi == "10.1145/3370748.3406567"
    assert str(ftrans.publication_date) == "2020-07-16"
    cl = await Topic.get(scheme=TopicScheme.ARXIV, external_id="cs.CL")
    assert cl.display_name == "Computation and Language" and cl.works_count >= 1


async def test_arxiv_snapshot_imports_cleanly_with_authors_from_the_string(
    db: str, tmp_path: Path
) -> None:
    # given the first 200 lines of the arXiv snapshot; distinct authors per `authors_parsed`
    path = shared_data("arxiv", "arxiv_metadata_first200.jsonl")
    records = list(raw_records(path))
    authors = {
        name_key(" ".join(p for p in (first, last, suffix) if p))
        for rec in records
        for last, first, suffix, *_ in rec["authors_parsed"]
    }
    positions = sum(len(rec["authors_parsed"]) for rec in records)
    # when the file is imported
    summary = await run_import("arxiv", [path], rejects_dir=tmp_path, progress=False)
    # then every paper is in, and the authors parsed from the string match `authors_parsed`
    assert summary.rejected == [] and summary.records == 200
    assert await Work.all().count() == 200
    assert await Author.all().count() == len(authors)
    assert await Authorship.all().count() == positions
    balazs = await Author.get(arxiv_key="arxiv:c balazs")
    assert balazs.display_name == "C. Balázs"
    first = await Work.get(arxiv_id="0704.0001")
    assert str(first.publication_date) == "2007-04-02"  # v1, not update_date
    assert first.doi == "10.1103/physrevd.76.013009"
    # arXiv, and one venue per distinct name the journal-refs give
    venues = {name_key(v.name) for r in records if (v := published_venue(r.get("journal-ref")))}
    assert len(venues) > 50
    assert await Source.all().count() == 1 + len(venues)
    categories = {c for rec in records for c in rec["categories"].split()}
    assert await Topic.filter(scheme=TopicScheme.ARXIV).count() == len(categories)


async def test_arxiv_reimport_changes_nothing(db: str, tmp_path: Path) -> None:
    # given both arXiv files imported once
    files = [
        shared_data("arxiv", "mimi_xie.jsonl"),
        shared_data("arxiv", "arxiv_metadata_first200.jsonl"),
    ]
    await run_import("arxiv", files, rejects_dir=tmp_path, progress=False)
    counts, before = await table_counts(), await digest()
    # when they are imported again
    again = await run_import("arxiv", files, rejects_dir=tmp_path, progress=False)
    # then nothing changed
    assert not again.changed
    assert await table_counts() == counts
    assert await digest() == before
