"""The reference profile on real data: Mimi Xie's five arXiv preprints, imported with the arXiv
importer, answered by docs/queries/profile.graphql. Expected numbers are computed here from the
raw file, independently of the importer; the trust score is DESIGN.md's rule applied to them."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from importers import run_import
from importers.demo import DEMO_PROFILE
from tests.conftest import GraphQLClient

PROFILE = (Path(__file__).resolve().parents[2] / "docs" / "queries" / "profile.graphql").read_text()


def _norm(text: str) -> str:
    return " ".join(text.split())


def _names(authors: str) -> list[str]:
    """The plain arXiv authors string: "A, B, C and D" → normalized names."""
    parts = re.split(r",\s*|\s+and\s+", authors)
    return [_norm(p).lower() for p in parts if p.strip()]


def _expected(path: Path) -> dict[str, Any]:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    hers = [r for r in records if "mimi xie" in _names(r["authors"])]
    shared = Counter(n for r in hers for n in set(_names(r["authors"])) if n != "mimi xie")
    close = sorted((c for c in shared.values() if c >= 2), reverse=True)
    categories = Counter(c for r in hers for c in set(r["categories"].split()))
    works = len(hers)
    # DESIGN.md: works (≤20) + close collaborators (≤10) + followers 0 + affiliation 0
    # + claimed 0 + L1 (her works carry arXiv ids) 10
    score = min(works, 20) + min(len(close), 10) + 0 + 0 + 0 + 10
    return {
        "works": works,
        "titles": {_norm(r["title"]) for r in hers},
        "abstracts": {_norm(r["title"]): _norm(r["abstract"]) for r in hers},
        "close": close,
        "categories": categories,
        "score": score,
    }


async def test_mimi_xie_profile(db: str, gql: GraphQLClient, tmp_path: Path) -> None:
    # given her five works imported from the arXiv metadata file
    # the project's own copy (the demo data), so this runs on a machine without ../shared/data
    path = DEMO_PROFILE
    expected = _expected(path)
    assert expected["works"] == 5 and len(expected["categories"]) == 6
    await run_import("arxiv", [path], rejects_dir=tmp_path / "rejects", progress=False)
    found = await gql(
        '{ authors(first: 2, filter: {namePrefix: "Mimi Xie"}) { edges { node { id } } } }'
    )
    [edge] = found["data"]["authors"]["edges"]
    # when the profile frontend's query asks for her
    body = await gql(PROFILE, {"id": edge["node"]["id"]})
    # then it answers without errors
    assert "errors" not in body, body
    me = body["data"]["author"]
    # with 5 arXiv preprints, each with its abstract, newest first
    works = [e["node"] for e in me["works"]["edges"]]
    assert me["works"]["totalCount"] == len(works) == 5
    assert {w["type"] for w in works} == {"PREPRINT"}
    assert {_norm(w["title"]) for w in works} == expected["titles"]
    for w in works:
        assert _norm(w["abstract"]) == expected["abstracts"][_norm(w["title"])]
    # each on arXiv, or where its journal-ref says it was published (4 of the 5)
    venues = sorted(w["venue"]["displayName"] for w in works)
    assert venues == ["ASP-DAC", "DATE", "ISLPED", "ISQED", "arXiv"]
    years = [w["publicationYear"] for w in works]
    assert years == sorted(years, reverse=True)
    # with 6 topics (her arXiv categories), most works first, share = works on it / 5
    topics = me["topics"]
    assert len(topics) == 6
    assert sorted((t["workCount"] for t in topics), reverse=True) == [
        t["workCount"] for t in topics
    ]
    by_category = await gql(
        "query($id: ID!) { author(id: $id) { topics(first: 10) { topic { externalId scheme }"
        " workCount } } }",
        {"id": edge["node"]["id"]},
    )
    assert {t["topic"]["scheme"] for t in by_category["data"]["author"]["topics"]} == {"ARXIV"}
    assert {
        t["topic"]["externalId"]: t["workCount"] for t in by_category["data"]["author"]["topics"]
    } == dict(expected["categories"])
    for t in topics:
        assert abs(t["share"] - t["workCount"] / 5) < 1e-9
    # with her close collaborators (≥ 2 shared works), strongest first
    close = expected["close"]
    assert me["counts"] == {
        "works": 5,
        "followers": 0,
        "topics": 6,
        "closeCollaborators": len(close),
    }
    assert me["collaborators"]["totalCount"] == len(close)
    assert [e["node"]["sharedWorks"] for e in me["collaborators"]["edges"]] == close[:4]
    # affiliation NOT_IMPORTED, UNVERIFIED at L1, unclaimed, and the score DESIGN.md's rule gives
    assert me["affiliation"] == {"status": "NOT_IMPORTED", "institution": None}
    trust = me["trust"]
    assert (trust["label"], trust["verificationLevel"], trust["claimed"]) == (
        "UNVERIFIED",
        "L1",
        False,
    )
    assert trust["score"] == expected["score"] == sum(c["points"] for c in trust["components"])
    assert {c["name"]: c["points"] for c in trust["components"]} == {
        "works": 5,
        "closeCollaborators": min(len(close), 10),
        "followers": 0,
        "affiliation": 0,
        "claimed": 0,
        "verification": 10,
    }
    assert me["viewerIsFollowing"] is False
    assert me["claim"] == {"status": "UNCLAIMED", "viewerCanClaim": False}
    assert me["displayName"] == "Mimi Xie" and me["orcid"] is None
