"""Core journeys in the browser: history of a change, optimistic locking, the signature policy."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, sign_in


def test_editing_a_process_shows_in_its_history_tab(page, demo_data):
    sign_in(page, "quality")
    page.goto("/organisation/")
    page.get_by_role("link", name="Inspection and release").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Name").fill("Inspection, testing and release")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Inspection, testing and release")).to_be_visible()
    page.get_by_role("tab", name="History").click()
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Inspection and release")
    expect(history).to_contain_text("Inspection, testing and release")
    expect(history).to_contain_text("Quinn Harper")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "history.png"), full_page=True)


def test_a_stale_edit_is_refused_and_loses_nothing(page, demo_data, browser, live_server):
    sign_in(page, "quality")
    page.goto("/organisation/")
    page.get_by_role("link", name="Internal audit").click()
    page.get_by_role("link", name="Edit").click()
    other_context = browser.new_context(base_url=live_server.url)
    other = other_context.new_page()
    sign_in(other, "admin")
    other.goto(page.url)
    other.get_by_label("Name").fill("Internal audits (admin)")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_role("heading", name="Internal audits (admin)")).to_be_visible()
    page.get_by_label("Name").fill("Internal audits (quality)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("changed by someone else"))).to_be_visible()
    other.reload()
    expect(other.get_by_role("heading", name="Internal audits (admin)")).to_be_visible()
    other_context.close()


def test_the_signature_policy_is_acknowledged_once(page, demo_data):
    sign_in(page, "auditor")  # the demo's signers have acknowledged it already
    page.goto("/signatures/policy/")
    page.get_by_label("Your password").fill("qualitas-demo")
    page.get_by_label("I have read and accept").check()
    page.get_by_role("button", name="Acknowledge and enable signing").click()
    page.goto("/signatures/policy/")
    expect(page.get_by_test_id("policy-acknowledged")).to_be_visible()


def test_audit_trail_page_filters_and_exports(page, demo_data):
    sign_in(page, "quality")
    page.goto("/records/audit-trail/")
    page.get_by_label("Action").select_option("login")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("history")).to_contain_text("account.signed_in")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename.startswith("audit-trail-")
