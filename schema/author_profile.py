"""The value objects of an author's profile: affiliation, trust snapshot, counts, metrics and
claim state. They are built from rows the Author type already holds."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import enums
from resolvers import authors as data
from resolvers.sql import Row
from resolvers.viewer_state import InviteBlock, ViewerClaimState
from schema.args import MAX_YEAR_SPAN, YearFrom, YearTo, year_span
from schema.common import describe, enum_without
from schema.cost import reads

#: Longest `countsByYear` range; declared as the field's list size, so the cost analysis counts it.

if TYPE_CHECKING:
    from schema.institutions import Institution


class AffiliationStatus(Enum):
    KNOWN = "KNOWN"
    NOT_IMPORTED = "NOT_IMPORTED"


class VerificationLevel(Enum):
    L0 = "L0"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


class TrustLabel(Enum):
    UNVERIFIED = "UNVERIFIED"
    CLAIMED = "CLAIMED"
    VERIFIED = "VERIFIED"


if TYPE_CHECKING:
    ClaimStatus = enums.ClaimStatus
else:  # the stored status but REJECTED: a rejected claim leaves the profile UNCLAIMED
    ClaimStatus = enum_without(enums.ClaimStatus, "ClaimStatus", enums.ClaimStatus.REJECTED)


describe(
    AffiliationStatus,
    {
        "KNOWN": "The sources name an institution.",
        "NOT_IMPORTED": "No affiliation was imported for this author; `institution` is null.",
    },
    description="Whether an author's affiliation is known.",
)
describe(
    VerificationLevel,
    {
        "L0": "A record only (0 trust points).",
        "L1": "Backed by an ORCID or OpenAlex id, or a work with a DOI or arXiv id (10 points).",
        "L2": "Claimed by a signed-in user (25 points).",
        "L3": "The claim is verified, by a matching verified ORCID or an admin (40 points).",
    },
    description="How well the record is backed, from L0 (a record only) to L3 (verified claim).",
)
describe(
    TrustLabel,
    {
        "UNVERIFIED": "Verification level L0 or L1.",
        "CLAIMED": "Verification level L2: claimed, not yet verified.",
        "VERIFIED": "Verification level L3: the claim is verified.",
    },
    description="The trust badge to show, derived from the verification level.",
)
describe(
    ClaimStatus,
    {
        "UNCLAIMED": "No user holds or asks for this profile.",
        "PENDING": "A claim waits for an admin's decision.",
        "CLAIMED": "An admin approved a user's claim.",
        "VERIFIED": "The claim is approved and verified (ORCID match or admin).",
    },
    description="Whether a user has claimed this author profile.",
)


@strawberry.type(description="An institution the author worked at, and when.")
class Affiliation:
    status: AffiliationStatus = strawberry.field(
        description="KNOWN, or NOT_IMPORTED when the sources give no affiliation."
    )
    institution: Annotated[Institution, strawberry.lazy("schema.institutions")] | None = (
        strawberry.field(description="The institution; null when `status` is NOT_IMPORTED.")
    )
    years: list[int] = strawberry.field(
        description="The years the sources list for it, ascending; empty when unknown."
    )
    start_year: int | None = strawberry.field(description="The first year; null when unknown.")
    end_year: int | None = strawberry.field(description="The last year; null when unknown.")

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


@strawberry.type(description="One line of the trust score: what earned how many points.")
class TrustComponent:
    name: str = strawberry.field(
        description="A stable name: works, closeCollaborators, followers, affiliation, claimed"
        " or verification."
    )
    points: int = strawberry.field(description="The points earned, from 0 to `maxPoints`.")
    max_points: int = strawberry.field(description="The most points this component can give.")
    detail: str = strawberry.field(description="Why, in words to show the user.")


@strawberry.type(description="How far the profile can be trusted, with every point explained.")
class TrustSnapshot:
    score: int = strawberry.field(description="The sum of the components' points, 0 to 100.")
    label: TrustLabel = strawberry.field(description="The badge to show for the score.")
    verification_level: VerificationLevel = strawberry.field(
        description="How well the record is backed, L0 to L3."
    )
    claimed: bool = strawberry.field(description="A user's claim is approved (level L2 or L3).")
    components: list[TrustComponent] = strawberry.field(
        description="The six components of the score, always in the same order."
    )


@strawberry.type(description="The author's headline numbers, kept up to date on import.")
class AuthorCounts:
    works: int = strawberry.field(description="Works the author is on.")
    citations: int = strawberry.field(description="Citations of those works.")
    followers: int = strawberry.field(description="Users following the author.")
    topics: int = strawberry.field(description="Distinct topics of the author's works.")
    close_collaborators: int = strawberry.field(
        description="Co-authors with 2 or more shared works."
    )


@strawberry.type(description="The author's output in one calendar year.")
class YearCount:
    year: int = strawberry.field(description="The year.")
    works: int = strawberry.field(description="Works published that year; 0 when none.")
    citations: int = strawberry.field(description="Citations received that year; 0 when none.")


@strawberry.type(description="Bibliometric indicators, as the sources compute them.")
class AuthorMetrics:
    h_index: int = strawberry.field(
        description="The largest h such that h of the author's works have h or more citations."
    )
    i10_index: int = strawberry.field(description="Works with 10 or more citations.")
    cited_by_count: int = strawberry.field(description="Citations of all the author's works.")
    _by_year: strawberry.Private[dict[str, list[int]]]

    @strawberry.field(
        description="Works and citations per year, with zeros for missing years"
        f" (at most {MAX_YEAR_SPAN} years).",
        metadata=reads(list_size=MAX_YEAR_SPAN),
    )
    def counts_by_year(self, from_: YearFrom, to: YearTo) -> list[YearCount]:
        out = []
        for year in year_span(from_, to):
            works, citations = (self._by_year.get(str(year)) or [0, 0])[:2]
            out.append(YearCount(year=year, works=works, citations=citations))
        return out


describe(
    ViewerClaimState,
    {
        "ANONYMOUS": 'The viewer is signed out: show "Log in to claim".',
        "CAN_CLAIM": "The viewer may claim this profile.",
        "PENDING_FOR_YOU": "The viewer's claim waits for an admin.",
        "CLAIMED_BY_YOU": "The viewer's claim is approved.",
        "CLAIMED_BY_SOMEONE_ELSE": "Another user's claim on this profile is approved.",
        "HOLDING_ANOTHER_CLAIM": "The viewer already holds a claim, and a user holds only one.",
    },
    name="ViewerClaimState",
    description="The claim as the viewer sees it: what the profile page's claim button says.",
)
describe(
    InviteBlock,
    {
        "SIGN_IN": "The viewer is not signed in.",
        "AUTHOR_NOT_CLAIMED": "No user has claimed this author, so nobody could receive it.",
        "OWN_PROFILE": "The viewer has claimed this author: it is their own profile.",
    },
    name="InviteBlock",
    description="Why the viewer may not invite an author to collaborate.",
)


@strawberry.type(description="Who holds the profile, and what the viewer can do about it.")
class ClaimState:
    status: ClaimStatus = strawberry.field(description="The profile's claim status.")
    viewer_can_claim: bool = strawberry.field(
        description="The viewer is signed in, holds no claim yet, and no claim on this profile is"
        " approved; false when anonymous."
    )
    viewer_state: ViewerClaimState = strawberry.field(
        description="ANONYMOUS (log in to claim), CAN_CLAIM, PENDING_FOR_YOU, CLAIMED_BY_YOU, "
        "CLAIMED_BY_SOMEONE_ELSE, or HOLDING_ANOTHER_CLAIM (a user holds one claim)."
    )


@strawberry.type(description="Why the viewer may not invite an author to collaborate.")
class InviteRefusal:
    code: InviteBlock = strawberry.field(description="A stable code to branch on.")
    message: str = strawberry.field(description="What to tell the user, in English.")


# Builders: the planner and the executor make these values from the same rows.


def first_affiliation(parent: Row, rows: list[Row], bound: object = None) -> Affiliation:
    return Affiliation.of(rows[0] if rows else None)


def affiliations_of(parent: Row, rows: list[Row], bound: object = None) -> list[Affiliation]:
    return [Affiliation.of(r) for r in rows]


def trust_snapshot(author: Row, affiliations: list[Row], bound: object = None) -> TrustSnapshot:
    components = data.trust_components(author, affiliation_known=bool(affiliations))
    level = data.verification_level(author)
    return TrustSnapshot(
        score=sum(c.points for c in components),
        label=TrustLabel(data.trust_label(level)),
        verification_level=VerificationLevel(f"L{level}"),
        claimed=level >= 2,
        components=[
            TrustComponent(name=c.name, points=c.points, max_points=c.max_points, detail=c.detail)
            for c in components
        ],
    )
