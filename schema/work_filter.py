"""`WorkFilter`: the conditions a work list takes (`works`, `Author.works`)."""

from __future__ import annotations

import strawberry

from models.enums import OpenAccessStatus, WorkType
from resolvers.works import WorkQuery, work_query_of


@strawberry.input(
    description="Conditions every listed work meets; a null field does not filter. Ids take "
    "every form `node` takes (global ids and external ids); one that is malformed or names "
    "another type fails with INVALID_ID."
)
class WorkFilter:
    year_from: int | None = strawberry.field(
        default=None,
        description="Only works published in this year or later (works with no year are left out).",
    )
    year_to: int | None = strawberry.field(
        default=None,
        description="Only works published in this year or earlier (works with no year are left "
        "out).",
    )
    types: list[WorkType] | None = strawberry.field(
        default=None, description="Only works of these types; null or empty means any type."
    )
    topic: strawberry.ID | None = strawberry.field(
        default=None, description="Only works with this topic (a Topic's global id)."
    )
    institution: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only works with an author affiliated, on that work, with this institution "
        "(an Institution's global id, `ror:…` or `openalex:I…`).",
    )
    author: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only works by this author (an Author's global id, `orcid:…` or "
        "`openalex:A…`).",
    )
    has_abstract: bool | None = strawberry.field(
        default=None,
        description="True: only works with an abstract; false: only works without one.",
    )
    open_access: list[OpenAccessStatus] | None = strawberry.field(
        default=None,
        description="Only works whose open-access status is one of these; null or empty means "
        "any (works whose record gives no status are left out otherwise).",
    )
    source: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only works that appeared in this venue (a Source's global id, "
        "`openalex:S…` or `issn:…`).",
    )
    funder: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only works that acknowledge this funder (a Funder's global id, "
        "`openalex:F…` or `ror:…`).",
    )
    language: str | None = strawberry.field(
        default=None,
        description="Only works in this language (an ISO 639-1 code as OpenAlex gives it, `en`).",
    )
    is_retracted: bool | None = strawberry.field(
        default=None,
        description="True: only retracted works; false: only works not retracted.",
    )


def work_query(f: WorkFilter | None) -> WorkQuery:
    if f is None:
        return WorkQuery()
    return work_query_of(
        year_from=f.year_from,
        year_to=f.year_to,
        types=f.types,
        topic=f.topic,
        institution=f.institution,
        author=f.author,
        has_abstract=f.has_abstract,
        open_access=f.open_access,
        source=f.source,
        funder=f.funder,
        language=f.language,
        is_retracted=f.is_retracted,
    )
