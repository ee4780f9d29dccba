"""Throttles for `signUp` and `logIn`, per address and per email.

Each attempt counts in a fixed window (`AUTH_WINDOW_SECONDS`) under two counters: the caller's
address and the email it names (hashed). Over either limit the attempt is refused with
`RATE_LIMITED` before any password is hashed, and the response carries `Retry-After`. So one
address cannot guess passwords or create accounts for their budgets at will, and many addresses
together cannot guess one account's password faster than `LOGINS_PER_EMAIL` per window.

Without Redis the counters are kept in this process (as budgets are): the limits still hold,
per process.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from redis.exceptions import RedisError

import settings
from resolvers.context import Context
from resolvers.refusals import Code, Refused
from workers.keys import auth_attempts_key

log = logging.getLogger("peergraph.throttle")

ACTIONS = {
    "signUp": ("SIGNUPS_PER_ADDRESS", "SIGNUPS_PER_EMAIL"),
    "logIn": ("LOGINS_PER_ADDRESS", "LOGINS_PER_EMAIL"),
}


class _LocalCounters:
    def __init__(self) -> None:
        self.counters: dict[str, tuple[int, float]] = {}

    def count(self, key: str, window: int) -> tuple[int, int]:
        now = time.monotonic()
        used, expires = self.counters.get(key, (0, 0.0))
        if expires <= now:
            used, expires = 0, now + window
            if len(self.counters) > 100_000:
                self.counters = {k: v for k, v in self.counters.items() if v[1] > now}
        self.counters[key] = (used + 1, expires)
        return used + 1, max(1, int(expires - now))


LOCAL = _LocalCounters()


async def _count(redis: Any, key: str, window: int) -> tuple[int, int]:
    """This attempt's number in the window, and the seconds left in it."""
    if redis is not None:
        try:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, window, nx=True)
                pipe.ttl(key)
                count, _, ttl = await pipe.execute()
            return int(count), max(1, int(ttl))
        except (RedisError, OSError) as error:
            log.warning("auth throttle: Redis unavailable (%s); counting in this process", error)
    return LOCAL.count(key, window)


def _email_key(email: str) -> str:
    return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


async def check_attempt(ctx: Context, action: str, email: str) -> None:
    """Count one `action` attempt by this caller for `email`; RATE_LIMITED over a limit."""
    per_address, per_email = (getattr(settings, name) for name in ACTIONS[action])
    window = settings.AUTH_WINDOW_SECONDS
    counters = [
        (f"ip:{ctx.principal.client_ip}", per_address, "this address"),
        (_email_key(email), per_email, "this email"),
    ]
    for who, limit, what in counters:
        count, retry_after = await _count(ctx.redis, auth_attempts_key(action, who), window)
        if count > limit:
            ctx.response_headers["Retry-After"] = str(retry_after)
            raise Refused(
                Code.RATE_LIMITED,
                f"Too many `{action}` attempts from {what} ({limit} per {window} s):"
                f" retry in {retry_after} s",
            )
