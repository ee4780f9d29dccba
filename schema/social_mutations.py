"""The Mutation fields of the identity and social flows. Every payload carries its result and
`userErrors`; an expected failure fills `userErrors` (stable codes) and leaves the result null."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from resolvers import accounts, claims, invitations, profile_edit, social
from resolvers.refusals import Code, Refused
from resolvers.sql import Row
from schema.context import Info
from schema.social import Claim, Invitation, User, UserError

if TYPE_CHECKING:
    from schema.authors import Author

T = TypeVar("T")
AuthorRef = Annotated["Author", strawberry.lazy("schema.authors")]


async def attempt(work: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    try:
        return await work, []
    except Refused as refused:
        return None, [UserError.of(refused)]


@strawberry.type
class AuthPayload:
    token: str | None = strawberry.field(description="The Bearer token; shown once.")
    user: User | None
    user_errors: list[UserError]


@strawberry.type
class LogOutPayload:
    ok: bool
    user_errors: list[UserError]


@strawberry.type
class FollowPayload:
    author: AuthorRef | None
    user_errors: list[UserError]


@strawberry.type
class ClaimPayload:
    claim: Claim | None
    user_errors: list[UserError]


@strawberry.type
class AuthorPayload:
    author: AuthorRef | None
    user_errors: list[UserError]


@strawberry.type
class InvitationPayload:
    invitation: Invitation | None
    user_errors: list[UserError]


def _auth(session: accounts.Session | None, errors: list[UserError]) -> AuthPayload:
    if session is None:
        return AuthPayload(token=None, user=None, user_errors=errors)
    return AuthPayload(token=session.token, user=User.of(session.user), user_errors=[])


@strawberry.type
class SocialMutations:
    @strawberry.mutation(description="Create an account and return its first token.")
    async def sign_up(self, info: Info, email: str, password: str) -> AuthPayload:
        return _auth(*await attempt(accounts.sign_up(email, password, info.context)))

    @strawberry.mutation(description="Exchange an email and password for a new token.")
    async def log_in(self, info: Info, email: str, password: str) -> AuthPayload:
        return _auth(*await attempt(accounts.log_in(email, password, info.context)))

    @strawberry.mutation(description="Revoke the token this request was made with.")
    async def log_out(self, info: Info) -> LogOutPayload:
        token_id = info.context.principal.token_id
        if info.context.principal.user is None or token_id is None:
            error = Refused(Code.UNAUTHENTICATED, "Sign in first: there is no token to revoke")
            return LogOutPayload(ok=False, user_errors=[UserError.of(error)])
        await accounts.revoke_token_id(token_id, info.context.redis)
        return LogOutPayload(ok=True, user_errors=[])

    @strawberry.mutation(description="Follow an author (idempotent).")
    async def follow(self, info: Info, author_id: strawberry.ID) -> FollowPayload:
        row, errors = await attempt(social.follow(info.context, str(author_id)))
        return FollowPayload(author=_wrap_author(row), user_errors=errors)

    @strawberry.mutation(description="Stop following an author (idempotent).")
    async def unfollow(self, info: Info, author_id: strawberry.ID) -> FollowPayload:
        row, errors = await attempt(social.unfollow(info.context, str(author_id)))
        return FollowPayload(author=_wrap_author(row), user_errors=errors)

    @strawberry.mutation(
        description="Claim an author: VERIFIED at once when `orcid` (default: your verified"
        " ORCID iD) matches both your verified ORCID iD and the author's; PENDING otherwise."
    )
    async def claim_author(
        self, info: Info, author_id: strawberry.ID, orcid: str | None = None
    ) -> ClaimPayload:
        row, errors = await attempt(claims.claim_author(info.context, str(author_id), orcid))
        return ClaimPayload(claim=Claim.of(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Admins: approve (CLAIMED, or VERIFIED with `verify`) or reject a claim."
    )
    async def review_claim(
        self,
        info: Info,
        claim_id: strawberry.ID,
        approve: bool,
        note: str | None = None,
        verify: bool = False,
    ) -> ClaimPayload:
        row, errors = await attempt(
            claims.review_claim(info.context, str(claim_id), approve, note, verify)
        )
        return ClaimPayload(claim=Claim.of(row) if row else None, user_errors=errors)

    @strawberry.mutation(description="The author's claimant or an admin: set openToCollaborate.")
    async def set_open_to_collaborate(
        self, info: Info, author_id: strawberry.ID, open: bool
    ) -> AuthorPayload:
        found, errors = await attempt(
            claims.set_open_to_collaborate(info.context, str(author_id), open)
        )
        if found is None:
            return AuthorPayload(author=None, user_errors=errors)
        row = await social.fresh_author(info.context, found)
        return AuthorPayload(author=_wrap_author(row), user_errors=[])

    @strawberry.mutation(
        description="The author's claimant or an admin: set the bio line (`description`, at most"
        f" {profile_edit.MAX_DESCRIPTION} characters, one line; empty clears it) and/or"
        " `openToCollaborate`. Refusals: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND,"
        " NOTHING_TO_UPDATE, TEXT_TOO_LONG, CONTROL_CHARACTERS."
    )
    async def update_author_profile(
        self,
        info: Info,
        author_id: strawberry.ID,
        description: str | None = None,
        open_to_collaborate: bool | None = None,
    ) -> AuthorPayload:
        found, errors = await attempt(
            profile_edit.update_author_profile(
                info.context, str(author_id), description, open_to_collaborate
            )
        )
        if found is None:
            return AuthorPayload(author=None, user_errors=errors)
        row = await social.fresh_author(info.context, found)
        return AuthorPayload(author=_wrap_author(row), user_errors=[])

    @strawberry.mutation(
        description="Invite a claimed author to collaborate (1 to 2,000 characters)."
    )
    async def send_invitation(
        self, info: Info, author_id: strawberry.ID, message: str
    ) -> InvitationPayload:
        row, errors = await attempt(
            invitations.send_invitation(info.context, str(author_id), message)
        )
        return InvitationPayload(invitation=Invitation.of(row) if row else None, user_errors=errors)

    @strawberry.mutation(description="The invited author's claimant: accept or decline.")
    async def respond_to_invitation(
        self, info: Info, invitation_id: strawberry.ID, accept: bool
    ) -> InvitationPayload:
        row, errors = await attempt(
            invitations.respond_to_invitation(info.context, str(invitation_id), accept)
        )
        return InvitationPayload(invitation=Invitation.of(row) if row else None, user_errors=errors)


def _wrap_author(row: Row | None) -> Author | None:
    from schema.authors import Author

    return Author.of(row) if row is not None else None
