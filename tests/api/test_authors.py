"""Every Author field: names, external ids, affiliation(s), trust by DESIGN.md's rule, counts,
metrics with zero-filled countsByYear, topics with share, collaborators (order, isClose,
closeOnly), works (newest first) and the anonymous viewer answers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest

from importers import refresh_aggregates
from models.authors import Author as AuthorRow
from tests.api.helpers import codes, gid
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_institution, make_topic, make_work

ORCID = "0000-0002-1825-0097"


@dataclass
class Graph:
    ada: int
    lou: int
    names: dict[str, int]
    institutions: dict[str, int]
    topics: dict[str, int]
    works: list[int]


@pytest.fixture(scope="module")
async def graph(api_db: str) -> Graph:
    # given Ada, with five works over 2018-2023 and four co-authors of different strength:
    #   Bob 3 shared works (last 2020), Cy 2 (last 2023), Dan 2 (last 2019), Eve 1 (2023)
    old = await make_institution(display_name="Old College")
    new = await make_institution(display_name="New Institute")
    ml, db, nlp = [await make_topic(display_name=n) for n in ("Learning", "Databases", "Language")]
    ada = await make_author(
        display_name="Ada Lovelace",
        orcid=ORCID,
        description="Computing pioneer",
        alternative_names=["A. Lovelace", "Augusta Ada King"],
        open_to_collaborate=True,
    )
    bob, cy, dan, eve = [await make_author(display_name=n) for n in ("Bob", "Cy", "Dan", "Eve")]
    w1 = await make_work([ada, bob, dan], [ml], {0: [old]}, year=2018, cited_by_count=12)
    w2 = await make_work([ada, bob, dan], [ml, db], year=2019, cited_by_count=10)
    w3 = await make_work([ada, bob], [ml], year=2020, cited_by_count=3)
    w4 = await make_work([ada, cy], [nlp], {0: [new]}, year=2022, cited_by_count=0)
    w5 = await make_work([ada, cy, eve, "Zed Unknown"], [ml], year=2023, cited_by_count=7)
    # and a 2023 work by someone else citing two of hers
    ira = await make_author(display_name="Ira")
    await make_work([ira], year=2023, references=[w1, w2])
    # and Lou: no external id, one work without DOI or arXiv id, no affiliation
    lou = await make_author(display_name="Lou Nobody", openalex_id=None)
    await make_work([lou], year=2021, doi=None)
    await refresh_aggregates()
    return Graph(
        ada=ada.id,
        lou=lou.id,
        names={"Bob": bob.id, "Cy": cy.id, "Dan": dan.id, "Eve": eve.id},
        institutions={"old": old.id, "new": new.id},
        topics={"Learning": ml.id, "Databases": db.id, "Language": nlp.id},
        works=[w5.id, w4.id, w3.id, w2.id, w1.id],
    )


async def _author(api: GraphQLClient, key: int, selection: str) -> dict[str, Any]:
    body = await api(
        f"query($id: ID!) {{ author(id: $id) {{ {selection} }} }}", {"id": gid("Author", key)}
    )
    assert "errors" not in body, body
    author: dict[str, Any] = body["data"]["author"]
    return author


async def test_names_description_and_external_ids(api: GraphQLClient, graph: Graph) -> None:
    # when Ada's identity fields are asked for
    ada = await _author(
        api,
        graph.ada,
        "displayName alternativeNames description orcid openToCollaborate"
        " externalIds { scheme value url }",
    )
    row = await AuthorRow.get(id=graph.ada)
    # then they are what was stored, with an ORCID and an OpenAlex external id and their URLs
    assert ada == {
        "displayName": "Ada Lovelace",
        "alternativeNames": ["A. Lovelace", "Augusta Ada King"],
        "description": "Computing pioneer",
        "orcid": ORCID,
        "openToCollaborate": True,
        "externalIds": [
            {"scheme": "ORCID", "value": ORCID, "url": f"https://orcid.org/{ORCID}"},
            {
                "scheme": "OPENALEX",
                "value": row.openalex_id,
                "url": f"https://openalex.org/{row.openalex_id}",
            },
        ],
    }
    # and Lou, who has none, has an empty list and nulls
    lou = await _author(api, graph.lou, "externalIds { scheme } orcid description")
    assert lou == {"externalIds": [], "orcid": None, "description": None}


async def test_affiliation_known_is_the_most_recent(api: GraphQLClient, graph: Graph) -> None:
    sel = "{ status institution { id displayName } years startYear endYear }"
    # when Ada's affiliation and affiliations are asked for
    ada = await _author(api, graph.ada, f"affiliation {sel} affiliations {sel}")
    new = {"id": gid("Institution", graph.institutions["new"]), "displayName": "New Institute"}
    old = {"id": gid("Institution", graph.institutions["old"]), "displayName": "Old College"}
    # then the current one is the most recent, KNOWN with its years, and the list has both
    assert ada["affiliation"] == {
        "status": "KNOWN",
        "institution": new,
        "years": [2022],
        "startYear": 2022,
        "endYear": 2022,
    }
    assert ada["affiliations"] == [
        ada["affiliation"],
        {
            "status": "KNOWN",
            "institution": old,
            "years": [2018],
            "startYear": 2018,
            "endYear": 2018,
        },
    ]


async def test_affiliation_not_imported(api: GraphQLClient, graph: Graph) -> None:
    # when Lou, with no affiliation, is asked for
    lou = await _author(
        api, graph.lou, "affiliation { status institution { id } years } affiliations { status }"
    )
    # then the affiliation is NOT_IMPORTED with no institution, and the list is empty
    assert lou == {
        "affiliation": {"status": "NOT_IMPORTED", "institution": None, "years": []},
        "affiliations": [],
    }


async def test_counts_and_metrics(api: GraphQLClient, graph: Graph) -> None:
    # when Ada's counts and metrics are asked for
    ada = await _author(
        api,
        graph.ada,
        "counts { works citations followers topics closeCollaborators }"
        " metrics { hIndex i10Index citedByCount"
        " countsByYear(from: 2017, to: 2024) { year works citations } }",
    )
    # then they follow from her works: citations 12+10+3+0+7, h-index 3, i10 2,
    # and every year from 2017 to 2024 is present, zero-filled, with the 2 citations of 2023
    assert ada["counts"] == {
        "works": 5,
        "citations": 32,
        "followers": 0,
        "topics": 3,
        "closeCollaborators": 3,
    }
    by_year = {2018: (1, 0), 2019: (1, 0), 2020: (1, 0), 2022: (1, 0), 2023: (1, 2)}
    assert ada["metrics"] == {
        "hIndex": 3,
        "i10Index": 2,
        "citedByCount": 32,
        "countsByYear": [
            {"year": y, "works": by_year.get(y, (0, 0))[0], "citations": by_year.get(y, (0, 0))[1]}
            for y in range(2017, 2025)
        ],
    }


async def test_counts_by_year_range_checks(api: GraphQLClient, graph: Graph) -> None:
    # when a single year, an inverted range and a too-wide range are asked for
    one = await _author(api, graph.ada, "metrics { countsByYear(from: 2023, to: 2023) { works } }")
    inverted = await api(
        "query($id: ID!) { author(id: $id) { metrics {"
        " countsByYear(from: 2024, to: 2017) { year } } } }",
        {"id": gid("Author", graph.ada)},
    )
    wide = await api(
        "query($id: ID!) { author(id: $id) { metrics {"
        " countsByYear(from: 1000, to: 3000) { year } } } }",
        {"id": gid("Author", graph.ada)},
    )
    # then one year is one entry; the others are BAD_USER_INPUT
    assert one == {"metrics": {"countsByYear": [{"works": 1}]}}
    assert codes(inverted) == ["BAD_USER_INPUT"]
    assert codes(wide) == ["BAD_USER_INPUT"]


async def test_topics_most_works_first_with_share(api: GraphQLClient, graph: Graph) -> None:
    # when Ada's topics are asked for
    ada = await _author(
        api,
        graph.ada,
        "topics { topic { id displayName } workCount share }"
        " two: topics(first: 1) { topic { displayName } }",
    )
    # then "Learning" (4 of 5 works) comes first, and the ties follow in a stable order
    t = graph.topics
    assert ada["topics"] == [
        {
            "topic": {"id": gid("Topic", t["Learning"]), "displayName": "Learning"},
            "workCount": 4,
            "share": pytest.approx(0.8),
        },
        {
            "topic": {"id": gid("Topic", t["Databases"]), "displayName": "Databases"},
            "workCount": 1,
            "share": pytest.approx(0.2),
        },
        {
            "topic": {"id": gid("Topic", t["Language"]), "displayName": "Language"},
            "workCount": 1,
            "share": pytest.approx(0.2),
        },
    ]
    assert ada["two"] == [{"topic": {"displayName": "Learning"}}]


COLLABS = (
    "collaborators{args} {{ totalCount edges {{ node {{ author {{ id displayName }}"
    " sharedWorks firstYear lastYear isClose }} }} }}"
)


async def test_collaborators_strongest_first(api: GraphQLClient, graph: Graph) -> None:
    # when Ada's collaborators are asked for
    ada = await _author(api, graph.ada, COLLABS.format(args=""))
    # then they come by shared works, ties broken by the most recent year; close means ≥ 2
    n = graph.names

    def node(name: str, shared: int, first: int, last: int) -> dict[str, Any]:
        return {
            "node": {
                "author": {"id": gid("Author", n[name]), "displayName": name},
                "sharedWorks": shared,
                "firstYear": first,
                "lastYear": last,
                "isClose": shared >= 2,
            }
        }

    assert ada["collaborators"] == {
        "totalCount": 4,
        "edges": [
            node("Bob", 3, 2018, 2020),
            node("Cy", 2, 2022, 2023),
            node("Dan", 2, 2018, 2019),
            node("Eve", 1, 2023, 2023),
        ],
    }


async def test_collaborators_close_only(api: GraphQLClient, graph: Graph) -> None:
    # when only close collaborators are asked for
    ada = await _author(api, graph.ada, COLLABS.format(args="(closeOnly: true, first: 2)"))
    # then Eve (1 shared work) is left out and totalCount counts the close ones only
    assert ada["collaborators"]["totalCount"] == 3
    assert [e["node"]["author"]["displayName"] for e in ada["collaborators"]["edges"]] == [
        "Bob",
        "Cy",
    ]
    assert all(e["node"]["isClose"] for e in ada["collaborators"]["edges"])
    # and closeOnly: false is the full list
    full = await _author(api, graph.ada, COLLABS.format(args="(closeOnly: false)"))
    assert full["collaborators"]["totalCount"] == 4


async def test_works_newest_first_by_default(api: GraphQLClient, graph: Graph) -> None:
    # when Ada's works are asked for without an ordering
    ada = await _author(
        api, graph.ada, "works { totalCount edges { node { id publicationYear } } }"
    )
    # then the newest comes first, and totalCount is her work count
    assert ada["works"]["totalCount"] == 5
    assert [e["node"]["id"] for e in ada["works"]["edges"]] == [gid("Work", w) for w in graph.works]
    # and the oldest-first and filtered lists agree with that
    asc = await _author(
        api, graph.ada, "works(orderBy: PUBLICATION_DATE_ASC) { edges { node { id } } }"
    )
    assert [e["node"]["id"] for e in asc["works"]["edges"]] == [
        gid("Work", w) for w in reversed(graph.works)
    ]
    recent = await _author(
        api,
        graph.ada,
        "works(filter: {yearFrom: 2020}) { totalCount edges { node { publicationYear } } }",
    )
    assert recent["works"]["totalCount"] == 3
    assert [e["node"]["publicationYear"] for e in recent["works"]["edges"]] == [2023, 2022, 2020]


async def test_anonymous_viewer_answers(api: GraphQLClient, graph: Graph) -> None:
    # when an anonymous viewer asks for follow and claim state
    ada = await _author(api, graph.ada, "viewerIsFollowing claim { status viewerCanClaim }")
    # then the anonymous answers come back
    assert ada == {
        "viewerIsFollowing": False,
        "claim": {"status": "UNCLAIMED", "viewerCanClaim": False},
    }


# --- trust snapshot ---------------------------------------------------------------------------

LEVEL_POINTS = {"L0": 0, "L1": 10, "L2": 25, "L3": 40}


def expected_trust(
    works: int, close: int, followers: int, affiliated: bool, claim: str, level: str
) -> dict[str, Any]:
    """DESIGN.md's table, written out independently of resolvers/authors.py."""
    claimed = claim in ("CLAIMED", "VERIFIED")
    points = {
        "works": min(works, 20),
        "closeCollaborators": min(close, 10),
        "followers": min(10, 2 * math.floor(math.log2(1 + followers))),
        "affiliation": 5 if affiliated else 0,
        "claimed": 15 if claimed else 0,
        "verification": LEVEL_POINTS[level],
    }
    maxima = {
        "works": 20,
        "closeCollaborators": 10,
        "followers": 10,
        "affiliation": 5,
        "claimed": 15,
        "verification": 40,
    }
    label = {"L0": "UNVERIFIED", "L1": "UNVERIFIED", "L2": "CLAIMED", "L3": "VERIFIED"}[level]
    return {
        "score": sum(points.values()),
        "label": label,
        "verificationLevel": level,
        "claimed": claimed,
        "components": [{"name": k, "points": v, "maxPoints": maxima[k]} for k, v in points.items()],
    }


TRUST = "trust { score label verificationLevel claimed components { name points maxPoints } }"


async def test_trust_of_imported_authors(api: GraphQLClient, graph: Graph) -> None:
    # when Ada (5 works, 3 close, affiliated, ORCID → L1) and Lou (1 work, no ids → L0) are read
    ada = await _author(api, graph.ada, TRUST)
    lou = await _author(api, graph.lou, TRUST)
    # then each score is DESIGN.md's rule applied to their counts
    assert ada["trust"] == expected_trust(5, 3, 0, True, "UNCLAIMED", "L1")
    assert ada["trust"]["score"] == 5 + 3 + 5 + 10
    assert lou["trust"] == expected_trust(1, 0, 0, False, "UNCLAIMED", "L0")


@pytest.mark.parametrize(
    ("works", "close", "followers", "claim", "ids", "level"),
    [
        (5, 4, 0, "UNCLAIMED", True, "L1"),  # DESIGN's worked example: 19
        (25, 12, 0, "UNCLAIMED", True, "L1"),  # works and close collaborators capped
        (0, 0, 1, "UNCLAIMED", False, "L0"),  # 2·floor(log2 2) = 2
        (0, 0, 3, "UNCLAIMED", False, "L0"),  # 4
        (0, 0, 6, "UNCLAIMED", False, "L0"),  # floor(log2 7) = 2 → 4
        (0, 0, 7, "UNCLAIMED", False, "L0"),  # 6
        (0, 0, 31, "UNCLAIMED", False, "L0"),  # 10
        (0, 0, 10_000, "UNCLAIMED", False, "L0"),  # capped at 10
        (3, 1, 2, "PENDING", True, "L1"),  # a pending claim is not a claim
        (3, 1, 2, "CLAIMED", True, "L2"),
        (3, 1, 2, "VERIFIED", True, "L3"),
        (3, 1, 2, "REJECTED", False, "L0"),
    ],
)
async def test_trust_rule(
    api: GraphQLClient,
    graph: Graph,
    works: int,
    close: int,
    followers: int,
    claim: str,
    ids: bool,
    level: str,
) -> None:
    # given an author with these counters (set directly: the rule reads the cached counters)
    author = await make_author(
        openalex_id=None,
        orcid=None,
        works_count=works,
        close_collaborators_count=close,
        followers_count=followers,
        claim_status=claim,
        has_persistent_work=ids,
    )
    # when the trust snapshot is read
    body = await _author(api, author.id, TRUST + " counts { works closeCollaborators followers }")
    # then every component is the rule's, and the score is their sum
    assert body["trust"] == expected_trust(works, close, followers, False, claim, level)
    assert body["counts"] == {"works": works, "closeCollaborators": close, "followers": followers}
    if (works, close, followers) == (5, 4, 0):
        assert body["trust"]["score"] == 19
