"""No N+1: the number of SQL statements a request makes is pinned, and does not grow with the
data (an author with 5 works and one with 500) or with the number of objects in a list.

Statements are counted from Tortoise's `tortoise.db_client` logger, which both backends call at
DEBUG before every statement they run (`tests.api.helpers.count_sql`). The first test shows the
counter does see the statements."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import settings
from importers import refresh_aggregates
from models.authors import Author
from models.enums import WorkType
from models.works import Authorship, Source, Work, WorkTopic
from resolvers.sql import fetch
from tests.api.helpers import count_sql, gid
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_institution, make_source, make_topic, make_work

PROFILE = (Path(__file__).resolve().parents[2] / "docs" / "queries" / "profile.graphql").read_text()
#: author, affiliations, topics, collaborators (with the co-author rows), works (with venue)
PROFILE_STATEMENTS = 5


@dataclass
class Graph:
    small: int
    big: int
    big_orcid: str


async def _author_with(
    n_works: int, n_topics: int, n_coauthors: int, venue: Source, inst: Any, orcid: str
) -> int:
    """An author with n works spread over n_topics topics and n_coauthors co-authors (each
    shares at least one work, most several). The rows are the factories' (the first work comes
    from `make_work`), bulk-inserted so that 500 works take a second, not half a minute."""
    me = await make_author(orcid=orcid)
    topics = [await make_topic() for _ in range(n_topics)]
    others = await _bulk_authors(n_coauthors)
    first = await make_work([me, others[0]], [topics[0]], {0: [inst]}, year=1990, source=venue)
    works = [
        Work(
            title=f"Bulk work {orcid} {i}",
            title_key=f"bulk work {orcid} {i}",
            type=WorkType.ARTICLE,
            publication_year=1990 + i % 35,
            publication_date=date(1990 + i % 35, 1 + i % 12, 1),
            pub_sort=(1990 + i % 35) * 10000 + (1 + i % 12) * 100 + 1,
            source=venue,
            doi=f"10.9999/bulk.{orcid}.{i}",
            abstract=f"Abstract {i}",
        )
        for i in range(1, n_works)
    ]
    await Work.bulk_create(works)
    rows = await Work.filter(doi__startswith=f"10.9999/bulk.{orcid}.").values_list("id", "doi")
    ids = {int(doi.rsplit(".", 1)[1]): wid for wid, doi in rows}
    authorships, work_topics = [], []
    for i, wid in ids.items():
        coauthors = dict.fromkeys([others[i % n_coauthors], others[(i * 7 + 3) % n_coauthors]])
        for pos, a in enumerate([me, *coauthors]):
            authorships.append(
                Authorship(work_id=wid, author_id=a.id, position=pos, raw_name=a.display_name)
            )
        for t in dict.fromkeys([topics[i % n_topics], topics[(i + 1) % n_topics]]):
            work_topics.append(WorkTopic(work_id=wid, topic_id=t.id, score=0.5))
    await Authorship.bulk_create(authorships, batch_size=500)
    await WorkTopic.bulk_create(work_topics, batch_size=500)
    assert len(ids) + 1 == n_works and first.id not in ids.values()
    return me.id


async def _bulk_authors(n: int) -> list[Author]:
    tag = uuid.uuid4().hex[:8]
    await Author.bulk_create(
        [
            Author(display_name=f"Co {tag} {i}", name_key=f"co {tag} {i}", openalex_id=None)
            for i in range(n)
        ]
    )
    return await Author.filter(name_key__startswith=f"co {tag} ").order_by("id")


@pytest.fixture(scope="module")
async def graph(api_db: str) -> Graph:
    # given an author with 5 works, 4 co-authors and 2 topics, and one with 500 works,
    # 120 co-authors and 40 topics
    venue = await make_source(display_name="arXiv")
    inst = await make_institution()
    small = await _author_with(5, 2, 4, venue, inst, "0000-0001-0000-0005")
    big = await _author_with(500, 40, 120, venue, inst, "0000-0001-0000-0500")
    await refresh_aggregates()
    return Graph(small, big, "0000-0001-0000-0500")


async def test_the_counter_sees_every_statement(api_db: str) -> None:
    # when two statements run through Tortoise's connection
    with count_sql() as log:
        await fetch("SELECT 1 AS one")
        await Author.filter(id=-1).first()
    # then both are counted, with their text
    assert log.count == 2
    assert "SELECT 1 AS one" in log.statements[0]
    assert '"author"' in log.statements[1] or "author" in log.statements[1]


async def _profile(api: GraphQLClient, author_id: str) -> tuple[dict[str, Any], list[str]]:
    with count_sql() as log:
        body = await api(PROFILE, {"id": author_id})
    assert "errors" not in body, body
    author: dict[str, Any] = body["data"]["author"]
    return author, log.statements


@pytest.mark.parametrize("planned", [False, True], ids=["executor", "default"])
async def test_profile_query_is_pinned_and_flat(
    api: GraphQLClient, graph: Graph, api_db: str, planned: bool
) -> None:
    # when the reference profile query runs for the small and the big author, through the
    # general executor and through the default path (the planner)
    with pytest.MonkeyPatch.context() as patch:
        if not planned:
            patch.setattr(settings, "PLANNER", False)
        small, small_sql = await _profile(api, gid("Author", graph.small))
        big, big_sql = await _profile(api, gid("Author", graph.big))
    # then the answers are the full profiles …
    assert (small["counts"]["works"], small["works"]["totalCount"]) == (5, 5)
    assert len(small["works"]["edges"]) == 5 and len(small["topics"]) == 2
    assert (big["counts"]["works"], big["works"]["totalCount"]) == (500, 500)
    assert len(big["works"]["edges"]) == 10 and len(big["topics"]) == 6
    assert len(big["collaborators"]["edges"]) == 4
    assert big["collaborators"]["totalCount"] == big["counts"]["closeCollaborators"] > 4
    # … and each took the pinned number of statements, the same for 5 works and for 500:
    # 5 through the executor; 1 where the planner answers
    expected = 1 if planned else PROFILE_STATEMENTS
    assert len(small_sql) == expected, small_sql
    assert len(big_sql) == expected, big_sql
    if expected == PROFILE_STATEMENTS:
        # one statement per table group, never one per work, topic or collaborator
        for table in ["author_affiliation", "author_topic", "collaboration", "authorship"]:
            assert sum(table in s for s in big_sql) == 1, (table, big_sql)


async def test_planned_and_executor_profiles_agree(api: GraphQLClient, graph: Graph) -> None:
    # when the profile is answered by the planner and by the general executor
    default, _ = await _profile(api, gid("Author", graph.big))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        general, _ = await _profile(api, gid("Author", graph.big))
    # then the answers are identical
    assert default == general


async def test_profile_by_orcid_adds_one_lookup(api: GraphQLClient, graph: Graph) -> None:
    # when the profile is asked for by ORCID instead of the global id, through the executor
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        author, statements = await _profile(api, f"orcid:{graph.big_orcid}")
    # then one more statement resolves the ORCID, and nothing else changes
    assert author["id"] == gid("Author", graph.big)
    assert len(statements) == PROFILE_STATEMENTS + 1, statements
    # and the planner looks the ORCID up in its one statement
    planned, statements = await _profile(api, f"orcid:{graph.big_orcid}")
    assert planned == author and len(statements) == 1, statements


AUTHORS_LIST = """query($n: Int) { authors(first: $n, orderBy: WORKS_COUNT_DESC) {
  totalCount edges { node { displayName
    affiliation { status institution { displayName } }
    trust { score } counts { works closeCollaborators }
    topics(first: 3) { topic { displayName } share }
    collaborators(first: 3) { totalCount edges { node { sharedWorks author { displayName } } } }
    works(first: 3) { totalCount edges { node { title venue { displayName }
      authorships { author { displayName } institutions { displayName } } topics { score } } } }
  } } } }"""


async def test_a_list_of_authors_does_not_grow_with_its_length(
    api: GraphQLClient, graph: Graph
) -> None:
    counts = {}
    # (15 at most: with each work's authorships costed as 100 and their institutions as 10,
    # one author's 3 works can return 3,325 nodes, and MAX_QUERY_NODES is 50,000)
    for n in (2, 8, 15):
        # when n authors are listed through the executor (the planner answers it with one
        # statement: tests/api/test_planner_sql_counts.py), each with affiliation, topics,
        # collaborators and works
        with count_sql() as log, pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "PLANNER", False)
            body = await api(AUTHORS_LIST, {"n": n})
        assert "errors" not in body, body
        assert len(body["data"]["authors"]["edges"]) == n
        counts[n] = log.count
    # then the statements are the same for 2, 8 and 15 authors: the loaders batch each field
    # into one statement for the whole list. Pinned at 11: the list, its count, affiliations,
    # topics, collaborators, collaborator counts, works (with venue; their totalCount is the
    # cached counter), authorships, authorship authors, authorship institutions, work topics
    assert counts[2] == counts[8] == counts[15], counts
    assert counts[2] == 11, counts


async def test_nodes_batches_ids(api: GraphQLClient, graph: Graph) -> None:
    # given 100 ids: global ids of authors and works, and ORCIDs
    rows = await fetch("SELECT id FROM author ORDER BY id LIMIT 60")
    works = await fetch("SELECT id FROM work ORDER BY id LIMIT 38")
    ids = [gid("Author", r["id"]) for r in rows] + [gid("Work", r["id"]) for r in works]
    ids += ["orcid:0000-0001-0000-0005", "orcid:0000-0001-0000-0500"]
    # when nodes() resolves them through the executor (the planner: test_planner_sql_counts.py)
    with count_sql() as log, pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        body = await api("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    # then every one is found with one statement per kind plus one for the ORCIDs
    assert None not in body["data"]["nodes"]
    assert log.count == 3, log.statements
