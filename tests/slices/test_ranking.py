"""Strongest neighbours first, for each ranking test_worker.py does not cover: author→topic by
share, work→topic by score, topic→works by score then citations, topic→authors by works in the
topic then share, CITES both ways by citations (then recency), and institution→members by years
spanned. Each graph is built so that the expected pick differs from id order (either way)."""

from __future__ import annotations

from typing import Any

from importers.refresh import refresh_aggregates
from tests.factories import make_author, make_institution, make_topic, make_work
from tests.slices.helpers import gid, key_of, until_done

Node = tuple[str, int]


async def slice_around(
    gql: Any, center: Node, edge_kind: str, max_nodes: int
) -> tuple[dict[str, Any], dict[Node, dict[str, Any]]]:
    """The READY radius-1 slice along one edge kind, and its nodes by (kind, id)."""
    variables = {
        "input": {
            "center": gid(*center),
            "radius": 1,
            "edgeKinds": [edge_kind],
            "maxNodes": max_nodes,
        },
    }
    sl = await until_done(gql, variables)
    assert sl["status"] == "READY", sl
    return sl, {key_of(n["entityId"]): n for n in sl["nodes"]}


def picked(nodes: dict[Node, dict[str, Any]], kind: str) -> set[int]:
    return {i for k, i in nodes if k == kind}


def expect(
    sl: dict[str, Any],
    nodes: dict[Node, dict[str, Any]],
    center: Node,
    kind: str,
    ids: set[int],
    *,
    hidden: int,
) -> None:
    """The slice shows exactly these `kind` nodes, the center has `hidden` neighbours not
    shown, and the slice says it is truncated exactly when some are hidden."""
    assert picked(nodes, kind) == ids
    assert nodes[center]["hiddenNeighbors"] == hidden
    assert sl["truncated"] is (hidden > 0)


async def test_author_topics_are_ranked_by_share_of_the_authors_works(
    gql: Any, worker: Any
) -> None:
    # given an author with 1, 3 and 2 works in three topics (the strongest neither first nor last)
    ada = await make_author()
    one, three, two = await make_topic(), await make_topic(), await make_topic()
    for topic, n in ((one, 1), (three, 3), (two, 2)):
        for _ in range(n):
            await make_work(authors=[ada], topics=[topic])
    await refresh_aggregates()
    center = ("Author", ada.id)
    # when the budget leaves room for one topic
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=2)
    # then it is the topic with half her works, and the other two are hidden
    expect(sl, nodes, center, "Topic", {three.id}, hidden=2)
    assert nodes[("Topic", three.id)]["weight"] == 0.5
    # when it leaves room for two, then they are the two strongest
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=3)
    expect(sl, nodes, center, "Topic", {three.id, two.id}, hidden=1)
    assert nodes[("Topic", two.id)]["weight"] == 2 / 6
    # when there is room for all, then nothing is hidden
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=4)
    expect(sl, nodes, center, "Topic", {one.id, two.id, three.id}, hidden=0)


async def test_work_topics_are_ranked_by_score(gql: Any, worker: Any) -> None:
    # given a work whose best-scored topic is neither the first made nor its primary topic
    low, best, mid = await make_topic(), await make_topic(), await make_topic()
    work = await make_work(topics=[(low, 0.4), (mid, 0.6), (best, 0.9)])
    center = ("Work", work.id)
    # when the budget leaves room for one topic, then it is the best-scored one
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=2)
    expect(sl, nodes, center, "Topic", {best.id}, hidden=2)
    assert nodes[("Topic", best.id)]["weight"] == 0.9
    # when it leaves room for two, then they are the two best-scored
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=3)
    expect(sl, nodes, center, "Topic", {best.id, mid.id}, hidden=1)


async def test_topic_works_are_ranked_by_score_then_citations(gql: Any, worker: Any) -> None:
    # given a topic whose works (without authors, so no author competes for the budget) have
    # different scores: the most cited has the lowest score, and two tie on 0.7
    topic = await make_topic()
    most_cited = await make_work(topics=[(topic, 0.5)], cited_by_count=100)
    best = await make_work(topics=[(topic, 0.9)], cited_by_count=0)
    tie_less_cited = await make_work(topics=[(topic, 0.7)], cited_by_count=1)
    tie_more_cited = await make_work(topics=[(topic, 0.7)], cited_by_count=50)
    center = ("Topic", topic.id)
    # when the budget leaves room for two works
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=3)
    # then they are the best-scored and, of the tie, the more cited one
    assert picked(nodes, "Work") == {best.id, tie_more_cited.id}
    assert picked(nodes, "Author") == set()
    assert {most_cited.id, tie_less_cited.id}.isdisjoint(picked(nodes, "Work"))
    assert nodes[center]["hiddenNeighbors"] == 2
    assert sl["truncated"] is True


async def test_topic_authors_are_ranked_by_works_in_the_topic_then_share(
    gql: Any, worker: Any
) -> None:
    # given a topic's authors with 2, 2, 1 and 3 works in it (made in that order): the one with
    # 3 has the lowest share (six more works elsewhere), and of the two with 2 the later-made one
    # has the higher share (2/2 against 2/3)
    topic, elsewhere = await make_topic(), await make_topic()
    tie_low_share, tie_high_share, low, top = [await make_author() for _ in range(4)]
    plan = ((tie_low_share, 2, 1), (tie_high_share, 2, 0), (low, 1, 0), (top, 3, 6))
    in_topic_works = []
    for author, in_topic, outside in plan:
        for _ in range(in_topic):
            in_topic_works.append(await make_work(authors=[author], topics=[topic]))
        for _ in range(outside):
            await make_work(authors=[author], topics=[elsewhere])
    await refresh_aggregates()
    center = ("Topic", topic.id)
    # when the budget (shared round-robin with the topic's works) leaves room for one author
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=3)
    # then it is the one with most works in the topic
    assert picked(nodes, "Author") == {top.id}
    assert len(picked(nodes, "Work")) == 1
    assert nodes[center]["hiddenNeighbors"] == (8 + 4) - 2
    assert sl["truncated"] is True
    # when there is room for two authors, then the tie on 2 works goes to the higher share
    sl, nodes = await slice_around(gql, center, "HAS_TOPIC", max_nodes=5)
    assert picked(nodes, "Author") == {top.id, tie_high_share.id}
    assert len(picked(nodes, "Work")) == 2
    assert nodes[center]["hiddenNeighbors"] == (8 + 4) - 4
    assert sl["truncated"] is True
    # when the explorer already shows the topic's works, then the authors take the whole budget
    variables = {
        "input": {
            "center": gid(*center),
            "edgeKinds": ["HAS_TOPIC"],
            "maxNodes": 3,
            "exclude": [gid("Work", w.id) for w in in_topic_works],
        },
    }
    sl = await until_done(gql, variables)
    nodes = {key_of(n["entityId"]): n for n in sl["nodes"]}
    assert picked(nodes, "Author") == {top.id, tie_high_share.id}
    assert picked(nodes, "Work") == set()
    assert nodes[center]["hiddenNeighbors"] == 2  # the excluded works are not hidden
    assert sl["truncated"] is True


async def test_cited_and_citing_works_are_ranked_by_their_citations(gql: Any, worker: Any) -> None:
    # given a work citing three works and cited by three, the most cited of each made last
    cited_mid = await make_work(cited_by_count=5)
    cited_weak = await make_work(cited_by_count=1)
    cited_top = await make_work(cited_by_count=40)
    work = await make_work(references=[cited_mid, cited_weak, cited_top])
    citing_mid = await make_work(references=[work], cited_by_count=3)
    citing_weak = await make_work(references=[work], cited_by_count=0)
    citing_top = await make_work(references=[work], cited_by_count=20)
    center = ("Work", work.id)
    # when the budget leaves room for four works (two per direction, taking turns)
    sl, nodes = await slice_around(gql, center, "CITES", max_nodes=5)
    # then they are the two most cited of the cited and of the citing works
    assert picked(nodes, "Work") == {
        work.id,
        cited_top.id,
        cited_mid.id,
        citing_top.id,
        citing_mid.id,
    }
    assert nodes[("Work", cited_top.id)]["weight"] == 40
    assert {cited_weak.id, citing_weak.id}.isdisjoint(picked(nodes, "Work"))
    assert nodes[center]["hiddenNeighbors"] == 2
    assert sl["truncated"] is True
    # when it leaves room for one per direction, then it is the most cited of each
    sl, nodes = await slice_around(gql, center, "CITES", max_nodes=3)
    expect(sl, nodes, center, "Work", {work.id, cited_top.id, citing_top.id}, hidden=4)


async def test_equally_cited_references_go_to_the_newer_one(gql: Any, worker: Any) -> None:
    # given a work citing two equally cited works (the older made first) and a less cited newest
    older = await make_work(year=2015, cited_by_count=5)
    newer = await make_work(year=2021, cited_by_count=5)
    newest_less_cited = await make_work(year=2023, cited_by_count=1)
    work = await make_work(year=2024, references=[older, newer, newest_less_cited])
    center = ("Work", work.id)
    # when the budget leaves room for one work, then citations decide first, then recency
    sl, nodes = await slice_around(gql, center, "CITES", max_nodes=2)
    expect(sl, nodes, center, "Work", {work.id, newer.id}, hidden=2)


async def test_institution_members_are_ranked_by_years_spanned(gql: Any, worker: Any) -> None:
    # given an institution's members spanning 3, 1 and 11 years (the longest made last, and
    # the shortest the most recent, so neither id nor last year would pick the right ones)
    uni = await make_institution()
    mid, short, long = await make_author(), await make_author(), await make_author()
    for author, spells in ((mid, (2015, 2017)), (short, (2023,)), (long, (2000, 2010))):
        for year in spells:
            await make_work(authors=[author], institutions=[uni], year=year)
    await refresh_aggregates()
    center = ("Institution", uni.id)
    # when the budget leaves room for one member, then it is the longest-affiliated
    sl, nodes = await slice_around(gql, center, "AFFILIATED", max_nodes=2)
    expect(sl, nodes, center, "Author", {long.id}, hidden=2)
    assert nodes[("Author", long.id)]["weight"] == 11
    # when it leaves room for two, then they are the two longest
    sl, nodes = await slice_around(gql, center, "AFFILIATED", max_nodes=3)
    expect(sl, nodes, center, "Author", {long.id, mid.id}, hidden=1)
    assert nodes[("Author", mid.id)]["weight"] == 3
