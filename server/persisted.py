"""Automatic Persisted Queries (Apollo's protocol) and trusted documents.

APQ: a client sends `extensions.persistedQuery = {version: 1, sha256Hash}` without `query`; a
known hash runs the stored document, an unknown one answers `PERSISTED_QUERY_NOT_FOUND` and the
client sends the query with its hash once, which stores it in Redis (`APQ_TTL_SECONDS`). GET
works the same way, so the answers of hash-only GETs can be cached by a CDN.

Trusted documents: the frontend's queries, `docs/queries/*.graphql` (committed), are always
known by their hash. With `TRUSTED_DOCUMENTS` on, anonymous callers may run only those (sent by
hash or as text, whitespace and comments aside); API keys and signed-in users may run anything.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode, parse
from graphql.language import print_ast
from redis.exceptions import RedisError

import settings
from resolvers.errors import ApiError
from schema.context import Context
from server.execution import Operation, RequestError, coded
from server.lru import LRU
from workers import keys

log = logging.getLogger("peergraph.persisted")

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_INVALID = "PERSISTED_QUERY_INVALID"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
TRUSTED_DOCUMENT_REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
_HASH = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(ApiError):
    code = PERSISTED_QUERY_NOT_FOUND


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TrustedDocuments:
    by_hash: dict[str, str]
    normalized: frozenset[str]

    @classmethod
    def load(cls, directory: Path) -> TrustedDocuments:
        by_hash: dict[str, str] = {}
        normalized: set[str] = set()
        for path in sorted(directory.glob("*.graphql")):
            text = path.read_text(encoding="utf-8")
            by_hash[sha256(text)] = text
            normalized.add(print_ast(parse(text)))
        return cls(by_hash, frozenset(normalized))


_trusted: dict[Path, TrustedDocuments] = {}


def trusted_documents() -> TrustedDocuments:
    directory = settings.TRUSTED_DOCUMENTS_DIR
    if directory not in _trusted:
        _trusted[directory] = TrustedDocuments.load(directory)
    return _trusted[directory]


#: Recently seen persisted documents by hash, in front of Redis, bounded in entries and characters.
RECENT: LRU[str, str] = LRU(2000, max_weight=16 * 1024 * 1024, weigh=len)
#: Whether a document text is a trusted document ("yes"/"no"), by text.
_TRUSTED_TEXT: LRU[str, str] = LRU(5000)


def _persisted_hash(op: Operation) -> str | None:
    extensions = op.extensions or {}
    if "persistedQuery" not in extensions:
        return None
    pq = extensions["persistedQuery"]
    if not isinstance(pq, dict) or pq.get("version") != 1:
        raise RequestError(
            [coded("`extensions.persistedQuery` needs `version: 1`", PERSISTED_QUERY_INVALID)]
        )
    value = pq.get("sha256Hash")
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise RequestError(
            [
                coded(
                    "`persistedQuery.sha256Hash` must be the lowercase hex SHA-256 of the query",
                    PERSISTED_QUERY_INVALID,
                )
            ]
        )
    return value


async def resolve_persisted(op: Operation, ctx: Context) -> None:
    """Pre-parse hook: fill `op.query` from its hash, or note a new document to store."""
    digest = _persisted_hash(op)
    if digest is None:
        return
    if op.query:
        if sha256(op.query) != digest:
            raise RequestError(
                [
                    coded(
                        "`persistedQuery.sha256Hash` is not the SHA-256 of `query`",
                        PERSISTED_QUERY_HASH_MISMATCH,
                    )
                ]
            )
        op.meta["persist"] = digest
        return
    text = trusted_documents().by_hash.get(digest) or RECENT.get(digest)
    if text is None and ctx.redis is not None:
        try:
            raw = await ctx.redis.get(keys.apq_key(digest))
        except (RedisError, OSError) as error:
            log.warning("persisted queries: Redis unavailable (%s)", error)
            raw = None
        if raw is not None:
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            RECENT.put(digest, text)
    if text is None:
        raise PersistedQueryNotFound(
            "PersistedQueryNotFound: send the query with its sha256Hash once to store it"
        )
    op.query = text


def storage_points(op: Operation, *, free: bool) -> int:
    """The points storing the operation's new document costs (added to its cost), or 0 when
    nothing is to be stored: no document offered, one already known, or a free operation (free
    operations store nothing: they would be unbounded, free writes)."""
    digest = op.meta.get("persist")
    if not digest:
        return 0
    if free or digest in trusted_documents().by_hash or RECENT.get(digest) == op.query:
        op.meta.pop("persist", None)
        return 0
    size = len(op.query.encode("utf-8", "surrogatepass"))
    return 1 + (size - 1) // max(1, settings.APQ_BYTES_PER_POINT)


#: KEYS caller counter, total counter; ARGV size, caller limit, caller window ms, total limit,
#: total window ms → 1 when both counters could take `size` more bytes (then they did), else 0
RESERVE_LUA = """
local size = tonumber(ARGV[1])
local mine = tonumber(redis.call('GET', KEYS[1]) or '0')
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
if mine + size > tonumber(ARGV[2]) or total + size > tonumber(ARGV[4]) then
  return 0
end
redis.call('INCRBY', KEYS[1], size)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
redis.call('INCRBY', KEYS[2], size)
if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
return 1
"""


async def _reserve(ctx: Context, size: int) -> bool:
    """Room for `size` more bytes in the caller's and everyone's persisted-query allowance."""
    from resolvers.budget import caller

    name, _limit = caller(ctx.principal)
    args = (
        size,
        settings.APQ_BYTES_PER_CALLER,
        settings.BUDGET_WINDOW_SECONDS * 1000,
        # bytes stored per TTL period; the documents of the period before may still live
        settings.APQ_MAX_TOTAL_BYTES // 2,
        settings.APQ_TTL_SECONDS * 1000,
    )
    names = (keys.apq_bytes_key(name), keys.APQ_TOTAL_BYTES_KEY)
    return bool(await ctx.redis.eval(RESERVE_LUA, 2, *names, *args))


async def store_persisted(op: Operation, ctx: Context) -> None:
    """After the operation is accepted (valid, within cost, charged with `storage_points`),
    store its new document, within the caller's and the total allowance; past them the
    operation still runs and `extensions.persistedQuery.stored` says it was not stored."""
    digest = op.meta.get("persist")
    if not digest or ctx.redis is None:
        return
    size = len(op.query.encode("utf-8", "surrogatepass"))
    try:
        if not await _reserve(ctx, size):
            ctx.response_extensions["persistedQuery"] = {
                "stored": False,
                "reason": "the persisted-query storage allowance is spent: send the query"
                " with its hash, or use a trusted document",
            }
            return
        await ctx.redis.set(keys.apq_key(digest), op.query, ex=settings.APQ_TTL_SECONDS)
    except (RedisError, OSError) as error:
        log.warning("persisted queries: not stored, Redis unavailable (%s)", error)
        return
    RECENT.put(digest, op.query)


def _anonymous(ctx: Context) -> bool:
    return ctx.principal.api_key is None and ctx.principal.user is None


def is_trusted(op: Operation) -> bool:
    documents = trusted_documents()
    if sha256(op.query) in documents.by_hash:
        return True
    known = _TRUSTED_TEXT.get(op.query)
    if known is None:
        assert op.document is not None
        known = "yes" if print_ast(op.document) in documents.normalized else "no"
        _TRUSTED_TEXT.put(op.query, known)
    return known == "yes"


def check_policy(op: Operation, ctx: Context, *, free: bool = False) -> None:
    """Trusted-documents mode and the introspection policy for anonymous callers. A free
    operation (only `rateLimit`) is allowed in trusted-documents mode."""
    if not _anonymous(ctx):
        return
    if settings.TRUSTED_DOCUMENTS and not free and not is_trusted(op):
        raise RequestError(
            [
                coded(
                    "Anonymous callers may run only the trusted documents (docs/queries);"
                    " use an API key for other queries",
                    TRUSTED_DOCUMENT_REQUIRED,
                )
            ],
            403,
        )
    definition = op.definition
    if (
        not settings.ANONYMOUS_INTROSPECTION
        and definition is not None
        and _introspects(op, definition.selection_set, set())
    ):
        raise RequestError([coded("Introspection needs an API key", INTROSPECTION_DISABLED)], 403)


def _introspects(op: Operation, selection_set: SelectionSetNode, seen: set[str]) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value in ("__schema", "__type"):
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _introspects(op, selection.selection_set, seen):
                return True
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            for definition in op.document.definitions if op.document else ():
                name = getattr(getattr(definition, "name", None), "value", None)
                if name == selection.name.value and _introspects(
                    op,
                    definition.selection_set,  # type: ignore[attr-defined]
                    seen,
                ):
                    return True
    return False
