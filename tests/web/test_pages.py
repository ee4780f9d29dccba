"""The profile page, the graph panel, the explorer and GraphiQL in a real browser, on the demo
data (the reference profile: Mimi Xie's five arXiv preprints)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.serving import REPO, Server
from tests.web.conftest import Tab, author_id, axe_source, screenshot, sign_up

DEMO = REPO / "importers" / "demo" / "mimi_xie.jsonl"
PAGE_DOCUMENT = (REPO / "docs" / "queries" / "author_page.graphql").read_text(encoding="utf-8")


def words(text: str) -> str:
    return " ".join(text.split())


def test_profile_shows_the_reference_page_from_one_request(
    tab: Tab, site: Server, tmp_path: Path
) -> None:
    # given the reference author
    mimi = author_id(site, "Mimi Xie")
    # when a visitor opens her profile and its graph panel finishes
    page = tab.open(f"/authors/{mimi}")
    page.wait_for_selector(".profile")
    page.wait_for_selector(".graph-panel[data-status=READY]")
    # then it shows the reference values
    assert page.inner_text("h1") == "Mimi Xie"
    assert page.inner_text(".trust-score") == "21"
    assert page.inner_text(".trust-label") == "UNVERIFIED"
    assert page.inner_text(".trust-level") == "L1"
    assert page.inner_text(".count-works") == "5 works"
    assert page.inner_text(".count-topics") == "6 topics"
    assert page.inner_text(".count-followers") == "0 followers"
    assert page.inner_text(".affiliation") == "Affiliation not imported"
    assert page.locator(".claim a", has_text="Log in to claim").count() == 1
    assert "claimed profile" in page.inner_text(".invite-refusal")
    assert page.locator(".topics li").count() == 6
    # and every close collaborator the count names is listed (the list once stopped at 4 of 6)
    close = int(page.inner_text(".count-collaborators").split()[0])
    assert page.locator(".collaborators li").count() == close > 4
    # and the five works, each with its abstract, type, year and venue
    expected = sorted(words(json.loads(line)["abstract"]) for line in DEMO.read_text().splitlines())
    shown = sorted(words(t) for t in page.locator(".work .abstract").all_inner_texts())
    assert shown == expected
    assert all(m.startswith("preprint · 20") for m in page.locator(".work-meta").all_inner_texts())
    # and the page data came from one GraphQL request: the trusted document
    posts = tab.graphql_posts()
    assert len(posts) == 1, [p.post_data for p in posts]
    assert json.loads(posts[0].post_data)["query"] == PAGE_DOCUMENT
    # and the panel drew the slice, with no error anywhere
    assert int(page.get_attribute(".graph-panel", "data-nodes") or 0) > 10
    assert tab.errors == [] and tab.blocked == []
    screenshot(page, "web-profile.png", tmp_path, full_page=True)


def most_prolific_author(site: Server) -> str:
    query = "{ authors(first: 1) { edges { node { id } } } }"
    body = httpx.post(site.url, json={"query": query}, timeout=10).json()
    return str(body["data"]["authors"]["edges"][0]["node"]["id"])


def test_clicking_a_node_expands_it(tab: Tab, site: Server) -> None:
    # given the explorer around the demo's most prolific author, whose slice is truncated
    # (the reference profile's neighbourhood is complete at one hop: nothing to expand)
    page = tab.open(f"/explore?seed={most_prolific_author(site)}")
    page.wait_for_selector(".graph-panel[data-status=READY]")
    page.locator(".graph-canvas").scroll_into_view_if_needed()
    before = int(page.get_attribute(".graph-panel", "data-nodes") or 0)
    # when the visitor clicks a drawn co-author
    spot = page.evaluate(
        """() => { const cy = document.querySelector('.graph-panel').cy;
        cy.resize();  // Cytoscape caches where its container is: the page just scrolled
        const node = cy.nodes('[kind = "AUTHOR"]').not('.center')[0];
        const p = node.renderedPosition(), box = cy.container().getBoundingClientRect();
        return { x: box.x + p.x, y: box.y + p.y }; }"""
    )
    page.mouse.click(spot["x"], spot["y"])
    # then the node is expanded: its slice (with `exclude`) is built and drawn beside
    page.wait_for_selector(".graph-panel[data-expanded]")
    page.wait_for_function(
        "(before) => +document.querySelector('.graph-panel').dataset.nodes > before", arg=before
    )
    page.wait_for_selector(".graph-panel[data-status=READY]")
    assert tab.errors == []


def test_signed_in_follow_raises_the_count(tab: Tab, site: Server) -> None:
    # given a person who signed up in the browser, on the reference profile
    sign_up(tab, "follower@example.org")
    page = tab.open(f"/authors/{author_id(site, 'Mimi Xie')}")
    page.wait_for_selector("button.follow")
    # when they click Follow
    page.click("button.follow")
    # then the count is 1, and it stays after a reload
    page.wait_for_selector(".count-followers:text-is('1 follower')")
    page.reload()
    page.wait_for_selector("button.follow[aria-pressed=true]")
    assert page.inner_text(".count-followers") == "1 follower"
    # and Unfollow puts it back (the other tests expect the reference page's 0)
    page.click("button.follow")
    page.wait_for_selector(".count-followers:text-is('0 followers')")
    assert tab.errors == []


def test_graphiql_runs_a_query_offline(tab: Tab, tmp_path: Path) -> None:
    # given a browser that cannot reach any host but this machine
    page = tab.open("/graphql")
    # when GraphiQL loads and runs its default query
    page.wait_for_selector(".graphiql-execute-button")
    page.click(".graphiql-execute-button")
    # then the answer is shown, the docs explorer lists the schema, and nothing was fetched
    # from elsewhere (no CDN)
    page.wait_for_selector(".result-window :text('Mimi Xie')")
    page.click("[aria-label='Show Documentation Explorer']")
    page.wait_for_selector(".graphiql-doc-explorer :text('Query')")
    assert tab.blocked == [] and tab.errors == []
    screenshot(page, "web-graphiql.png", tmp_path)


def test_explorer_with_two_seeds_and_a_filter(tab: Tab, site: Server, tmp_path: Path) -> None:
    # given two seeds and the co-author edges only
    seeds = [author_id(site, "Mimi Xie"), author_id(site, "Caiwen Ding")]
    # when the explorer opens
    page = tab.open(f"/explore?seed={seeds[0]}&seed={seeds[1]}&kind=COAUTHOR")
    page.wait_for_selector(".graph-panel[data-status=READY]")
    # then both seeds are listed, the filter is kept, and the graph holds their co-authors
    assert page.locator(".seeds li").count() == 2
    assert page.is_checked("input[value=COAUTHOR]")
    kinds = page.evaluate(
        "() => [...new Set(document.querySelector('.graph-panel').cy.nodes()"
        ".map((n) => n.data('kind')))]"
    )
    assert kinds == ["AUTHOR"]
    assert tab.errors == []
    screenshot(page, "web-explorer.png", tmp_path)


def test_pages_have_no_serious_accessibility_violations(tab: Tab, site: Server) -> None:
    # given axe-core and every page of the client
    axe = axe_source()
    mimi = author_id(site, "Mimi Xie")
    found: dict[str, Any] = {}
    for path, ready in (
        ("/", "#search"),
        (f"/authors/{mimi}", ".graph-panel[data-status=READY]"),
        (f"/explore?seed={mimi}", ".graph-panel[data-status=READY]"),
        ("/login", "#email"),
    ):
        # when axe scans it
        page = tab.open(path)
        page.wait_for_selector(ready)
        page.evaluate(
            axe
        )  # evaluated by the devtools protocol: the page's CSP allows no inline script
        result = page.evaluate("async () => (await axe.run(document)).violations")
        found[path] = [
            (v["id"], v["impact"], len(v["nodes"]))
            for v in result
            if v["impact"] in ("serious", "critical")
        ]
    # then none is serious or critical
    assert found == {path: [] for path in found}


def test_bad_and_unknown_ids_get_a_page_that_says_what_to_do(tab: Tab) -> None:
    # given a malformed id and a well-formed one that names nobody
    for path, heading, text in (
        ("/authors/not-an-id!", "This profile cannot be shown", "INVALID_ID"),
        ("/authors/orcid:0000-0002-1825-0097", "No such author", "search by name"),
    ):
        # when a visitor opens the profile page
        page = tab.open(path)
        page.wait_for_selector("main h1")
        # then it says so, with the code or what to do, and links to the search
        assert page.inner_text("main h1") == heading
        assert text in page.inner_text("main")
        assert page.locator("main a[href='/']").count() == 1
    assert tab.errors == []


def test_pages_and_assets_are_served_with_a_strict_policy(site: Server) -> None:
    # given the running server
    # when the page shell, an asset, and a path outside the assets are fetched
    shell = httpx.get(f"{site.base}/explore", timeout=10)
    asset = httpx.get(f"{site.base}/static/app.js", timeout=10)
    outside = httpx.get(f"{site.base}/static/../app.py", timeout=10)
    escaped = httpx.get(f"{site.base}/static/%2e%2e/app.py", timeout=10)
    # then the shell forbids scripts and connections to other origins, and nothing leaks
    policy = shell.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert shell.headers["x-content-type-options"] == "nosniff"
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert outside.status_code == 404 and escaped.status_code == 404


def test_search_opens_a_profile(tab: Tab) -> None:
    # given the home page
    page = tab.open("/")
    # when a visitor searches for a name and opens the hit
    page.fill("#search", "mimi xie")
    page.click("button:text-is('Search')")
    page.click(".search-results a:text-is('Mimi Xie')")
    # then her profile opens; an empty search says what to type instead of asking the API
    page.wait_for_selector(".profile h1:text-is('Mimi Xie')")
    page = tab.open("/")
    page.click("button:text-is('Search')")
    assert page.inner_text("[role=search] + .message") == "Type a name to search."
    assert tab.errors == []
