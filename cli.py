"""The `peergraph` command.

serve, worker, migrate, import, demo, generate, export-schema, and the admin commands for users,
tokens and API keys. Progress and logs go to stderr; a command that creates a secret prints it
alone on the last line of stdout, so scripts can read it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import settings

Handler = Callable[[argparse.Namespace], int]


def _log_setup(level: str = settings.LOG_LEVEL) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


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

    where = "embedded SQLite" if settings.embedded_database() else "DATABASE_URL"
    redis = "embedded Redis" if settings.embedded_redis() else "REDIS_URL"
    print(
        f"peergraph: serving http://{args.host}:{args.port}/graphql ({where}, {redis})",
        file=sys.stderr,
    )
    uvicorn.run(
        "app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        log_level=settings.LOG_LEVEL,
        loop="uvloop",
        http="httptools",
        access_log=False,
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
    from arq.worker import run_worker

    from workers.settings import WorkerSettings

    run_worker(WorkerSettings)  # type: ignore[arg-type]
    return 0


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
        await _bump_data_version()
        print(str(summary), file=sys.stderr)
        return 0

    return _run(_with_db(body))


async def _bump_data_version() -> None:
    """Tell cached graph slices the data changed (a no-op when no Redis is reachable)."""
    try:
        from workers.keys import bump_data_version
    except ImportError:
        return
    url = settings.REDIS_URL
    if not url:
        return
    from workers.runtime import open_redis

    client, pool = await open_redis(url)
    if client is not None:
        await bump_data_version(client)
        await client.aclose()
    if pool is not None:
        await pool.aclose()


def cmd_demo(args: argparse.Namespace) -> int:
    from importers.demo import load_demo

    async def body() -> int:
        await load_demo(generated_works=args.works, seed=args.seed, progress=True)
        print(f"peergraph: demo data loaded into {_db_label()}", file=sys.stderr)
        return 0

    code = _run(_with_db(body))
    if code == 0 and args.serve:
        return cmd_serve(args)
    return code


def cmd_generate(args: argparse.Namespace) -> int:
    from importers.generate import generate

    summary = generate(Path(args.out), works=args.works, seed=args.seed, progress=True)
    print(str(summary), file=sys.stderr)
    return 0


def cmd_export_schema(_args: argparse.Namespace) -> int:
    from schema import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def _db_label() -> str:
    return str(settings.database_url()) if settings.embedded_database() else "DATABASE_URL"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peergraph", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def serve_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default=settings.HOST)
        p.add_argument("--port", type=int, default=settings.PORT)
        p.add_argument("--workers", type=int, default=1, help="API processes (uvicorn workers)")

    p = sub.add_parser("serve", help="run the API (embedded SQLite and Redis by default)")
    serve_args(p)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("worker", help="run the arq worker against REDIS_URL")
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("migrate", help="apply the database migrations")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("import", help="import OpenAlex or arXiv JSONL files")
    p.add_argument("kind", choices=["openalex", "arxiv"])
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--rejects-dir", help="where bad lines go (default ./var/rejects)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("demo", help="load the demo data (the reference profile and more)")
    p.add_argument("--works", type=int, default=3000, help="generated works around it")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--serve", action="store_true", help="then start the API")
    serve_args(p)
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("generate", help="write synthetic OpenAlex-shaped JSONL")
    p.add_argument("--works", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(handler=cmd_generate)

    p = sub.add_parser("export-schema", help="print the GraphQL SDL (schema.graphql)")
    p.set_defaults(handler=cmd_export_schema)

    for register in EXTRA_COMMANDS:
        register(sub)
    return parser


#: Other modules add subcommands (user, token, apikey) by appending a register function.
EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def main(argv: list[str] | None = None) -> int:
    _log_setup()
    _load_extra_commands()
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130


def _load_extra_commands() -> None:
    """Admin commands live next to the code they administer."""
    import importlib

    for module in ("resolvers.admin", "resolvers.admin_keys"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


if __name__ == "__main__":
    sys.exit(main())
