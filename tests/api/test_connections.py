"""The `authors` and `works` connections (every filter and ordering) and keyset pagination:
walking a connection page by page yields every item exactly once, in order, ties included, for
every ordering; `first` bounds, bad cursors, `totalCount` and `pageInfo`."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
import pytest

from importers import refresh_aggregates
from models.enums import ClaimStatus, WorkType
from models.text import name_key
from tests.api.helpers import codes, gid, walk
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_institution, make_topic, make_work

YEARS = [2018, 2019, 2020, 2020, 2020, 2021, 2022, None]
TYPES = [WorkType.ARTICLE, WorkType.PREPRINT, WorkType.REVIEW]
CITES = [0, 5, 5, 10]
TITLES = ["Same title", "Alpha study", "same TITLE", "Beta study", "Zeta notes"]


@dataclass
class W:
    """What the test knows about a work, independently of the API."""

    id: int
    year: int | None
    pub_sort: int
    cited: int
    title_key: str
    type: str
    topics: set[int]
    institutions: set[int]
    authors: set[int]
    has_abstract: bool


@dataclass
class A:
    id: int
    name_key: str
    works: int = 0
    cited: int = 0
    open: bool = False
    claim: str = "UNCLAIMED"
    institutions: set[int] = field(default_factory=set)
    topics: set[int] = field(default_factory=set)


@dataclass
class Graph:
    works: list[W]
    authors: list[A]
    hub: int
    topics: list[int]
    institutions: list[int]


@pytest.fixture(scope="module")
async def graph(api_db: str) -> Graph:
    # given 36 works with many ties: same dates, same citation counts, same titles, no year
    t1, t2 = await make_topic(), await make_topic()
    i1, i2 = await make_institution(), await make_institution()
    specs = [
        ("Same Name", True, ClaimStatus.UNCLAIMED),
        ("same name", False, ClaimStatus.CLAIMED),
        ("Carla Diaz", True, ClaimStatus.VERIFIED),
        ("Carl Dobbs", False, ClaimStatus.PENDING),
        ("Xu Li", False, ClaimStatus.UNCLAIMED),
        ("Émile Zola", True, ClaimStatus.UNCLAIMED),
    ]
    authors: list[A] = []
    rows = []
    for name, open_, claim in specs:
        row = await make_author(display_name=name, open_to_collaborate=open_, claim_status=claim)
        rows.append(row)
        authors.append(A(row.id, name_key(name), open=open_, claim=claim.value))
    # the hub co-authors every work, so its collaborators tie on shared works and years
    hub_row = await make_author(display_name="Hub Author")
    hub = A(hub_row.id, name_key("Hub Author"))
    works: list[W] = []
    for n in range(36):
        year = YEARS[n % len(YEARS)]
        day = date(year, 6, 1) if year else None
        members = [rows[n % 6], rows[(n * 5 + 1) % 6]] if n % 4 else [rows[n % 6]]
        members = list(dict.fromkeys(members))
        topics = [t1] if n % 3 == 0 else [t2, t1] if n % 3 == 1 else []
        insts = {0: [i1]} if n % 5 == 0 else {1: [i2]} if n % 5 == 1 and len(members) > 1 else {}
        title = TITLES[n % len(TITLES)]
        work_row = await make_work(
            [hub_row, *members] if n % 2 == 0 else [*members, hub_row],
            topics,
            {k + (1 if n % 2 == 0 else 0): v for k, v in insts.items()},
            year=year,
            publication_date=day,
            title=title,
            type=TYPES[n % 3],
            cited_by_count=CITES[n % 4],
            abstract=None if n % 7 == 0 else f"abstract {n}",
        )
        member_ids = {m.id for m in members} | {hub.id}
        inst_authors = {members[k].id for k, v in insts.items() for _ in v}
        works.append(
            W(
                work_row.id,
                year,
                work_row.pub_sort,
                CITES[n % 4],
                name_key(title),
                TYPES[n % 3].value,
                {t.id for t in topics},
                {i.id for v in insts.values() for i in v},
                member_ids,
                n % 7 != 0,
            )
        )
        for a in [*authors, hub]:
            if a.id in member_ids:
                a.works += 1
                a.cited += CITES[n % 4]
                a.topics |= {t.id for t in topics}
                if a.id in inst_authors:
                    a.institutions |= {i.id for v in insts.values() for i in v}
    await refresh_aggregates()
    return Graph(works, [*authors, hub], hub.id, [t1.id, t2.id], [i1.id, i2.id])


WORK_ORDERS: dict[str, Any] = {
    "PUBLICATION_DATE_DESC": lambda w: (-w.pub_sort, -w.id),
    "PUBLICATION_DATE_ASC": lambda w: (w.pub_sort, w.id),
    "CITED_BY_COUNT_DESC": lambda w: (-w.cited, -w.id),
    "TITLE_ASC": lambda w: (w.title_key, w.id),
}
AUTHOR_ORDERS: dict[str, Any] = {
    "WORKS_COUNT_DESC": lambda a: (-a.works, -a.id),
    "CITED_BY_COUNT_DESC": lambda a: (-a.cited, -a.id),
    "DISPLAY_NAME_ASC": lambda a: (a.name_key, a.id),
}

WORKS = """query($first: Int, $after: String, $filter: WorkFilter, $order: WorkOrder) {
  works(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
AUTHORS = """query($first: Int, $after: String, $filter: AuthorFilter, $order: AuthorOrder) {
  authors(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


def _ids(kind: str, items: list[Any]) -> list[str]:
    return [gid(kind, x.id) for x in items]


# --- filters and orderings --------------------------------------------------------------------


def _work_filters(g: Graph) -> list[tuple[dict[str, Any], Any]]:
    t1, t2 = g.topics
    i1, i2 = g.institutions
    someone = g.authors[2].id
    return [
        ({}, lambda w: True),
        ({"yearFrom": 2020}, lambda w: w.year is not None and w.year >= 2020),
        ({"yearTo": 2019}, lambda w: w.year is not None and w.year <= 2019),
        ({"yearFrom": 2019, "yearTo": 2020}, lambda w: w.year in (2019, 2020)),
        ({"yearFrom": 2021, "yearTo": 2019}, lambda w: False),
        ({"types": ["PREPRINT"]}, lambda w: w.type == "PREPRINT"),
        ({"types": ["PREPRINT", "REVIEW"]}, lambda w: w.type in ("PREPRINT", "REVIEW")),
        ({"types": []}, lambda w: True),
        ({"topic": gid("Topic", t1)}, lambda w: t1 in w.topics),
        ({"topic": gid("Topic", t2)}, lambda w: t2 in w.topics),
        ({"institution": gid("Institution", i1)}, lambda w: i1 in w.institutions),
        ({"institution": gid("Institution", i2)}, lambda w: i2 in w.institutions),
        ({"author": gid("Author", someone)}, lambda w: someone in w.authors),
        ({"hasAbstract": False}, lambda w: not w.has_abstract),
        ({"hasAbstract": True}, lambda w: w.has_abstract),
        (
            {
                "yearFrom": 2020,
                "types": ["ARTICLE", "REVIEW"],
                "topic": gid("Topic", t1),
                "author": gid("Author", g.hub),
            },
            lambda w: (
                w.year is not None and w.year >= 2020 and w.type != "PREPRINT" and t1 in w.topics
            ),
        ),
    ]


@pytest.mark.parametrize("order", list(WORK_ORDERS))
async def test_works_every_filter_and_ordering(
    api: GraphQLClient, graph: Graph, order: str
) -> None:
    for work_filter, keep in _work_filters(graph):
        # when the works are asked for with this filter and ordering
        body = await api(WORKS, {"first": 100, "filter": work_filter, "order": order})
        assert "errors" not in body, body
        # then they are exactly the matching works, in the ordering's sequence
        expected = sorted((w for w in graph.works if keep(w)), key=WORK_ORDERS[order])
        conn = body["data"]["works"]
        assert [e["node"]["id"] for e in conn["edges"]] == _ids("Work", expected), work_filter
        assert conn["totalCount"] == len(expected), work_filter


def _author_filters(g: Graph) -> list[tuple[dict[str, Any], Any]]:
    t1, t2 = g.topics
    i1, i2 = g.institutions
    return [
        ({}, lambda a: True),
        ({"institution": gid("Institution", i1)}, lambda a: i1 in a.institutions),
        ({"institution": gid("Institution", i2)}, lambda a: i2 in a.institutions),
        ({"topic": gid("Topic", t1)}, lambda a: t1 in a.topics),
        ({"topic": gid("Topic", t2)}, lambda a: t2 in a.topics),
        ({"openToCollaborate": True}, lambda a: a.open),
        ({"openToCollaborate": False}, lambda a: not a.open),
        ({"claimed": True}, lambda a: a.claim in ("CLAIMED", "VERIFIED")),
        ({"claimed": False}, lambda a: a.claim not in ("CLAIMED", "VERIFIED")),
        ({"namePrefix": "same"}, lambda a: a.name_key.startswith("same")),
        ({"namePrefix": "CARL"}, lambda a: a.name_key.startswith("carl")),
        ({"namePrefix": "emile"}, lambda a: a.name_key.startswith("emile")),
        (
            {"namePrefix": "Carl D", "openToCollaborate": True},
            lambda a: a.name_key.startswith("carl d") and a.open,
        ),
    ]


@pytest.mark.parametrize("order", list(AUTHOR_ORDERS))
async def test_authors_every_filter_and_ordering(
    api: GraphQLClient, graph: Graph, order: str
) -> None:
    for author_filter, keep in _author_filters(graph):
        # when the authors are asked for with this filter and ordering
        body = await api(AUTHORS, {"first": 100, "filter": author_filter, "order": order})
        assert "errors" not in body, body
        # then they are exactly the matching authors, in the ordering's sequence
        expected = sorted((a for a in graph.authors if keep(a)), key=AUTHOR_ORDERS[order])
        conn = body["data"]["authors"]
        assert [e["node"]["id"] for e in conn["edges"]] == _ids("Author", expected), author_filter
        assert conn["totalCount"] == len(expected), author_filter


async def test_default_orderings(api: GraphQLClient, graph: Graph) -> None:
    # when works and authors are asked for without orderBy
    works = await api("{ works(first: 100) { edges { node { id } } } }")
    authors = await api("{ authors(first: 100) { edges { node { id } } } }")
    # then works are newest first and authors have most works first
    newest = sorted(graph.works, key=WORK_ORDERS["PUBLICATION_DATE_DESC"])
    most = sorted(graph.authors, key=AUTHOR_ORDERS["WORKS_COUNT_DESC"])
    assert [e["node"]["id"] for e in works["data"]["works"]["edges"]] == _ids("Work", newest)
    assert [e["node"]["id"] for e in authors["data"]["authors"]["edges"]] == _ids("Author", most)


async def test_filter_ids_of_the_wrong_kind(api: GraphQLClient, graph: Graph) -> None:
    # when a filter gets an author id where a topic is expected, or a malformed id
    wrong = await api(WORKS, {"filter": {"topic": gid("Author", graph.hub)}})
    bad = await api(AUTHORS, {"filter": {"institution": "%%%"}})
    # then both are INVALID_ID
    assert codes(wrong) == ["INVALID_ID"] and wrong["data"] is None
    assert codes(bad) == ["INVALID_ID"]


# --- pagination --------------------------------------------------------------------------------


@pytest.mark.parametrize("order", list(WORK_ORDERS))
async def test_walking_works_visits_each_once(api: GraphQLClient, graph: Graph, order: str) -> None:
    expected = _ids("Work", sorted(graph.works, key=WORK_ORDERS[order]))
    for size in (3, 7, 36, 100):
        # when the works are walked page by page
        nodes, pages = await walk(api, WORKS, {"order": order}, "data.works", size)
        # then every work comes exactly once, in order, over ceil(36 / size) pages
        assert [n["id"] for n in nodes] == expected, size
        assert len(pages) == max(1, -(-len(expected) // size))
        _check_pages(pages, len(expected))


@pytest.mark.parametrize("order", list(AUTHOR_ORDERS))
async def test_walking_authors_visits_each_once(
    api: GraphQLClient, graph: Graph, order: str
) -> None:
    expected = _ids("Author", sorted(graph.authors, key=AUTHOR_ORDERS[order]))
    for size in (1, 3):
        nodes, pages = await walk(api, AUTHORS, {"order": order}, "data.authors", size)
        assert [n["id"] for n in nodes] == expected, size
        _check_pages(pages, len(expected))


async def test_walking_a_filtered_list(api: GraphQLClient, graph: Graph) -> None:
    t1 = graph.topics[0]
    flt = {"topic": gid("Topic", t1), "yearFrom": 2019}
    keep = [w for w in graph.works if t1 in w.topics and w.year and w.year >= 2019]
    nodes, pages = await walk(
        api, WORKS, {"filter": flt, "order": "CITED_BY_COUNT_DESC"}, "data.works", 2
    )
    assert [n["id"] for n in nodes] == _ids(
        "Work", sorted(keep, key=WORK_ORDERS["CITED_BY_COUNT_DESC"])
    )
    _check_pages(pages, len(keep))


def _check_pages(pages: list[dict[str, Any]], total: int) -> None:
    for index, page in enumerate(pages):
        info, edges = page["pageInfo"], page["edges"]
        assert page["totalCount"] == total
        assert info["hasPreviousPage"] == (index > 0)
        assert info["hasNextPage"] == (index < len(pages) - 1)
        assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
        assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)


AUTHOR_WORKS = """query($id: ID!, $first: Int, $after: String, $order: WorkOrder) {
  author(id: $id) { works(first: $first, after: $after, orderBy: $order) {
    totalCount edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""
COLLABORATORS = """query($id: ID!, $first: Int, $after: String) {
  author(id: $id) { collaborators(first: $first, after: $after) {
    totalCount edges { cursor node { author { id } sharedWorks lastYear } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""


@pytest.mark.parametrize("order", list(WORK_ORDERS))
async def test_walking_an_authors_works(api: GraphQLClient, graph: Graph, order: str) -> None:
    # given the hub, who co-authored all 36 works
    expected = _ids("Work", sorted(graph.works, key=WORK_ORDERS[order]))
    # when its works are walked 5 at a time
    nodes, pages = await walk(
        api, AUTHOR_WORKS, {"id": gid("Author", graph.hub), "order": order}, "data.author.works", 5
    )
    # then each comes once, in order
    assert [n["id"] for n in nodes] == expected
    _check_pages(pages, 36)


async def test_walking_collaborators_with_ties(api: GraphQLClient, graph: Graph) -> None:
    # given the hub's six co-authors, several with equal shared works and last year
    hub = gid("Author", graph.hub)
    full = await api(COLLABORATORS, {"id": hub, "first": 100})
    everyone = [e["node"] for e in full["data"]["author"]["collaborators"]["edges"]]
    assert len(everyone) == 6
    keys = [(n["sharedWorks"], n["lastYear"]) for n in everyone]
    assert keys == sorted(keys, reverse=True)
    # when they are walked one at a time
    nodes, pages = await walk(api, COLLABORATORS, {"id": hub}, "data.author.collaborators", 1)
    # then each comes once, in the same order as the full list
    assert nodes == everyone
    _check_pages(pages, 6)


async def test_first_zero_and_bounds(api: GraphQLClient, graph: Graph) -> None:
    # when first is 0
    zero = await api(WORKS, {"first": 0})
    # then there are no edges, but the count and hasNextPage still say what is there
    assert zero["data"]["works"] == {
        "totalCount": 36,
        "edges": [],
        "pageInfo": {
            "hasNextPage": True,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }
    # and first = 100 is allowed, while 101 and -1 are BAD_USER_INPUT on every connection
    assert "errors" not in await api(WORKS, {"first": 100})
    for query, variables in [
        (WORKS, {}),
        (AUTHORS, {}),
        (AUTHOR_WORKS, {"id": gid("Author", graph.hub)}),
        (COLLABORATORS, {"id": gid("Author", graph.hub)}),
    ]:
        for first in (101, -1, 10**6):
            body = await api(query, {**variables, "first": first})
            assert codes(body) == ["BAD_USER_INPUT"], (query, first)
            assert body["errors"][0]["extensions"].get("argument") == "first"
    topics = await api(
        "query($id: ID!) { author(id: $id) { topics(first: 101) { share } } }",
        {"id": gid("Author", graph.hub)},
    )
    assert codes(topics) == ["BAD_USER_INPUT"]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        "garbage!",
        "",
        "=",
        _cursor({"a": 1}),
        _cursor([1]),
        _cursor([1, 2, 3, 4]),
        _cursor([True, 1]),
        _cursor([1.5, 2]),
        _cursor(["x", "y"]),
        _cursor([2**40, 1]),
        _cursor([None, None]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
async def test_invalid_cursor_is_a_coded_error(
    api: GraphQLClient, graph: Graph, after: str
) -> None:
    # when a connection gets a cursor it did not hand out
    for query, variables in [
        (WORKS, {}),
        (AUTHORS, {}),
        (AUTHOR_WORKS, {"id": gid("Author", graph.hub)}),
        (COLLABORATORS, {"id": gid("Author", graph.hub)}),
    ]:
        body = await api(query, {**variables, "first": 2, "after": after})
        # then the answer is an INVALID_CURSOR error (an empty cursor means "from the start")
        if after == "":
            assert "errors" not in body
            continue
        assert codes(body) == ["INVALID_CURSOR"], (query, after, body)


async def test_cursor_from_another_ordering(api: GraphQLClient, graph: Graph) -> None:
    # given a cursor from the works ordered by title
    page = await api(WORKS, {"first": 2, "order": "TITLE_ASC"})
    title_cursor = page["data"]["works"]["pageInfo"]["endCursor"]
    # when it is used with another ordering
    body = await api(WORKS, {"first": 2, "order": "CITED_BY_COUNT_DESC", "after": title_cursor})
    # then it is refused as a cursor of another connection, not a server error
    assert codes(body) == ["INVALID_CURSOR"]
    # and so are an int cursor under the title ordering, and text PostgreSQL cannot take
    for forged in (_cursor([5, 1]), _cursor(["a\x00b", 1])):
        body = await api(WORKS, {"first": 2, "order": "TITLE_ASC", "after": forged})
        assert codes(body) == ["INVALID_CURSOR"], forged
    authors = await api(
        AUTHORS, {"first": 2, "order": "DISPLAY_NAME_ASC", "after": _cursor([3, 1])}
    )
    assert codes(authors) == ["INVALID_CURSOR"]
