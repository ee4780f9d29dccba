"""Types shared by every domain: the Node interface, page info, external ids, enums."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar, cast

import strawberry

from models.enums import OpenAccessStatus, SourceType, TopicScheme, WorkType
from resolvers.ids import ExternalIdScheme as ExternalIdScheme
from resolvers.ids import is_synthetic
from resolvers.search import NodeKind as NodeKind
from resolvers.works import WorkOrderKey

E = TypeVar("E", bound=StrEnum)


@strawberry.interface(description="An object with an opaque global id.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The opaque global id; pass it to `node`, `nodes` or the type's own query."
    )


def enum_without(source: type[E], name: str, *left_out: E) -> type[E]:
    """A new enum `name` holding `source`'s values but `left_out`: for a GraphQL enum that shows
    only the values its field can take, while the values stay defined once, in `source`."""
    members = {member.name: member.value for member in source if member not in left_out}
    return cast("type[E]", StrEnum(name, members))


def describe(enum: Any, values: dict[str, str], **options: Any) -> Any:
    """Register a plain Enum (defined next to its SQL or model) as a GraphQL enum, with a
    description for each of its values."""
    strawberry.enum(enum, **options)
    definition = enum.__strawberry_definition__
    for value in definition.values:
        value.description = values[value.name]
    return enum


describe(
    NodeKind,
    {
        "AUTHOR": "An `Author`.",
        "WORK": "A `Work`.",
        "TOPIC": "A `Topic`.",
        "INSTITUTION": "An `Institution`.",
    },
    description="The kinds of object `search` returns.",
)
describe(
    ExternalIdScheme,
    {
        "ORCID": "An ORCID iD, such as 0000-0002-1825-0097.",
        "OPENALEX": "An OpenAlex id, such as A5023888391.",
        "DOI": "A DOI, such as 10.1038/nphys1170.",
        "ARXIV": "An arXiv id, such as 2101.00001.",
        "ROR": "A ROR id of an institution or a funder, such as 03vek6s52.",
        "ISSN": "The linking ISSN (ISSN-L) of a journal or series, such as 2167-8359.",
    },
    description="The registry an external id belongs to.",
)


_URLS = {
    ExternalIdScheme.ORCID: "https://orcid.org/{}",
    ExternalIdScheme.OPENALEX: "https://openalex.org/{}",
    ExternalIdScheme.DOI: "https://doi.org/{}",
    ExternalIdScheme.ARXIV: "https://arxiv.org/abs/{}",
    ExternalIdScheme.ROR: "https://ror.org/{}",
    ExternalIdScheme.ISSN: "https://portal.issn.org/resource/ISSN/{}",
}


@strawberry.type(description="An identifier of this object in an outside registry.")
class ExternalId:
    scheme: ExternalIdScheme = strawberry.field(description="The registry the id belongs to.")
    value: str = strawberry.field(description="The id as the registry writes it, without a URL.")
    url: str = strawberry.field(
        description="The id's page at the registry (an https URL); there is no such page when "
        "`isSynthetic` is true."
    )
    is_synthetic: bool = strawberry.field(
        description="True for a generated id (the demo's and the benchmarks' data) from a range "
        "the registry never issues: an ORCID outside 0000- and 0009-, a DOI under the test prefix "
        "10.5555, an OpenAlex id from 9000000000 on. It names nobody, so show it as text, not as "
        "a link to `url`."
    )

    @classmethod
    def of(cls, scheme: ExternalIdScheme, value: str) -> ExternalId:
        return cls(
            scheme=scheme,
            value=value,
            url=_URLS[scheme].format(value),
            is_synthetic=is_synthetic(scheme.value.lower(), value),
        )


@strawberry.type(description="Where a page sits in its connection, for cursor pagination.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow: ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page (true whenever `after` was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item, to pass as `after`; null when the page"
        " is empty."
    )


# Ordering enums defined next to their SQL in resolvers/ are registered here, in the module every
# schema module imports first: a plain Enum that Strawberry meets in a field before its
# registration runs becomes a second GraphQL enum under the class name (`WorkOrderKey`), and
# variables of type `WorkOrder` are then refused by `Author.works`.
describe(
    WorkOrderKey,
    {
        "PUBLICATION_DATE_DESC": "Newest first; undated works last.",
        "PUBLICATION_DATE_ASC": "Oldest first; undated works first.",
        "CITED_BY_COUNT_DESC": "Most cited first.",
        "TITLE_ASC": "By title, alphabetically.",
    },
    name="WorkOrder",
    description="The order of a list of works; ties are broken by id.",
)
# The stored enumerations are the GraphQL ones too: one definition, in models.enums.
describe(
    WorkType,
    {
        "ARTICLE": "A journal or conference article.",
        "PREPRINT": "A preprint, such as an arXiv paper.",
        "BOOK": "A book.",
        "BOOK_CHAPTER": "A chapter of a book.",
        "DATASET": "A dataset.",
        "DISSERTATION": "A thesis or dissertation.",
        "REVIEW": "A review article.",
        "LETTER": "A letter.",
        "EDITORIAL": "An editorial.",
        "REPORT": "A report.",
        "OTHER": "Any other kind, or a kind the sources did not state.",
    },
    description="What kind of publication a work is, as its sources classify it.",
)
describe(
    SourceType,
    {
        "REPOSITORY": "A repository, such as arXiv.",
        "JOURNAL": "A journal.",
        "CONFERENCE": "A conference.",
        "BOOK_SERIES": "A book series.",
        "OTHER": "Any other kind of venue.",
    },
    name="VenueType",
    description="The kind of venue a work was published in.",
)
describe(
    TopicScheme,
    {
        "OPENALEX": "An OpenAlex topic.",
        "ARXIV": "An arXiv category, such as cs.LG.",
    },
    description="The classification a topic comes from.",
)


describe(
    OpenAccessStatus,
    {
        "GOLD": "Published open access in a fully open-access venue.",
        "GREEN": "Free to read in a repository (a preprint or an accepted manuscript).",
        "HYBRID": "Open access under an open licence in a subscription venue.",
        "BRONZE": "Free to read on the publisher's site, without an open licence.",
        "DIAMOND": "Gold, in a venue that charges authors nothing.",
        "CLOSED": "Not free to read anywhere OpenAlex knows of.",
    },
    name="OpenAccessStatus",
    description="How a work can be read for free, as OpenAlex classifies it.",
)
