"""The signed-in flows in a real browser, as three people: a researcher claims her profile, an
administrator approves the claim, she edits her bio line, a colleague invites her, and she
accepts the invitation."""

from __future__ import annotations

from collections.abc import Callable

from tests.serving import Server
from tests.web.conftest import Demo, Tab, author_id, sign_up


def signed_in_as(tab: Tab, token: str) -> None:
    tab.open("/")
    tab.page.evaluate("(t) => localStorage.setItem('peergraph.token', t)", token)


def test_claim_review_bio_and_invitation(
    people: Callable[[], Tab], site: Server, demo: Demo
) -> None:
    # given a researcher, an administrator and a colleague, each in their own browser
    ding = author_id(site, "Caiwen Ding")
    researcher, admin, colleague = people(), people(), people()
    sign_up(researcher, "caiwen@example.org")
    signed_in_as(admin, demo.admin_token("admin@example.org"))
    sign_up(colleague, "colleague@example.org")
    # when the researcher claims her profile
    page = researcher.open(f"/authors/{ding}")
    page.click("button:text-is('Claim this profile')")
    page.wait_for_selector(".claim .message:has-text('PENDING')")
    # then the administrator sees the claim waiting, and approves it
    review = admin.open("/admin")
    row = review.locator("tr", has_text="Caiwen Ding")
    row.locator("button:text-is('Approve')").click()
    row.locator("td:text-is('CLAIMED')").wait_for()
    # and the researcher sees her own profile, and sets her bio line
    page = researcher.open(f"/authors/{ding}")
    page.wait_for_selector(".claim[data-state=CLAIMED_BY_YOU]")
    page.fill("#bio", "Energy-efficient deep learning")
    page.click("button:text-is('Save profile')")
    page.wait_for_selector(".bio:text-is('Energy-efficient deep learning')")
    # when the colleague opens her profile, the invitation form is there, and they invite her
    page = colleague.open(f"/authors/{ding}")
    assert page.inner_text(".bio") == "Energy-efficient deep learning"
    page.fill("#invite-message", "Shall we write about sparse FPGAs?")
    page.click("button:text-is('Send invitation')")
    page.wait_for_selector(".collaboration .message:text-is('Invitation sent.')")
    # then the researcher finds it on her page, with who sent it, and accepts it
    page = researcher.open("/me")
    invitation = page.locator(".invitations li", has_text="sparse FPGAs")
    assert "colleague@example.org" in invitation.inner_text()
    invitation.locator("button:text-is('Accept')").click()
    invitation.locator("span:text-is('ACCEPTED')").wait_for()
    assert [t.errors for t in (researcher, admin, colleague)] == [[], [], []]
