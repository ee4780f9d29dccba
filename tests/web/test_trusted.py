"""The profile page for an anonymous visitor when the server runs only trusted documents
(`PEERGRAPH_TRUSTED_DOCUMENTS=true`): the page data and the graph panel's subscription are
both docs/queries documents, so the whole page works, while other documents are refused."""

from __future__ import annotations

import httpx
import pytest

from tests.serving import Server
from tests.web.conftest import Demo, Tab, make_demo

SEARCH = '{ search(text: "Mimi Xie", kinds: [AUTHOR]) { label node { id } } }'


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return make_demo(tmp_path_factory, PEERGRAPH_TRUSTED_DOCUMENTS="true")


def test_anonymous_profile_page_works_with_trusted_documents_only(
    tab: Tab, site: Server, demo: Demo
) -> None:
    # given a server that runs only the trusted documents for anonymous callers
    refused = httpx.post(site.url, json={"query": SEARCH}, timeout=10).json()
    assert refused["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
    # (a signed-in user may run any document: find the reference author's id that way)
    headers = {"Authorization": f"Bearer {demo.admin_token('ops@example.org')}"}
    found = httpx.post(site.url, json={"query": SEARCH}, headers=headers, timeout=10).json()
    mimi = found["data"]["search"][0]["node"]["id"]
    # when an anonymous visitor opens her profile
    page = tab.open(f"/authors/{mimi}")
    # then the page and its graph panel (over the subscription) both work
    page.wait_for_selector(".profile")
    page.wait_for_selector(".graph-panel[data-status=READY]")
    assert page.inner_text(".trust-score") == "21"
    assert int(page.get_attribute(".graph-panel", "data-nodes") or 0) > 10
    assert tab.errors == []
