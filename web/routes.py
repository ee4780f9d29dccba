"""The web client's routes, mounted by app.py: the page shell for `/`, `/authors/{id}`,
`/explore`, `/login`, `/me` and `/admin`, the bundled assets under `/static`, and the offline
GraphiQL page that `/graphql` serves to browsers. Every asset ships with the package (built from
web/package-lock.json by `make web`); nothing comes from a CDN."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
PAGES = ("/", "/authors/{id:path}", "/explore", "/login", "/me", "/admin")

#: scripts and connections only to this server; inline styles for GraphiQL's editor
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC / name).read_text(encoding="utf-8"), headers=HEADERS)


async def shell(_request: Request) -> Response:
    return _page("index.html")


def graphiql_page() -> HTMLResponse:
    """GraphiQL with its docs explorer, from the bundled assets (works offline)."""
    return _page("graphiql.html")


def routes() -> list[BaseRoute]:
    return [
        *(Route(path, shell, methods=["GET"]) for path in PAGES),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
