"""`node`, `nodes`, `author`, `work`, `topic`, `institution`: global ids, every external id form,
malformed ids (INVALID_ID), well-formed ids naming nothing (null, no error), and the 100-id cap."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from tests.api.helpers import codes, gid
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_institution, make_topic, make_work

ORCID = "0000-0002-1825-0097"
DOI = "10.1145/3370748.3406567"
ARXIV = "2007.08563"
ROR = "02mhbdp94"


@dataclass(frozen=True)
class Graph:
    author: int
    work: int
    topic: int
    institution: int
    author_openalex: str
    work_openalex: str
    institution_openalex: str
    topic_openalex: str


@pytest.fixture(scope="module")
async def graph(api_db: str) -> Graph:
    # given one author, work, topic and institution, each with its external ids
    inst = await make_institution(display_name="Univ of Test", ror=ROR)
    topic = await make_topic(display_name="Graph Theory")
    author = await make_author(display_name="Ada Lovelace", orcid=ORCID)
    work = await make_work(
        authors=[author], topics=[topic], institutions=[inst], doi=DOI, arxiv_id=ARXIV
    )
    return Graph(
        author.id,
        work.id,
        topic.id,
        inst.id,
        str(author.openalex_id),
        str(work.openalex_id),
        str(inst.openalex_id),
        topic.external_id,
    )


NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("kind", ["Author", "Work", "Topic", "Institution"])
async def test_node_by_global_id(api: GraphQLClient, graph: Graph, kind: str) -> None:
    # given the global id of each kind of object
    key = {
        "Author": graph.author,
        "Work": graph.work,
        "Topic": graph.topic,
        "Institution": graph.institution,
    }[kind]
    # when node() and the typed field are asked for it
    body = await api(NODE, {"id": gid(kind, key)})
    typed = await api(
        f"query($id: ID!) {{ {kind.lower()}(id: $id) {{ id }} }}", {"id": gid(kind, key)}
    )
    # then both find it, and the id round-trips
    assert body == {"data": {"node": {"__typename": kind, "id": gid(kind, key)}}}
    assert typed == {"data": {kind.lower(): {"id": gid(kind, key)}}}


def _external_forms(g: Graph) -> list[tuple[str, str, int]]:
    return [
        (f"orcid:{ORCID}", "Author", g.author),
        (f"orcid:https://orcid.org/{ORCID}", "Author", g.author),
        (f"ORCID:{ORCID.lower()}", "Author", g.author),
        (f"openalex:{g.author_openalex}", "Author", g.author),
        (f"openalex:https://openalex.org/{g.author_openalex}", "Author", g.author),
        (f"openalex:{g.author_openalex.lower()}", "Author", g.author),
        (f"doi:{DOI}", "Work", g.work),
        (f"doi:{DOI.upper()}", "Work", g.work),
        (f"doi:https://doi.org/{DOI}", "Work", g.work),
        (f"arxiv:{ARXIV}", "Work", g.work),
        (f"openalex:{g.work_openalex}", "Work", g.work),
        (f"ror:{ROR}", "Institution", g.institution),
        (f"ror:https://ror.org/{ROR}", "Institution", g.institution),
        (f"openalex:{g.institution_openalex}", "Institution", g.institution),
        (f"openalex:{g.topic_openalex}", "Topic", g.topic),
    ]


async def test_every_external_id_form(api: GraphQLClient, graph: Graph) -> None:
    for external, kind, key in _external_forms(graph):
        # when node() and the typed field are asked for an external id
        body = await api(NODE, {"id": external})
        typed = await api(
            f"query($id: ID!) {{ {kind.lower()}(id: $id) {{ id }} }}", {"id": external}
        )
        # then they resolve to the object's global id
        assert body == {"data": {"node": {"__typename": kind, "id": gid(kind, key)}}}, external
        assert typed == {"data": {kind.lower(): {"id": gid(kind, key)}}}, external


@pytest.mark.parametrize(
    "bad",
    [
        "%%%",
        "",
        "   ",
        "not an id",
        _b64("Nope:1"),
        _b64("Author:"),
        _b64("Author:abc"),
        _b64("Author:-1"),
        _b64("Author"),
        "orcid:1234",
        "orcid:",
        "doi:not-a-doi",
        "openalex:Q123",
        "openalex:A12x",
        "ror:",
        "arxiv:",
        "arxiv:   ",
    ],
)
async def test_malformed_id_is_invalid_id(api: GraphQLClient, graph: Graph, bad: str) -> None:
    # when a malformed id is sent to node() and author()
    for query in (NODE, "query($id: ID!) { author(id: $id) { id } }"):
        body = await api(query, {"id": bad})
        # then the field is null with one INVALID_ID error at its path
        field = "node" if "node(" in query else "author"
        assert body["data"] == {field: None}, bad
        assert codes(body) == ["INVALID_ID"], (bad, body)
        assert body["errors"][0]["path"] == [field]


async def test_well_formed_ids_naming_nothing_are_null(api: GraphQLClient, graph: Graph) -> None:
    # given well-formed ids that name no object
    missing = [
        gid("Author", 999_999),
        gid("Work", 999_999),
        gid("Topic", 999_999),
        gid("Institution", 999_999),
        "orcid:0000-0001-0000-000X",
        "doi:10.9999/nothing-here",
        "arxiv:9999.99999",
        "openalex:A1",
        "openalex:W1",
        "openalex:I1",
        "openalex:T1",
        "openalex:S1",
        "ror:00000zz00",
    ]
    for value in missing:
        # when node() is asked for each
        body = await api(NODE, {"id": value})
        # then the answer is null, with no error
        assert body == {"data": {"node": None}}, value
    # and the typed fields answer the same
    body = await api("query($id: ID!) { work(id: $id) { id } }", {"id": "doi:10.9999/nothing"})
    assert body == {"data": {"work": None}}


async def test_typed_field_rejects_the_id_of_another_kind(api: GraphQLClient, graph: Graph) -> None:
    # when author() gets a work's id, and work() an author's ORCID
    wrong_global = await api(
        "query($id: ID!) { author(id: $id) { id } }", {"id": gid("Work", graph.work)}
    )
    wrong_external = await api("query($id: ID!) { work(id: $id) { id } }", {"id": f"orcid:{ORCID}"})
    # then each is an INVALID_ID error naming what was expected
    for body in (wrong_global, wrong_external):
        assert codes(body) == ["INVALID_ID"]
    assert "Expected the id of a Work" in wrong_external["errors"][0]["message"]


async def test_nodes_keeps_order_and_nulls_misses(api: GraphQLClient, graph: Graph) -> None:
    # given a mix of global ids, external ids and misses
    ids = [
        f"doi:{DOI}",
        gid("Author", graph.author),
        gid("Author", 999_999),
        f"ror:{ROR}",
        f"orcid:{ORCID}",
        "arxiv:0000.00000",
        gid("Topic", graph.topic),
    ]
    # when nodes() is asked for them
    body = await api("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids})
    # then the answers come in the order asked, null for each miss, with no error
    assert "errors" not in body
    assert body["data"]["nodes"] == [
        {"__typename": "Work", "id": gid("Work", graph.work)},
        {"__typename": "Author", "id": gid("Author", graph.author)},
        None,
        {"__typename": "Institution", "id": gid("Institution", graph.institution)},
        {"__typename": "Author", "id": gid("Author", graph.author)},
        None,
        {"__typename": "Topic", "id": gid("Topic", graph.topic)},
    ]


async def test_nodes_reports_a_malformed_id_at_its_index(api: GraphQLClient, graph: Graph) -> None:
    # given one malformed id among good ones
    ids = [gid("Author", graph.author), "orcid:123", f"doi:{DOI}"]
    # when nodes() is asked for them
    body = await api("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    # then the good ones still resolve, and the bad one is null with INVALID_ID at its index
    assert body["data"]["nodes"] == [
        {"id": gid("Author", graph.author)},
        None,
        {"id": gid("Work", graph.work)},
    ]
    assert codes(body) == ["INVALID_ID"]
    assert body["errors"][0]["path"] == ["nodes", 1]


async def test_nodes_takes_at_most_100_ids(api: GraphQLClient, graph: Graph) -> None:
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    # when nodes() gets exactly 100 ids
    ok = await api(query, {"ids": [gid("Author", graph.author)] * 100})
    # then it answers all of them
    assert "errors" not in ok and len(ok["data"]["nodes"]) == 100
    # when it gets 101
    over = await api(query, {"ids": [gid("Author", graph.author)] * 101})
    # then the request is refused with BAD_USER_INPUT
    assert codes(over) == ["BAD_USER_INPUT"]
    assert over["data"] is None
    # and an empty list is an empty answer
    assert await api(query, {"ids": []}) == {"data": {"nodes": []}}
