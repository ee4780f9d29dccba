"""The value objects of an author's profile: affiliation, trust snapshot, counts, metrics and
claim state. They are built from rows the Author type already holds."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import authors as data
from resolvers.errors import BadUserInput
from resolvers.sql import Row
from resolvers.viewer_state import InviteBlock, ViewerClaimState
from schema.cost import reads

#: Longest `countsByYear` range; declared as the field's list size, so the cost analysis counts it.
MAX_YEAR_SPAN = 100

if TYPE_CHECKING:
    from schema.institutions import Institution


@strawberry.enum
class AffiliationStatus(Enum):
    KNOWN = "KNOWN"
    NOT_IMPORTED = "NOT_IMPORTED"


@strawberry.enum
class VerificationLevel(Enum):
    L0 = "L0"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


@strawberry.enum
class TrustLabel(Enum):
    UNVERIFIED = "UNVERIFIED"
    CLAIMED = "CLAIMED"
    VERIFIED = "VERIFIED"


@strawberry.enum
class ClaimStatus(Enum):
    UNCLAIMED = "UNCLAIMED"
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    VERIFIED = "VERIFIED"


@strawberry.type
class Affiliation:
    status: AffiliationStatus
    institution: Annotated[Institution, strawberry.lazy("schema.institutions")] | None
    years: list[int]
    start_year: int | None
    end_year: int | None

    @classmethod
    def of(cls, row: Row | None) -> Affiliation:
        from schema.institutions import Institution

        if row is None:
            return cls(
                status=AffiliationStatus.NOT_IMPORTED,
                institution=None,
                years=[],
                start_year=None,
                end_year=None,
            )
        return cls(
            status=AffiliationStatus.KNOWN,
            institution=Institution.of(row),
            years=sorted(data.json_value(row["years"]) or []),
            start_year=row["first_year"],
            end_year=row["last_year"],
        )


@strawberry.type
class TrustComponent:
    name: str
    points: int
    max_points: int
    detail: str


@strawberry.type
class TrustSnapshot:
    score: int
    label: TrustLabel
    verification_level: VerificationLevel
    claimed: bool
    components: list[TrustComponent]


@strawberry.type
class AuthorCounts:
    works: int
    citations: int
    followers: int
    topics: int
    close_collaborators: int


@strawberry.type
class YearCount:
    year: int
    works: int
    citations: int


@strawberry.type
class AuthorMetrics:
    h_index: int
    i10_index: int
    cited_by_count: int
    _by_year: strawberry.Private[dict[str, list[int]]]

    @strawberry.field(
        description="Works and citations per year, with zeros for missing years"
        f" (at most {MAX_YEAR_SPAN} years).",
        metadata=reads(list_size=MAX_YEAR_SPAN),
    )
    def counts_by_year(
        self, from_: Annotated[int, strawberry.argument(name="from")], to: int
    ) -> list[YearCount]:
        if to < from_ or to - from_ >= MAX_YEAR_SPAN:
            raise BadUserInput(
                f"`from` must be ≤ `to`, spanning at most {MAX_YEAR_SPAN} years",
                argument="to",
                maximum=MAX_YEAR_SPAN,
            )
        out = []
        for year in range(from_, to + 1):
            works, citations = (self._by_year.get(str(year)) or [0, 0])[:2]
            out.append(YearCount(year=year, works=works, citations=citations))
        return out


strawberry.enum(
    ViewerClaimState,
    name="ViewerClaimState",
    description="The claim as the viewer sees it: what the profile page's claim button says.",
)
strawberry.enum(InviteBlock, name="InviteBlock")


@strawberry.type
class ClaimState:
    status: ClaimStatus
    viewer_can_claim: bool
    viewer_state: ViewerClaimState = strawberry.field(
        description="ANONYMOUS (log in to claim), CAN_CLAIM, PENDING_FOR_YOU, CLAIMED_BY_YOU, "
        "CLAIMED_BY_SOMEONE_ELSE, or HOLDING_ANOTHER_CLAIM (a user holds one claim)."
    )


@strawberry.type(description="Why the viewer may not invite an author to collaborate.")
class InviteRefusal:
    code: InviteBlock
    message: str
