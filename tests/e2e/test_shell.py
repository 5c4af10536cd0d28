"""The main journeys of the web shell in headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from qualitas.demo import DEMO_USERS
from tests.e2e.conftest import SCREENSHOTS, sign_in


@pytest.mark.parametrize("username,role", DEMO_USERS)
def test_each_demo_role_signs_in_and_sees_navigation_and_dashboard(page, demo_data, username, role):
    sign_in(page, username)
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Modules")
    expect(navigation.get_by_role("link", name="Standards")).to_be_visible()
    expect(navigation.get_by_role("link", name="Organisation")).to_be_visible()
    if username == "quality":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    system_menu = navigation.get_by_role("button", name="System")
    if system_menu.count():  # administration, jobs and the audit trail sit in one dropdown
        system_menu.click()
    admin_links = navigation.get_by_role("link", name="Administration")
    expect(admin_links).to_have_count(1 if username == "admin" else 0)
    assert page.console_errors == [], page.console_errors  # CSP violations show up here


def test_wrong_password_shows_a_message_and_locks_after_repeated_failures(page, demo_data):
    for _ in range(4):
        sign_in(page, "employee", "not-the-password")
        expect(page.get_by_text("not correct")).to_be_visible()
    sign_in(page, "employee", "not-the-password")
    expect(page.get_by_role("heading", name="Account locked")).to_be_visible()
    sign_in(page, "employee")
    expect(page.get_by_role("heading", name="Account locked")).to_be_visible()


def test_global_search_suggests_results_as_you_type(page, demo_data):
    sign_in(page, "employee")
    page.get_by_label("Search everything").fill("audit")
    suggestion = page.locator("#search-dropdown").get_by_role("option", name=re.compile("Internal audit"))
    expect(suggestion.first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#search-dropdown .list-group")).to_have_count(0)


def test_process_map_to_clause_library(page, demo_data):
    sign_in(page, "quality")
    page.get_by_role("navigation", name="Modules").get_by_role("link", name="Organisation").click()
    page.get_by_role("link", name="Inspection and release").click()
    expect(page.get_by_text("ISO 9001:2015 §8.7")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "process.png"), full_page=True)
    page.get_by_role("navigation", name="Modules").get_by_role("link", name="Standards").click()
    expect(page.locator("#correspondence")).to_contain_text("Management review")
    page.screenshot(path=str(SCREENSHOTS / "standards.png"), full_page=True)


def test_admin_creates_a_user_who_can_then_sign_in(page, demo_data, browser, live_server):
    sign_in(page, "admin")
    page.get_by_role("navigation", name="Modules").get_by_role("button", name="System").click()
    page.get_by_role("navigation", name="Modules").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("operator2")
    page.get_by_label("First name").fill("Olive")
    page.get_by_label("Last name").fill("Operator")
    page.get_by_label("Password").fill("operator-passphrase-2026")
    page.get_by_label("Role").select_option(label="Employee")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Olive Operator")).to_be_visible()

    context = browser.new_context(base_url=live_server.url)
    other = context.new_page()
    sign_in(other, "operator2", "operator-passphrase-2026")
    expect(other.get_by_role("heading", name="My tasks")).to_be_visible()

    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("is deactivated")).to_be_visible()
    other.reload()
    expect(other.get_by_role("heading", name="Sign in to Qualitas")).to_be_visible()
    context.close()


def test_profile_password_change_and_api_token(page, demo_data):
    sign_in(page, "author")
    page.get_by_role("button", name=re.compile("Avery Stone")).click()
    page.get_by_role("link", name="Profile and security").click()
    page.get_by_label("Token name").fill("my script")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").inner_text().strip()
    assert token.startswith("qlt_")
    response = page.request.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["username"] == "author"
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_test_id("totp-secret")).to_be_visible()
