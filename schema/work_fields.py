"""What a Work's record carries beyond the graph: open access, keywords, biblio, citations per
year, grants. Value types, built from the work's row (or, for grants, the rows joined to it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from models.enums import OpenAccessStatus
from resolvers.authors import json_value
from resolvers.sql import Row
from schema.args import YearFrom, YearTo, year_span

if TYPE_CHECKING:
    from schema.funders import Funder


@strawberry.type(description="Whether and where a work can be read for free.")
class OpenAccess:
    is_oa: bool = strawberry.field(description="Whether it is free to read somewhere.")
    status: OpenAccessStatus | None = strawberry.field(
        description="How it is open (GOLD, GREEN, HYBRID, BRONZE, DIAMOND) or CLOSED; null when "
        "the record gives a status this API does not know."
    )
    url: str | None = strawberry.field(
        description="The best free copy's URL; null when closed or unknown."
    )


def open_access(row: Row) -> OpenAccess | None:
    if row["is_oa"] is None and row["oa_status"] is None:
        return None
    status = row["oa_status"]
    return OpenAccess(
        is_oa=bool(row["is_oa"]),
        status=OpenAccessStatus(status) if status else None,
        url=row["oa_url"],
    )


@strawberry.type(description="A keyword OpenAlex assigns to a work, with how well it fits.")
class Keyword:
    display_name: str = strawberry.field(description="The keyword (`Open Science`).")
    score: float | None = strawberry.field(
        description="How well it fits, 0 to 1; null when the record gives no score."
    )


def keywords(row: Row) -> list[Keyword]:
    return [
        Keyword(display_name=str(name), score=score)
        for name, score in json_value(row["keywords"]) or []
    ]


@strawberry.type(description="Where in its venue a work appears: volume, issue and pages.")
class Biblio:
    volume: str | None = strawberry.field(description="The volume; null when not given.")
    issue: str | None = strawberry.field(description="The issue; null when not given.")
    first_page: str | None = strawberry.field(
        description="The first page (or an article number such as `e4375`); null when not given."
    )
    last_page: str | None = strawberry.field(description="The last page; null when not given.")


def biblio(row: Row) -> Biblio | None:
    parts = [row[f"biblio_{p}"] for p in ("volume", "issue", "first_page", "last_page")]
    if all(p is None for p in parts):
        return None
    return Biblio(volume=parts[0], issue=parts[1], first_page=parts[2], last_page=parts[3])


@strawberry.type(description="The citations a work received in one calendar year.")
class CitationYearCount:
    year: int = strawberry.field(description="The year.")
    citations: int = strawberry.field(
        description="Citations received that year, as the record counts them; 0 when none."
    )


def counts_by_year(row: Row, from_: YearFrom, to: YearTo) -> list[CitationYearCount]:
    by_year = json_value(row["counts_by_year"]) or {}
    return [
        CitationYearCount(year=year, citations=int(by_year.get(str(year), 0)))
        for year in year_span(from_, to)
    ]


@strawberry.type(description="Funding a work acknowledges: who funded it and the award.")
class Grant:
    funder: Annotated[Funder, strawberry.lazy("schema.funders")] = strawberry.field(
        description="The funder."
    )
    award_id: str | None = strawberry.field(
        description="The award's id as the record gives it; null when only the funder is named."
    )


def grants(work: Row, rows: list[Row], bound: object = None) -> list[Grant]:
    from schema.funders import Funder

    return [Grant(funder=Funder.of(r), award_id=r["award_id"]) for r in rows]
