"""The database writes response JSON for plain subtrees (server/planner/emit.py): the same
text the executor's answer serialises to, and the partners' documents take that path.

The planner and the executor answering alike (byte for byte) is tests/api/test_planner_equal.py;
here: the encodings the database uses (global ids, strings with every control character) against
the executor's own functions, and which relations of the partners' documents are spliced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from importers import refresh_aggregates
from resolvers.context import Context
from resolvers.ids import expand_id_marks, global_id_sql, to_global_id
from resolvers.relations import NODE_TABLES
from resolvers.sql import fetch, is_postgres
from schema import schema
from server import execution
from server.execution import Executor, Operation
from server.planner import emit
from server.planner.run import Planner
from tests.factories import make_author, make_source, make_topic, make_work

PARTNERS = Path(__file__).resolve().parents[2] / "bench" / "partners" / "peergraph.graphql"
#: every character below 128 but NUL (PostgreSQL's text holds none), and some beyond
AWKWARD = "".join(chr(i) for i in range(1, 128)) + "é 李 😀 \u2028\u2029\ufeff"


@pytest.fixture(scope="module")
async def ids(api_db: str) -> dict[str, Any]:
    # given authors, one named with every awkward character, their works, a venue, a topic
    venue = await make_source(display_name=AWKWARD)
    topic = await make_topic(display_name=AWKWARD)
    odd = await make_author(display_name=AWKWARD, description="")
    other = await make_author(description=None)
    for year in (2001, 2002, 2003):
        await make_work([odd, other], [topic], year=year, source=venue, title=AWKWARD)
    await refresh_aggregates()
    return {"odd": to_global_id("Author", odd.id)}


async def test_global_ids_are_written_as_the_executor_writes_them(ids: dict[str, Any]) -> None:
    # given every node type and ids from the smallest to the largest a row can have
    keys = [0, 1, 9, 99, 12345, 2**31 - 1]
    for type_name in NODE_TABLES:
        for key in keys:
            # when the database writes its global id
            sql = global_id_sql(type_name, "?", is_postgres())
            if is_postgres():
                sql = sql.replace("?", "CAST(? AS INTEGER)")
            rows = await fetch(f"SELECT {sql} AS g", [key])
            # then it is to_global_id's (SQLite's marks expanded)
            assert expand_id_marks(rows[0]["g"]) == to_global_id(type_name, key)


async def _run(query: str, variables: dict[str, Any]) -> tuple[bytes, int]:
    """The planner's answer to `query`, serialised, and how many values it spliced."""
    spliced = 0
    original = emit.splice

    def counting(text: str | None) -> Any:
        nonlocal spliced
        spliced += 1
        return original(text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("server.planner.shape.splice", counting)
        patch.setattr("server.planner.run.splice", counting)
        document = parse(query)
        operation = document.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        data = await Planner(schema._schema).run(query, document, operation, variables, Context())
    return orjson.dumps(data), spliced


async def test_awkward_strings_go_out_as_the_executor_writes_them(ids: dict[str, Any]) -> None:
    # given an author whose name, works, venue and topic hold every control character
    query = """query($id: ID!) { author(id: $id) { displayName description
      topics(first: 2) { topic { displayName } }
      works(first: 5) { nodes { title venue { displayName } } } } }"""

    # when the planner answers
    body, spliced = await _run(query, {"id": ids["odd"]})

    # then the database wrote the lists, and the strings read back as they were stored
    assert spliced == 2
    author = orjson.loads(body)["author"]
    assert author["displayName"] == AWKWARD
    assert author["description"] == ""
    assert [t["topic"]["displayName"] for t in author["topics"]] == [AWKWARD]
    assert [(w["title"], w["venue"]["displayName"]) for w in author["works"]["nodes"]] == [
        (AWKWARD, AWKWARD)
    ] * 3


@pytest.mark.parametrize(
    ("name", "spliced"),
    [
        # the author is shaped in Python (counts, metrics, affiliation); its three lists are not
        ("AdhocProfile", 3),
        # the whole root list, nested lists and all, in one text
        ("TwoLevel", 1),
        ("WorksReferences", 1),
    ],
)
async def test_partners_documents_are_written_by_the_database(
    ids: dict[str, Any], name: str, spliced: int
) -> None:
    # given a partner's document (bench/partners)
    document = parse(PARTNERS.read_text())
    operation = next(
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name and d.name.value == name
    )
    query = print_ast(operation)
    variables = {"id": ids["odd"]} if name == "AdhocProfile" else {}

    # when the planner answers it
    _body, count = await _run(query, variables)

    # then the relations it names are spliced as the database wrote them
    assert count == spliced


async def test_one_planner_answers_each_request_with_its_own_values(ids: dict[str, Any]) -> None:
    # given one planner kept across requests (its SQL is cached per document and the values of
    # the variables the arguments read) and the executor
    planner = Planner(schema._schema)
    query = """query($id: ID!, $n: Int, $m: Int!, $yes: Boolean!) { author(id: $id) {
      displayName @include(if: $yes) works(first: $n) { nodes { title authorships { author {
        displayName topics(first: $m) { workCount } } } } } } }"""
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    rows = await fetch("SELECT id FROM author ORDER BY id", [])
    authors = [to_global_id("Author", r["id"]) for r in rows]
    for author, n, m, yes in [
        (authors[0], 1, 0, True),
        (authors[1], 1, 0, True),
        (authors[0], 3, 2, False),
        (authors[1], None, 2, True),
        (authors[0], 1, 0, True),
    ]:
        variables = {"id": author, "n": n, "m": m, "yes": yes}
        # when both answer the same document with these values
        planned = await planner.run(query, document, operation, variables, Context())
        with pytest.MonkeyPatch.context() as patch:
            # the plain executor: no limits, cost or budget hooks (another test's app adds them)
            for hooks in ("PRE_PARSE_HOOKS", "EXTRA_RULES", "PRE_EXECUTION_HOOKS"):
                patch.setattr(execution, hooks, [])
            expected = await Executor(schema._schema).run(
                Operation(query, variables, None, None), Context()
            )
        # then alike, byte for byte
        assert orjson.dumps(planned) == orjson.dumps(expected["data"]), variables
