"""refresh_aggregates on data built with the factories: pairs, counters, metrics, scope."""

from __future__ import annotations

import pytest

import settings
from importers import refresh_aggregates
from models.authors import Author, AuthorTopic, CollaborationPair
from models.institutions import Institution
from models.topics import Topic
from models.works import Authorship
from tests.factories import make_author, make_institution, make_topic, make_work
from tests.importers.helpers import collaborations, digest


async def _pair(a: Author, b: Author) -> tuple[int, int | None, int | None]:
    (row,) = [p for p in await collaborations([a.id]) if p.coauthor_id == b.id]
    return row.shared_works, row.first_year, row.last_year


async def test_collaborations_are_stored_once_and_read_both_ways_with_years(db: str) -> None:
    # given two authors sharing three works (2018, 2020, 2023) and a third on one of them,
    # plus an authorship without an author and an author listed twice on one work
    ada, bob, cy = await make_author(), await make_author(), await make_author()
    await make_work(authors=[ada, bob, "Anonymous"], year=2018)
    await make_work(authors=[bob, ada, ada], year=2020)
    await make_work(authors=[ada, bob, cy], year=2023)
    # when the aggregates are refreshed
    await refresh_aggregates()
    # then each pair is stored once, and read from either side it holds distinct shared works
    # and the year span
    assert await _pair(ada, bob) == (3, 2018, 2023)
    assert await _pair(bob, ada) == (3, 2018, 2023)
    assert await _pair(cy, ada) == (1, 2023, 2023)
    assert await CollaborationPair.all().count() == 3
    assert len(await collaborations()) == 6
    ada = await Author.get(id=ada.id)
    assert (ada.works_count, ada.close_collaborators_count) == (3, 1)
    assert (await Author.get(id=cy.id)).close_collaborators_count == 0


async def test_counters_metrics_topics_and_institutions(db: str) -> None:
    # given an author with five cited works, two topics and one institution
    ada = await make_author()
    ai, ml = await make_topic(), await make_topic()
    uni = await make_institution()
    for year, cites in zip((2019, 2019, 2020, 2021, 2022), (10, 8, 5, 4, 3), strict=True):
        topics = [ai, ml] if year == 2019 else [ai]
        await make_work(
            authors=[ada], topics=topics, institutions=[uni], year=year, cited_by_count=cites
        )
    # when the aggregates are refreshed
    await refresh_aggregates([ada.id])
    # then h-index, i10, citations, counts by year and topic shares follow from the works
    ada = await Author.get(id=ada.id)
    assert (ada.works_count, ada.cited_by_count, ada.h_index, ada.i10_index) == (5, 30, 4, 1)
    assert ada.topics_count == 2 and ada.has_persistent_work
    assert ada.counts_by_year == {
        "2019": [2, 0],
        "2020": [1, 0],
        "2021": [1, 0],
        "2022": [1, 0],
    }
    shares = {t.topic_id: t.work_count for t in await AuthorTopic.filter(author_id=ada.id)}  # type: ignore[attr-defined]
    assert shares == {ai.id: 5, ml.id: 2}
    assert (await Topic.get(id=ai.id)).works_count == 5
    assert (await Institution.get(id=uni.id)).works_count == 5


async def test_metrics_from_openalex_are_kept(db: str) -> None:
    # given an author whose OpenAlex record gave an h-index and counts by year
    given = {"2020": [3, 40]}
    ada = await make_author(
        metrics_from_openalex=True, h_index=17, i10_index=20, counts_by_year=given
    )
    await make_work(authors=[ada], cited_by_count=1)
    # when the aggregates are refreshed
    await refresh_aggregates()
    # then those are kept, while the counts of works present are recomputed
    ada = await Author.get(id=ada.id)
    assert (ada.h_index, ada.i10_index, ada.counts_by_year) == (17, 20, given)
    assert (ada.works_count, ada.cited_by_count) == (1, 1)


async def test_incremental_refresh_covers_the_authors_and_their_coauthors(db: str) -> None:
    # given two separate pairs of co-authors, refreshed once
    ada, bob = await make_author(), await make_author()
    cy, dan = await make_author(), await make_author()
    await make_work(authors=[ada, bob])
    await make_work(authors=[cy, dan])
    await refresh_aggregates()
    # when ada and bob get a second shared work and only ada is refreshed,
    # while cy's authorship silently disappears
    await make_work(authors=[ada, bob], year=2024)
    await Authorship.filter(author_id=cy.id).delete()
    await refresh_aggregates([ada.id])
    # then ada's co-author bob is updated, and the unrelated pair is left as it was
    assert await _pair(bob, ada) == (2, 2020, 2024)
    assert (await Author.get(id=bob.id)).close_collaborators_count == 1
    assert len(await collaborations([dan.id])) == 1
    # and a full refresh removes the pair that no longer exists
    await refresh_aggregates()
    assert await collaborations([dan.id]) == []
    assert (await Author.get(id=cy.id)).works_count == 0


async def test_a_second_refresh_writes_nothing(db: str) -> None:
    # given refreshed aggregates
    ada, bob = await make_author(), await make_author()
    topic = await make_topic()
    await make_work(authors=[ada, bob], topics=[topic])
    await make_work(authors=[ada, bob], references=[await make_work(authors=[bob])])
    await refresh_aggregates()
    before = await digest()
    # when they are refreshed again, fully and incrementally
    await refresh_aggregates()
    await refresh_aggregates([ada.id, bob.id])
    # then no row changed
    assert await digest() == before
    assert (await Author.get(id=bob.id)).counts_by_year == {"2020": [3, 1]}


async def test_only_the_first_authors_of_a_large_work_form_pairs(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a bound of 3 authors per work, and a work by five authors
    monkeypatch.setattr(settings, "COLLABORATION_MAX_AUTHORS", 3)
    five = [await make_author() for _ in range(5)]
    await make_work(authors=five, year=2021)
    await make_work(authors=[await make_author() for _ in range(6)])  # others: a partial refresh
    # when the aggregates are refreshed, fully and then for the fifth author alone
    await refresh_aggregates()
    full = await digest()
    await refresh_aggregates([five[4].id])
    # then only the first three are paired (3 pairs, read both ways), the same either way
    ids = [a.id for a in five]
    pairs = [(p.author_id, p.coauthor_id) for p in await collaborations(ids)]
    first = set(ids[:3])
    stored = await CollaborationPair.filter(low_id__in=ids).count()
    assert (len(pairs), stored) == (6, 3)
    assert all(a in first and b in first for a, b in pairs)
    assert await digest() == full
    # and the work still counts for every author, the fifth included
    assert {(await Author.get(id=a.id)).works_count for a in five} == {1}


async def test_a_partial_refresh_removes_a_lost_pair_both_ways(db: str) -> None:
    # given ada and bob sharing a work, and an unrelated pair, refreshed once
    ada, bob = await make_author(), await make_author()
    shared = await make_work(authors=[ada, bob])
    await make_work(authors=[await make_author(), await make_author()])
    await refresh_aggregates()
    # when bob's authorship of the shared work disappears and only bob is refreshed
    await Authorship.filter(work_id=shared.id, author_id=bob.id).delete()
    await refresh_aggregates([bob.id])
    # then the pair is gone both ways, ada's row included though ada was not named
    assert await collaborations([ada.id, bob.id]) == []
    assert (await Author.get(id=bob.id)).works_count == 0
