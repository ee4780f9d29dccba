"""`search`: ranked autocomplete over author names, work titles, topics and institutions.
An exact match ranks above a prefix match, which ranks above a match at a later word; ties go
to the more popular entity; `kinds` restricts the kinds; text without letters or digits finds
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from importers import refresh_aggregates
from tests.api.helpers import codes, gid
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_institution, make_topic, make_work

SEARCH = """query($text: String!, $kinds: [NodeKind!], $first: Int) {
  search(text: $text, kinds: $kinds, first: $first) {
    kind label score node { __typename id } } }"""


@dataclass
class Graph:
    ids: dict[str, str]


@pytest.fixture(scope="module")
async def graph(api_db: str) -> Graph:
    # given entities whose names match "graph" exactly, as a prefix, and at a later word
    exact = await make_author(display_name="Graph")
    popular = await make_author(display_name="Graphene Popular")
    quiet = await make_author(display_name="Graphene Quiet")
    later = await make_author(display_name="Anna Graphwell")
    await make_author(display_name="Paragraph Nobody")  # "graph" inside a word: no match
    emile = await make_author(display_name="Émile Zola")
    topic = await make_topic(display_name="Graph Theory")
    inst = await make_institution(display_name="Graphcore Research")
    work = await make_work([popular], title="Graph neural networks", cited_by_count=3)
    later_work = await make_work([popular], title="On the graph isomorphism problem")
    await make_work([popular], title="Unrelated")
    await refresh_aggregates()
    ids = {
        "Graph": gid("Author", exact.id),
        "Graphene Popular": gid("Author", popular.id),
        "Graphene Quiet": gid("Author", quiet.id),
        "Anna Graphwell": gid("Author", later.id),
        "Émile Zola": gid("Author", emile.id),
        "Graph Theory": gid("Topic", topic.id),
        "Graphcore Research": gid("Institution", inst.id),
        "Graph neural networks": gid("Work", work.id),
        "On the graph isomorphism problem": gid("Work", later_work.id),
    }
    return Graph(ids)


async def _search(api: GraphQLClient, text: str, **variables: Any) -> list[dict[str, Any]]:
    body = await api(SEARCH, {"text": text, **variables})
    assert "errors" not in body, body
    hits: list[dict[str, Any]] = body["data"]["search"]
    return hits


async def test_exact_then_prefix_then_later_word(api: GraphQLClient, graph: Graph) -> None:
    # when "graph" is searched across every kind
    hits = await _search(api, "graph", first=50)
    labels = [h["label"] for h in hits]
    # then the exact match comes first, then prefix matches, then later-word matches,
    # and a match inside a word is not a match
    assert labels[0] == "Graph"
    prefix = {
        "Graphene Popular",
        "Graphene Quiet",
        "Graph Theory",
        "Graphcore Research",
        "Graph neural networks",
    }
    later = {"Anna Graphwell", "On the graph isomorphism problem"}
    assert set(labels[1:6]) == prefix and set(labels[6:]) == later
    assert "Paragraph Nobody" not in labels
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] >= 3 > scores[1] >= 2 > scores[6] >= 1
    # and every hit names its node and kind
    for hit in hits:
        assert hit["node"]["id"] == graph.ids[hit["label"]]
        assert hit["node"]["__typename"] == hit["kind"].title()


async def test_popularity_breaks_ties(api: GraphQLClient, graph: Graph) -> None:
    # when "graphene" matches two authors as a prefix
    hits = await _search(api, "graphene")
    # then the one with more works comes first
    assert [h["label"] for h in hits] == ["Graphene Popular", "Graphene Quiet"]
    assert hits[0]["score"] > hits[1]["score"]


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["WORK"], {"WORK"}),
        (["TOPIC", "INSTITUTION"], {"TOPIC", "INSTITUTION"}),
        (["AUTHOR"], {"AUTHOR"}),
        (None, {"AUTHOR", "WORK", "TOPIC", "INSTITUTION"}),
        ([], {"AUTHOR", "WORK", "TOPIC", "INSTITUTION"}),
    ],
)
async def test_kinds_filter(
    api: GraphQLClient, graph: Graph, kinds: list[str] | None, expected: set[str]
) -> None:
    # when the search is restricted to some kinds
    hits = await _search(api, "graph", kinds=kinds, first=50)
    # then only those kinds come back
    assert {h["kind"] for h in hits} == expected


async def test_first_limits_hits(api: GraphQLClient, graph: Graph) -> None:
    # when at most 2 hits are asked for
    hits = await _search(api, "graph", first=2)
    # then the best 2 come back
    assert [h["label"] for h in hits][:1] == ["Graph"] and len(hits) == 2
    # and first outside 1..50 is BAD_USER_INPUT
    for first in (0, -1, 51):
        assert codes(await api(SEARCH, {"text": "graph", "first": first})) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("text", ["", "   ", "%", "_", "%%__", "!!!", "学"])
async def test_text_without_letters_or_digits_finds_nothing(
    api: GraphQLClient, graph: Graph, text: str
) -> None:
    # when the text normalizes to nothing (no wildcard leaks through either)
    hits = await _search(api, text)
    # then there are no hits, and no error
    assert hits == []


async def test_unicode_and_case_are_normalized(api: GraphQLClient, graph: Graph) -> None:
    # when an accented, differently cased or later-word query is sent
    for text in ("émile", "EMILE", "Emile Zo", "zola"):
        hits = await _search(api, text)
        # then it matches the accented name
        assert [h["label"] for h in hits] == ["Émile Zola"], text
    # and an underscore is not a one-character wildcard
    assert await _search(api, "gr_ph") == []


async def test_text_over_200_characters(api: GraphQLClient, graph: Graph) -> None:
    # when the text is longer than 200 characters
    body = await api(SEARCH, {"text": "g" * 201})
    # then it is BAD_USER_INPUT
    assert codes(body) == ["BAD_USER_INPUT"]
    assert await _search(api, "g" * 200) == []
