"""Bad lines, empty files, huge lines, anonymous authorships, and the pure parsing helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from importers import run_import
from importers.arxiv_names import delatex, parse_authors
from importers.common import normalize_doi
from importers.openalex_records import abstract_text, openalex_id, orcid, ror
from models.authors import Author, AuthorAffiliation
from models.institutions import Institution
from models.works import Authorship, Work


def work(n: int, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"https://openalex.org/W10{n}",
        "title": f"Work {n}",
        "type": "article",
        "publication_year": 2021,
        "authorships": [
            {
                "author": {"id": "https://openalex.org/A100", "display_name": "Ann Lee"},
                "institutions": [
                    {
                        "id": "https://openalex.org/I7",
                        "display_name": "Uni Seven",
                        "ror": "https://ror.org/07abcde12",
                    }
                ],
                "raw_author_name": "Ann Lee",
            }
        ],
    }
    return record | extra


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def mixed_file(tmp_path: Path) -> Path:
    """Works 1, 3 and 6 are good; line 2 is malformed JSON, 4 lacks an id, 5 has a wrong type."""
    return write_lines(
        tmp_path / "mixed.jsonl",
        [
            json.dumps(work(1)),
            '{"id": "https://openalex.org/W102", "title": ',
            json.dumps(work(3)),
            json.dumps({"title": "no id"}),
            json.dumps(work(5, authorships="not a list")),
            json.dumps(work(6)),
        ],
    )


async def test_bad_lines_go_to_rejects_with_file_and_line_and_the_rest_imports(
    db: str, tmp_path: Path
) -> None:
    # given a file whose 2nd line is malformed JSON, 4th lacks an id, 5th has a wrong type
    path = mixed_file(tmp_path)
    rejects = tmp_path / "rejects"
    # when it is imported
    summary = await run_import("openalex", [path], rejects_dir=rejects, progress=False)
    # then the good lines are in and each bad one is reported as file:line: reason
    assert {w.openalex_id for w in await Work.all()} == {"W101", "W103", "W106"}
    assert [r.split(": ", 1)[0] for r in summary.rejected] == [
        f"{path}:2",
        f"{path}:4",
        f"{path}:5",
    ]
    assert "malformed JSON" in summary.rejected[0]
    assert "authorships" in summary.rejected[2]
    written = [json.loads(x) for x in (rejects / "mixed.rejects.jsonl").read_text().splitlines()]
    assert [(r["file"], r["line"]) for r in written] == [
        (str(path), 2),
        (str(path), 4),
        (str(path), 5),
    ]
    assert written[1]["text"].strip() == json.dumps({"title": "no id"})
    assert "rejected 3 line(s)" in str(summary)


async def test_an_empty_file_imports_nothing_and_does_not_fail(db: str, tmp_path: Path) -> None:
    # given an empty file and a file of blank lines
    empty = write_lines(tmp_path / "empty.jsonl", [])
    blank = write_lines(tmp_path / "blank.jsonl", ["", "   "])
    # when they are imported with either importer
    for kind in ("openalex", "arxiv"):
        summary = await run_import(kind, [empty, blank], rejects_dir=tmp_path, progress=False)
        # then nothing is written and nothing is rejected
        assert (summary.records, summary.rejected, summary.changed) == (0, [], False)
    assert await Work.all().count() == 0


async def test_a_huge_single_line_imports(db: str, tmp_path: Path) -> None:
    # given one record of several megabytes (a long abstract, many references)
    abstract = "word " * 800_000
    refs = [f"https://openalex.org/W9{i}" for i in range(20_000)]
    path = write_lines(
        tmp_path / "huge.jsonl", [json.dumps(work(1, abstract=abstract, referenced_works=refs))]
    )
    assert path.stat().st_size > 4_000_000
    # when it is imported
    summary = await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)
    # then it is stored whole
    assert summary.rejected == []
    stored = await Work.get(openalex_id="W101")
    assert stored.abstract is not None and len(stored.abstract) == len(abstract.strip())
    assert summary.created["citations"] == 20_000


async def test_authorships_without_author_ids_keep_their_raw_name(db: str, tmp_path: Path) -> None:
    # given a work whose second authorship has no author id
    anonymous = {"author": {"id": None, "display_name": "J. Doe"}, "raw_author_name": "Doe, J."}
    record = work(1)
    record["authorships"].append(anonymous)
    path = write_lines(tmp_path / "anon.jsonl", [json.dumps(record)])
    # when it is imported
    await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)
    # then the authorship is kept in order, without an author, with its raw name
    rows = await Authorship.all().order_by("position")
    assert [(r.position, r.author_id, r.raw_name) for r in rows][1] == (1, None, "Doe, J.")  # type: ignore[attr-defined]
    assert await Author.all().count() == 1
    # and the known author got the institution as an affiliation for the work's year
    aff = await AuthorAffiliation.get()
    assert aff.years == [2021]
    assert (await Institution.get()).ror == "07abcde12"


async def test_inverted_index_and_plain_abstract_both_import(db: str, tmp_path: Path) -> None:
    # given one work with an inverted index, one with a plain abstract, one with neither
    index = {"Graphs": [0], "are": [1, 4], "fun": [2], "and": [3], "everywhere.": [5]}
    path = write_lines(
        tmp_path / "abstracts.jsonl",
        [
            json.dumps(work(1, abstract_inverted_index=index)),
            json.dumps(work(2, abstract="Plain text.")),
            json.dumps(work(3, abstract_inverted_index=None)),
        ],
    )
    # when they are imported
    await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)
    # then the texts read in position order
    abstracts = {w.openalex_id: w.abstract for w in await Work.all()}
    assert abstracts == {
        "W101": "Graphs are fun and are everywhere.",
        "W102": "Plain text.",
        "W103": None,
    }


def test_ids_are_normalized() -> None:
    assert openalex_id("https://openalex.org/W2741809807") == "W2741809807"
    assert openalex_id("https://openalex.org/authors/a5023888391") == "A5023888391"
    assert openalex_id("not an id") is None
    assert orcid("https://orcid.org/0000-0001-6187-661x") == "0000-0001-6187-661X"
    assert normalize_doi("https://doi.org/10.7717/PeerJ.4375") == "10.7717/peerj.4375"
    assert ror("https://ror.org/05ppvf150") == "05ppvf150"
    assert abstract_text({"abstract_inverted_index": {"b": [1], "a": [0]}}) == "a b"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (r"C. Bal\'azs, E. L. Berger, C.-P. Yuan", ["C. Balázs", "E. L. Berger", "C.-P. Yuan"]),
        ("Ileana Streinu and Louis Theran", ["Ileana Streinu", "Louis Theran"]),
        ("A. One (1), B. Two (2) ((1) Uni X, (2) Lab Y)", ["A. One", "B. Two"]),
        ("A. One, B. Two, and C. Three, Jr.", ["A. One", "B. Two", "C. Three Jr."]),
        (r"J. G\"{o}del, B. {\v S}koda, P. Erd\H{o}s", ["J. Gödel", "B. Škoda", "P. Erdős"]),
        ("The X Collaboration: A. One, et al.", ["The X Collaboration: A. One"]),
    ],
)  # fmt: skip
def test_arxiv_author_strings_are_parsed(text: str, names: list[str]) -> None:
    assert parse_authors(text) == names


def test_latex_accents_become_unicode() -> None:
    assert delatex(r"Schr\"odinger, \AA{}ngstr\"om, {\l}ukasz, \c{C}elik") == (
        "Schrödinger, Ångström, łukasz, Çelik"
    )


async def test_a_paper_from_arxiv_then_openalex_is_one_work(db: str, tmp_path: Path) -> None:
    # given a paper imported from arXiv, and OpenAlex's record of it (arXiv landing page)
    paper = {
        "id": "2101.00001",
        "title": "T",
        "authors": "Zoe Ray and Ann Lee",
        "categories": "cs.LG",
    }
    arxiv_file = write_lines(tmp_path / "paper.jsonl", [json.dumps(paper)])
    location = {"landing_page_url": "http://arxiv.org/abs/2101.00001v2", "source": None}
    openalex_file = write_lines(tmp_path / "w.jsonl", [json.dumps(work(1, locations=[location]))])
    await run_import("arxiv", [arxiv_file], rejects_dir=tmp_path, progress=False)
    # when OpenAlex's record is imported, and then the arXiv file again
    await run_import("openalex", [openalex_file], rejects_dir=tmp_path, progress=False)
    again = await run_import("arxiv", [arxiv_file], rejects_dir=tmp_path, progress=False)
    # then there is one work, OpenAlex's, with OpenAlex's authors, and arXiv's copy is skipped
    stored = await Work.get()
    assert (stored.openalex_id, stored.arxiv_id, stored.title) == ("W101", "2101.00001", "Work 1")
    assert [a.raw_name for a in await Authorship.filter(work_id=stored.id)] == ["Ann Lee"]
    assert again.skipped["papers already imported from OpenAlex"] == 1 and not again.changed
    assert (await Author.get(arxiv_key="arxiv:zoe ray")).works_count == 0


async def test_nul_characters_and_huge_numbers_import_alike_on_both_backends(
    db: str, tmp_path: Path
) -> None:
    # given a title with a NUL character (PostgreSQL text cannot hold one) and a count beyond int32
    record = work(1, title="Nul\u0000 title", cited_by_count=10**12)
    lines = [json.dumps(record), json.dumps(work(2, cited_by_count=10**12))]
    path = write_lines(tmp_path / "odd.jsonl", lines)
    # when it is imported
    summary = await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)
    # then it is stored without the NUL, with the count clamped
    assert summary.rejected == []
    stored = await Work.get(openalex_id="W101")
    assert (stored.title, stored.cited_by_count) == ("Nul title", 2**31 - 1)
    # and the author's citation sum saturates instead of overflowing
    assert (await Author.get()).cited_by_count == 2**31 - 1
