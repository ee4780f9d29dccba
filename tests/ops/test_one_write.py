"""A real `peergraph serve`: a response's head is held back until its body and both leave in one
write (server/slow_clients.HeadWithBody), which must never hold a response back: a body-less
HEAD answer, `100 Continue` and several requests on one keep-alive connection all arrive."""

from __future__ import annotations

import socket
from pathlib import Path

import orjson

from tests.serving import command_env, run_command, serving

QUERY = orjson.dumps({"query": "{ __typename }"})


def _read_response(sock: socket.socket, head_only: bool = False) -> tuple[bytes, bytes]:
    """One response from `sock`: its head and its body (by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while not head_only and len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed mid-body"
        body += chunk
    return head, body


def _post(extra: bytes = b"") -> bytes:
    return (
        b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: "
        + str(len(QUERY)).encode()
        + b"\r\n\r\n"
    )


def test_heads_leave_with_their_bodies_and_nothing_is_held_back(
    tmp_path: Path, redis_url: str
) -> None:
    # given `peergraph serve` on a migrated database
    env = command_env(
        DATABASE_URL=f"sqlite://{tmp_path / 'one.sqlite3'}",
        REDIS_URL=redis_url,
        PEERGRAPH_VAR_DIR=str(tmp_path / "var"),
    )
    run_command(tmp_path, env, "migrate")
    with serving(tmp_path, env, "serve") as server:
        host, port = server.base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            # when a query is posted / then its whole answer arrives
            sock.sendall(_post() + QUERY)
            head, body = _read_response(sock)
            assert head.startswith(b"HTTP/1.1 200")
            assert orjson.loads(body)["data"] == {"__typename": "Query"}
            # and when a HEAD request follows on the same connection / then its head arrives
            sock.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            head, _ = _read_response(sock, head_only=True)
            assert head.startswith(b"HTTP/1.1 200")
            # and when a client waits for `100 Continue` before its body / then it comes first,
            # and the answer after the body
            sock.sendall(_post(b"Expect: 100-continue\r\n"))
            interim, _ = _read_response(sock, head_only=True)
            assert interim.startswith(b"HTTP/1.1 100")
            sock.sendall(QUERY)
            head, body = _read_response(sock)
            assert head.startswith(b"HTTP/1.1 200")
            assert orjson.loads(body)["data"] == {"__typename": "Query"}
            # and when two requests are sent at once (pipelined) / then both are answered
            sock.sendall((_post() + QUERY) * 2)
            for _ in range(2):
                head, body = _read_response(sock)
                assert head.startswith(b"HTTP/1.1 200"), head
                assert orjson.loads(body)["data"] == {"__typename": "Query"}
