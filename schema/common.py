"""Types shared by every domain: the Node interface, page info, external ids, enums."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.enums import SourceType, TopicScheme, WorkType
from resolvers.works import WorkOrderKey


@strawberry.interface(description="An object with an opaque global id.")
class Node:
    id: strawberry.ID


@strawberry.enum
class NodeKind(Enum):
    AUTHOR = "AUTHOR"
    WORK = "WORK"
    TOPIC = "TOPIC"
    INSTITUTION = "INSTITUTION"


@strawberry.enum
class ExternalIdScheme(Enum):
    ORCID = "ORCID"
    OPENALEX = "OPENALEX"
    DOI = "DOI"
    ARXIV = "ARXIV"
    ROR = "ROR"


_URLS = {
    ExternalIdScheme.ORCID: "https://orcid.org/{}",
    ExternalIdScheme.OPENALEX: "https://openalex.org/{}",
    ExternalIdScheme.DOI: "https://doi.org/{}",
    ExternalIdScheme.ARXIV: "https://arxiv.org/abs/{}",
    ExternalIdScheme.ROR: "https://ror.org/{}",
}


@strawberry.type
class ExternalId:
    scheme: ExternalIdScheme
    value: str
    url: str

    @classmethod
    def of(cls, scheme: ExternalIdScheme, value: str) -> ExternalId:
        return cls(scheme=scheme, value=value, url=_URLS[scheme].format(value))


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


# Ordering enums defined next to their SQL in resolvers/ are registered here, in the module every
# schema module imports first: a plain Enum that Strawberry meets in a field before its
# registration runs becomes a second GraphQL enum under the class name (`WorkOrderKey`), and
# variables of type `WorkOrder` are then refused by `Author.works`.
strawberry.enum(WorkOrderKey, name="WorkOrder")
# The stored enumerations are the GraphQL ones too: one definition, in models.enums.
strawberry.enum(WorkType)
strawberry.enum(SourceType, name="VenueType")
strawberry.enum(TopicScheme)
