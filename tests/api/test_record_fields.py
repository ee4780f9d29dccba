"""Every field the shared records carry, read back through the API exactly as the raw records
say: open access, language, keywords, grants, counts by year, reference counts, retraction,
biblio, related works; sources and funders as nodes with their works; institution lineage and
associated institutions; the new WorkFilter fields and external ids in filters; the arXiv
journal-ref venues. Expected values are computed here from the raw files with plain json."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from importers import run_import
from tests.conftest import GraphQLClient, shared_data
from tests.importers.helpers import raw_records, short

FOLDERS = ["ego_bangor", "biodiversity_finance", "snowball_altmetrics", "single_entities"]

WORK_FIELDS = """
  ... on Work { externalIds { scheme value } openAccess { isOa status url } language
    keywords { displayName score } referencedWorksCount isRetracted
    biblio { volume issue firstPage lastPage }
    countsByYear(from: 2000, to: 2026) { year citations }
    grants { awardId funder { displayName externalIds { scheme value } } }
    relatedWorks(first: 100) { totalCount nodes { externalIds { scheme value } } } }
"""


def _openalex(node: dict[str, Any]) -> str:
    return str(next(e["value"] for e in node["externalIds"] if e["scheme"] == "OPENALEX"))


def _grants(rec: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The record's funding: each (funder, award) of `grants` once, then each funder of
    `funders` not named there, with no award."""
    out: list[tuple[str, str | None]] = []
    for g in rec.get("grants") or []:
        pair = (short(g["funder"]) or "", g.get("award_id") or None)
        if pair not in out:
            out.append(pair)
    for f in rec.get("funders") or []:
        funder = short(f["id"]) or ""
        if all(funder != named for named, _ in out):
            out.append((funder, None))
    return out


def _expected(rec: dict[str, Any], imported: set[str]) -> dict[str, Any]:
    oa = rec.get("open_access")
    biblio = {k: v for k, v in (rec.get("biblio") or {}).items() if v is not None}
    by_year = {c["year"]: c["cited_by_count"] for c in rec.get("counts_by_year") or []}
    # the works of the set it lists, itself left out (a record may list itself)
    related = ({short(r) for r in rec.get("related_works") or []} & imported) - {short(rec["id"])}
    return {
        "openAccess": None
        if oa is None
        else {"isOa": oa["is_oa"], "status": oa["oa_status"].upper(), "url": oa["oa_url"]},
        "language": rec.get("language"),
        "keywords": [
            {"displayName": k["display_name"], "score": k["score"]}
            for k in rec.get("keywords") or []
        ],
        "referencedWorksCount": rec["referenced_works_count"],
        "isRetracted": rec["is_retracted"],
        "biblio": None
        if not biblio
        else {
            "volume": biblio.get("volume"),
            "issue": biblio.get("issue"),
            "firstPage": biblio.get("first_page"),
            "lastPage": biblio.get("last_page"),
        },
        "countsByYear": [{"year": y, "citations": by_year.get(y, 0)} for y in range(2000, 2027)],
        "grants": _grants(rec),
        "related": related,
    }


async def _import(folder: Path, tmp_path: Path) -> list[dict[str, Any]]:
    summary = await run_import(
        "openalex", sorted(folder.iterdir()), rejects_dir=tmp_path, progress=False
    )
    assert summary.rejected == []
    return [r for p in sorted(folder.iterdir()) for r in raw_records(p)]


async def _nodes(gql: GraphQLClient, ids: list[str], fields: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 100):
        body = await gql(
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ {fields} }} }}",
            {"ids": ids[start : start + 100]},
        )
        assert "errors" not in body, body
        out.extend(body["data"]["nodes"])
    return out


@pytest.mark.parametrize("name", FOLDERS)
async def test_every_work_reads_back_what_its_record_carries(
    db: str, gql: GraphQLClient, name: str, tmp_path: Path
) -> None:
    # given a real OpenAlex folder, imported
    records = await _import(shared_data("openalex", name), tmp_path)
    works = {short(r["id"]) or "": r for r in records if short(r["id"]).startswith("W")}  # type: ignore[union-attr]
    # when every work is asked for every field its record carries
    nodes = await _nodes(gql, [f"openalex:{w}" for w in works], WORK_FIELDS)
    # then each reads back as its record says
    assert len(nodes) == len(works)
    for node in nodes:
        key = _openalex(node)
        want = _expected(works[key], set(works))
        for field in ("openAccess", "language", "keywords", "referencedWorksCount"):
            assert node[field] == want[field], (key, field)
        assert node["isRetracted"] == want["isRetracted"], key
        assert node["biblio"] == want["biblio"], key
        assert node["countsByYear"] == want["countsByYear"], key
        grants = [
            (
                next(e["value"] for e in g["funder"]["externalIds"] if e["scheme"] == "OPENALEX"),
                g["awardId"],
            )
            for g in node["grants"]
        ]
        assert grants == want["grants"], key
        related = {_openalex(n) for n in node["relatedWorks"]["nodes"]}
        assert related == want["related"], key
        assert node["relatedWorks"]["totalCount"] == len(want["related"]), key


@pytest.mark.parametrize("name", ["biodiversity_finance", "snowball_altmetrics"])
async def test_filters_and_funders_agree_with_the_records(
    db: str, gql: GraphQLClient, name: str, tmp_path: Path
) -> None:
    # given a real folder with funded works, imported
    records = await _import(shared_data("openalex", name), tmp_path)
    works = [r for r in records if short(r["id"]).startswith("W")]  # type: ignore[union-attr]
    statuses = Counter(r["open_access"]["oa_status"].upper() for r in works)
    languages = Counter(r.get("language") for r in works)
    funded: dict[str, set[str]] = {}
    for r in works:
        for funder, _ in _grants(r):
            funded.setdefault(funder, set()).add(short(r["id"]) or "")
    topics = Counter(short(t["id"]) for r in works for t in r.get("topics") or [])
    topic, topic_count = topics.most_common(1)[0]
    assert funded and len(statuses) > 1
    # when the works are filtered by status, language, retraction, funder and topic, with ids
    # in their external forms
    query = """query($oa: [OpenAccessStatus!], $lang: String, $funder: ID!, $topic: ID) {
      oa: works(filter: {openAccess: $oa}) { totalCount }
      lang: works(filter: {language: $lang}) { totalCount }
      kept: works(filter: {isRetracted: false}) { totalCount }
      funded: works(first: 100, filter: {funder: $funder}) { totalCount
        nodes { externalIds { scheme value } } }
      topic: works(filter: {topic: $topic}) { totalCount }
      funder(id: $funder) { displayName works(first: 100) { totalCount } } }"""
    for funder, owned in funded.items():
        status, count = statuses.most_common(1)[0]
        body = await gql(
            query,
            {
                "oa": [status],
                "lang": "en",
                "funder": f"openalex:{funder}",
                "topic": f"openalex:{topic}",
            },
        )
        # then each count is the raw records' count
        assert "errors" not in body, body
        data = body["data"]
        assert data["oa"]["totalCount"] == count
        assert data["lang"]["totalCount"] == languages["en"]
        assert data["kept"]["totalCount"] == sum(1 for r in works if not r["is_retracted"])
        assert {_openalex(n) for n in data["funded"]["nodes"]} == owned
        assert data["funded"]["totalCount"] == data["funder"]["works"]["totalCount"] == len(owned)
        assert data["topic"]["totalCount"] == topic_count


async def test_sources_are_nodes_with_their_works(
    db: str, gql: GraphQLClient, tmp_path: Path
) -> None:
    # given the biodiversity works, imported
    records = await _import(shared_data("openalex", "biodiversity_finance"), tmp_path)
    venues: Counter[str] = Counter()
    issn: dict[str, str] = {}
    for r in records:
        source = (r.get("primary_location") or {}).get("source")
        if source:
            venues[short(source["id"]) or ""] += 1
            if source.get("issn_l"):
                issn[short(source["id"]) or ""] = source["issn_l"]
    key, count = venues.most_common(1)[0]
    # when the busiest venue is asked for by its OpenAlex id and by its ISSN-L, and its works
    # are listed through the venue and through the filter
    body = await gql(
        """query($a: ID!, $b: ID!) {
          a: source(id: $a) { id displayName externalIds { scheme value }
            works(first: 100) { totalCount } }
          b: source(id: $b) { id }
          listed: works(filter: {source: $a}) { totalCount }
          node(id: $a) { __typename } }""",
        {"a": f"openalex:{key}", "b": f"issn:{issn[key]}"},
    )
    # then both ids name the same node, and it holds as many works as the records put there
    assert "errors" not in body, body
    data = body["data"]
    assert data["a"]["id"] == data["b"]["id"]
    assert {"scheme": "OPENALEX", "value": key} in data["a"]["externalIds"]
    assert data["a"]["works"]["totalCount"] == data["listed"]["totalCount"] == count
    assert data["node"] == {"__typename": "Source"}


async def test_institutions_carry_lineage_and_associated_institutions(
    db: str, gql: GraphQLClient, tmp_path: Path
) -> None:
    # given the single-entity records (the University of Michigan and its associates)
    records = await _import(shared_data("openalex", "single_entities"), tmp_path)
    [umich] = [r for r in records if (short(r["id"]) or "").startswith("I")]
    associated = [
        (short(a["id"]), a["relationship"].upper()) for a in umich["associated_institutions"]
    ]
    parents = [k for k, rel in associated if rel == "PARENT"]
    # when it is asked for its lineage, parent and associated institutions
    body = await gql(
        """query($id: ID!) { institution(id: $id) { lineage { externalIds { scheme value } }
          parent { id } associated { relationship institution { externalIds { scheme value } } }
        } }""",
        {"id": f"openalex:{short(umich['id'])}"},
    )
    # then they are the record's, in its order
    assert "errors" not in body, body
    inst = body["data"]["institution"]
    assert [_openalex(i) for i in inst["lineage"]] == [short(i) for i in umich["lineage"]]
    got = [(_openalex(a["institution"]), a["relationship"]) for a in inst["associated"]]
    assert got == associated and len(got) > 5
    assert (inst["parent"] is None) == (not parents)


async def test_an_id_of_another_type_in_a_filter_is_invalid(db: str, gql: GraphQLClient) -> None:
    # given an empty graph
    # when a filter gets an external id of another type, or a malformed one
    wrong = await gql('{ works(filter: {topic: "openalex:W123"}) { totalCount } }')
    bad = await gql('{ works(filter: {source: "issn:12345"}) { totalCount } }')
    unknown = await gql('{ works(filter: {topic: "openalex:T99999"}) { totalCount } }')
    # then INVALID_ID for the first two, and an empty list for a well-formed id naming nothing
    assert wrong["errors"][0]["extensions"]["code"] == "INVALID_ID"
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ID"
    assert "errors" not in unknown and unknown["data"] == {"works": {"totalCount": 0}}


async def test_published_arxiv_preprints_keep_their_arxiv_record(
    db: str, gql: GraphQLClient, tmp_path: Path
) -> None:
    # given the reference profile's five preprints, four of them published (journal-ref)
    path = shared_data("arxiv", "mimi_xie.jsonl")
    records = {r["id"]: r for r in raw_records(path)}
    await run_import("arxiv", [path], rejects_dir=tmp_path, progress=False)
    # when each is asked for by its arXiv id
    body = await gql(
        """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Work { arxivId doi journalRef
          publicationYear venue { displayName type source { id } }
          externalIds { scheme value } } } }""",
        {"ids": [f"arxiv:{i}" for i in records]},
    )
    # then the published ones carry the published venue and year, and the arXiv id stays
    assert "errors" not in body, body
    got = {
        w["arxivId"]: (w["venue"]["displayName"], w["venue"]["type"], w["publicationYear"])
        for w in body["data"]["nodes"]
    }
    assert got == {
        "2007.08563": ("ISLPED", "CONFERENCE", 2020),
        "2110.08190": ("arXiv", "REPOSITORY", 2021),
        "2206.10461": ("ISQED", "CONFERENCE", 2022),
        "2111.14051": ("DATE", "CONFERENCE", 2022),
        "2203.11313": ("ASP-DAC", "CONFERENCE", 2022),
    }
    for w in body["data"]["nodes"]:
        assert {"scheme": "ARXIV", "value": w["arxivId"]} in w["externalIds"]
        assert w["journalRef"] == records[w["arxivId"]].get("journal-ref")
        assert w["doi"] == records[w["arxivId"]].get("doi")


async def test_the_funder_example_of_the_api_guide_runs(
    db: str, gql: GraphQLClient, tmp_path: Path
) -> None:
    # given the guide's funder example, and the snowball works, one of them funded by it
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    example = re.search(r"```graphql\n\s*(\{ funder\(.*?)```", text, re.S)
    assert example, "docs/api.md: the funder example moved"
    records = await _import(shared_data("openalex", "snowball_altmetrics"), tmp_path)
    funder = re.search(r'"openalex:(F\d+)"', example.group(1))
    assert funder
    funded = [
        r
        for r in records
        if any(short(g["funder"]) == funder.group(1) for g in r.get("grants") or [])
    ]
    # when it is sent
    body = await gql(example.group(1))
    # then it lists the funded works with their awards
    assert "errors" not in body, body
    works = body["data"]["funder"]["works"]
    assert works["totalCount"] == len(funded) > 0
    awards = {g["awardId"] for w in works["nodes"] for g in w["grants"]}
    assert {g["award_id"] for r in funded for g in r["grants"]} <= awards


async def test_a_slice_is_not_centred_on_a_source_or_a_funder(
    db: str, gql: GraphQLClient, tmp_path: Path
) -> None:
    # given a funder and a venue, imported (they are nodes, but not slice entities)
    await _import(shared_data("openalex", "ego_bangor"), tmp_path)
    # when a slice is asked around them by their external ids
    for center in ("openalex:F4320321597", "openalex:S4306400194"):
        body = await gql(
            "query($c: ID) { graphSlice(input: {center: $c}) { status } }", {"c": center}
        )
        # then the id is refused as the wrong kind, not a failed or a crashed slice
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ID", body
