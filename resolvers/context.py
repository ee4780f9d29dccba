"""The typed per-request context: who asks, the loaders, Redis and arq handles, settings.

schema/context.py adds the Strawberry `Info` alias over it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resolvers.loaders import Loaders
from settings import SETTINGS, Settings

if TYPE_CHECKING:
    from models.social import ApiKey, User


@dataclass
class Principal:
    """Who is asking: a signed-in user (Bearer token), a partner (X-API-Key), or anonymous."""

    user: User | None = None
    api_key: ApiKey | None = None
    client_ip: str = "unknown"
    token_id: int | None = None

    @property
    def kind(self) -> str:
        """anonymous, user, partner or internal (the caller kind of metrics and logs)."""
        if self.api_key is not None:
            return str(self.api_key.tier)
        return "user" if self.user is not None else "anonymous"


@dataclass
class Context:
    loaders: Loaders = field(default_factory=Loaders)
    principal: Principal = field(default_factory=Principal)
    #: redis.asyncio.Redis, or None when Redis is not configured or is down
    redis: Any = None
    #: arq.connections.ArqRedis, or None
    arq: Any = None
    settings: Settings = SETTINGS
    #: the Starlette Request or WebSocket, when there is one
    request: Any = None
    #: extra `extensions` for the response (cost, rate limit)
    response_extensions: dict[str, Any] = field(default_factory=dict)
    #: extra HTTP headers for the response
    response_headers: dict[str, str] = field(default_factory=dict)
