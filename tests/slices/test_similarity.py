"""Similarity edges (CO_CITED, COUPLED, RELATED): weights checked against counts computed in plain
Python from the raw shared OpenAlex records, COUPLED counting references that are not imported,
and strongest-first ranking along each, as for the other relations (test_ranking.py)."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import settings
from importers import refresh_aggregates, run_import
from models.related import RelatedWork
from models.works import Work
from tests.conftest import shared_data
from tests.factories import make_work
from tests.importers.helpers import raw_records, short
from tests.slices.helpers import (
    check_capped,
    check_slice,
    gid,
    key_of,
    reference_graph,
    restrict,
    strongest_kept,
    until_done,
    within_bounds,
)
from tests.slices.test_ranking import expect, slice_around

SIMILAR = ["CO_CITED", "COUPLED", "RELATED"]
Pair = frozenset[str]


def oid(url: str) -> str:
    return short(url) or ""


def by_row(
    weights: dict[Any, float], row_of: dict[Any, int]
) -> dict[tuple[str, frozenset[tuple[str, int]]], float]:
    """Pairs of OpenAlex ids as pairs of slice keys (ties go to the lower row id)."""
    return {
        (kind, frozenset(("Work", row_of[w]) for w in pair)): n
        for (kind, pair), n in weights.items()
    }


def expected_similarity(path: Path) -> tuple[dict[str, Counter[Pair]], int]:
    """Per kind, weight per pair of OpenAlex work ids in the file, from the raw JSON alone; and
    the number of citations inside the set."""
    records = list(raw_records(path))
    ids = {oid(r["id"]) for r in records}
    refs = {oid(r["id"]): {oid(x) for x in r.get("referenced_works") or ()} for r in records}
    refs = {work: keys - {work} for work, keys in refs.items()}
    inside = sum(len(keys & ids) for keys in refs.values())
    # (within work_similar's bounds on citing works per reference and references per work)
    refs, cites = within_bounds(refs, {work: keys & ids for work, keys in refs.items()})
    weights: dict[str, Counter[Pair]] = {k: Counter() for k in SIMILAR}
    for cited in cites.values():
        for a, b in itertools.combinations(sorted(cited), 2):
            weights["CO_CITED"][frozenset((a, b))] += 1
    for a, b in itertools.combinations(sorted(refs), 2):
        if shared := len(refs[a] & refs[b]):
            weights["COUPLED"][frozenset((a, b))] = shared
    for r in records:
        for other in r.get("related_works") or ():
            if oid(other) in ids and oid(other) != oid(r["id"]):
                weights["RELATED"][frozenset((oid(r["id"]), oid(other)))] += 1
    return weights, inside


@pytest.mark.parametrize("least", [1, 2])
async def test_similarity_weights_match_the_raw_snowball_records(
    gql: Any, worker: Any, tmp_path: Path, least: int
) -> None:
    # given the snowball citation network imported from the real OpenAlex records
    path = shared_data("openalex", "snowball_altmetrics", "works.jsonl")
    expected, inside = expected_similarity(path)
    assert inside == 76  # as the data's README says
    assert all(expected[k] for k in SIMILAR)
    await run_import("openalex", [path], rejects_dir=tmp_path, progress=False)
    key_of_id = {w.id: w.openalex_id for w in await Work.all()}
    row_of = {v: k for k, v in key_of_id.items()}
    # (a slice sees the co-citations and couplings that work_similar keeps: each work's strongest
    # SIMILAR_WORKS_PER_WORK, a pair when either work keeps the other; docs/slices.md)
    cites = {w.id: w.cited_by_count for w in await Work.all()}
    for kind in ("CO_CITED", "COUPLED"):
        rows = {tuple(sorted(row_of[w] for w in p)): n for p, n in expected[kind].items()}
        kept = strongest_kept(rows, cites)  # type: ignore[arg-type]
        expected[kind] = Counter(
            {frozenset(str(key_of_id[i]) for i in p): n for p, n in kept.items()}
        )
    # when the explorer asks for each key work's similarity slice
    for center in ("W3046863325", "W3045921891"):
        work = await Work.get(openalex_id=center)
        variables = {
            "input": {
                "center": gid("Work", work.id),
                "edgeKinds": SIMILAR,
                "maxNodes": 200,
                "minSimilarity": least,
            }
        }
        sl = await until_done(gql, variables)
        assert sl["status"] == "READY", sl
        # then every edge among the shown works is there with the raw records' weight
        shown = {key_of_id[key_of(n["entityId"])[1]] for n in sl["nodes"]}
        got = {
            (e["kind"], frozenset(key_of_id[key_of(e[x])[1]] for x in ("source", "target"))): e[
                "weight"
            ]
            for e in sl["edges"]
        }
        want = {
            (kind, pair): float(n)
            for kind in SIMILAR
            for pair, n in expected[kind].items()
            if pair <= shown and (n >= least or kind == "RELATED")
        }
        # (each node shows its strongest few per kind: the ones left out are outranked)
        check_capped(by_row(want, row_of), by_row(got, row_of))
        # and the center's neighbours are all shown (fewer than 200), none hidden
        neighbours = {
            w
            for k in SIMILAR
            for p, n in expected[k].items()
            if center in p and (n >= least or k == "RELATED")
            for w in p
        } - {center}
        assert neighbours <= shown and neighbours
        assert next(n for n in sl["nodes"] if n["hop"] == 0)["hiddenNeighbors"] == 0


async def test_coupling_counts_references_that_are_not_imported(gql: Any, worker: Any) -> None:
    # given two works sharing one imported reference and two references to works never imported
    cited = await make_work()
    a = await make_work(references=[cited, "W100000001", "W100000002", "W100000003"])
    b = await make_work(references=[cited, "W100000001", "W100000002"])
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    # when a's slice follows coupling
    sl, nodes = await slice_around(gql, ("Work", a.id), "COUPLED", 10)
    # then b is coupled with weight 3, and the work they both cite is no COUPLED neighbour
    assert set(nodes) == {("Work", a.id), ("Work", b.id)}
    assert [(e["kind"], e["weight"]) for e in sl["edges"]] == [("COUPLED", 3.0)]
    assert sl["edges"][0]["source"] == gid("Work", min(a.id, b.id))


async def test_co_cited_works_are_ranked_by_how_many_works_cite_both(
    gql: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given a work cited together with three others by 1, 3 and 2 works (strongest in the middle)
    center = await make_work()
    one, three, two = await make_work(), await make_work(), await make_work()
    for other, n in ((one, 1), (three, 3), (two, 2)):
        for _ in range(n):
            await make_work(references=[center, other])
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    # when the budget leaves room for two of them
    sl, nodes = await slice_around(gql, ("Work", center.id), "CO_CITED", 3)
    # then the two cited together most often are shown, with those counts as weights
    expect(sl, nodes, ("Work", center.id), "Work", {center.id, three.id, two.id}, hidden=1)
    assert nodes[("Work", three.id)]["weight"] == 3.0
    assert nodes[("Work", two.id)]["weight"] == 2.0


async def test_coupled_works_are_ranked_by_shared_references_then_citations(
    gql: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given works sharing 1, 2 and 2 references with the center, the later pair differing in
    # citations so that the tie goes to the more cited one
    refs = [f"W2000000{n:02d}" for n in range(3)]
    center = await make_work(references=refs)
    one = await make_work(references=refs[:1], cited_by_count=90)
    two_more_cited = await make_work(references=refs[1:], cited_by_count=20)
    two_less_cited = await make_work(references=refs[:2], cited_by_count=10)
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    # when the budget leaves room for one
    sl, nodes = await slice_around(gql, ("Work", center.id), "COUPLED", 2)
    # then it is the more cited of the two with two shared references
    expect(sl, nodes, ("Work", center.id), "Work", {center.id, two_more_cited.id}, hidden=2)
    assert one.id and two_less_cited.id


async def test_related_works_count_either_direction_and_rank_mutual_first(
    gql: Any, worker: Any
) -> None:
    # given a work that lists two related works, one of which lists it back, and a third that
    # lists the center (OpenAlex's related_works are one-sided)
    listed, mutual = await make_work(cited_by_count=50), await make_work()
    center = await make_work(related=[listed, mutual, "W300000001"])
    await make_work(related=[center], cited_by_count=40)
    await RelatedWork.create(work=mutual, related=center, related_key=center.openalex_id)
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    # when its slice follows RELATED with room for everything, then for one
    sl, nodes = await slice_around(gql, ("Work", center.id), "RELATED", 10)
    assert len(nodes) == 4  # the center, listed, mutual, the one listing it; not W300000001
    assert nodes[("Work", mutual.id)]["weight"] == 2.0
    assert nodes[("Work", listed.id)]["weight"] == 1.0
    sl, nodes = await slice_around(gql, ("Work", center.id), "RELATED", 2)
    # then the mutual one comes first, though less cited
    expect(sl, nodes, ("Work", center.id), "Work", {center.id, mutual.id}, hidden=2)


async def test_similarity_slices_match_networkx_at_radius_two(gql: Any, worker: Any) -> None:
    # given works citing each other and related works, made at random
    works: list[Any] = []
    for n in range(30):
        refs = (
            list(
                {
                    works[(n * 7 + k) % len(works)].id: works[(n * 7 + k) % len(works)]
                    for k in range(3)
                }.values()
            )
            if works
            else []
        )
        external = [f"W4000000{(n + k) % 5:02d}" for k in range(2)]
        related = [works[(n * 3) % len(works)]] if works and n % 4 == 0 else []
        works.append(await make_work(references=[*refs, *external], related=related))
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    full = restrict(await reference_graph(similar=True), {"CITES", *SIMILAR})
    # when radius-2 slices of several sizes are computed, with or without weak ties, then they
    # match networkx exactly
    for least in (1, 2):
        graph = full.copy()
        graph.remove_edges_from(
            [
                (a, b, k)
                for a, b, k, d in full.edges(keys=True, data=True)
                if d["kind"] in ("CO_CITED", "COUPLED") and d["weight"] < least
            ]
        )
        for center, size in ((works[5], 12), (works[20], 40), (works[29], 200)):
            variables = {
                "input": {
                    "center": gid("Work", center.id),
                    "radius": 2,
                    "maxNodes": size,
                    "edgeKinds": ["CITES", *SIMILAR],
                    "minSimilarity": least,
                }
            }
            sl = await until_done(gql, variables)
            check_slice(sl, graph, ("Work", center.id), 2, size)
            weights = [e["weight"] for e in sl["edges"] if e["kind"] in ("CO_CITED", "COUPLED")]
            assert min(weights, default=least) >= least


async def test_similarity_edges_are_followed_only_when_asked_for(
    gql: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given two works cited together and sharing a reference
    shared = await make_work()
    a, b = await make_work(references=[shared]), await make_work(references=[shared])
    await make_work(references=[a, b])
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    # when a's slice is asked for without edgeKinds, then it follows the structural kinds only
    default = await until_done(gql, {"input": {"center": gid("Work", a.id)}})
    assert {e["kind"] for e in default["edges"]} == {"CITES"}
    # and naming the similarity kinds adds them
    asked = await until_done(
        gql, {"input": {"center": gid("Work", a.id), "edgeKinds": ["CITES", *SIMILAR]}}
    )
    assert {e["kind"] for e in asked["edges"]} == {"CITES", "CO_CITED", "COUPLED"}


@pytest.mark.parametrize("least", [0, 1001])
async def test_min_similarity_outside_its_bounds_is_bad_user_input(gql: Any, least: int) -> None:
    # given a work, when its slice asks for an impossible least weight
    work = await make_work()
    body = await gql(
        "query($input: GraphSliceInput!) { graphSlice(input: $input) { status } }",
        {"input": {"center": gid("Work", work.id), "minSimilarity": least}},
    )
    # then it is refused, naming the argument and its bound
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert (error["extensions"]["argument"], error["extensions"]["maximum"]) == (
        "minSimilarity",
        1000,
    )


async def test_min_similarity_drops_weak_ties_from_nodes_edges_and_hidden_counts(
    gql: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given a work coupled to one work by two shared references and to another by one
    refs = ["W500000001", "W500000002"]
    center = await make_work(references=refs)
    strong, weak = await make_work(references=refs), await make_work(references=refs[:1])
    asked = {"center": gid("Work", center.id), "edgeKinds": ["COUPLED"], "maxNodes": 10}
    await refresh_aggregates()  # co-citations and couplings are read from work_similar
    # when its coupling slice asks for at least 2 shared references
    sl = await until_done(gql, {"input": {**asked, "minSimilarity": 2}})
    # then the weak tie is neither shown nor counted as hidden
    nodes = {key_of(n["entityId"]): n for n in sl["nodes"]}
    assert set(nodes) == {("Work", center.id), ("Work", strong.id)}
    assert nodes[("Work", center.id)]["hiddenNeighbors"] == 0 and sl["truncated"] is False
    assert [e["weight"] for e in sl["edges"]] == [2.0]
    # and without the threshold, with room for one neighbour, it is counted as hidden
    sl = await until_done(gql, {"input": {**asked, "maxNodes": 2}})
    center_node = next(n for n in sl["nodes"] if n["hop"] == 0)
    assert center_node["hiddenNeighbors"] == 1 and sl["truncated"] is True
    assert weak.id
