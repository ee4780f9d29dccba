"""The synthetic OpenAlex generator: determinism, realistic shape, bounded memory, importability.

The statistics are read back from the files with plain json, independently of the generator.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from importers import run_import
from importers.generate import generate
from tests.conftest import SHARED_DATA
from tests.importers.helpers import raw_records, short, table_counts
from tests.importers.test_openalex_data import expected_from

FILES = ("institutions", "topics", "sources", "authors", "works", "funders")
ORCID = re.compile(r"^https://orcid\.org/\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
ROR = re.compile(r"^https://ror\.org/0[0-9a-hjkmnp-tv-z]{6}\d{2}$")


@dataclass
class Shape:
    """What a generated folder holds, read with plain json."""

    works: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    works_of: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def shape(tmp_path_factory: pytest.TempPathFactory) -> Shape:
    out = tmp_path_factory.mktemp("generated")
    generate(out, works=5000, seed=11, progress=False)
    got = Shape(records={name: list(raw_records(out / f"{name}.jsonl")) for name in FILES})
    got.works = got.records["works"]
    for work in got.works:
        ids = sorted(a["author"]["id"] for a in work["authorships"] if a["author"]["id"])
        got.works_of.update(ids)
        if len(ids) <= 20:
            got.pairs.update(combinations(ids, 2))
    return got


def _check_orcid(orcid: str) -> bool:
    digits, total = orcid.rsplit("/", 1)[1].replace("-", ""), 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    # given two runs with one seed, and one with another
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / name, works=1200, seed=seed, progress=False)
    # then the first two are byte-identical, file by file, and the third differs
    for name in FILES:
        first = (tmp_path / "a" / f"{name}.jsonl").read_bytes()
        assert first == (tmp_path / "b" / f"{name}.jsonl").read_bytes(), name
    assert (tmp_path / "a/works.jsonl").read_bytes() != (tmp_path / "c/works.jsonl").read_bytes()


def test_two_processes_write_exactly_what_one_does(tmp_path: Path) -> None:
    # given the same works made in one process and split between two
    generate(tmp_path / "one", works=1200, seed=5, progress=False, jobs=1)
    generate(tmp_path / "two", works=1200, seed=5, progress=False, jobs=2)
    # then the files are identical
    for name in FILES:
        one = (tmp_path / "one" / f"{name}.jsonl").read_bytes()
        assert one == (tmp_path / "two" / f"{name}.jsonl").read_bytes(), name


def test_works_per_author_follow_a_power_law(shape: Shape) -> None:
    # given the number of works of every author
    counts = sorted(shape.works_of.values(), reverse=True)
    # then most authors have one or two works, a few have very many,
    assert sum(1 for c in counts if c <= 2) / len(counts) > 0.45
    assert counts[0] >= 25 * statistics.median(counts)
    # and the top 1% of authors hold a clearly disproportionate share of authorships
    top = counts[: len(counts) // 100]
    assert sum(top) / sum(counts) > 0.10
    # and the tail is heavy: the survival function falls off polynomially, not exponentially
    survival = {k: sum(1 for c in counts if c >= k) for k in (2, 8, 32)}
    assert survival[8] / survival[2] > 0.08
    assert survival[32] / survival[8] > 0.08


def test_several_authors_per_work_with_single_authors_and_large_collaborations(
    shape: Shape,
) -> None:
    # given the number of authorships per work
    sizes = [len(w["authorships"]) for w in shape.works]
    # then a typical work has 2 to 8 authors, some have one, a few are large collaborations
    assert 3 <= statistics.median(sizes) <= 5
    assert 0.8 <= sum(1 for s in sizes if 2 <= s <= 8) / len(sizes) <= 0.95
    assert 0.03 <= sizes.count(1) / len(sizes) <= 0.2
    assert sum(1 for s in sizes if s >= 15) >= 10


def test_co_authors_recur(shape: Shape) -> None:
    # given every co-author pair of works with at most 20 authors
    repeated = [n for n in shape.pairs.values() if n >= 2]
    # then many pairs wrote together more than once, some of them often
    assert len(repeated) >= 2000
    assert len(repeated) / len(shape.pairs) >= 0.05
    assert max(repeated) >= 10


def test_references_point_back_in_time_and_cited_by_count_matches_them(shape: Shape) -> None:
    # given every work's year and references
    year = {w["id"]: w["publication_year"] for w in shape.works}
    cited: Counter[str] = Counter()
    older = total = 0
    for work in shape.works:
        assert len(work["referenced_works"]) == len(set(work["referenced_works"]))
        assert work["id"] not in work["referenced_works"]
        for ref in work["referenced_works"]:
            # then every referenced work is in the set
            assert ref in year, ref
            cited[ref] += 1
            total += 1
            older += year[ref] <= work["publication_year"]
    # and at least 90% of references point to works of an earlier or the same year
    assert older / total >= 0.9
    # and cited_by_count is exactly the number of references to the work in the set
    assert all(w["cited_by_count"] == cited[w["id"]] for w in shape.works)
    per_year = [sum(c["cited_by_count"] for c in w["counts_by_year"]) for w in shape.works]
    assert per_year == [w["cited_by_count"] for w in shape.works]


def test_records_have_the_fields_and_formats_of_real_openalex_records(shape: Shape) -> None:
    # given a generated record of each type, and a real one when ../shared/data is there
    real_dir = SHARED_DATA / "openalex" / "single_entities"
    real: dict[str, set[str]] = {}
    for path in real_dir.glob("*.json"):
        real.setdefault(path.stem[0], set()).update(json.loads(path.read_text()))
    for path in real_dir.parent.glob("*/works.jsonl"):  # newer records: `funders`, `awards`
        with path.open() as fh:
            real.setdefault("W", set()).update(json.loads(fh.readline()))
    for name, letter in zip(FILES, "ITSAWF", strict=True):
        for rec in shape.records[name][:50]:
            # then ids are OpenAlex URLs of the right letter
            assert re.match(rf"^https://openalex\.org/{letter}\d+$", rec["id"]), rec["id"]
            # and every field is one a real OpenAlex record has
            if letter in real:
                assert set(rec) <= real[letter], set(rec) - real[letter]
    work = next(w for w in shape.works if w["doi"] and w["abstract_inverted_index"])
    assert work["doi"].startswith("https://doi.org/10.")
    assert work["primary_location"]["source"]["id"].startswith("https://openalex.org/S")
    assert {"subfield", "field", "domain", "score"} <= set(work["primary_topic"])
    assert work["primary_topic"] == work["topics"][0]
    ship = work["authorships"][0]
    assert {"author_position", "author", "institutions", "raw_author_name"} <= set(ship)
    assert isinstance(ship["is_corresponding"], bool)
    assert set(ship["author"]) == {"id", "display_name", "orcid"}
    positions = sorted(p for ps in work["abstract_inverted_index"].values() for p in ps)
    assert positions == list(range(len(positions)))
    # and most works have a DOI and an abstract, as in OpenAlex
    assert sum(1 for w in shape.works if w["doi"]) / len(shape.works) > 0.8
    assert sum(1 for w in shape.works if w["abstract_inverted_index"]) / len(shape.works) > 0.75
    # and ORCIDs and RORs are well formed, with valid check digits
    orcids = [a["orcid"] for a in shape.records["authors"] if a["orcid"]]
    assert orcids and all(ORCID.match(o) and _check_orcid(o) for o in orcids)
    assert all(ROR.match(i["ror"]) for i in shape.records["institutions"])


def test_works_carry_the_record_fields_at_the_shared_records_rates(shape: Shape) -> None:
    # given the generated works, funders and institutions
    works, n = shape.works, len(shape.works)
    # then about 1 work in 8 is funded (32 of the 256 shared works), nearly all name related
    # works, about a third are open in OpenAlex's mix of statuses, and a few are retracted
    funded = [w for w in works if w["funders"]]
    assert 0.08 < len(funded) / n < 0.18
    assert any(w["grants"] for w in funded) and any(not w["grants"] for w in funded)
    funders = {f["id"] for f in shape.records["funders"]}
    assert {f["id"] for w in funded for f in w["funders"]} <= funders
    assert sum(1 for w in works if w["related_works"]) / n > 0.6
    statuses = Counter(w["open_access"]["oa_status"] for w in works)
    assert set(statuses) == {"closed", "green", "gold", "bronze", "diamond", "hybrid"}
    assert all(
        w["open_access"]["oa_url"] for w in works if w["open_access"]["oa_status"] != "closed"
    )
    assert sum(1 for w in works if w["keywords"]) / n > 0.7
    assert 0 < sum(1 for w in works if w["is_retracted"]) / n < 0.01
    assert 0.85 < sum(1 for w in works if w["language"] == "en") / n < 1
    assert any(w["biblio"]["volume"] for w in works)
    # and some institutions are part of others, both sides saying so
    parents = {
        i["id"]: a["id"]
        for i in shape.records["institutions"]
        for a in i["associated_institutions"]
        if a["relationship"] == "parent"
    }
    assert parents
    by_id = {i["id"]: i for i in shape.records["institutions"]}
    for child, parent in parents.items():
        assert by_id[child]["lineage"][:2] == [child, parent]
        kids = by_id[parent]["associated_institutions"]
        assert {"id": child, "relationship": "child"}.items() <= {
            k: v for a in kids if a["id"] == child for k, v in a.items()
        }.items()


def test_author_records_agree_with_their_works(shape: Shape) -> None:
    # given the author records, and each author's works in works.jsonl
    cites: dict[str, list[int]] = {}
    years: dict[str, set[int]] = {}
    for work in shape.works:
        for ship in work["authorships"]:
            if aid := ship["author"]["id"]:
                cites.setdefault(aid, []).append(work["cited_by_count"])
                years.setdefault(aid, set()).add(work["publication_year"])
    authors = shape.records["authors"]
    # then there is one record per author named in a work
    assert {a["id"] for a in authors} == set(cites)
    for a in authors:
        mine = sorted(cites[a["id"]], reverse=True)
        # and its counts are exactly those of its works
        assert a["works_count"] == len(mine)
        assert a["cited_by_count"] == sum(mine)
        assert a["summary_stats"]["h_index"] == sum(1 for k, c in enumerate(mine, 1) if c >= k)
        assert a["summary_stats"]["i10_index"] == sum(1 for c in mine if c >= 10)
        assert sum(y["works_count"] for y in a["counts_by_year"]) == len(mine)
        for aff in a["affiliations"]:
            assert set(aff["years"]) <= years[a["id"]]


def test_topics_and_institutions_cluster_and_some_authors_move(shape: Shape) -> None:
    # given authors with at least 5 works
    busy = [a for a in shape.records["authors"] if a["works_count"] >= 5]
    # then their works concentrate on few topics (their community's)
    shares = [a["topics"][0]["count"] / a["works_count"] for a in busy]
    assert statistics.median(shares) >= 0.4
    # and nearly all have a known institution; a minority moved to another one
    assert sum(1 for a in busy if a["last_known_institutions"]) / len(busy) > 0.95
    movers = [a for a in busy if len(a["affiliations"]) >= 2]
    assert 0.02 <= len(movers) / len(busy) <= 0.3
    # and a mover's affiliations follow one another in time (years are listed newest first)
    for a in movers:
        latest, earlier = a["affiliations"][0]["years"], a["affiliations"][-1]["years"]
        assert max(latest) > max(earlier)
        assert a["last_known_institutions"] == [a["affiliations"][0]["institution"]]


def test_memory_grows_far_less_than_the_output(tmp_path: Path) -> None:
    # given the peak memory (RSS) of a run and of a four times larger one, each in a fresh process
    if sys.platform != "linux":
        pytest.skip("reads ru_maxrss in KiB, as Linux reports it")
    peaks, sizes = [], []
    for works in (2000, 8000):
        out = tmp_path / str(works)
        code = (
            "import resource, sys; from pathlib import Path; import importers.generate as g;"
            f"g.generate(Path(sys.argv[1]), works={works}, seed=2, progress=False, jobs=1);"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        run = subprocess.run(
            [sys.executable, "-c", code, str(out)], capture_output=True, check=True
        )
        peaks.append(int(run.stdout) * 1024)  # ru_maxrss is in KiB on Linux
        sizes.append(sum(p.stat().st_size for p in out.iterdir()))
    # then the extra memory is a small fraction of the extra output: records are streamed, and
    # only compact per-work and per-author arrays grow (holding the works would cost several
    # times the output instead)
    assert peaks[1] - peaks[0] < 0.15 * (sizes[1] - sizes[0]), (peaks, sizes)


async def test_a_generated_set_imports_with_counts_matching_the_files(
    db: str, tmp_path: Path
) -> None:
    # given a small generated set, and what its files hold
    out = tmp_path / "gen"
    generate(out, works=250, seed=9, progress=False)
    exp = expected_from(out)
    # when the OpenAlex importer reads every file
    paths = [out / f"{name}.jsonl" for name in FILES]
    summary = await run_import("openalex", paths, rejects_dir=tmp_path / "rejects", progress=False)
    # then nothing is rejected and every table holds what the files say
    assert summary.rejected == []
    counts = await table_counts()
    assert counts["work"] == len(exp.works) == 250
    assert counts["author"] == len(exp.authors)
    assert counts["institution"] == len(exp.institutions)
    assert counts["topic"] == len(exp.topics)
    assert counts["source"] == len(exp.sources)
    assert counts["authorship"] == exp.authorships
    assert counts["citation"] == sum(len(r) for r in exp.references.values())
    assert counts["collaboration_pair"] * 2 == len(exp.pairs())  # each pair once, read both ways
    assert {short(a["id"]) for a in raw_records(out / "authors.jsonl")} == exp.authors
