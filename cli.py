"""The `peergraph` command.

serve, worker, migrate, import, demo, generate, export-schema, and the admin commands for users,
tokens and API keys. Progress and logs go to stderr; a command that creates a secret prints it
alone on the last line of stdout, so scripts can read it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import settings

Handler = Callable[[argparse.Namespace], int]
log = logging.getLogger("peergraph")


def _log_setup(level: str = settings.LOG_LEVEL) -> None:
    from resolvers.telemetry.logs import configure

    try:
        configure(level, settings.LOG_FORMAT)
    except ValueError as error:  # a misspelt PEERGRAPH_LOG_FORMAT or PEERGRAPH_LOG_LEVEL
        print(f"peergraph: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


async def _with_db(body: Callable[[], Awaitable[int]], db_url: str | None = None) -> int:
    from models import database

    await database.open_db(db_url)
    try:
        return await body()
    finally:
        await database.close_db()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.slow_clients import uvicorn_options

    where = "embedded SQLite" if settings.embedded_database() else "DATABASE_URL"
    redis = "embedded Redis" if settings.embedded_redis() else "REDIS_URL"
    # a log line, not a print: with PEERGRAPH_LOG_FORMAT=json every line on stderr is JSON
    log.info("serving http://%s:%s/graphql (%s, %s)", args.host, args.port, where, redis)
    if args.workers > 1:
        # every uvicorn process writes its metrics where /metrics, in any of them, adds them up
        from resolvers.telemetry.metrics import multiprocess_dir, reset_multiprocess_dir

        metrics_dir = multiprocess_dir()
        reset_multiprocess_dir(metrics_dir)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    from resolvers.telemetry.logs import logging_config

    uvicorn.run(
        "app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        log_level=settings.LOG_LEVEL,
        log_config=logging_config(settings.LOG_LEVEL, settings.LOG_FORMAT),
        loop="uvloop",
        access_log=False,
        **uvicorn_options(),  # http: httptools with head deadline and per-address cap
        # the client address is decided in app code (server/client_address.py), from
        # PEERGRAPH_TRUSTED_PROXIES; uvicorn's default believes X-Forwarded-For from 127.0.0.1
        proxy_headers=False,
        forwarded_allow_ips="",
    )
    return 0


def cmd_worker(_args: argparse.Namespace) -> int:
    if settings.embedded_redis():
        print(
            "peergraph worker needs REDIS_URL (the embedded default runs the worker inside "
            "`peergraph serve`)",
            file=sys.stderr,
        )
        return 2
    from workers import resilient

    _serve_worker_metrics()
    # arq's run_worker exits when Redis goes away; this reconnects with backoff and resumes
    return _run(resilient.run(settings.REDIS_URL))


def _serve_worker_metrics() -> None:
    """The worker's own /metrics (job durations and outcomes). A busy port does not stop the
    worker: it runs without metrics and says how to give it a port of its own."""
    if not settings.WORKER_METRICS_PORT:
        return
    from prometheus_client import start_http_server

    where = f"{settings.WORKER_METRICS_HOST}:{settings.WORKER_METRICS_PORT}"
    try:
        start_http_server(settings.WORKER_METRICS_PORT, settings.WORKER_METRICS_HOST)
    except OSError as error:
        log.warning(
            "worker metrics not served: %s is not available (%s); give each worker on this host"
            " its own PEERGRAPH_WORKER_METRICS_PORT, or 0 for none",
            where,
            error.strerror or error,
        )
        return
    log.info("worker metrics on http://%s/metrics", where)


def cmd_migrate(_args: argparse.Namespace) -> int:
    from models import database

    async def body() -> int:
        await database.migrate()
        await database.close_db()
        print(f"peergraph: migrations applied to {_db_label()}", file=sys.stderr)
        return 0

    return _run(body())


def cmd_import(args: argparse.Namespace) -> int:
    from importers import run_import

    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"peergraph import: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2

    async def body() -> int:
        summary = await run_import(
            args.kind,
            paths,
            rejects_dir=Path(args.rejects_dir) if args.rejects_dir else None,
            progress=not args.quiet,
        )
        print(str(summary), file=sys.stderr)
        return 0

    return _run(_with_db(body))


def cmd_demo(args: argparse.Namespace) -> int:
    from importers.demo import load_demo

    async def body() -> int:
        from resolvers.sql import fetch_one

        profile = await _demo_profile_id()
        works = await fetch_one("SELECT COUNT(*) AS n FROM work")
        if profile and works and int(works["n"]) > args.works and not args.reload:
            print(
                f"peergraph: demo data already in {_db_label()} ({works['n']} works);"
                " `peergraph demo --reload` loads it again",
                file=sys.stderr,
            )
        else:
            print(
                f"peergraph: loading the demo data ({args.works} generated works)…",
                file=sys.stderr,
            )
            await load_demo(generated_works=args.works, seed=args.seed, progress=True)
            profile = await _demo_profile_id()
            print(f"peergraph: demo data loaded into {_db_label()}", file=sys.stderr)
        print(_demo_hint(args.host, args.port, profile), file=sys.stderr)
        return 0

    code = _run(_with_db(body))
    if code == 0 and args.serve:
        return cmd_serve(args)
    return code


async def _demo_profile_id() -> str | None:
    """The global id of the reference profile (Mimi Xie), if the demo data is loaded."""
    from resolvers.ids import to_global_id
    from resolvers.sql import fetch_one

    row = await fetch_one("SELECT id FROM author WHERE arxiv_key = ?", ["arxiv:mimi xie"])
    return to_global_id("Author", row["id"]) if row else None


def _demo_hint(host: str, port: int, profile: str | None) -> str:
    url = f"http://{host}:{port}/graphql"
    lines = [
        f"peergraph: open {url} in a browser for GraphiQL, or try:",
        f"  curl -s {url} -H 'Content-Type: application/json' \\",
        """    -d '{"query": "{ search(text: \\"mimi xie\\") { label node { id } } }"}'""",
    ]
    if profile:
        lines.append(
            f"  The reference profile (Mimi Xie) is author {profile}:"
            ' run docs/queries/profile.graphql with {"id": "' + profile + '"}'
        )
    return "\n".join(lines)


def cmd_generate(args: argparse.Namespace) -> int:
    from importers.generate import generate

    summary = generate(Path(args.out), works=args.works, seed=args.seed, progress=True)
    print(str(summary), file=sys.stderr)
    return 0


def cmd_invalidate_slices(_args: argparse.Namespace) -> int:
    from workers.runtime import announce_data_change

    async def body() -> int:
        if not await announce_data_change():
            return 1
        print(
            "peergraph: cached graph slices are stale; the next request recomputes them",
            file=sys.stderr,
        )
        return 0

    return _run(body())


def cmd_export_schema(_args: argparse.Namespace) -> int:
    from schema import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def _db_label() -> str:
    return str(settings.database_url()) if settings.embedded_database() else "DATABASE_URL"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peergraph",
        description="peergraph: a GraphQL API over a scholarly research graph. With no"
        " DATABASE_URL and REDIS_URL it runs on an embedded SQLite file and Redis under ./var.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=text,
            description=text,
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        )

    def serve_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default=settings.HOST, help="address (PEERGRAPH_HOST)")
        p.add_argument("--port", type=int, default=settings.PORT, help="port (PEERGRAPH_PORT)")
        p.add_argument("--workers", type=int, default=1, help="API processes (uvicorn workers)")

    p = command("serve", "run the API (embedded SQLite and Redis by default)")
    serve_args(p)
    p.set_defaults(handler=cmd_serve)

    p = command("worker", "run the arq worker against REDIS_URL")
    p.set_defaults(handler=cmd_worker)

    p = command("migrate", "apply the database migrations")
    p.set_defaults(handler=cmd_migrate)

    p = command("import", "import OpenAlex or arXiv JSONL files")
    p.add_argument("kind", choices=["openalex", "arxiv"])
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--rejects-dir", help="where bad lines go (default <PEERGRAPH_VAR_DIR>/rejects)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_import)

    p = command("demo", "load the demo data (the reference profile and more)")
    p.add_argument("--works", type=int, default=3000, help="generated works around it")
    p.add_argument("--seed", type=int, default=7, help="generator seed")
    p.add_argument("--serve", action="store_true", help="then start the API")
    p.add_argument("--reload", action="store_true", help="load again even if already loaded")
    serve_args(p)
    p.set_defaults(handler=cmd_demo)

    p = command("generate", "write synthetic OpenAlex-shaped JSONL")
    p.add_argument("--works", type=int, required=True, help="how many works (10^4 to 10^6)")
    p.add_argument("--seed", type=int, default=1, help="the same seed writes the same files")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(handler=cmd_generate)

    p = command(
        "invalidate-slices",
        "make every cached graph slice stale (imports do this themselves; use it after"
        " changing the database by other means)",
    )
    p.set_defaults(handler=cmd_invalidate_slices)

    p = command("export-schema", "print the GraphQL SDL (schema.graphql)")
    p.set_defaults(handler=cmd_export_schema)

    # the admin commands live next to the code they administer
    from resolvers import admin, admin_keys

    admin.register(sub)
    admin_keys.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    _log_setup()
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
