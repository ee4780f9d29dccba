"""Generated data (the demo's, the benchmarks') takes its ORCIDs, DOIs and OpenAlex ids from ranges
the registries never issue, and `resolvers.ids.is_synthetic` (behind `ExternalId.isSynthetic`)
recognises every one of them, and none of the real ids the project's data holds."""

from __future__ import annotations

import json
from pathlib import Path

from importers.generate import generate
from resolvers.ids import is_synthetic
from tests.conftest import shared_data


def _ids(directory: Path) -> list[tuple[str, str]]:
    """Every (scheme, value) of the works' and authors' OpenAlex ids, ORCIDs and DOIs there."""
    records = [
        json.loads(line)
        for name in ("works.jsonl", "authors.jsonl")
        for line in (directory / name).read_text().splitlines()
    ]
    found = []
    for record in records:
        found.append(("openalex", str(record["id"]).removeprefix("https://openalex.org/")))
        if record.get("orcid"):
            found.append(("orcid", str(record["orcid"]).removeprefix("https://orcid.org/")))
        if record.get("doi"):
            found.append(("doi", str(record["doi"]).removeprefix("https://doi.org/")))
    return found


def test_every_generated_id_is_synthetic(tmp_path: Path) -> None:
    # given a generated data set
    generate(tmp_path, works=300, seed=3, progress=False)
    ids = _ids(tmp_path)
    # then every ORCID, DOI and OpenAlex id in it is synthetic, and there are all three kinds
    assert {scheme for scheme, _ in ids} == {"openalex", "orcid", "doi"}
    assert [i for i in ids if not is_synthetic(*i)] == []


def test_no_real_id_is_synthetic() -> None:
    # given the real OpenAlex records in ../shared/data
    ids = _ids(shared_data("openalex", "ego_bangor"))
    # then none of their ids is taken for a generated one
    assert {scheme for scheme, _ in ids} == {"openalex", "orcid", "doi"}
    assert [i for i in ids if is_synthetic(*i)] == []
    assert not is_synthetic("orcid", "0009-0001-2345-6789")
    assert not is_synthetic("arxiv", "2007.08563")
