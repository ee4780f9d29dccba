"""`search(in: …)`: abstracts when asked, ranked below name and title matches; the search indexes
(trigram and full-text GIN on PostgreSQL, FTS5 on SQLite) stay in step with their tables and are
what answers."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise.transactions import in_transaction

from resolvers.sql import execute, fetch, is_postgres
from tests.api.helpers import codes, gid
from tests.conftest import GraphQLClient
from tests.factories import make_author, make_work

SEARCH = """query($text: String!, $in: [SearchField!], $kinds: [NodeKind!]) {
  search(text: $text, in: $in, kinds: $kinds, first: 20) { kind label score node { id } } }"""


@pytest.fixture(scope="module")
async def works(api_db: str) -> dict[str, str]:
    # given works whose titles and abstracts mention "spiking" differently
    author = await make_author(display_name="Ada Spikingsworth")
    titled = await make_work([author], title="Spiking networks", abstract="Nothing else.")
    inside = await make_work(
        [author], title="Neuromorphic chips", abstract="We train spiking neural networks."
    )
    twice = await make_work(
        [author],
        title="Energy harvesting",
        abstract="Spiking neurons, spiking synapses and intermittent power.",
    )
    accents = await make_work([author], title="Plain", abstract="Une étude de réseaux.")
    await make_work([author], title="Unrelated", abstract=None)
    return {
        "titled": gid("Work", titled.id),
        "inside": gid("Work", inside.id),
        "twice": gid("Work", twice.id),
        "accents": gid("Work", accents.id),
        "author": gid("Author", author.id),
    }


async def _hits(api: GraphQLClient, text: str, **variables: Any) -> list[dict[str, Any]]:
    body = await api(SEARCH, {"text": text, **variables})
    assert "errors" not in body, body
    hits: list[dict[str, Any]] = body["data"]["search"]
    return hits


async def test_abstracts_only_when_asked(api: GraphQLClient, works: dict[str, str]) -> None:
    # when "spiking" is searched with the default fields
    default = {h["node"]["id"] for h in await _hits(api, "spiking")}
    # then titles and names match, abstracts do not
    assert default == {works["titled"], works["author"]}
    # when abstracts are asked for too
    hits = await _hits(api, "spiking", **{"in": ["NAME", "TITLE", "ABSTRACT"]})
    ids = [h["node"]["id"] for h in hits]
    # then the abstract matches come after every name and title match, scored below 1
    assert set(ids[:2]) == {works["titled"], works["author"]}
    assert set(ids[2:]) == {works["inside"], works["twice"]}
    assert all(0 < h["score"] < 1 for h in hits[2:]) and all(h["score"] >= 1 for h in hits[:2])
    # and the abstract that says it twice ranks first among them
    assert ids[2] == works["twice"]


async def test_abstract_words_and_prefix(api: GraphQLClient, works: dict[str, str]) -> None:
    # when several words are searched in abstracts only, the last one unfinished
    hits = await _hits(api, "spiking neur", **{"in": ["ABSTRACT"]})
    # then works whose abstract has every word (the last as a prefix) match, in any order
    assert {h["node"]["id"] for h in hits} == {works["inside"], works["twice"]}
    # and a word missing from an abstract excludes it
    assert await _hits(api, "spiking harvest", **{"in": ["ABSTRACT"]}) == []


async def test_abstracts_match_without_accents(api: GraphQLClient, works: dict[str, str]) -> None:
    # when an abstract with accents is searched without them, or with them
    for text in ("reseaux", "RÉSEAU", "etude res"):
        hits = await _hits(api, text, **{"in": ["ABSTRACT"]})
        # then it matches on both backends
        assert [h["node"]["id"] for h in hits] == [works["accents"]], text


async def test_in_restricts_fields(api: GraphQLClient, works: dict[str, str]) -> None:
    # when only titles are searched
    hits = await _hits(api, "spiking", **{"in": ["TITLE"]})
    # then names do not match
    assert [h["node"]["id"] for h in hits] == [works["titled"]]
    # and only NAME finds the author and no work
    hits = await _hits(api, "spiking", **{"in": ["NAME"]})
    assert [h["node"]["id"] for h in hits] == [works["author"]]
    # and an unknown field is a validation error
    body = await api(SEARCH, {"text": "x", "in": ["BODY"]})
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_indexes_follow_updates(api: GraphQLClient, works: dict[str, str]) -> None:
    # when a title and an abstract are changed in the database after the first search
    assert await _hits(api, "photonic") == []
    work_id = int(await _int(works["inside"]))
    await execute(
        "UPDATE work SET title = ?, title_key = ?, abstract = ? WHERE id = ?",
        ["Photonic chips", "photonic chips", "Lasers only.", work_id],
    )
    try:
        # then the new title is found and the old abstract is not
        assert [h["node"]["id"] for h in await _hits(api, "photonic")] == [works["inside"]]
        abstract = await _hits(api, "spiking", **{"in": ["ABSTRACT"]})
        assert {h["node"]["id"] for h in abstract} == {works["twice"]}
    finally:
        await execute(
            "UPDATE work SET title = ?, title_key = ?, abstract = ? WHERE id = ?",
            [
                "Neuromorphic chips",
                "neuromorphic chips",
                "We train spiking neural networks.",
                work_id,
            ],
        )


async def _int(global_id: str) -> int:
    from resolvers.ids import from_global_id

    return from_global_id(global_id).int_id


async def test_index_answers(api_db: str) -> None:
    # when the title search statement is explained with sequential scans ruled out
    if is_postgres():
        async with in_transaction() as conn:  # SET LOCAL holds for this connection only
            await conn.execute_script("SET LOCAL enable_seqscan = off")
            plan = await conn.execute_query_dict(
                "EXPLAIN SELECT id FROM work WHERE title_key LIKE 'spik%'"
                " OR title_key LIKE '% spik%'"
            )
            prefix = await conn.execute_query_dict(
                "EXPLAIN SELECT id FROM work WHERE title_key LIKE 'spik%'"
            )
            abstracts = await conn.execute_query_dict(
                "EXPLAIN SELECT id FROM work WHERE abstract_tsv @@ to_tsquery('simple', 'spik:*')"
            )
        text = " ".join(str(r) for r in plan + prefix + abstracts)
        # then the trigram, prefix and full-text indexes answer it
        for index in ("work_title_key_trgm", "work_title_key_prefix", "work_abstract_fts"):
            assert index in text, text
    else:
        rows = await fetch(
            "EXPLAIN QUERY PLAN SELECT rowid FROM work_fts WHERE work_fts MATCH 'spik*'"
        )
        prefix = await fetch(
            "EXPLAIN QUERY PLAN SELECT id FROM work"
            " WHERE title_key >= 'spik' AND title_key < 'spik~'"
        )
        # then the FTS5 table and the prefix index answer it
        assert any("VIRTUAL TABLE INDEX" in str(r) for r in rows), rows
        assert any("work_title_key_prefix" in str(r) for r in prefix), prefix
