"""The first hour with Qualitas, on a laptop and on a phone: for every demo role, every menu of the top
bar (search, notifications, the user menu with sign-out, the module navigation and the system menu)
is inside the window and can be clicked at 1024, 1280 and 375 px, and signing out works; on a phone
the screens occasional users need (the tasks inbox, reporting a nonconformity) fit the width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from qualitas.demo import DEMO_USERS
from tests.e2e.conftest import sign_in

VIEWPORTS = {"laptop-1024": (1024, 768), "laptop-1280": (1280, 800), "phone-375": (375, 740)}
FOLDED_BELOW = 992  # the module bar folds behind the menu button below this width


def _inside(page, locator, what: str) -> None:
    """`locator` is shown, entirely within the window's width, and would receive a click."""
    expect(locator, f"{what} is not visible").to_be_visible()
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None, f"{what} has no box"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, f"{what} sticks out of the window: {box}"
    assert box["y"] >= 0, f"{what} is above the window: {box}"
    locator.click(trial=True, timeout=3000)  # visible, stable, enabled and not covered by anything else


def _no_horizontal_scroll(page, what: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what} is {overflow}px wider than the window"


def _open_modules(page, width: int):
    navigation = page.get_by_role("navigation", name="Modules")
    toggle = page.get_by_role("button", name="Modules menu")
    if width < FOLDED_BELOW:
        expect(navigation).to_be_hidden()
        _inside(page, toggle, "the menu button")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggle).to_be_hidden()
    expect(navigation).to_be_visible()
    return navigation


@pytest.fixture
def window(browser, live_server, request):
    """A fresh browser window of the parametrised size (the `page` fixture's window is 1366 wide)."""
    contexts = []

    def open_window(width: int, height: int):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        return page

    yield open_window
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_top_bar_menu_is_in_reach_for_every_demo_role(window, demo_data, viewport):
    width, height = VIEWPORTS[viewport]
    for username, _role in DEMO_USERS:
        page = window(width, height)
        sign_in(page, username)
        expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
        _no_horizontal_scroll(page, f"{username}'s home page")

        # Search: the field is there, and its suggestions open inside the window.
        search = page.get_by_label("Search everything")
        _inside(page, search, f"{username}: the search field")
        search.fill("audit")
        suggestion = page.locator("#search-dropdown").get_by_role("option").first
        expect(suggestion).to_be_visible()
        _inside(page, suggestion, f"{username}: the first search suggestion")
        page.keyboard.press("Escape")

        # Notifications.
        bell = page.get_by_test_id("notification-bell")
        _inside(page, bell, f"{username}: the notification bell")

        # Module navigation: every entry, and the system menu for those who have one.
        navigation = _open_modules(page, width)
        links = navigation.get_by_role("link")
        assert links.count() >= 3, f"{username} sees only {links.count()} modules"
        for index in range(links.count()):
            link = links.nth(index)
            if link.is_visible():  # the system menu's entries are hidden until it opens
                _inside(page, link, f"{username}: module link {link.inner_text().strip()!r}")
        system = navigation.get_by_role("button", name="System")
        system_entries = []
        if system.count():
            _inside(page, system, f"{username}: the system menu")
            system.click()
            entries = navigation.locator(".dropdown-menu.show").get_by_role("link")
            expect(entries.first).to_be_visible()
            for index in range(entries.count()):
                system_entries.append(entries.nth(index).inner_text().strip())
                _inside(page, entries.nth(index), f"{username}: system entry {system_entries[-1]!r}")
            page.keyboard.press("Escape")
            expect(entries).to_have_count(0)
        assert ("Administration" in system_entries) == (username == "admin"), system_entries
        standards = navigation.get_by_role("link", name="Standards")
        standards.click()
        expect(page).to_have_url(re.compile(r"/standards/"))
        _no_horizontal_scroll(page, f"{username}'s standards page")

        # The bell leads to the notifications.
        page.get_by_test_id("notification-bell").click()
        expect(page).to_have_url(re.compile(r"/notifications/"))

        # The user menu, with sign-out, inside the window; signing out works.
        user_menu = page.locator("#user-menu")
        _inside(page, user_menu, f"{username}: the user menu")
        user_menu.click()
        sign_out = page.get_by_role("button", name="Sign out")
        _inside(page, sign_out, f"{username}: Sign out")
        for item in ("Profile and security", "My tasks", "Notification settings"):
            _inside(page, page.locator(".dropdown-menu.show").get_by_role("link", name=item), f"{username}: {item}")
        sign_out.click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))  # the session really ended
        assert page.console_errors == [], page.console_errors  # CSP violations show up here
        page.context.close()


def test_on_a_phone_the_tasks_inbox_and_reporting_a_problem_fit_the_screen(window, demo_data):
    width, height = VIEWPORTS["phone-375"]
    page = window(width, height)
    sign_in(page, "employee")
    page.goto("/tasks/")
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    _no_horizontal_scroll(page, "the tasks inbox")
    hidden = page.locator("#task-table").evaluate("t => t.scrollWidth - t.parentElement.clientWidth")
    assert hidden <= 0, f"the task list hides {hidden}px to the right"
    first = page.locator("#task-table tbody tr").first
    expect(first).to_contain_text("acknowledge")
    _inside(page, first.get_by_role("link").first, "the first task")
    for status in page.get_by_role("main").get_by_role("list").first.get_by_role("link").all():
        _inside(page, status, f"task filter {status.inner_text()!r}")

    page.goto("/quality/nonconformities/new/")
    form = page.get_by_test_id("nc-form")
    expect(form).to_be_visible()
    _no_horizontal_scroll(page, "the new-nonconformity form")
    fields = form.locator("input:visible, select:visible, textarea:visible")
    assert fields.count() >= 3
    for index in range(fields.count()):
        _inside(page, fields.nth(index), f"nonconformity field {index}")
    _inside(page, form.get_by_role("button", name="Save"), "the Save button")
    page.get_by_label("Title").fill("Scratched housing on line 2")
    assert page.console_errors == [], page.console_errors


def test_on_a_phone_the_related_panel_keeps_its_reason_fields_usable(window, demo_data):
    width, height = VIEWPORTS["phone-375"]
    page = window(width, height)
    sign_in(page, "quality")
    page.goto("/quality/nonconformities/")
    page.locator("main tbody a[href*='/nonconformities/']").first.click()
    related = page.get_by_test_id("related")
    expect(related).to_be_visible()
    _no_horizontal_scroll(page, "a nonconformity with its Related panel")
    for field in related.locator("input:visible, select:visible").all():
        box = field.bounding_box()
        assert box and box["width"] >= 120, f"a field of the Related panel is squeezed to {box}"
        _inside(page, field, "a field of the Related panel")
    raise_links = page.get_by_test_id("raise").get_by_role("link")
    for index in range(raise_links.count()):
        _inside(page, raise_links.nth(index), "a raise-from link")
