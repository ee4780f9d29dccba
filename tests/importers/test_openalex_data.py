"""The OpenAlex importer on the real files under ../shared/data/openalex.

Expected numbers are computed here from the raw files with plain json parsing, independently of
the importer, then compared with what the database holds after the import.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest

from importers import run_import
from models.authors import Author, AuthorAffiliation
from models.works import Authorship, Citation, Work
from tests.conftest import shared_data
from tests.importers.helpers import (
    collaborations,
    digest,
    raw_records,
    short,
    table_counts,
)

FOLDERS = ["ego_bangor", "biodiversity_finance", "snowball_altmetrics", "single_entities"]


@dataclass
class Expected:
    """What a folder holds, computed from the raw records alone."""

    works: set[str] = field(default_factory=set)
    authors: set[str] = field(default_factory=set)
    institutions: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    funders: set[str] = field(default_factory=set)
    skipped: Counter[str] = field(default_factory=Counter)
    authorships: int = 0
    anonymous_authorships: int = 0
    references: dict[str, set[str]] = field(default_factory=dict)
    works_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    years: dict[str, int | None] = field(default_factory=dict)

    def pairs(self) -> dict[tuple[str, str], tuple[int, int | None, int | None]]:
        """(author, coauthor) → (shared works, first year, last year), both directions."""
        shared: dict[tuple[str, str], set[str]] = defaultdict(set)
        authors_of: dict[str, set[str]] = defaultdict(set)
        for author, works in self.works_of.items():
            for work in works:
                authors_of[work].add(author)
        for work, authors in authors_of.items():
            for a, b in permutations(sorted(authors), 2):
                shared[(a, b)].add(work)
        out = {}
        for pair, works in shared.items():
            years = [y for w in works if (y := self.years[w]) is not None]
            out[pair] = (len(works), min(years, default=None), max(years, default=None))
        return out


def expected_from(folder: Path) -> Expected:
    exp = Expected()
    for path in sorted(folder.iterdir()):
        for rec in raw_records(path):
            oid = short(rec["id"]) or ""
            letter = oid[0]
            if letter in "CP":
                exp.skipped[{"C": "concepts", "P": "publishers"}[letter]] += 1
            elif letter == "F":
                exp.funders.add(oid)
            elif letter == "I":
                exp.institutions.add(oid)
                for other in rec.get("associated_institutions") or []:
                    exp.institutions.add(short(other["id"]) or "")
            elif letter == "T":
                exp.topics.add(oid)
            elif letter == "S":
                exp.sources.add(oid)
            elif letter == "A":
                exp.authors.add(oid)
                for aff in rec.get("affiliations") or []:
                    exp.institutions.add(short(aff["institution"]["id"]) or "")
                for inst in rec.get("last_known_institutions") or []:
                    exp.institutions.add(short(inst["id"]) or "")
            elif letter == "W":
                _work(exp, oid, rec)
    return exp


def _work(exp: Expected, oid: str, rec: dict[str, Any]) -> None:
    exp.works.add(oid)
    exp.years[oid] = rec.get("publication_year")
    exp.references[oid] = {short(r) or "" for r in rec.get("referenced_works") or []}
    source = (rec.get("primary_location") or {}).get("source")
    if source:
        exp.sources.add(short(source["id"]) or "")
    for topic in rec.get("topics") or []:
        exp.topics.add(short(topic["id"]) or "")
    for item in (rec.get("grants") or []) + (rec.get("funders") or []):
        exp.funders.add(short(item.get("funder") or item.get("id")) or "")
    for authorship in rec["authorships"]:
        exp.authorships += 1
        author_id = short((authorship.get("author") or {}).get("id"))
        if author_id:
            exp.authors.add(author_id)
            exp.works_of[author_id].add(oid)
        else:
            exp.anonymous_authorships += 1
        for inst in authorship.get("institutions") or []:
            exp.institutions.add(short(inst["id"]) or "")


@pytest.mark.parametrize("name", FOLDERS)
async def test_every_openalex_folder_imports_cleanly_and_matches_the_raw_files(
    db: str, name: str, tmp_path: Path
) -> None:
    # given a real OpenAlex folder, and what its raw records hold
    folder = shared_data("openalex", name)
    exp = expected_from(folder)
    # when every file in it is imported
    summary = await run_import(
        "openalex", sorted(folder.iterdir()), rejects_dir=tmp_path, progress=False
    )
    # then nothing is rejected, unmodelled types are skipped and counted
    assert summary.rejected == []
    assert not list(tmp_path.iterdir())
    assert dict(summary.skipped) == dict(exp.skipped)
    counts = await table_counts()
    assert counts["work"] == len(exp.works)
    assert counts["author"] == len(exp.authors)
    assert counts["institution"] == len(exp.institutions)
    assert counts["topic"] == len(exp.topics)
    assert counts["source"] == len(exp.sources)
    assert counts["funder"] == len(exp.funders)
    assert counts["authorship"] == exp.authorships
    assert await Authorship.filter(author_id=None).count() == exp.anonymous_authorships
    assert counts["citation"] == sum(len(r) for r in exp.references.values())
    resolved = sum(len(r & exp.works) for r in exp.references.values())
    assert await Citation.filter(cited_id__not_isnull=True).count() == resolved
    # and every author's work count and every collaboration match the raw co-authorships
    authors = {a.openalex_id: a for a in await Author.all()}
    for author_id, works in exp.works_of.items():
        assert authors[author_id].works_count == len(works), author_id
    ids = {a.id: a.openalex_id for a in authors.values()}
    stored = {
        (ids[c.author_id], ids[c.coauthor_id]): (c.shared_works, c.first_year, c.last_year)
        for c in await collaborations()
    }
    assert stored == exp.pairs()


async def test_ego_author_and_a_specific_pair(db: str, tmp_path: Path) -> None:
    # given the ego network of Joseph Mearman (A5017898742)
    folder = shared_data("openalex", "ego_bangor")
    exp = expected_from(folder)
    ego_works = exp.works_of["A5017898742"]
    pairs = exp.pairs()
    best = max((p for p in pairs if p[0] == "A5017898742"), key=lambda p: pairs[p][0])
    # when the folder is imported
    await run_import("openalex", sorted(folder.iterdir()), rejects_dir=tmp_path, progress=False)
    # then his work count, his strongest collaborator and the affiliation are what the files say
    ego = await Author.get(openalex_id="A5017898742")
    assert ego.works_count == len(ego_works) > 0
    coauthor = await Author.get(openalex_id=best[1])
    (row,) = [p for p in await collaborations([ego.id]) if p.coauthor_id == coauthor.id]
    (back,) = [p for p in await collaborations([coauthor.id]) if p.coauthor_id == ego.id]
    assert (row.shared_works, row.first_year, row.last_year) == pairs[best]
    assert (back.shared_works, back.first_year, back.last_year) == pairs[best]
    assert await AuthorAffiliation.filter(author_id=ego.id).count() > 0
    assert ego.metrics_from_openalex


async def test_snowball_citations_resolve_inside_the_set(db: str, tmp_path: Path) -> None:
    # given the citation network, whose README says 76 citations stay inside the set
    folder = shared_data("openalex", "snowball_altmetrics")
    exp = expected_from(folder)
    inside = sum(len(refs & exp.works) for refs in exp.references.values())
    assert inside == 76
    # when it is imported
    await run_import("openalex", [folder / "works.jsonl"], rejects_dir=tmp_path, progress=False)
    # then exactly those citations link to a stored work
    assert await Citation.filter(cited_id__not_isnull=True).count() == inside
    # and the key work W3046863325 is cited by the works whose references name it
    key = await Work.get(openalex_id="W3046863325")
    citing = [w for w, refs in exp.references.items() if "W3046863325" in refs]
    assert await Citation.filter(cited_id=key.id).count() == len(citing) > 0
    # and the other key work's references inside the set resolve from its side
    other = await Work.get(openalex_id="W3045921891")
    own = exp.references["W3045921891"] & exp.works
    assert await Citation.filter(citing_id=other.id, cited_id__not_isnull=True).count() == len(own)


async def test_single_entities_deleted_author_and_abstract(db: str, tmp_path: Path) -> None:
    # given the single-record files, among them the "Deleted Author" A5317838346
    folder = shared_data("openalex", "single_entities")
    raw_work = next(raw_records(folder / "W2741809807.json"))
    index: dict[str, list[int]] = raw_work["abstract_inverted_index"]
    words = sorted((pos, word) for word, positions in index.items() for pos in positions)
    # when they are imported
    summary = await run_import(
        "openalex", sorted(folder.iterdir()), rejects_dir=tmp_path, progress=False
    )
    # then the deleted author is an ordinary, empty record and the abstract reads in order
    deleted = await Author.get(openalex_id="A5317838346")
    assert (deleted.display_name, deleted.works_count) == ("Deleted Author", 0)
    work = await Work.get(openalex_id="W2741809807")
    assert work.abstract == " ".join(word for _, word in words)
    assert work.abstract is not None and work.abstract.startswith("Despite growing interest")
    assert work.doi == "10.7717/peerj.4375"
    assert "skipped 1 concepts" in str(summary) and "publishers" in str(summary)


async def test_second_import_of_the_same_files_changes_nothing(db: str, tmp_path: Path) -> None:
    # given an imported folder with every entity type
    files = sorted(shared_data("openalex", "ego_bangor").iterdir())
    first = await run_import("openalex", files, rejects_dir=tmp_path, progress=False)
    before_counts, before_digest = await table_counts(), await digest()
    # when the same files are imported again
    again = await run_import("openalex", files, rejects_dir=tmp_path, progress=False)
    # then no row changed, not even a timestamp
    assert first.changed and not again.changed
    assert "nothing changed" in str(again)
    assert await table_counts() == before_counts
    assert await digest() == before_digest
    assert before_counts["collaboration_pair"] > 0
