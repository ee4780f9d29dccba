"""Admin commands for accounts: `peergraph user …`, `peergraph token …`, `peergraph claim …`.

A command that creates a secret prints it alone on the last line of stdout; everything else goes
to stderr. Loaded by `cli._load_extra_commands`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from models.social import Claim, User
from resolvers import accounts
from resolvers.ids import to_global_id
from resolvers.refusals import Code, Refused


async def create_user(email: str, *, admin: bool, orcid: str | None) -> str:
    """A new user (an ORCID iD given by an admin counts as verified) and its first token."""
    user = await accounts.create_user(email, is_admin=admin, orcid=orcid, orcid_verified=True)
    return await accounts.issue_token(user)


async def create_token(email: str, ttl_seconds: int | None) -> str:
    user = await _user(email)
    return await accounts.issue_token(user, ttl_seconds)


async def revoke(raw: str | None, email: str | None) -> int:
    if email is not None:
        return await accounts.revoke_all(await _user(email))
    assert raw is not None
    return int(await accounts.revoke_token(raw))


async def pending_claims() -> list[str]:
    claims = await Claim.filter(status="PENDING").order_by("id").select_related("user", "author")
    return [
        f"{to_global_id('Claim', c.id)}\t{c.user.email}\t{c.author.display_name}"
        f"\t{to_global_id('Author', c.author.id)}\t{c.orcid or '-'}"
        for c in claims
    ]


async def _user(email: str) -> User:
    user = await User.get_or_none(email=email.strip().lower())
    if user is None:
        raise Refused(Code.NOT_FOUND, f"no user with email {email}")
    return user


def run_command(body: Callable[[], Awaitable[int]]) -> int:
    from models import database

    async def main() -> int:
        await database.open_db()
        try:
            return await body()
        except Refused as refused:
            print(f"peergraph: {refused.message} ({refused.code.value})", file=sys.stderr)
            return 1
        finally:
            await database.close_db()

    return asyncio.run(main())


def cmd_user_create(args: argparse.Namespace) -> int:
    async def body() -> int:
        token = await create_user(args.email, admin=args.admin, orcid=args.orcid)
        role = "admin" if args.admin else "user"
        print(f"peergraph: created {role} {args.email.strip().lower()}; token:", file=sys.stderr)
        print(token)
        return 0

    return run_command(body)


def cmd_token_create(args: argparse.Namespace) -> int:
    async def body() -> int:
        print(await create_token(args.email, args.ttl))
        return 0

    return run_command(body)


def cmd_token_revoke(args: argparse.Namespace) -> int:
    if (args.token is None) == (args.user is None):
        print("peergraph token revoke: give a TOKEN (or - for stdin) or --user", file=sys.stderr)
        return 2
    raw = sys.stdin.readline().strip() if args.token == "-" else args.token

    async def body() -> int:
        count = await revoke(raw, args.user)
        print(f"peergraph: revoked {count} token(s)", file=sys.stderr)
        return 0 if count or args.user else 1

    return run_command(body)


def cmd_claim_list(_args: argparse.Namespace) -> int:
    async def body() -> int:
        for line in await pending_claims():
            print(line)
        return 0

    return run_command(body)


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="manage user accounts").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    p = user.add_parser("create", help="create a user; prints its token on the last line")
    p.add_argument("email")
    p.add_argument("--admin", action="store_true", help="may review claims")
    p.add_argument("--orcid", help="the user's ORCID iD, recorded as verified")
    p.set_defaults(handler=cmd_user_create)

    token = sub.add_parser("token", help="manage Bearer tokens").add_subparsers(
        dest="token_command", required=True, metavar="ACTION"
    )
    p = token.add_parser("create", help="a new token for a user; printed on the last line")
    p.add_argument("email")
    p.add_argument("--ttl", type=int, help="lifetime in seconds (default: the configured TTL)")
    p.set_defaults(handler=cmd_token_create)
    p = token.add_parser("revoke", help="revoke one token, or all of a user's")
    p.add_argument("token", nargs="?", help="the raw token, or - to read it from stdin")
    p.add_argument("--user", metavar="EMAIL", help="revoke every token of this user")
    p.set_defaults(handler=cmd_token_revoke)

    claim = sub.add_parser("claim", help="author claims").add_subparsers(
        dest="claim_command", required=True, metavar="ACTION"
    )
    p = claim.add_parser("list", help="pending claims: id, email, author, author id, ORCID")
    p.set_defaults(handler=cmd_claim_list)
