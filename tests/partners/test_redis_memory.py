"""The Redis memory policy compose.yaml ships keeps budgets: a real redis-server started with
compose.yaml's own command (only `--maxmemory` made small) is filled with cache entries until it
is full, and a budget counter written before is still there. With an evicting policy
(`volatile-lru`: budgets carry a TTL) the budget would be the first key to go."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_sync

from workers.keys import budget_key

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def compose_redis_command() -> list[str]:
    """The redis service's `command:` list from compose.yaml (a block list of plain items)."""
    text = COMPOSE.read_text()
    block = text.split("\n  redis:\n", 1)[1].split("\n    command:\n", 1)[1]
    items = []
    for line in block.splitlines():
        found = re.fullmatch(r"      - (.*)", line)
        if found is None:
            break
        items.append(found.group(1).strip().strip('"'))
    return items


@pytest.fixture
def compose_redis(tmp_path: Path) -> Iterator[redis_sync.Redis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    command = compose_redis_command()
    assert command[0] == "redis-server", command
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [*command, "--port", str(port), "--bind", "127.0.0.1", "--maxmemory", "3mb"]
    process = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL)
    client = redis_sync.Redis(port=port)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except redis_sync.ConnectionError:
                time.sleep(0.02)
        yield client
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def test_a_full_redis_keeps_budgets_and_refuses_writes(compose_redis: redis_sync.Redis) -> None:
    # given the policy compose.yaml runs, and a budget counter with its window's TTL
    policy: Any = compose_redis.config_get("maxmemory-policy")
    assert policy["maxmemory-policy"] == "noeviction"
    budget = budget_key("ip:203.0.113.9")
    compose_redis.set(budget, 742, px=3_600_000)
    # when caches (slices, persisted queries: keys with a TTL) fill it up
    chunk = "x" * 20_000
    refused = False
    for n in range(2_000):
        try:
            compose_redis.set(f"peergraph:slice:v1:{uuid.uuid4().hex}{n}", chunk, ex=3600)
        except redis_sync.exceptions.OutOfMemoryError:
            refused = True
            break
    # then writes are refused once it is full, and the budget is still there, unchanged
    assert refused, "maxmemory was never reached"
    assert compose_redis.get(budget) == b"742"
