"""work_similar (importers/similarity.py): each work's strongest co-cited and coupled works, kept by
refresh_aggregates, checked against counts made in Python from the works' reference lists."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

import settings
from importers import refresh_aggregates
from models.related import WorkSimilar
from models.works import Work
from tests.factories import make_author, make_work


async def _stored() -> dict[tuple[int, int, int], int]:
    rows = await WorkSimilar.all().values_list("work_id", "kind", "other_id", "weight")
    return {(w, k, o): n for w, k, o, n in rows}


async def test_each_work_keeps_its_strongest_co_cited_and_coupled_works(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given works cited together by several works (two also not imported references), and each
    # work keeping its 2 strongest neighbours per kind
    monkeypatch.setattr(settings, "SIMILAR_WORKS_PER_WORK", 2)
    cited = [await make_work(cited_by_count=n) for n in (5, 9, 1, 7)]
    lists = [[0, 1, 2], [0, 1], [0, 1, 3], [2, 3], [0, 3]]
    citing = [
        await make_work(references=[*(cited[i] for i in refs), "W800000001"]) for refs in lists
    ]
    # when the aggregates are refreshed
    await refresh_aggregates()
    # then per work and kind the rows are its 2 strongest (weight, then citations, then id)
    refs = {w.id: {cited[i].id for i in r} for w, r in zip(citing, lists, strict=True)}
    keys = {
        w.id: {*(cited[i].openalex_id for i in r), "W800000001"}
        for w, r in zip(citing, lists, strict=True)
    }
    weights: dict[int, Counter[tuple[int, int]]] = {1: Counter(), 2: Counter()}
    for r in refs.values():
        for a, b in itertools.permutations(r, 2):
            weights[1][(a, b)] += 1
    for a, b in itertools.permutations(keys, 2):
        weights[2][(a, b)] = len(keys[a] & keys[b])
    cites = {w.id: w.cited_by_count for w in await Work.all()}
    expected = {}
    for kind, pairs in weights.items():
        for work in {a for a, _b in pairs}:
            mine = sorted((-n, -cites[b], b) for (a, b), n in pairs.items() if a == work and n)
            expected.update({(work, kind, b): -n for n, _c, b in mine[:2]})
    assert await _stored() == expected
    assert expected[(cited[0].id, 1, cited[1].id)] == 3  # lists 0, 1 and 2 cite both


async def test_the_floor_leaves_out_weak_ties_and_an_unchanged_refresh_writes_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two works sharing two references and a third sharing one, with a floor of 2
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 2)
    a = await make_work(references=["W800000001", "W800000002"])
    b = await make_work(references=["W800000001", "W800000002"])
    await make_work(references=["W800000001"])
    # when the aggregates are refreshed, twice
    await refresh_aggregates()
    first = await WorkSimilar.all().values_list("id", "work_id", "kind", "other_id", "weight")
    await refresh_aggregates()
    # then only the strong coupling is kept, both ways, and the second refresh changed no row
    assert sorted(r[1:] for r in first) == sorted([(a.id, 2, b.id, 2), (b.id, 2, a.id, 2)])
    assert await WorkSimilar.all().values_list("id", "work_id", "kind", "other_id", "weight") == (
        first
    )


async def test_an_incremental_refresh_recomputes_the_new_works_and_what_they_cite(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given two works cited together once, refreshed
    x, y, z = await make_work(), await make_work(), await make_work()
    await make_work(authors=[await make_author()], references=[x, y])
    await refresh_aggregates()
    assert (await _stored())[(x.id, 1, y.id)] == 1
    # when a new work by a new author cites x, y and z, and only that author is refreshed
    ada = await make_author()
    new = await make_work(authors=[ada], references=[x, y, z])
    await refresh_aggregates([ada.id])
    # then the co-citations among what it cites count it, and it is coupled with the first work
    stored = await _stored()
    assert stored[(x.id, 1, y.id)] == stored[(y.id, 1, x.id)] == 2
    assert stored[(z.id, 1, x.id)] == 1
    assert any(w == new.id and k == 2 for w, k, _o in stored)


async def test_an_import_refreshes_only_the_lists_its_changed_works_touch(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given works cited together once, refreshed, and then a second citing work written without
    # a refresh (as another writer would), and a new work by a known author
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    ada = await make_author()
    x, y = await make_work(), await make_work()
    await make_work(authors=[ada], references=[x, y])
    await refresh_aggregates()
    await make_work(references=[x, y])
    new = await make_work(authors=[ada], references=[x])
    # when the refresh is told which works changed (the new one only)
    await refresh_aggregates([ada.id], works=[new.id])
    # then the co-citations of what the new work cites are recounted (x and y: now 2), and the
    # new work's couplings are there, from the changed work's side
    stored = await _stored()
    assert stored[(x.id, 1, y.id)] == 2
    assert {(w, k) for w, k, _o in stored if w == new.id} == {(new.id, 2)}


async def test_much_cited_references_couple_nothing_and_long_reference_lists_co_cite_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given at most 3 citing works per reference and 3 imported references per work: a reference
    # four works cite (two of which also share another), and a work citing four imported works
    monkeypatch.setattr(settings, "SIMILAR_MAX_CITERS", 3)
    monkeypatch.setattr(settings, "SIMILAR_MAX_REFERENCES", 3)
    hub, other = "W800000009", "W800000001"
    a, b = [await make_work(references=[hub, other]) for _ in range(2)]
    c, d = [await make_work(references=[hub]) for _ in range(2)]
    x, y, z, u = [await make_work() for _ in range(4)]
    long = await make_work(references=[x, y, z, u])
    short = await make_work(references=[x, y])
    # when the aggregates are refreshed
    await refresh_aggregates()
    # then the much-cited reference couples no one and a and b share the other one only; the long
    # list co-cites nothing (x and y once, by the short one), but its references still couple it
    assert await _stored() == {
        (a.id, 2, b.id): 1,
        (b.id, 2, a.id): 1,
        (x.id, 1, y.id): 1,
        (y.id, 1, x.id): 1,
        (long.id, 2, short.id): 2,
        (short.id, 2, long.id): 2,
    }
    assert {c.id, d.id, z.id, u.id}.isdisjoint(w for w, _k, _o in await _stored())


async def test_an_incremental_refresh_applies_the_same_bounds(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "SIMILAR_MIN_WEIGHT", 1)  # ties of weight 1 kept (default 2)
    # given at most 2 citing works per reference and 2 imported references per work, and two
    # works sharing a reference, refreshed
    monkeypatch.setattr(settings, "SIMILAR_MAX_CITERS", 2)
    monkeypatch.setattr(settings, "SIMILAR_MAX_REFERENCES", 2)
    x, y, z = await make_work(), await make_work(), await make_work()
    a = await make_work(references=["W800000009", "W800000001"])
    b = await make_work(references=["W800000009"])
    await refresh_aggregates()
    assert (await _stored())[(a.id, 2, b.id)] == 1
    # when a new work cites that reference (now cited by 3), a's other one and x, y, z, and
    # another new one x and y, and only these two are refreshed
    ada = await make_author()
    new = await make_work(authors=[ada], references=["W800000009", "W800000001", x, y, z])
    other = await make_work(authors=[ada], references=[x, y])
    await refresh_aggregates([ada.id], works=[new.id, other.id])
    # then the new work couples with a through the other reference only, not with b, and with
    # the other new work through x and y; its three imported references co-cite nothing
    stored = await _stored()
    assert {(k, o): n for (w, k, o), n in stored.items() if w == new.id} == {
        (2, a.id): 1,
        (2, other.id): 2,
    }
    assert stored[(x.id, 1, y.id)] == 1 and (x.id, 1, z.id) not in stored
