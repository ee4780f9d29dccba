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
from schema.cost import reads
from schema.social import Claim, Invitation, User, UserError

if TYPE_CHECKING:
    from schema.authors import Author

T = TypeVar("T")
AuthorRef = Annotated["Author", strawberry.lazy("schema.authors")]
#: every mutation here: the planner runs the write (the resolver, once) and shapes its payload,
#: reading the author it holds (or its claim's or invitation's) in one statement (server/planner/)
WRITES = reads(outside=True)
AuthorId = Annotated[
    strawberry.ID,
    strawberry.argument(description="The author's global id, `orcid:…` or `openalex:A…`."),
]
Email = Annotated[
    str, strawberry.argument(description="The account's email, at most 320 characters.")
]


async def attempt(work: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    try:
        return await work, []
    except Refused as refused:
        return None, [UserError.of(refused)]


@strawberry.type(description="The result of `signUp` or `logIn`.")
class AuthPayload:
    token: str | None = strawberry.field(
        description="The Bearer token, shown once: send `Authorization: Bearer TOKEN`; null when"
        " refused."
    )
    user: User | None = strawberry.field(description="The signed-in account; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the mutation was refused; empty when it succeeded."
    )


@strawberry.type(description="The result of `logOut`.")
class LogOutPayload:
    ok: bool = strawberry.field(description="The token is revoked.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the mutation was refused; empty when it succeeded."
    )


@strawberry.type(description="The result of `follow` or `unfollow`.")
class FollowPayload:
    author: AuthorRef | None = strawberry.field(
        description="The author, with `viewerIsFollowing` updated; null when refused.",
        metadata=reads(node="Author"),
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the mutation was refused; empty when it succeeded."
    )


@strawberry.type(description="The result of `claimAuthor` or `reviewClaim`.")
class ClaimPayload:
    claim: Claim | None = strawberry.field(description="The claim; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the mutation was refused; empty when it succeeded."
    )


@strawberry.type(description="The result of an edit to an author's profile.")
class AuthorPayload:
    author: AuthorRef | None = strawberry.field(
        description="The author as edited; null when refused.",
        metadata=reads(node="Author"),
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the mutation was refused; empty when it succeeded."
    )


@strawberry.type(description="The result of `sendInvitation` or `respondToInvitation`.")
class InvitationPayload:
    invitation: Invitation | None = strawberry.field(
        description="The invitation; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the mutation was refused; empty when it succeeded."
    )


def _auth(session: accounts.Session | None, errors: list[UserError]) -> AuthPayload:
    if session is None:
        return AuthPayload(token=None, user=None, user_errors=errors)
    return AuthPayload(token=session.token, user=User.of(session.user), user_errors=[])


@strawberry.type
class SocialMutations:
    @strawberry.mutation(
        description="Create an account and return its first token.", metadata=WRITES
    )
    async def sign_up(
        self,
        info: Info,
        email: Email,
        password: Annotated[
            str,
            strawberry.argument(
                description="8 to 1,024 characters with at least 4 different ones; common"
                " passwords and the email itself get WEAK_PASSWORD."
            ),
        ],
    ) -> AuthPayload:
        return _auth(*await attempt(accounts.sign_up(email, password, info.context)))

    @strawberry.mutation(
        description="Exchange an email and password for a new token.", metadata=WRITES
    )
    async def log_in(
        self,
        info: Info,
        email: Email,
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> AuthPayload:
        return _auth(*await attempt(accounts.log_in(email, password, info.context)))

    @strawberry.mutation(
        description="Revoke the token this request was made with.", metadata=WRITES
    )
    async def log_out(self, info: Info) -> LogOutPayload:
        token_id = info.context.principal.token_id
        if info.context.principal.user is None or token_id is None:
            error = Refused(Code.UNAUTHENTICATED, "Sign in first: there is no token to revoke")
            return LogOutPayload(ok=False, user_errors=[UserError.of(error)])
        await accounts.revoke_token_id(token_id, info.context.redis)
        return LogOutPayload(ok=True, user_errors=[])

    @strawberry.mutation(description="Follow an author (idempotent).", metadata=WRITES)
    async def follow(self, info: Info, author_id: AuthorId) -> FollowPayload:
        row, errors = await attempt(social.follow(info.context, str(author_id)))
        return FollowPayload(author=_wrap_author(row), user_errors=errors)

    @strawberry.mutation(description="Stop following an author (idempotent).", metadata=WRITES)
    async def unfollow(self, info: Info, author_id: AuthorId) -> FollowPayload:
        row, errors = await attempt(social.unfollow(info.context, str(author_id)))
        return FollowPayload(author=_wrap_author(row), user_errors=errors)

    @strawberry.mutation(
        description="Claim an author: VERIFIED at once when `orcid` (default: your verified"
        " ORCID iD) matches both your verified ORCID iD and the author's; PENDING otherwise.",
        metadata=WRITES,
    )
    async def claim_author(
        self,
        info: Info,
        author_id: AuthorId,
        orcid: Annotated[
            str | None,
            strawberry.argument(description="Your ORCID iD; null means your verified ORCID iD."),
        ] = None,
    ) -> ClaimPayload:
        row, errors = await attempt(claims.claim_author(info.context, str(author_id), orcid))
        return ClaimPayload(claim=Claim.of(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="Admins: approve (CLAIMED, or VERIFIED with `verify`) or reject a claim.",
        metadata=WRITES,
    )
    async def review_claim(
        self,
        info: Info,
        claim_id: Annotated[
            strawberry.ID, strawberry.argument(description="The claim's global id.")
        ],
        approve: Annotated[
            bool, strawberry.argument(description="True approves the claim, false rejects it.")
        ],
        note: Annotated[
            str | None,
            strawberry.argument(description="A note for the claimant, up to 2,000 characters."),
        ] = None,
        verify: Annotated[
            bool,
            strawberry.argument(description="With `approve`: make it VERIFIED, not CLAIMED."),
        ] = False,
    ) -> ClaimPayload:
        row, errors = await attempt(
            claims.review_claim(info.context, str(claim_id), approve, note, verify)
        )
        return ClaimPayload(claim=Claim.of(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="The author's claimant or an admin: set openToCollaborate.",
        metadata=WRITES,
    )
    async def set_open_to_collaborate(
        self,
        info: Info,
        author_id: AuthorId,
        open: Annotated[
            bool, strawberry.argument(description="The new value of `openToCollaborate`.")
        ],
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
        " NOTHING_TO_UPDATE, TEXT_TOO_LONG, CONTROL_CHARACTERS.",
        metadata=WRITES,
    )
    async def update_author_profile(
        self,
        info: Info,
        author_id: AuthorId,
        description: Annotated[
            str | None,
            strawberry.argument(description="The new bio line; empty clears it, null keeps it."),
        ] = None,
        open_to_collaborate: Annotated[
            bool | None,
            strawberry.argument(description="The new `openToCollaborate`; null keeps it."),
        ] = None,
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
        description="Invite a claimed author to collaborate (1 to 2,000 characters).",
        metadata=WRITES,
    )
    async def send_invitation(
        self,
        info: Info,
        author_id: AuthorId,
        message: Annotated[
            str, strawberry.argument(description="Your message, 1 to 2,000 characters.")
        ],
    ) -> InvitationPayload:
        row, errors = await attempt(
            invitations.send_invitation(info.context, str(author_id), message)
        )
        return InvitationPayload(invitation=Invitation.of(row) if row else None, user_errors=errors)

    @strawberry.mutation(
        description="The invited author's claimant: accept or decline.", metadata=WRITES
    )
    async def respond_to_invitation(
        self,
        info: Info,
        invitation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The invitation's global id.")
        ],
        accept: Annotated[bool, strawberry.argument(description="True accepts, false declines.")],
    ) -> InvitationPayload:
        row, errors = await attempt(
            invitations.respond_to_invitation(info.context, str(invitation_id), accept)
        )
        return InvitationPayload(invitation=Invitation.of(row) if row else None, user_errors=errors)


def _wrap_author(row: Row | None) -> Author | None:
    from schema.authors import Author

    return Author.of(row) if row is not None else None
