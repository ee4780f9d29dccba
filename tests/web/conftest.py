"""The web client in a real browser: Playwright (pinned in pyproject.toml) driving Debian's
chromium (`apt-get install chromium`; .ci/run installs it) against a live `peergraph serve`
subprocess on the demo data, on the embedded default (SQLite, embedded Redis, in-process
worker) in its own temporary var directory.

Without a chromium the tests are skipped with the reason, except on CI (`CI=true`), where they
fail. `PEERGRAPH_CHROMIUM` names another chromium binary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import REPO, Server, command_env, npm_ci, run_command, serving

ON_CI = os.environ.get("CI") == "true"
WEB = REPO / "web"
#: Where the screenshots go: a temporary directory, or docs/ with `make screenshots`.
SCREENSHOTS = os.environ.get("PEERGRAPH_SCREENSHOTS_DIR")


def unavailable(reason: str) -> None:
    if ON_CI:
        pytest.fail(f"{reason}; on CI the browser tests must run")
    pytest.skip(reason)


def chromium_path() -> str:
    path = os.environ.get("PEERGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        unavailable(
            "no chromium found (install it: `apt-get install -y chromium`, or set "
            "PEERGRAPH_CHROMIUM), so the web client's browser tests cannot run"
        )
    return path


@dataclass(frozen=True)
class Demo:
    """Where the demo's `peergraph serve` runs from: its directory and environment."""

    cwd: Path
    env: dict[str, str]

    def admin_token(self, email: str) -> str:
        done = run_command(self.cwd, self.env, "user", "create", email, "--admin")
        return done.stdout.strip().splitlines()[-1]


def make_demo(tmp_path_factory: pytest.TempPathFactory, **settings: str | None) -> Demo:
    """`peergraph demo` on the embedded default, in a fresh var dir, with `settings`."""
    chromium_path()
    tmp = tmp_path_factory.mktemp("web")
    defaults: dict[str, str | None] = {
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "PEERGRAPH_INPROCESS_WORKER": None,
        "PEERGRAPH_TRUSTED_DOCUMENTS": None,
        "PEERGRAPH_VAR_DIR": str(tmp / "var"),
    }
    env = command_env(**(defaults | settings))
    run_command(tmp, env, "demo")
    return Demo(tmp, env)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return make_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def site(demo: Demo) -> Iterator[Server]:
    """`peergraph serve` on the demo data (SQLite, embedded Redis, in-process worker)."""
    with serving(demo.cwd, demo.env) as server:
        yield server


@pytest.fixture(scope="module")
def browser(site: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page in a fresh browser context that records console errors, page errors, and every
    request it made, and refuses every request to a host other than this machine."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def graphql_posts(self) -> list[Any]:
        return [r for r in self.requests if r.method == "POST" and r.url.endswith("/graphql")]


def new_tab(browser: Any, base: str) -> tuple[Any, Tab]:
    """A fresh browser context (its own storage: one person) and its page."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    opened = Tab(page, base)

    def route(route: Any) -> None:
        host = route.request.url.split("/")[2].split(":")[0]
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            opened.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(f"page error: {e}"))
    page.on("request", lambda r: opened.requests.append(r))
    return context, opened


@pytest.fixture
def tab(browser: Any, site: Server) -> Iterator[Tab]:
    context, opened = new_tab(browser, site.base)
    yield opened
    context.close()


@pytest.fixture
def people(browser: Any, site: Server) -> Iterator[Callable[[], Tab]]:
    """`people()` opens another person's browser (a context with its own storage)."""
    contexts: list[Any] = []

    def another() -> Tab:
        context, opened = new_tab(browser, site.base)
        contexts.append(context)
        return opened

    yield another
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str, tmp_path: Path, *, full_page: bool = False) -> Path:
    target = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_source() -> str:
    """axe-core (pinned in web/package-lock.json), installed with `npm ci` when missing."""
    script = WEB / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        failed = npm_ci(WEB)
        if failed is not None:
            unavailable(f"{failed}, so axe-core cannot be installed")
    return script.read_text(encoding="utf-8")


def author_id(site: Server, name: str) -> str:
    body = httpx.post(
        site.url,
        json={
            "query": "query($t: String!) { search(text: $t, kinds: [AUTHOR]) "
            "{ label node { id } } }",
            "variables": {"t": name},
        },
        timeout=10,
    ).json()
    return str(next(h["node"]["id"] for h in body["data"]["search"] if h["label"] == name))


def sign_up(tab: Tab, email: str, password: str = "correct horse battery") -> None:
    """Sign up through the /login page, as a person would."""
    page = tab.open("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:text-is('Sign up')")
    page.wait_for_url(tab.base + "/")
