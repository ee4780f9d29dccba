"""Fine-grained slice freshness: a write makes stale only the cached slices that show an entity it
changed (docs/slices.md, "Freshness").

Per-entity change marks, checked when a slice is read:

- A write that changed entities, after its transaction committed, takes the next change number
  (`INCR peergraph:change-seq`) and marks each entity it names with it, in one script per 1,000
  entities
  (`peergraph:changed:{Kind}:{id}`, with a TTL just above a slice's whole life, after which no
  slice computed before the change can still be cached).
- A slice job reads the change number *before* its first query and stores it with the slice's
  entities (its centers, what it excludes and every node it shows) in `slice-deps:{…}`.
- A read (one Lua script, the same round trip as before) compares the marks of the slice's
  entities with its change number: a mark above it means an entity changed after the slice began
  reading, so the slice is dropped and computed again (PENDING). A slice that read an entity
  while an import changed it is therefore never served as fresh, whichever finished first.
  A clean check moves the slice's number up to the current one, so the next read only looks
  again once something else changed.

Cost: one short string per entity changed within a slice TTL, nothing per entity otherwise; a
read costs two more GETs while nothing changed, and at most a few hundred marks (one MGET, in
Redis) once after each change. A write naming more than
`PEERGRAPH_SLICE_FINE_MAX_ENTITIES` entities (a bulk import) bumps the data version instead,
which makes every slice stale at once (the slice key carries it), as does
`peergraph invalidate-slices`.

The scripts read the marks by name (`ARGV` prefix) rather than through `KEYS`: fine on one Redis
and its replicas, which is what peergraph deploys (docs/scaling.md), not on Redis Cluster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from typing import Any

from redis.exceptions import NoScriptError

import settings
from workers import keys

NodeKey = tuple[str, int]

#: Lua: `stale(depskey, prefix, seqkey)`: whether an entity of the slice changed after it began.
#: When nothing did, the slice's change number moves up to the current one (its TTL kept): the
#: marks up to that number are all written (`mark_changed` writes a number and its marks in one
#: script), so later reads compare only what changes afterwards, and while nothing is written a
#: read costs two GETs.
STALE_FUNCTION = """
local function stale(depskey, prefix, seqkey)
  local deps = redis.call('GET', depskey)
  if not deps then return false end
  local now = tonumber(redis.call('GET', seqkey) or '0')
  local head, rest = string.match(deps, '^(%d+)(.*)$')
  local seq = tonumber(head)
  if now <= seq then return false end
  local names = {}
  for token in string.gmatch(rest, '%S+') do names[#names + 1] = prefix .. token end
  for i = 1, #names, 500 do
    local marks = redis.call('MGET', unpack(names, i, math.min(i + 499, #names)))
    for _, mark in ipairs(marks) do
      if mark and tonumber(mark) > seq then return true end
    end
  end
  redis.call('SET', depskey, now .. rest, 'KEEPTTL')
  return false
end
"""

#: KEYS: the change number, then the marks. ARGV: the marks' TTL. One change number and its
#: marks, atomically; returns the number.
_MARK_LUA = """
local seq = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], seq, 'EX', ARGV[1]) end
return seq
"""

#: KEYS: slice, its deps, the change number. ARGV: body, ttl, deps, mark prefix, channel,
#: message, force.
#: Stores the slice unless an entity it read changed meanwhile (then 0, nothing stored) or
#: `force` (the last try: stored, and the next read finds it stale).
_STORE_LUA = (
    STALE_FUNCTION
    + """
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
if ARGV[7] == '' and stale(KEYS[2], ARGV[4], KEYS[3]) then
  redis.call('DEL', KEYS[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
"""
)

#: KEYS: slice, its deps, the change number. ARGV: mark prefix. Drops a stale slice; 1 if so.
_DROP_LUA = (
    STALE_FUNCTION
    + """
if redis.call('EXISTS', KEYS[1]) == 1 and stale(KEYS[2], ARGV[1], KEYS[3]) then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
"""
)


async def run_script(redis: Any, script: str, names: Iterable[str], args: Iterable[Any]) -> Any:
    """EVALSHA, loading the script on its first use."""
    names, args = list(names), list(args)
    sha = hashlib.sha1(script.encode()).hexdigest()
    try:
        return await redis.evalsha(sha, len(names), *names, *args)
    except NoScriptError:
        return await redis.eval(script, len(names), *names, *args)


def entity(node: NodeKey) -> str:
    return f"{node[0]}:{node[1]}"


async def change_seq(redis: Any) -> int:
    """The change number a slice job reads before its first query."""
    raw = await redis.get(keys.CHANGE_SEQ_KEY)
    return int(raw) if raw is not None else 0


async def mark_changed(redis: Any, nodes: Collection[NodeKey]) -> str:
    """Make stale the cached slices that show any of `nodes` (call after the write committed).
    More than `SLICE_FINE_MAX_ENTITIES`: every slice, by a data-version bump. Returns which."""
    if not nodes:
        return "none"
    if len(nodes) > settings.SLICE_FINE_MAX_ENTITIES:
        await keys.bump_data_version(redis)
        return "all"
    ttl = keys.changed_ttl_seconds()
    ordered = sorted(nodes)
    for start in range(0, len(ordered), 1000):
        names = [keys.changed_key(entity(n)) for n in ordered[start : start + 1000]]
        await run_script(redis, _MARK_LUA, [keys.CHANGE_SEQ_KEY, *names], [ttl])
    return "entities"


async def store(
    redis: Any,
    key: str,
    body: bytes,
    ttl: int,
    message: bytes,
    *,
    seq: int,
    nodes: Iterable[NodeKey],
    force: bool,
) -> bool:
    """Store a computed slice with what it depends on and announce it; False (nothing stored,
    nothing announced) when one of `nodes` changed after `seq` and not `force`."""
    deps = " ".join([str(seq), *sorted({entity(n) for n in nodes})])
    names = (key, keys.deps_key(key), keys.CHANGE_SEQ_KEY)
    args = (body, ttl, deps, keys.CHANGED_PREFIX, keys.channel(key), message, "1" if force else "")
    return bool(await run_script(redis, _STORE_LUA, names, args))


async def drop_if_stale(redis: Any, key: str) -> bool:
    """Delete the cached slice `key` if an entity it shows changed since; True when it did."""
    names = (key, keys.deps_key(key), keys.CHANGE_SEQ_KEY)
    return bool(await run_script(redis, _DROP_LUA, names, (keys.CHANGED_PREFIX,)))
