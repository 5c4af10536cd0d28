"""Read views answer again from memory until the next audited change (qualitas.core.readcache).

Transactional: nothing is remembered inside a transaction, which is where every other test runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from qualitas.core import readcache
from qualitas.core.notifications import services as notifications
from qualitas.core.testing import factories
from qualitas.core.testing.organisation import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

HIT = "X-Qualitas-Read-Cache"


def fetch(client, url, headers=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **(headers or {}))
    assert response.status_code == 200, response.content[:300]
    return response, len(queries.captured_queries)


@pytest.fixture
def organisation():
    readcache.forget()
    yield Organisation()
    readcache.forget()


def test_an_api_list_is_answered_from_memory_until_an_audited_change(organisation):
    quality = organisation.user("quality")
    client, as_quality = Client(), factories.bearer(quality)
    factories.document(actor=quality, title="Calibration procedure")

    first, cold = fetch(client, "/api/v1/documents", as_quality)
    again, warm = fetch(client, "/api/v1/documents", as_quality)
    assert HIT not in first and again[HIT] == "hit"
    assert again.content == first.content and warm < cold

    factories.document(actor=quality, title="Second procedure")  # audited: the answer is stale
    fresh, _ = fetch(client, "/api/v1/documents", as_quality)
    assert HIT not in fresh
    assert fresh.json()["count"] == first.json()["count"] + 1


def test_answers_never_cross_people_nor_queries(organisation):
    quality, employee = organisation.user("quality"), organisation.user("employee")
    client = Client()
    factories.document(actor=quality, title="Draft only the author's team sees")
    seen_by_quality, _ = fetch(client, "/api/v1/documents", factories.bearer(quality))
    seen_by_employee, _ = fetch(client, "/api/v1/documents", factories.bearer(employee))
    assert HIT not in seen_by_employee
    assert seen_by_employee.json()["count"] == seen_by_quality.json()["count"] - 1
    filtered, _ = fetch(client, "/api/v1/documents?q=zzz-nothing", factories.bearer(quality))
    assert HIT not in filtered and filtered.json()["count"] == 0


def test_a_change_of_who_may_see_what_is_seen_at_once(organisation):
    from qualitas.accounts import services as accounts

    quality, employee = organisation.user("quality"), organisation.user("employee")
    client, as_employee = Client(), factories.bearer(employee)
    factories.document(actor=quality, title="Draft")
    before, _ = fetch(client, "/api/v1/documents", as_employee)
    fetch(client, "/api/v1/documents", as_employee)
    accounts.role_assign(actor=organisation.user("admin"), user=employee, role="document-controller")
    after, _ = fetch(client, "/api/v1/documents", as_employee)
    assert HIT not in after and after.json()["count"] == before.json()["count"] + 1


def csrf_token_of(response) -> str:
    import re

    return re.search(r'"X-CSRFToken": "([A-Za-z0-9]{64})"', response.content.decode()).group(1)


def test_a_page_is_remembered_per_person_with_the_browsers_own_csrf_token(organisation):
    from django.middleware.csrf import _unmask_cipher_token

    quality = organisation.user("quality")
    browser, other = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    browser.force_login(quality)
    other.force_login(quality)  # another browser of the same person (signing in is audited: first)
    first, _ = fetch(browser, "/documents/")
    again, _ = fetch(browser, "/documents/")
    assert again[HIT] == "hit"

    elsewhere, _ = fetch(other, "/documents/")
    assert elsewhere[HIT] == "hit"
    token = csrf_token_of(elsewhere)
    assert _unmask_cipher_token(token) == other.cookies["csrftoken"].value
    assert elsewhere.content.replace(token.encode(), b"") == first.content.replace(csrf_token_of(first).encode(), b"")
    # The token works: the replayed page's sign-out form is accepted by the CSRF check.
    signed_out = other.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert signed_out.status_code in (200, 302)


def test_a_new_notification_shows_at_once(organisation):
    quality = organisation.user("quality")
    browser = Client()
    browser.force_login(quality)
    fetch(browser, "/documents/")
    notifications.notify(quality, "Review due", body="SOP-001 is due for review")  # not audited
    bell, _ = fetch(browser, "/documents/")
    assert HIT not in bell and b"unread-badge" in bell.content


def test_what_is_not_a_plain_read_is_not_remembered(organisation):
    quality = organisation.user("quality")
    browser = Client()
    response = browser.get("/documents/")  # anonymous: the sign-in redirect
    assert response.status_code == 302
    browser.force_login(quality)
    missing = browser.get("/documents/999999/")
    assert missing.status_code == 404
    assert browser.get("/documents/999999/").status_code == 404
    assert not any(key[1] == "/documents/999999/" for key in readcache._answers)


@override_settings(READ_CACHE=False)
def test_it_can_be_switched_off(organisation):
    quality = organisation.user("quality")
    client, as_quality = Client(), factories.bearer(quality)
    fetch(client, "/api/v1/documents", as_quality)
    again, _ = fetch(client, "/api/v1/documents", as_quality)
    assert HIT not in again


def test_the_memory_is_bounded(organisation, monkeypatch):
    quality = organisation.user("quality")
    client, as_quality = Client(), factories.bearer(quality)
    first, _ = fetch(client, "/api/v1/documents", as_quality)
    monkeypatch.setattr(readcache, "BUDGET_BYTES", len(first.content) + 10)
    fetch(client, "/api/v1/documents?page=1", as_quality)  # a second answer: the oldest goes
    assert len(readcache._answers) == 1
    assert readcache._size["bytes"] <= readcache.BUDGET_BYTES
