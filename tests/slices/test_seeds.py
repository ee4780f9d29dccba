"""Several seeds (`centers`), prior and derivative works, and the timeline facts every node
carries (`year`, `firstYear`, `lastYear`, `citedByCount`)."""

from __future__ import annotations

from typing import Any

import pytest

from importers.refresh import refresh_aggregates
from resolvers.ids import from_global_id
from tests.factories import make_author, make_topic, make_work
from tests.slices.helpers import (
    SLICE_QUERY,
    check_slice,
    gid,
    key_of,
    make_world,
    reference_graph,
    until_done,
)
from workers.slice_nodes import ranked_works

#: a node joined to every seed, so that a multi-seed slice is a one-center slice around it
VIRTUAL = ("Institution", 0)
RANKED = """query($input: GraphSliceInput!, $first: Int) { graphSlice(input: $input) {
  status
  priorWorks(first: $first) { entityId score work { id title } }
  derivativeWorks(first: $first) { entityId score work { id } } } }"""


async def ready(gql: Any, variables: dict[str, Any]) -> dict[str, Any]:
    sl = await until_done(gql, variables)
    assert sl["status"] == "READY", sl
    return sl


async def test_a_candidate_connected_to_every_seed_ranks_before_stronger_single_ties(
    gql: Any, worker: Any
) -> None:
    # given two seed authors; each has a strong co-author of its own (3 shared works), and both
    # share a weaker co-author (1 shared work each)
    ada, bob = await make_author(), await make_author()
    own_a, own_b, shared = await make_author(), await make_author(), await make_author()
    for _ in range(3):
        await make_work(authors=[ada, own_a])
        await make_work(authors=[bob, own_b])
    await make_work(authors=[ada, shared])
    await make_work(authors=[bob, shared])
    await refresh_aggregates()
    # when a slice seeded with both has room for one more node
    variables = {
        "input": {
            "centers": [gid("Author", ada.id), gid("Author", bob.id)],
            "edgeKinds": ["COAUTHOR"],
            "maxNodes": 3,
        }
    }
    sl = await ready(gql, variables)
    nodes = {key_of(n["entityId"]): n for n in sl["nodes"]}
    # then it is the co-author of both, who says it connects to both seeds
    assert set(nodes) == {("Author", ada.id), ("Author", bob.id), ("Author", shared.id)}
    assert nodes[("Author", shared.id)]["seeds"] == sorted(
        [gid("Author", ada.id), gid("Author", bob.id)]
    )
    assert nodes[("Author", ada.id)]["seeds"] == [gid("Author", ada.id)]
    assert [n["hop"] for n in sl["nodes"]].count(0) == 2
    assert sl["truncated"] is True
    # and with one seed the strongest co-author comes first, as before
    one = await ready(
        gql, {"input": {"center": gid("Author", ada.id), "edgeKinds": ["COAUTHOR"], "maxNodes": 2}}
    )
    assert {key_of(n["entityId"]) for n in one["nodes"]} == {
        ("Author", ada.id),
        ("Author", own_a.id),
    }


async def test_multi_seed_slices_match_networkx_and_name_their_seeds(gql: Any, worker: Any) -> None:
    # given a world of co-authors, works, topics and citations
    world = await make_world(seed=3)
    graph = await reference_graph()
    seeds = [("Author", world.authors[1].id), ("Work", world.works[10].id)]
    # when a radius-2 slice is seeded from an author and a work
    variables = {
        "input": {"centers": [gid(*s) for s in seeds], "radius": 2, "maxNodes": 200},
    }
    sl = await ready(gql, variables)
    # then it holds exactly the nodes within 2 hops of either seed, at their nearest distance
    merged = graph.copy()
    merged.add_edges_from((VIRTUAL, s, {"kind": "SEED"}) for s in seeds)
    hop0 = [n for n in sl["nodes"] if n["hop"] == 0]
    assert {key_of(n["entityId"]) for n in hop0} == set(seeds)
    for n in sl["nodes"]:
        n["hop"] += 1  # as seen from the virtual node joined to both seeds
    sl["nodes"].append({"entityId": gid(*VIRTUAL), "hop": 0, "hiddenNeighbors": 0, "seeds": []})
    sl["edges"] += [{"source": gid(*VIRTUAL), "target": gid(*s), "kind": "SEED"} for s in seeds]
    check_slice(sl, merged, VIRTUAL, 3, 201)
    # and each node names the seeds it reaches through a nearest path of the slice
    for n in sl["nodes"]:
        if n["hop"] == 2:  # hop 1 from a seed
            near = {gid(*s) for s in seeds if graph.has_edge(key_of(n["entityId"]), s)}
            assert set(n["seeds"]) == near


async def test_the_centers_are_one_set_whatever_their_order_and_repeats(
    gql: Any, worker: Any
) -> None:
    # given two authors
    ada, bob = await make_author(), await make_author()
    await make_work(authors=[ada, bob])
    await refresh_aggregates()
    a, b = gid("Author", ada.id), gid("Author", bob.id)
    # when the same seeds are asked for in different orders, with repeats, or with `center`
    asks = [
        {"centers": [a, b]},
        {"centers": [b, a, a]},
        {"center": b, "centers": [a]},
        {"center": a, "centers": [a, b, b]},
    ]
    bodies = [await gql(SLICE_QUERY, {"input": ask}) for ask in asks]
    # then they are one slice (one id, one cache key, one job)
    assert len({b["data"]["graphSlice"]["id"] for b in bodies}) == 1
    single = await gql(SLICE_QUERY, {"input": {"centers": [a]}})
    assert (
        single["data"]["graphSlice"]["id"]
        == ((await gql(SLICE_QUERY, {"input": {"center": a}}))["data"]["graphSlice"]["id"])
    )
    assert from_global_id(single["data"]["graphSlice"]["id"]).type == "GraphSlice"


@pytest.mark.parametrize(
    ("given", "argument", "code"),
    [
        ({}, "centers", "BAD_USER_INPUT"),
        ({"centers": []}, "centers", "BAD_USER_INPUT"),
        ({"centers": "ELEVEN"}, "centers", "BAD_USER_INPUT"),
        ({"centers": ["not an id"]}, None, "INVALID_ID"),
        ({"centers": [""]}, None, "INVALID_ID"),
    ],
)
async def test_bad_centers_are_refused_with_a_code(
    gql: Any, given: dict[str, Any], argument: str | None, code: str
) -> None:
    # given eleven distinct seeds, or none, or malformed ones
    if given.get("centers") == "ELEVEN":
        given = {"centers": [gid("Author", n + 1) for n in range(11)]}
    # when the slice is asked for
    body = await gql(SLICE_QUERY, {"input": given})
    # then the error says what to do, with a stable code and no slice
    error = body["errors"][0]
    assert error["extensions"]["code"] == code, body
    assert body["data"] is None
    if argument:
        assert error["extensions"]["argument"] == argument
    if len(given.get("centers") or ()) == 11:
        assert error["extensions"]["maximum"] == 10 and "10" in error["message"]


async def test_prior_and_derivative_works_rank_what_the_slice_cites_and_what_cites_it(
    gql: Any, worker: Any
) -> None:
    # given a work, two works citing it, and what those three cite and are cited by
    old_a, old_b, old_c = await make_work(year=2001), await make_work(year=2002), await make_work()
    center = await make_work(references=[old_a, old_b])
    citing = [
        await make_work(references=[center, old_a, old_b]),
        await make_work(references=[center, old_a]),
    ]
    later_2 = await make_work(references=[center, citing[0]])  # cites 2 of the slice's works
    later_3 = await make_work(references=[center, *citing])  # cites all 3
    await make_work(references=[old_c])  # outside: cites nothing of the slice
    # when a radius-1 CITES slice holds the center and the two citing works (the budget cuts
    # the rest), and the ranked lists are asked for
    variables = {
        "input": {"center": gid("Work", center.id), "edgeKinds": ["CITES"], "maxNodes": 5},
        "first": 10,
    }
    await until_done(gql, {"input": variables["input"]})
    body = await gql(RANKED, variables)
    sl = body["data"]["graphSlice"]
    slice_nodes = await until_done(gql, {"input": variables["input"]})
    shown = {key_of(n["entityId"])[1] for n in slice_nodes["nodes"]}
    # then scores count the citations between the slice's works and each ranked work,
    # computed here from what the factories made
    made = {
        center.id: {old_a.id, old_b.id},
        citing[0].id: {center.id, old_a.id, old_b.id},
        citing[1].id: {center.id, old_a.id},
        later_2.id: {center.id, citing[0].id},
        later_3.id: {center.id, *[w.id for w in citing]},
    }
    prior: dict[int, int] = {}
    derivative: dict[int, int] = {}
    for citer, cited in made.items():
        for c in cited:
            if citer in shown:
                prior[c] = prior.get(c, 0) + 1
            if c in shown:
                derivative[citer] = derivative.get(citer, 0) + 1
    got_prior = {key_of(r["entityId"])[1]: r["score"] for r in sl["priorWorks"]}
    got_derivative = {key_of(r["entityId"])[1]: r["score"] for r in sl["derivativeWorks"]}
    assert got_prior == prior and got_derivative == derivative
    scores = [r["score"] for r in sl["priorWorks"]]
    assert scores == sorted(scores, reverse=True)
    assert all(r["work"]["id"] == r["entityId"] for r in sl["priorWorks"])
    # and `first` cuts the lists, within its bounds
    one = await gql(RANKED, {**variables, "first": 1})
    assert len(one["data"]["graphSlice"]["priorWorks"]) == 1
    too_many = await gql(RANKED, {**variables, "first": 51})
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert too_many["errors"][0]["extensions"]["maximum"] == 50


async def test_author_slices_have_no_prior_or_derivative_works(gql: Any, worker: Any) -> None:
    # given an author whose work cites another
    ada = await make_author()
    await make_work(authors=[ada], references=[await make_work()])
    await refresh_aggregates()
    # when the author's slice is asked for its ranked lists, then they are empty
    variables = {"input": {"center": gid("Author", ada.id)}}
    await until_done(gql, variables)
    sl = (await gql(RANKED, variables))["data"]["graphSlice"]
    assert (sl["status"], sl["priorWorks"], sl["derivativeWorks"]) == ("READY", [], [])


async def test_every_node_carries_its_year_and_citations(gql: Any, worker: Any) -> None:
    # given an author active 2012-2021 and a topic, with works of known years and citations
    ada = await make_author(cited_by_count=77)
    topic = await make_topic()
    first = await make_work(authors=[ada], topics=[topic], year=2012, cited_by_count=5)
    await make_work(authors=[ada], year=2021, cited_by_count=9)
    await refresh_aggregates()
    # when the author's slice is read
    sl = await ready(gql, {"input": {"center": gid("Author", ada.id), "radius": 2}})
    nodes = {key_of(n["entityId"]): n for n in sl["nodes"]}
    # then works carry their year and citations, the author the years active, topics nulls
    author = nodes[("Author", ada.id)]
    assert (author["firstYear"], author["lastYear"], author["year"]) == (2012, 2021, 2012)
    assert author["citedByCount"] == (await type(ada).get(id=ada.id)).cited_by_count
    work = nodes[("Work", first.id)]
    assert (work["year"], work["firstYear"], work["lastYear"], work["citedByCount"]) == (
        2012,
        2012,
        2012,
        5,
    )
    t = nodes[("Topic", topic.id)]
    assert (t["year"], t["citedByCount"]) == (None, None)


@pytest.mark.parametrize("window", [(None, None), (2000, 2030)], ids=["no window", "window"])
async def test_the_ranked_lists_break_ties_at_their_cut_by_citations(
    db: str, window: tuple[int | None, int | None]
) -> None:
    # given five works cited by 3, 2, 2, 2 and 1 of a slice's four works (the three tied at 2
    # cited 5, 9 and 7 times), and those four works citing 5, 3, 2 and 0 of the five
    cited = [await make_work(cited_by_count=n, year=2010) for n in (1, 5, 9, 7, 3)]
    lists = [[0, 1, 2, 3, 4], [0, 1, 2], [0, 3], []]
    mine = [await make_work(year=2020, references=[cited[i] for i in r]) for r in lists]
    # when each list keeps 3, without a year window and with one holding every work
    prior, _ = await ranked_works([w.id for w in mine], window, 3)
    _, derivative = await ranked_works([w.id for w in cited], window, 3)
    # then the cut keeps the most cited of the tied, and the counts are the citations
    assert prior == [(cited[0].id, 3), (cited[2].id, 2), (cited[3].id, 2)]
    assert derivative == [(mine[0].id, 5), (mine[1].id, 3), (mine[2].id, 2)]
