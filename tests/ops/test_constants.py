"""One home for each constant: every Redis key under one prefix, every setting read once."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import uuid
from enum import Enum
from typing import Any

from server.lru import LRU
from tests.conftest import GraphQLClient
from tests.serving import REPO
from tests.slices.helpers import gid, make_coauthors, until_done
from workers import keys

#: arq names its own keys; everything else peergraph writes is under keys.PREFIX.
ARQ_PREFIX = "arq:"


async def test_every_key_the_api_and_the_worker_write_is_under_one_prefix(
    client: Any, gql: GraphQLClient, redis: Any, worker: Any
) -> None:
    # given an empty Redis
    assert await redis.dbsize() == 0
    # when a caller registers a persisted query, spends points, and builds a slice with a worker
    # (a text of its own: the server does not store again what it stored in this process)
    query = f"query Kept {{ works(first: 1) {{ totalCount }} }} # {uuid.uuid4()}"
    digest = hashlib.sha256(query.encode()).hexdigest()
    apq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    response = await client.post("/graphql", json={"query": query, "extensions": apq})
    assert "errors" not in response.json(), response.json()
    ada, _bob = await make_coauthors()
    built = await until_done(gql, {"input": {"center": gid("Author", ada.id)}})
    assert built["status"] == "READY"
    # then every key in Redis is peergraph's prefix or arq's own
    found = [k.decode() async for k in redis.scan_iter("*")]
    assert any(k.startswith(keys.BUDGET_PREFIX) for k in found), found
    assert keys.apq_key(digest) in found, found
    strays = [k for k in found if not k.startswith((keys.PREFIX + ":", ARQ_PREFIX))]
    assert strays == []


def test_only_settings_py_reads_the_environment() -> None:
    # given every module of the application (not the tests, benchmarks or CI scripts)
    packages = ["server", "schema", "resolvers", "models", "workers", "importers"]
    modules = [REPO / "app.py", REPO / "cli.py"]
    modules += [p for package in packages for p in (REPO / package).rglob("*.py")]
    # when each is searched for a read of a setting or of the environment
    reads = re.compile(r"\bconfig\(\s*\"|os\.environ\.get|os\.getenv|os\.environ\[[^\]]+\](?!\s*=)")
    offenders = [str(p.relative_to(REPO)) for p in modules if reads.search(p.read_text())]
    # then there is none: settings.py reads each once, the others import it
    assert offenders == []


def test_vulture_finds_no_dead_code() -> None:
    # when vulture reads the code with its configuration (pyproject.toml, vulture_whitelist.py)
    done = subprocess.run(
        [sys.executable, "-m", "vulture"], cwd=REPO, capture_output=True, text=True, check=False
    )
    # then it reports nothing: delete what nothing uses, or whitelist what a framework uses
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_cache_helper_forgets_the_least_recently_used_entry() -> None:
    # given a cache of two where `a` was read after `b` was written
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    # when a third entry comes
    cache.put("c", 3)
    # then `b`, the least recently used, is gone
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


def test_the_cache_helper_bounds_the_total_weight() -> None:
    # given a cache of 10 entries and 10 characters in all
    cache: LRU[str, str] = LRU(10, max_weight=10, weigh=len)
    cache.put("a", "x" * 4)
    cache.put("b", "x" * 4)
    # when an entry that passes the weight comes, and one replaces an entry
    cache.put("c", "x" * 4)
    cache.put("c", "x" * 2)
    # then the least recently used go first, and the weight counts each entry once
    assert (cache.get("a"), len(cache), cache.weight) == (None, 2, 6)


def test_each_enum_the_api_shows_is_defined_once() -> None:
    # given the GraphQL enums and the enums below the schema that hold the same concepts
    from models import enums
    from resolvers.ids import ExternalIdScheme
    from resolvers.search import NodeKind
    from schema import schema
    from workers import slice_spec
    from workers.slices import EDGE_KINDS

    def graphql(name: str) -> type[Enum]:
        enum: type[Enum] = schema.get_type_by_name(name).wrapped_cls  # type: ignore[union-attr,assignment]
        return enum

    # then the schema shows those very enums, not copies
    assert graphql("EdgeKind") is slice_spec.EdgeKind
    assert graphql("SliceStatus") is slice_spec.SliceStatus
    assert graphql("InvitationStatus") is enums.InvitationStatus
    assert graphql("NodeKind") is NodeKind
    assert graphql("ExternalIdScheme") is ExternalIdScheme
    assert tuple(slice_spec.EdgeKind) == EDGE_KINDS
    # and the two claim enums are the stored status, each without the value its field never has
    stored = [s.value for s in enums.ClaimStatus]
    claim_state = [s.value for s in graphql("ClaimStatus")]
    claim_request = [s.value for s in graphql("ClaimRequestStatus")]
    assert claim_state == [s for s in stored if s != "REJECTED"]
    assert claim_request == [s for s in stored if s != "UNCLAIMED"]


def test_enum_values_are_described_one_way() -> None:
    # given the schema's modules
    sources = {p.name: p.read_text() for p in (REPO / "schema").glob("*.py")}
    # then no enum is declared with strawberry's own decorator or enum_value: every GraphQL enum is
    # a plain Enum (defined where its values are used) described by schema.common.describe
    assert [n for n, text in sources.items() if "strawberry.enum" in text] == ["common.py"]
    assert [n for n, text in sources.items() if "enum_value" in text] == []
