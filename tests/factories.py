"""Small async factories for tests: real rows through the real models, never colliding.

Every factory takes keyword overrides for any model field; unique fields (ids, keys, names) come
from one counter, so factories can be called any number of times in one database.

    async def test_collaborators(db: str) -> None:
        ada, bob = await make_author(display_name="Ada"), await make_author()
        topic = await make_topic()
        await make_work(authors=[ada, bob], topics=[topic], year=2020)
        await make_work(authors=[ada, bob], year=2022, cited_by_count=12)
        await refresh_aggregates()          # from importers: the derived tables and counters
        # now the `collaboration` view has (ada, bob) with shared_works == 2, first_year 2020,
        # last_year 2022; ada.works_count == 2, ada.close_collaborators_count == 1, AuthorTopic
        # rows exist …

Factories write only the base rows (authors, works, authorships, topics, citations, …). The
aggregates (CollaborationPair, AuthorTopic, the counters on Author/Topic/Institution) are derived:
call `await refresh_aggregates()` (everything) or `await refresh_aggregates([author.id, …])`
after creating the data a test reads through them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from models.authors import Author, AuthorAffiliation
from models.enums import SourceType, TopicScheme, WorkType
from models.institutions import Institution, InstitutionLink
from models.related import RelatedWork
from models.text import name_key
from models.topics import Topic
from models.works import (
    Authorship,
    AuthorshipInstitution,
    Citation,
    Funder,
    Source,
    Work,
    WorkGrant,
    WorkTopic,
)

_seq = itertools.count(1)


def _next() -> int:
    return next(_seq)


async def make_author(**overrides: Any) -> Author:
    n = _next()
    name = overrides.pop("display_name", f"Test Author {n}")
    fields: dict[str, Any] = {
        "display_name": name,
        "name_key": name_key(name),
        "openalex_id": f"A9{n:09d}",
    }
    return await Author.create(**(fields | overrides))


async def make_institution(**overrides: Any) -> Institution:
    n = _next()
    name = overrides.pop("display_name", f"Test University {n}")
    fields: dict[str, Any] = {
        "display_name": name,
        "name_key": name_key(name),
        "openalex_id": f"I9{n:09d}",
        "ror": f"0t{n:07d}",
        "country_code": "GB",
        "type": "education",
    }
    return await Institution.create(**(fields | overrides))


async def make_topic(**overrides: Any) -> Topic:
    n = _next()
    name = overrides.pop("display_name", f"Test Topic {n}")
    fields: dict[str, Any] = {
        "scheme": TopicScheme.OPENALEX,
        "external_id": f"T9{n:06d}",
        "display_name": name,
        "name_key": name_key(name),
        "subfield": "Artificial Intelligence",
        "field": "Computer Science",
        "domain": "Physical Sciences",
    }
    return await Topic.create(**(fields | overrides))


async def make_source(**overrides: Any) -> Source:
    n = _next()
    fields: dict[str, Any] = {
        "display_name": f"Journal of Tests {n}",
        "key": f"S9{n:09d}",
        "openalex_id": f"S9{n:09d}",
        "type": SourceType.JOURNAL,
    }
    return await Source.create(**(fields | overrides))


async def make_work(
    authors: Sequence[Author | str] = (),
    topics: Sequence[Topic | tuple[Topic, float]] = (),
    institutions: Sequence[Institution] | Mapping[int, Sequence[Institution]] = (),
    year: int | None = 2020,
    references: Sequence[Work | str] = (),
    related: Sequence[Work | str] = (),
    grants: Sequence[tuple[Funder, str | None]] = (),
    **overrides: Any,
) -> Work:
    """A work with ordered authorships (an `Author`, or a bare name for an author without id).

    `topics`: the first is primary; a bare Topic gets score 1.0. `institutions`: a list given to
    every authorship, or {position: [institutions]}. Authors with institutions also get an
    AuthorAffiliation for the work's year, as the importers do. `references`: cited works, or bare
    OpenAlex ids of works that are not imported. `related`: OpenAlex related works, likewise.
    `grants`: (funder, award id or None), in order."""
    n = _next()
    title = overrides.pop("title", f"A study of test number {n}")
    day = overrides.pop("publication_date", date(year, 1 + n % 12, 1) if year else None)
    fields: dict[str, Any] = {
        "title": title,
        "title_key": name_key(title),
        "abstract": f"Abstract of test work {n}.",
        "type": WorkType.ARTICLE,
        "publication_year": year,
        "publication_date": day,
        "pub_sort": day.year * 10000 + day.month * 100 + day.day if day else 0,
        "openalex_id": f"W9{n:09d}",
        "doi": f"10.9999/test.{n}",
        "author_count": len(authors),
    }
    work = await Work.create(**(fields | overrides))
    for position, author in enumerate(authors):
        is_author = isinstance(author, Author)
        authorship = await Authorship.create(
            work=work,
            author=author if is_author else None,
            position=position,
            raw_name=author.display_name if isinstance(author, Author) else author,
            is_corresponding=position == 0,
        )
        insts = (
            institutions.get(position, ()) if isinstance(institutions, Mapping) else institutions
        )
        for inst in insts:
            await AuthorshipInstitution.create(authorship=authorship, institution=inst)
            if isinstance(author, Author):
                await _affiliate(author, inst, year)
    for index, item in enumerate(topics):
        topic, score = item if isinstance(item, tuple) else (item, 1.0)
        await WorkTopic.create(work=work, topic=topic, score=score, is_primary=index == 0)
    for cited in references:
        if isinstance(cited, str):
            await Citation.create(citing=work, cited=None, cited_key=cited)
        else:
            await Citation.create(citing=work, cited=cited, cited_key=cited.openalex_id or "")
    for other in related:
        key = other if isinstance(other, str) else other.openalex_id or ""
        linked = None if isinstance(other, str) else other
        await RelatedWork.create(work=work, related=linked, related_key=key)
    for position, (funder, award) in enumerate(grants):
        await WorkGrant.create(work=work, funder=funder, position=position, award_id=award)
    return work


async def make_funder(**overrides: Any) -> Funder:
    n = _next()
    fields: dict[str, Any] = {
        "display_name": f"Test Foundation {n}",
        "openalex_id": f"F9{n:09d}",
        "ror": f"0f{n:07d}",
        "country_code": "US",
    }
    return await Funder.create(**(fields | overrides))


async def link_institutions(
    institution: Institution, kind: str, others: Sequence[Institution | str]
) -> None:
    """`institution`'s lineage (kind LINEAGE) or associated institutions (PARENT, CHILD,
    RELATED), in order; a bare OpenAlex id for one that is not imported."""
    for position, other in enumerate(others):
        key = other if isinstance(other, str) else other.openalex_id or ""
        await InstitutionLink.create(
            institution=institution,
            kind=kind,
            position=position,
            other_key=key,
            other=None if isinstance(other, str) else other,
        )


async def _affiliate(author: Author, institution: Institution, year: int | None) -> None:
    aff, _ = await AuthorAffiliation.get_or_create(author=author, institution=institution)
    if year is not None and year not in aff.years:
        aff.years = sorted([*aff.years, year])
        aff.first_year, aff.last_year = aff.years[0], aff.years[-1]
        await aff.save()
