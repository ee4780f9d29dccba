"""The signed-in side of the API: Viewer, User, Claim, Invitation and UserError.

Claims and invitations are Nodes readable only by their parties (`node(id)` answers anyone else
with `null` and an error coded FORBIDDEN, or UNAUTHENTICATED when anonymous). The mutations are
in `schema.social_mutations`.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models.enums import ClaimStatus, InvitationStatus
from models.social import User as UserModel
from resolvers import claims as claim_data
from resolvers import invitations as invitation_data
from resolvers import social as data
from resolvers.ids import GlobalId, to_global_id
from resolvers.refusals import Code, Refused
from resolvers.sql import Row
from schema.args import After, First
from schema.common import Node, describe, enum_without
from schema.connections import Connection
from schema.context import Context, Info
from schema.cost import reads
from schema.nodes import NODE_RESOLVERS

if TYPE_CHECKING:
    from schema.authors import Author, AuthorConnection

UserErrorCode = describe(
    Code,
    {
        "UNAUTHENTICATED": "Sign in first: send `Authorization: Bearer TOKEN`.",
        "FORBIDDEN": "The viewer may not do this (not the claimant, not an admin).",
        "NOT_FOUND": "The id names nothing the viewer can see.",
        "ALREADY_CLAIMED": "The author, or the viewer, already has a claim.",
        "RATE_LIMITED": "Too many attempts: wait, then retry (see the Retry-After header).",
        "INVALID_INPUT": "An argument is malformed, out of range or taken; `field` names it.",
        "NOTHING_TO_UPDATE": "No change was asked for: give at least one value to set.",
        "TEXT_TOO_LONG": "A text is over its limit; `field` names it.",
        "CONTROL_CHARACTERS": "A text holds control characters or line breaks it may not.",
        "WEAK_PASSWORD": "The password is too common or too simple: choose another.",
    },
    name="UserErrorCode",
    description="Why a mutation was refused; stable, to branch on.",
)


@strawberry.type(description="An expected failure of a mutation, with a stable `code`.")
class UserError:
    code: UserErrorCode = strawberry.field(  # type: ignore[valid-type]
        description="What went wrong; stable, to branch on."
    )
    message: str = strawberry.field(description="What to tell the user, in English.")
    field: str | None = strawberry.field(
        description="The argument at fault; null when the failure is not about one argument."
    )

    @classmethod
    def of(cls, refused: Refused) -> UserError:
        return cls(code=refused.code, message=refused.message, field=refused.field)


def timestamp(value: Any) -> datetime.datetime | None:
    """Raw rows hold datetimes on PostgreSQL and ISO text on SQLite."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


@strawberry.type(description="A signed-in account.")
class User:
    id: strawberry.ID = strawberry.field(description="The account's global id.")
    email: str = strawberry.field(description="The sign-in email, in lower case.")
    is_admin: bool = strawberry.field(description="The account may review claims.")
    orcid: str | None = strawberry.field(description="The account's ORCID iD; null when none.")
    orcid_verified: bool = strawberry.field(
        description="The ORCID iD was verified, so a matching claim is VERIFIED at once."
    )
    created_at: datetime.datetime = strawberry.field(description="When the account was made.")

    @classmethod
    def of(cls, user: UserModel) -> User:
        return cls(
            id=strawberry.ID(to_global_id("User", user.id)),
            email=user.email,
            is_admin=user.is_admin,
            orcid=user.orcid,
            orcid_verified=user.orcid_verified,
            created_at=user.created_at,
        )


if TYPE_CHECKING:
    ClaimRequestStatus = ClaimStatus
else:  # the stored status but UNCLAIMED, which only an author's profile has
    ClaimRequestStatus = enum_without(ClaimStatus, "ClaimRequestStatus", ClaimStatus.UNCLAIMED)


describe(
    ClaimRequestStatus,
    {
        "PENDING": "Waiting for an admin's review.",
        "CLAIMED": "Approved by an admin.",
        "VERIFIED": "Approved and verified (a matching verified ORCID iD, or an admin).",
        "REJECTED": "Refused; `note` may say why.",
    },
    description="A claim's own state; REJECTED claims do not hold the author.",
)


async def _author(info: Info, author_id: int) -> Author:
    from schema.authors import Author

    row = await info.context.loaders.author.load(author_id)
    assert row is not None  # claim and invitation rows cascade with their author
    return Author.of(row)


def _author_ref(parent: Claim | Invitation) -> str:
    """The global id of a claim's or an invitation's author: the planner reads the author with
    its selection."""
    return to_global_id("Author", int(parent._row["author_id"]))


@strawberry.type(description="A user's claim on an author; readable by the claimant and admins.")
class Claim(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Claim:
        return cls(id=strawberry.ID(to_global_id("Claim", row["id"])), _row=row)

    @strawberry.field(description="Where the claim stands.", metadata=reads())
    def status(self) -> ClaimRequestStatus:
        return ClaimRequestStatus(self._row["status"])

    @strawberry.field(
        description="The claimed author.", metadata=reads(node="Author", ref=_author_ref)
    )
    async def author(self, info: Info) -> Annotated[Author, strawberry.lazy("schema.authors")]:
        return await _author(info, int(self._row["author_id"]))

    @strawberry.field(description="The ORCID iD the claim was made with, if any.", metadata=reads())
    def orcid(self) -> str | None:
        return self._row["orcid"]  # type: ignore[no-any-return]

    @strawberry.field(
        description="The reviewer's note (up to 2,000 characters); null when none.",
        metadata=reads(),
    )
    def note(self) -> str | None:
        return self._row["note"]  # type: ignore[no-any-return]

    @strawberry.field(description="When the claim was made.", metadata=reads())
    def created_at(self) -> datetime.datetime:
        value = timestamp(self._row["created_at"])
        assert value is not None
        return value

    @strawberry.field(
        description="When it was approved or rejected; null while PENDING.", metadata=reads()
    )
    def reviewed_at(self) -> datetime.datetime | None:
        return timestamp(self._row["reviewed_at"])


describe(
    InvitationStatus,
    {
        "PENDING": "Not answered yet.",
        "ACCEPTED": "The invited author's claimant accepted.",
        "DECLINED": "The invited author's claimant declined.",
    },
    description="Whether an invitation was answered.",
)
describe(
    invitation_data.Direction,
    {
        "RECEIVED": "Invitations to the authors the viewer has claimed.",
        "SENT": "Invitations the viewer sent.",
    },
    name="InvitationDirection",
    description="Which side of an invitation the viewer is on.",
)


@strawberry.type(description="Who sent an invitation, as its recipient sees them.")
class InvitationSender:
    id: strawberry.ID = strawberry.field(description="The sender's user id.")
    email: str = strawberry.field(description="The sender's email, to reply to.")
    _user_id: strawberry.Private[int]

    @strawberry.field(description="The author the sender has claimed (their profile), if any.")
    async def author(
        self, info: Info
    ) -> Annotated[Author, strawberry.lazy("schema.authors")] | None:
        from resolvers.viewer_state import claimed_author_of

        author_id = await claimed_author_of(self._user_id)
        return None if author_id is None else await _author(info, author_id)


@strawberry.type(description="An invitation to collaborate; readable by its two parties only.")
class Invitation(Node):
    _row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Invitation:
        return cls(id=strawberry.ID(to_global_id("Invitation", row["id"])), _row=row)

    @strawberry.field(
        description="PENDING until the claimant accepts or declines.", metadata=reads()
    )
    def status(self) -> InvitationStatus:
        return InvitationStatus(self._row["status"])

    @strawberry.field(description="The sender's message, 1 to 2,000 characters.", metadata=reads())
    def message(self) -> str:
        return str(self._row["message"])

    @strawberry.field(description="Who sent it.", metadata=reads())
    def sender(self) -> InvitationSender:
        return InvitationSender(
            id=strawberry.ID(to_global_id("User", self._row["sender_id"])),
            email=str(self._row["sender_email"]),
            _user_id=int(self._row["sender_id"]),
        )

    @strawberry.field(
        description="The invited author.", metadata=reads(node="Author", ref=_author_ref)
    )
    async def author(self, info: Info) -> Annotated[Author, strawberry.lazy("schema.authors")]:
        return await _author(info, int(self._row["author_id"]))

    @strawberry.field(description="When it was sent.", metadata=reads())
    def created_at(self) -> datetime.datetime:
        value = timestamp(self._row["created_at"])
        assert value is not None
        return value

    @strawberry.field(
        description="When it was accepted or declined; null while PENDING.", metadata=reads()
    )
    def responded_at(self) -> datetime.datetime | None:
        return timestamp(self._row["responded_at"])


@strawberry.type(description="A page of invitations, newest first.")
class InvitationConnection(Connection[Invitation]):
    pass


@strawberry.type(description="The signed-in user and what is theirs.")
class Viewer:
    _user: strawberry.Private[UserModel]

    @strawberry.field(description="The signed-in account.", metadata=reads())
    def user(self) -> User:
        return User.of(self._user)

    @strawberry.field(description="Authors the viewer follows, most recently followed first.")
    async def following(
        self, info: Info, first: First = None, after: After = None
    ) -> Annotated[AuthorConnection, strawberry.lazy("schema.authors")]:
        from schema.authors import Author, AuthorConnection

        page = await data.following_page(info.context, self._user.id, first, after, Author.of)
        return AuthorConnection.of(page)  # type: ignore[no-any-return]

    @strawberry.field(description="The viewer's claims, newest first.", metadata=reads())
    async def claims(self) -> list[Claim]:
        return [Claim.of(r) for r in await data.claims_of(self._user.id)]

    @strawberry.field(
        description="Admins: the claims waiting for review, oldest first (at most 100);"
        " FORBIDDEN for anyone else.",
        metadata=reads(),
    )
    async def claims_to_review(self, info: Info) -> list[Claim]:
        try:
            rows = await claim_data.claims_to_review(info.context)
        except Refused as refused:
            raise refused.as_error() from None
        return [Claim.of(r) for r in rows]

    @strawberry.field(description="Invitations received (as a claimant) or sent; newest first.")
    async def invitations(
        self,
        direction: Annotated[
            invitation_data.Direction,
            strawberry.argument(description="RECEIVED (the default) or SENT."),
        ] = invitation_data.Direction.RECEIVED,
        first: First = None,
        after: After = None,
    ) -> InvitationConnection:
        page = await invitation_data.invitations_page(
            self._user.id, direction, first, after, Invitation.of
        )
        return InvitationConnection.of(page)  # type: ignore[no-any-return]


@strawberry.type
class ViewerQueries:
    @strawberry.field(
        description="The signed-in user; null with UNAUTHENTICATED when anonymous.",
        metadata=reads(outside=True),
    )
    def viewer(self, info: Info) -> Viewer | None:
        user = info.context.principal.user
        if user is None:
            raise Refused(Code.UNAUTHENTICATED, "Sign in to see your viewer").as_error()
        return Viewer(_user=user)


async def _claim_node(ctx: Context, gid: GlobalId) -> Claim | None:
    try:
        row = await claim_data.claim_for_viewer(ctx, gid.int_id)
    except Refused as refused:
        raise refused.as_error() from None
    return Claim.of(row) if row is not None else None


async def _invitation_node(ctx: Context, gid: GlobalId) -> Invitation | None:
    try:
        row = await invitation_data.invitation_for_viewer(ctx, gid.int_id)
    except Refused as refused:
        raise refused.as_error() from None
    return Invitation.of(row) if row is not None else None


NODE_RESOLVERS["Claim"] = _claim_node
NODE_RESOLVERS["Invitation"] = _invitation_node
