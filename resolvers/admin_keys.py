"""`peergraph apikey create|list|revoke`: partner API keys.

A key is shown once, on the last line of stdout, when it is created; only its SHA-256 digest and
a short prefix (to recognise it in `list`) are stored. Callers send it as `X-API-Key`.
"""

from __future__ import annotations

import argparse
import datetime
import secrets
import sys
from typing import Any

from models.enums import ApiTier
from models.social import ApiKey
from resolvers.admin import run_command
from resolvers.auth import digest

KEY_PREFIX = "pgk_"


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_key(name: str, tier: ApiTier, hourly_budget: int | None = None) -> str:
    """Store a new key and return its secret (never stored)."""
    raw = new_secret()
    await ApiKey.create(
        name=name,
        key_hash=digest(raw),
        prefix=raw[:12],
        tier=tier,
        hourly_budget=hourly_budget,
    )
    return raw


async def revoke_key(ref: str) -> list[ApiKey]:
    """Revoke the active keys whose id, prefix or name is `ref`; returns them."""
    query = ApiKey.filter(revoked_at=None)
    if ref.isdigit():
        keys = await query.filter(id=int(ref))
    elif ref.startswith(KEY_PREFIX):
        keys = await query.filter(prefix=ref[:12])
    else:
        keys = await query.filter(name=ref)
    now = datetime.datetime.now(datetime.UTC)
    for key in keys:
        key.revoked_at = now
        await key.save(update_fields=["revoked_at"])
    return keys


def _cmd_create(args: argparse.Namespace) -> int:

    if not args.name.strip():
        print("peergraph apikey create: NAME must not be empty", file=sys.stderr)
        return 2
    if args.budget is not None and args.budget <= 0:
        print("peergraph apikey create: --budget must be positive", file=sys.stderr)
        return 2

    async def body() -> int:
        raw = await create_key(args.name.strip(), ApiTier(args.tier), args.budget)
        print(
            f"peergraph: created {args.tier} key {args.name!r} ({raw[:12]}…); it is shown only"
            " once, send it as the X-API-Key header",
            file=sys.stderr,
        )
        print(raw)
        return 0

    return run_command(body)


def _cmd_revoke(args: argparse.Namespace) -> int:

    async def body() -> int:
        keys = await revoke_key(args.key)
        if not keys:
            print(f"peergraph apikey revoke: no active key matches {args.key!r}", file=sys.stderr)
            return 1
        for key in keys:
            print(f"revoked {key.id} {key.prefix} {key.name}")
        return 0

    return run_command(body)


def _cmd_list(args: argparse.Namespace) -> int:

    async def body() -> int:
        query = ApiKey.all().order_by("id")
        if not args.all:
            query = query.filter(revoked_at=None)
        print("id\tprefix\ttier\thourly_budget\tcreated_at\trevoked_at\tname")
        for key in await query:
            budget = key.hourly_budget if key.hourly_budget is not None else "default"
            revoked = key.revoked_at.isoformat() if key.revoked_at else "-"
            print(
                f"{key.id}\t{key.prefix}\t{key.tier}\t{budget}\t"
                f"{key.created_at.isoformat()}\t{revoked}\t{key.name}"
            )
        return 0

    return run_command(body)


def register(sub: Any) -> None:
    parser = sub.add_parser("apikey", help="create, list and revoke partner API keys")
    commands = parser.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")

    p = commands.add_parser("create", help="create a key; prints it alone on the last line")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--tier", choices=[t.value for t in ApiTier], default=ApiTier.PARTNER.value)
    p.add_argument("--budget", type=int, help="hourly points (default: the tier's setting)")
    p.set_defaults(handler=_cmd_create)

    p = commands.add_parser("revoke", help="revoke a key by id, prefix (pgk_…) or name")
    p.add_argument("key", metavar="ID|PREFIX|NAME")
    p.set_defaults(handler=_cmd_revoke)

    p = commands.add_parser("list", help="list keys (active ones unless --all)")
    p.add_argument("--all", action="store_true", help="include revoked keys")
    p.set_defaults(handler=_cmd_list)
