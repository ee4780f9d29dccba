"""Every Work, Topic and Institution field: venue, ids, authorships in byline order with their
institutions, work topics, references and citedBy; topic hierarchy and institution lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from importers import refresh_aggregates
from models.enums import SourceType, TopicScheme, WorkType
from tests.api.helpers import gid
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_institution, make_source, make_topic, make_work


@dataclass
class Graph:
    paper: int
    bare: int
    old: int
    mid: int
    citer: int
    authors: dict[str, int]
    institutions: dict[str, int]
    topics: dict[str, int]


@pytest.fixture(scope="module")
async def graph(api_db: str) -> Graph:
    # given a conference paper by Ann (two institutions), Ben (one) and an unidentified "J. Doe",
    # with a primary topic and a secondary one, citing two older works, cited by a newer one
    mit = await make_institution(display_name="MIT", ror="042nb2s44", country_code="US")
    eth = await make_institution(display_name="ETH Zurich", ror="05a28rw58", country_code="CH")
    venue = await make_source(display_name="ICML", type=SourceType.CONFERENCE, issn_l=None)
    primary = await make_topic(display_name="Graph Neural Networks", description="GNNs")
    secondary = await make_topic(
        display_name="cs.LG",
        scheme=TopicScheme.ARXIV,
        external_id="cs.LG",
        subfield=None,
        field=None,
        domain=None,
    )
    ann, ben = await make_author(display_name="Ann"), await make_author(display_name="Ben")
    old = await make_work([ben], year=2017, title="Old foundations", cited_by_count=50)
    mid = await make_work([ann], year=2019, title="Middle ground")
    paper = await make_work(
        [ann, ben, "J. Doe"],
        [(primary, 0.91), (secondary, 0.99)],
        {0: [eth, mit], 1: [mit]},
        year=2021,
        references=[old, mid],
        title="Message passing at scale",
        abstract="We pass messages.",
        type=WorkType.ARTICLE,
        publication_date=date(2021, 7, 18),
        source=venue,
        doi="10.5555/mp.2021",
        arxiv_id="2107.00001",
        openalex_id="W4000000001",
        cited_by_count=42,
    )
    citer = await make_work([ben], year=2023, references=[paper, old])
    bare = await make_work(
        ["Only A. Name"],
        year=None,
        abstract=None,
        doi=None,
        source=None,
        type=WorkType.PREPRINT,
        openalex_id=None,
    )
    await refresh_aggregates()
    return Graph(
        paper.id,
        bare.id,
        old.id,
        mid.id,
        citer.id,
        {"Ann": ann.id, "Ben": ben.id},
        {"MIT": mit.id, "ETH": eth.id},
        {"primary": primary.id, "secondary": secondary.id},
    )


async def _one(api: GraphQLClient, kind: str, key: int, selection: str) -> dict[str, Any]:
    body = await api(
        f"query($id: ID!) {{ {kind.lower()}(id: $id) {{ {selection} }} }}", {"id": gid(kind, key)}
    )
    assert "errors" not in body, body
    value: dict[str, Any] = body["data"][kind.lower()]
    return value


async def test_work_scalar_fields_venue_and_ids(api: GraphQLClient, graph: Graph) -> None:
    # when the paper's own fields are asked for
    work = await _one(
        api,
        "Work",
        graph.paper,
        "title abstract type publicationYear publicationDate citedByCount doi arxivId"
        " venue { displayName type issnL } externalIds { scheme value url }",
    )
    # then they are what was stored, with every external id and its URL
    assert work == {
        "title": "Message passing at scale",
        "abstract": "We pass messages.",
        "type": "ARTICLE",
        "publicationYear": 2021,
        "publicationDate": "2021-07-18",
        "citedByCount": 42,
        "doi": "10.5555/mp.2021",
        "arxivId": "2107.00001",
        "venue": {"displayName": "ICML", "type": "CONFERENCE", "issnL": None},
        "externalIds": [
            {"scheme": "DOI", "value": "10.5555/mp.2021", "url": "https://doi.org/10.5555/mp.2021"},
            {"scheme": "ARXIV", "value": "2107.00001", "url": "https://arxiv.org/abs/2107.00001"},
            {
                "scheme": "OPENALEX",
                "value": "W4000000001",
                "url": "https://openalex.org/W4000000001",
            },
        ],
    }


async def test_work_without_optional_fields(api: GraphQLClient, graph: Graph) -> None:
    # when a work with no year, venue, abstract or ids is asked for
    work = await _one(
        api,
        "Work",
        graph.bare,
        "type abstract publicationYear publicationDate venue { displayName } doi arxivId"
        " externalIds { scheme } topics { score } authorships { position rawName author { id }"
        " institutions { id } }",
    )
    # then the optional fields are null or empty, and the unidentified author has a raw name only
    assert work == {
        "type": "PREPRINT",
        "abstract": None,
        "publicationYear": None,
        "publicationDate": None,
        "venue": None,
        "doi": None,
        "arxivId": None,
        "externalIds": [],
        "topics": [],
        "authorships": [
            {"position": 0, "rawName": "Only A. Name", "author": None, "institutions": []}
        ],
    }


async def test_authorships_in_byline_order_with_institutions(
    api: GraphQLClient, graph: Graph
) -> None:
    # when the paper's authorships are asked for
    work = await _one(
        api,
        "Work",
        graph.paper,
        "authorships { position rawName isCorresponding author { id displayName }"
        " institutions { id displayName } }",
    )
    # then they are in byline order, each with its institutions in the order of the byline
    a, i = graph.authors, graph.institutions
    assert work["authorships"] == [
        {
            "position": 0,
            "rawName": "Ann",
            "isCorresponding": True,
            "author": {"id": gid("Author", a["Ann"]), "displayName": "Ann"},
            "institutions": [
                {"id": gid("Institution", i["ETH"]), "displayName": "ETH Zurich"},
                {"id": gid("Institution", i["MIT"]), "displayName": "MIT"},
            ],
        },
        {
            "position": 1,
            "rawName": "Ben",
            "isCorresponding": False,
            "author": {"id": gid("Author", a["Ben"]), "displayName": "Ben"},
            "institutions": [{"id": gid("Institution", i["MIT"]), "displayName": "MIT"}],
        },
        {
            "position": 2,
            "rawName": "J. Doe",
            "isCorresponding": False,
            "author": None,
            "institutions": [],
        },
    ]


async def test_author_count_next_to_the_authorships(api: GraphQLClient, graph: Graph) -> None:
    # when the paper's author count is asked for, alone and in a work list
    work = await _one(api, "Work", graph.paper, "authorCount authorships { position }")
    body = await api(
        "{ works(first: 100) { edges { node { id authorCount } } } }",
    )
    # then it counts every authorship, the one without an author id included
    assert work["authorCount"] == len(work["authorships"]) == 3
    counts = {e["node"]["id"]: e["node"]["authorCount"] for e in body["data"]["works"]["edges"]}
    assert counts[gid("Work", graph.paper)] == 3
    assert counts[gid("Work", graph.old)] == 1


async def test_work_topics_primary_first(api: GraphQLClient, graph: Graph) -> None:
    # when the paper's topics are asked for
    work = await _one(
        api, "Work", graph.paper, "topics { topic { id displayName scheme } score isPrimary }"
    )
    # then the primary topic comes first even though the other scores higher
    t = graph.topics
    assert work["topics"] == [
        {
            "topic": {
                "id": gid("Topic", t["primary"]),
                "displayName": "Graph Neural Networks",
                "scheme": "OPENALEX",
            },
            "score": pytest.approx(0.91),
            "isPrimary": True,
        },
        {
            "topic": {
                "id": gid("Topic", t["secondary"]),
                "displayName": "cs.LG",
                "scheme": "ARXIV",
            },
            "score": pytest.approx(0.99),
            "isPrimary": False,
        },
    ]


async def test_references_and_cited_by(api: GraphQLClient, graph: Graph) -> None:
    sel = "totalCount edges { node { id } } pageInfo { hasNextPage }"
    # when the paper's references and citations, and the old work's citations, are asked for
    paper = await _one(api, "Work", graph.paper, f"references {{ {sel} }} citedBy {{ {sel} }}")
    old = await _one(
        api, "Work", graph.old, f"references {{ {sel} }} citedBy(first: 1) {{ {sel} }}"
    )
    # then references are the cited works newest first, citedBy the citing works newest first
    assert paper["references"] == {
        "totalCount": 2,
        "edges": [
            {"node": {"id": gid("Work", graph.mid)}},
            {"node": {"id": gid("Work", graph.old)}},
        ],
        "pageInfo": {"hasNextPage": False},
    }
    assert paper["citedBy"]["edges"] == [{"node": {"id": gid("Work", graph.citer)}}]
    assert old["references"]["totalCount"] == 0 and old["references"]["edges"] == []
    assert old["citedBy"] == {
        "totalCount": 2,
        "edges": [{"node": {"id": gid("Work", graph.citer)}}],
        "pageInfo": {"hasNextPage": True},
    }


async def test_topic_fields(api: GraphQLClient, graph: Graph) -> None:
    # when an OpenAlex topic and an arXiv category are asked for
    sel = (
        "displayName scheme externalId description subfield field domain worksCount"
        " works { totalCount edges { node { id } } }"
    )
    oa = await _one(api, "Topic", graph.topics["primary"], sel)
    arxiv = await _one(api, "Topic", graph.topics["secondary"], "scheme externalId subfield")
    # then the OpenAlex one keeps its hierarchy, and both list their works
    assert oa["displayName"] == "Graph Neural Networks"
    assert (oa["scheme"], oa["externalId"][0], oa["description"]) == ("OPENALEX", "T", "GNNs")
    assert (oa["subfield"], oa["field"], oa["domain"]) == (
        "Artificial Intelligence",
        "Computer Science",
        "Physical Sciences",
    )
    assert oa["worksCount"] == 1
    assert oa["works"] == {"totalCount": 1, "edges": [{"node": {"id": gid("Work", graph.paper)}}]}
    assert arxiv == {"scheme": "ARXIV", "externalId": "cs.LG", "subfield": None}


async def test_institution_fields(api: GraphQLClient, graph: Graph) -> None:
    # when MIT is asked for
    inst = await _one(
        api,
        "Institution",
        graph.institutions["MIT"],
        "displayName ror countryCode type worksCount externalIds { scheme value url }"
        " works { totalCount edges { node { id } } }"
        " authors { totalCount edges { node { displayName } } }",
    )
    # then it has its ids, its one work and both affiliated authors
    assert inst["displayName"] == "MIT"
    assert (inst["ror"], inst["countryCode"], inst["type"]) == ("042nb2s44", "US", "education")
    assert inst["worksCount"] == 1
    assert inst["externalIds"][0] == {
        "scheme": "ROR",
        "value": "042nb2s44",
        "url": "https://ror.org/042nb2s44",
    }
    assert [e["scheme"] for e in inst["externalIds"]] == ["ROR", "OPENALEX"]
    assert inst["works"] == {"totalCount": 1, "edges": [{"node": {"id": gid("Work", graph.paper)}}]}
    assert inst["authors"]["totalCount"] == 2
    assert {e["node"]["displayName"] for e in inst["authors"]["edges"]} == {"Ann", "Ben"}
