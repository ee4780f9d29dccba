"""The profile page shows an author's ORCID and OpenAlex ids, and links only real ones: the demo's
generated ids come from ranges the registries never issue (`ExternalId.isSynthetic`), so a link
would lead to a page that does not exist."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.serving import Server, run_command, serving
from tests.web.conftest import Tab, author_id, make_demo

#: ORCID's own documented example iD (Josiah Carberry, a real record kept for testing).
REAL_ORCID = "0000-0002-1825-0097"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo data plus one author with a real ORCID."""
    demo = make_demo(tmp_path_factory)
    record = {
        "id": "https://openalex.org/A5000000042",
        "display_name": "Josiah Carberry",
        "orcid": f"https://orcid.org/{REAL_ORCID}",
    }
    (demo.cwd / "carberry.jsonl").write_text(json.dumps(record) + "\n")
    run_command(demo.cwd, demo.env, "import", "openalex", str(demo.cwd / "carberry.jsonl"))
    with serving(demo.cwd, demo.env) as server:
        yield server


def generated_author_with_an_orcid(site: Server) -> tuple[str, str]:
    """The id and ORCID of the most prolific demo author that has one."""
    query = "{ authors(first: 50) { edges { node { id orcid } } } }"
    edges = httpx.post(site.url, json={"query": query}, timeout=10).json()["data"]["authors"]
    author = next(e["node"] for e in edges["edges"] if e["node"]["orcid"])
    return author["id"], author["orcid"]


def test_a_generated_orcid_is_shown_but_not_linked(tab: Tab, site: Server) -> None:
    # given a demo author whose ORCID was generated (the unissued 9900- block)
    author, orcid = generated_author_with_an_orcid(site)
    assert orcid.startswith("9900-")
    # when a visitor opens the profile
    page = tab.open(f"/authors/{author}")
    page.wait_for_selector(".profile .external-ids")
    # then the ORCID and the OpenAlex id are shown as demo ids, and nothing links to a registry
    shown = page.locator(".external-id.synthetic").all_inner_texts()
    assert f"ORCID {orcid} (demo id)" in shown
    assert any(text.startswith("OPENALEX A9") for text in shown)
    assert page.locator("a[href*='orcid.org'], a[href*='openalex.org']").count() == 0
    assert tab.errors == []


def test_a_real_orcid_links_to_its_page(tab: Tab, site: Server) -> None:
    # given an author with an issued ORCID
    author = author_id(site, "Josiah Carberry")
    # when a visitor opens the profile
    page = tab.open(f"/authors/{author}")
    page.wait_for_selector(".profile .external-ids")
    # then the ORCID links to its page at orcid.org
    link = page.locator("a.external-id", has_text=REAL_ORCID)
    assert link.get_attribute("href") == f"https://orcid.org/{REAL_ORCID}"
    assert page.locator(".external-id.synthetic", has_text="ORCID").count() == 0
    assert tab.errors == []
