"""Slow and greedy clients against a live `peergraph serve` (uvicorn, a real socket): request
heads and bodies that trickle in are cut off, one address cannot hold every connection, and a
forged `X-Forwarded-For` does not change who the caller is. Measured with raw sockets."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.serving import Server, command_env, run_command, serving

HEAD_TIMEOUT_S = 2
BODY_TIMEOUT_S = 2
MAX_PER_ADDRESS = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    """`peergraph serve` with short deadlines and a small per-address cap."""
    tmp = tmp_path_factory.mktemp("slow")
    env = command_env(
        DATABASE_URL=f"sqlite://{tmp / 'slow.sqlite3'}",
        REDIS_URL=redis_url,
        PEERGRAPH_VAR_DIR=str(tmp / "var"),
        PEERGRAPH_INPROCESS_WORKER="false",
        PEERGRAPH_HEADER_TIMEOUT_SECONDS=str(HEAD_TIMEOUT_S),
        PEERGRAPH_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT_S),
        PEERGRAPH_MAX_CONNECTIONS_PER_ADDRESS=str(MAX_PER_ADDRESS),
    )
    run_command(tmp, env, "migrate")
    with serving(tmp, env) as live:
        yield live


def connect(server: Server) -> socket.socket:
    host, port = server.base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_until_closed(sock: socket.socket, limit_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and when it closed (seconds from now)."""
    started = time.monotonic()
    sock.settimeout(0.2)
    data = b""
    while time.monotonic() - started < limit_s:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - started


def trickle(sock: socket.socket, payload: bytes, every_s: float, limit_s: float) -> float:
    """Send `payload` one byte every `every_s` until the server closes; when it did."""
    started = time.monotonic()
    for byte in payload:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
        sock.settimeout(every_s)
        try:
            if sock.recv(4096, socket.MSG_PEEK) == b"":
                return time.monotonic() - started
            return time.monotonic() - started  # the server answered (408)
        except TimeoutError:
            pass
        if time.monotonic() - started > limit_s:
            break
    return time.monotonic() - started


def test_a_trickling_request_head_is_cut_off(server: Server) -> None:
    # given a client that sends its request head one byte every 0.3 s
    sock = connect(server)
    head = b"POST /graphql HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    # when it keeps trickling
    answered_after = trickle(sock, head, 0.3, limit_s=HEAD_TIMEOUT_S * 5)
    data, _ = read_until_closed(sock, 5)
    sock.close()
    # then the server answered 408 and closed once the head deadline passed, not later
    assert data.startswith(b"HTTP/1.1 408"), data
    assert HEAD_TIMEOUT_S - 0.5 <= answered_after <= HEAD_TIMEOUT_S * 3


def test_a_silent_connection_is_closed(server: Server) -> None:
    # given a client that connects and sends nothing
    sock = connect(server)
    # when it waits / then the server closes it after the head deadline
    data, closed_after = read_until_closed(sock, HEAD_TIMEOUT_S * 5)
    sock.close()
    assert data.startswith(b"HTTP/1.1 408"), data
    assert closed_after <= HEAD_TIMEOUT_S * 3


def test_a_trickling_body_is_cut_off_with_a_code(server: Server) -> None:
    # given a complete head announcing 200 bytes of body, then one byte every 0.3 s
    sock = connect(server)
    sock.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n"
    )
    answered_after = trickle(sock, b" " * 200, 0.3, limit_s=BODY_TIMEOUT_S * 5)
    data, _ = read_until_closed(sock, 5)
    sock.close()
    # then 408 BODY_TIMEOUT once the body deadline passed
    assert data.startswith(b"HTTP/1.1 408"), data
    assert b"BODY_TIMEOUT" in data
    assert answered_after <= BODY_TIMEOUT_S * 3


def test_one_address_cannot_hold_every_connection(server: Server) -> None:
    # given an address holding as many open connections as it may
    held = [connect(server) for _ in range(MAX_PER_ADDRESS)]
    try:
        for sock in held:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # an unfinished head
        time.sleep(0.2)
        # when it opens one more
        extra = connect(server)
        data, closed_after = read_until_closed(extra, 5)
        extra.close()
        # then that one is refused at once
        assert data.startswith(b"HTTP/1.1 503"), data
        assert closed_after < HEAD_TIMEOUT_S
    finally:
        for sock in held:
            sock.close()
    # and once they are closed, the address is served again
    time.sleep(0.3)
    assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200


def test_a_forged_forwarded_for_is_not_a_fresh_budget(server: Server) -> None:
    # given an anonymous caller on 127.0.0.1, with no trusted proxies configured
    query = {"query": "{ works(first: 1) { totalCount } }"}
    # when it sends each request with a different forged X-Forwarded-For
    used = []
    for n in range(3):
        response = httpx.post(
            server.url, json=query, headers={"X-Forwarded-For": f"203.0.113.{n + 1}"}, timeout=10
        )
        assert response.status_code == 200, response.text
        used.append(int(response.headers["x-ratelimit-used"]))
    # then every request was charged to the one real address
    assert used[1] == used[0] + 1 and used[2] == used[1] + 1
