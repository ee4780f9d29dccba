"""SQL statements per request through the planner, pinned for representative documents: one per
root field, the same for an author with 5 works and one with 500, and for 2 authors or 50.

Counted as tests/api/test_sql_counts.py counts (Tortoise's query log); the executor's own
counts for the same kinds of documents are pinned there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from importers import refresh_aggregates
from resolvers.sql import fetch
from tests.api.helpers import count_sql, gid
from tests.api.test_sql_counts import _author_with
from tests.conftest import GraphQLClient
from tests.factories import make_institution, make_source

QUERIES = Path(__file__).resolve().parents[2] / "docs" / "queries"
PROFILE = (QUERIES / "profile.graphql").read_text()
AUTHOR_PAGE = (QUERIES / "author_page.graphql").read_text()


@dataclass
class Sizes:
    """(small, big) ids of each kind."""

    author: tuple[str, str]
    work: tuple[str, str]
    topic: tuple[str, str]
    institution: tuple[str, str]


@pytest.fixture(scope="module")
async def sizes(api_db: str) -> Sizes:
    # given an author with 5 works and one with 500 (as in test_sql_counts.py)
    venue = await make_source(display_name="arXiv")
    inst = await make_institution()
    small = await _author_with(5, 2, 4, venue, inst, "0000-0001-0000-0015")
    big = await _author_with(500, 40, 120, venue, inst, "0000-0001-0000-0510")
    await refresh_aggregates()

    async def first(sql: str, author: int) -> int:
        rows = await fetch(sql, [author])
        return int(rows[0]["id"])

    work_sql = "SELECT work_id AS id FROM authorship WHERE author_id = ? ORDER BY work_id"
    topic_sql = "SELECT topic_id AS id FROM author_topic WHERE author_id = ? ORDER BY topic_id"
    return Sizes(
        author=(gid("Author", small), gid("Author", big)),
        work=(gid("Work", await first(work_sql, small)), gid("Work", await first(work_sql, big))),
        topic=(
            gid("Topic", await first(topic_sql, small)),
            gid("Topic", await first(topic_sql, big)),
        ),
        institution=(gid("Institution", inst.id), gid("Institution", inst.id)),
    )


WORK_FIELDS = "id title abstract type publicationYear publicationDate doi arxivId citedByCount"
#: (name, document, kind of $id (or None), statements)
DOCUMENTS: list[tuple[str, str, str | None, int]] = [
    ("trusted profile", PROFILE, "author", 1),
    (
        "the profile with one alias and one more field (a partner's variant)",
        PROFILE.replace("counts {", "name: displayName alternativeNames counts {"),
        "author",
        1,
    ),
    (
        "fragments, inline fragments and __typename",
        """query($id: ID!) { author(id: $id) { __typename ...Head ... on Author { orcid }
          works(first: 5) { edges { node { ...W } } } }
        }
        fragment Head on Author { id displayName trust { score } }
        fragment W on Work { __typename title venue { displayName } }""",
        "author",
        1,
    ),
    (
        "node(id:) with inline fragments on Node",
        """query($id: ID!) { node(id: $id) { __typename id ... on Author {
          displayName topics(first: 3) { share topic { displayName } } }
          ... on Work { title } } }""",
        "author",
        1,
    ),
    (
        "@include and @skip with variables",
        """query($id: ID!, $more: Boolean = true) { author(id: $id) { displayName
          works(first: 3) @include(if: $more) { totalCount }
          collaborators(first: 3) @skip(if: $more) { totalCount } } }""",
        "author",
        1,
    ),
    (
        "an author's collaborators, each with their own works",
        """query($id: ID!) { author(id: $id) { collaborators(first: 10) { totalCount
          pageInfo { hasNextPage endCursor } edges { cursor node { sharedWorks isClose
            author { displayName works(first: 3) { totalCount nodes { title } } } } } } } }""",
        "author",
        1,
    ),
    (
        "a work with authorships, institutions, topics and venue",
        """query($id: ID!) { work(id: $id) { title venue { displayName type }
          authorships { position rawName author { displayName counts { works } }
            institutions { displayName } }
          topics { score isPrimary topic { displayName } } } }""",
        "work",
        1,
    ),
    (
        "a work's references and citations",
        """query($id: ID!) { work(id: $id) { references(first: 5) { totalCount
          edges { node { title } } } citedBy(first: 5) { totalCount nodes { title } } } }""",
        "work",
        1,
    ),
    (
        "a topic's works",
        f"""query($id: ID!) {{ topic(id: $id) {{ displayName worksCount
          works(first: 10) {{ totalCount edges {{ cursor node {{ {WORK_FIELDS} }} }} }} }} }}""",
        "topic",
        1,
    ),
    (
        "an institution's authors and works",
        """query($id: ID!) { institution(id: $id) { displayName
          authors(first: 5) { totalCount nodes { displayName } }
          works(first: 5) { totalCount nodes { title } } } }""",
        "institution",
        1,
    ),
    (
        "a two-level list: authors, their works, the works' authors",
        """{ authors(first: 20) { totalCount edges { node { displayName
          works(first: 10) { edges { node { title authorships { author { displayName } } } } }
        } } } }""",
        None,
        1,
    ),
    (
        "works with nested references",
        """{ works(first: 25) { edges { node { title references(first: 5) { totalCount
          edges { node { title } } } citedBy(first: 5) { totalCount } } } } }""",
        None,
        1,
    ),
    (
        "two root fields",
        """query($id: ID!) { author(id: $id) { displayName topics(first: 2) { share } }
          works(first: 3, orderBy: CITED_BY_COUNT_DESC) { nodes { title } } }""",
        "author",
        2,
    ),
    (
        "filtered lists: the root and an author's works",
        """query($id: ID!) { works(first: 5, filter: {yearFrom: 1995, types: [ARTICLE],
          author: $id}) { totalCount nodes { title } }
          authors(first: 3, filter: {claimed: false}) { nodes { displayName
            works(first: 2, filter: {hasAbstract: true}) { totalCount } } } }""",
        "author",
        2,
    ),
    ("__typename alone", "{ __typename }", None, 0),
    (
        "the web client's profile page with its graph panel (Author.graphSlice reads Redis)",
        AUTHOR_PAGE,
        "author",
        1,
    ),
    (
        "a slice (from Redis) beside an author",
        """query($id: ID!) { author(id: $id) { displayName }
          graphSlice(input: {center: $id, maxNodes: 7}) { id status nodes { label } } }""",
        "author",
        1,
    ),
]


async def _count(api: GraphQLClient, query: str, variables: dict[str, Any]) -> int:
    with count_sql() as log:
        body = await api(query, variables)
    assert "errors" not in body, body
    return log.count


@pytest.mark.parametrize("case", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
async def test_statements_per_document_are_pinned_and_flat(
    api: GraphQLClient, sizes: Sizes, case: tuple[str, str, str | None, int]
) -> None:
    _name, query, kind, statements = case
    # when the document runs for a small and a big entity (the same twice without an id)
    counts = []
    for which in (0, 1):
        variables = {"id": getattr(sizes, kind)[which]} if kind else {}
        counts.append(await _count(api, query, variables))
    # then it takes one statement per root field, whatever the size of the data
    assert counts == [statements, statements], counts


async def test_nodes_of_several_types_take_one_statement(api: GraphQLClient, sizes: Sizes) -> None:
    # when nodes() names authors (one by ORCID), works and topics, one twice, and one that does
    # not exist
    ids = [*sizes.author, *sizes.work, sizes.topic[0], sizes.author[0], "orcid:0000-0001-0000-0510"]
    ids.append(gid("Author", 10**8))
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
      ... on Author { displayName } ... on Work { title } } }"""
    with count_sql() as log:
        body = await api(query, {"ids": ids})
    # then one statement answers them all, in the order asked
    assert log.count == 1, log.statements
    found = body["data"]["nodes"]
    assert [n and n["id"] for n in found] == [*ids[:-2], sizes.author[1], None]


async def test_search_hits_with_their_selection_take_one_more_statement(
    api: GraphQLClient, sizes: Sizes
) -> None:
    # given search's own ranked statements for "bulk work" (the titles of 505 works)
    ranked = 'query($n: Int!) { search(text: "bulk work", first: $n) { label score } }'
    selected = """query($n: Int!) { search(text: "bulk work", first: $n) { label node { id
      ... on Work { title authorships { author { displayName } } topics { topic { id } }
        references(first: 2) { totalCount } } } } }"""
    for n in (3, 30):
        own = await _count(api, ranked, {"n": n})
        # when the hits' nodes are selected with their relations
        with count_sql() as log:
            body = await api(selected, {"n": n})
        # then every hit's node comes from one more statement, however many hits there are
        assert "errors" not in body and len(body["data"]["search"]) == n, body
        assert log.count == own + 1, log.statements


VIEWER_REVIEW = """{ viewer { user { email isAdmin } claimsToReview { id status createdAt
  author { displayName works(first: 2) { totalCount nodes { title } }
    topics(first: 2) { topic { displayName } } } } } }"""


async def test_viewer_claims_with_their_authors_take_two_statements(
    api: GraphQLClient, sizes: Sizes
) -> None:
    import settings
    from tests.factories import make_author
    from tests.factories_social import make_claim, make_user, signed_in

    # given an admin (the token's own statements counted on a bare viewer read)
    _admin, headers = await signed_in(is_admin=True)

    async def count(query: str) -> int:
        with count_sql() as log:
            body = await api(query, headers=headers)
        assert "errors" not in body, body
        return log.count

    bare = await count("{ viewer { user { email } } }")
    counts = []
    for pending in (2, 6):
        # when there are 2, then 6, claims waiting, each on an author with works and topics
        while await _pending() < pending:
            await make_claim(await make_user(), await make_author(), "PENDING")
        counts.append(await count(VIEWER_REVIEW) - bare)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PLANNER", False)
        executor = await count(VIEWER_REVIEW) - bare
    # then the claims are one statement and their authors, with every relation, one more
    assert counts == [2, 2], (bare, counts)
    assert executor > 2, executor


async def _pending() -> int:
    rows = await fetch("SELECT COUNT(*) AS n FROM claim WHERE status = 'PENDING'", [])
    return int(rows[0]["n"])
