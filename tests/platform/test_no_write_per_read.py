"""No database write for a read (issue 12): a signed-in person opening pages and an integration
calling the API change nothing in the database, apart from refreshing the session (or recording the
token's use) at most once a minute. On SQLite a write takes the one write lock, so a write per page
view would queue every reader behind every other.

The idle timeout stays the session age, to within that minute (SessionRefreshMiddleware); time is
moved by changing the stored timestamps, never by waiting."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from qualitas.accounts.middleware import REFRESH_EVERY, REFRESHED_AT
from qualitas.core import records
from qualitas.core.demo import DEMO_PASSWORD
from qualitas.core.testing import factories, matrix

pytestmark = pytest.mark.django_db

# A write, or a transaction opened on the way (on SQLite, BEGIN IMMEDIATE takes the write lock; in a
# test, atomic() shows as a savepoint).
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN|SAVEPOINT)\b", re.IGNORECASE)


def _extra_pages() -> list[str]:
    names = ("home", "tasks:list", "notifications:list", "documents:review-due", "capa:dashboard", "profile")
    return [reverse(name) for name in names] + [reverse("search") + "?q=procedure"]


def pages() -> list[str]:
    """Every register page, the page of one record of every type, home, search, tasks, notifications."""
    urls = [reverse(rt.list_url_name) for rt in records.all_types() if rt.list_url_name]
    for record_type in records.all_types():
        instance = matrix.pick_instance(record_type) if record_type.url else None
        if instance is not None:
            urls.append(record_type.url(instance))
    return list(dict.fromkeys(urls + _extra_pages()))


def api_paths() -> list[str]:
    """Every list endpoint, one record of every listed type, and the person's own lists."""
    paths = ["/api/v1/users/me", "/api/v1/tasks", "/api/v1/notifications", "/api/v1/improvement/dashboard"]
    for record_type in records.all_types():
        if record_type.api_list:
            paths.append(f"/api/v1{record_type.api_list}")
            instance = matrix.pick_instance(record_type)
            if instance is not None and _routed(f"/api/v1{record_type.api_list}/{instance.pk}"):
                paths.append(f"/api/v1{record_type.api_list}/{instance.pk}")
    return list(dict.fromkeys(paths))


def _routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if WRITE.match(q["sql"])]


def fetch(client, path: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, writes(queries)


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def seconds_pass(client, seconds: float) -> None:
    """As if `seconds` had passed since the session was last saved: its refresh stamp and its expiry
    move back by that much (the test never sleeps)."""
    expires = session_row(client).expire_date
    store = client.session
    store[REFRESHED_AT] -= seconds
    store.save()
    Session.objects.filter(pk=store.session_key).update(expire_date=expires - dt.timedelta(seconds=seconds))


@pytest.mark.parametrize("username", ["admin", "employee"])
def test_reading_pages_and_lists_writes_nothing(full_demo, username):
    browser = sign_in(username)
    token = factories.bearer(full_demo.user(username))
    integration = Client()
    first, _ = fetch(integration, "/api/v1/users/me", **token)  # records the token's first use, once
    assert first.status_code == 200
    written, opened = {}, 0
    for path in pages():
        response, sql = fetch(browser, path)
        if response.status_code == 403:
            continue  # a refusal is audited on purpose (and tested with the permission matrix)
        assert response.status_code in (200, 404), (path, response.status_code)  # 404: not theirs to see
        opened += response.status_code == 200
        if sql:
            written[path] = sql
    for path in api_paths():
        for client, headers in ((integration, token), (browser, {})):
            response, sql = fetch(client, path, **headers)
            if response.status_code == 403:
                continue
            assert response.status_code in (200, 404), (path, response.status_code, response.content[:200])
            opened += response.status_code == 200
            if sql:
                written[f"{path} ({'token' if headers else 'session'})"] = sql
    assert opened > 30
    assert not written, "reads that wrote:\n" + "\n".join(f"{path}: {sql}" for path, sql in written.items())


def test_the_session_is_refreshed_at_most_once_a_minute(full_demo):
    browser = sign_in("quality")
    row = session_row(browser)
    for path in ("/", reverse("documents:list"), "/api/v1/documents"):
        response, sql = fetch(browser, path)
        assert response.status_code == 200 and sql == [], (path, sql)
        assert settings.SESSION_COOKIE_NAME not in response.cookies  # the cookie is not sent again either
    assert session_row(browser).expire_date == row.expire_date

    seconds_pass(browser, REFRESH_EVERY + 1)
    before = session_row(browser).expire_date
    response, sql = fetch(browser, reverse("documents:list"))
    assert response.status_code == 200
    changed = [statement for statement in sql if re.match(r"^\s*(INSERT|UPDATE|DELETE)", statement)]
    assert len(changed) == 1 and "django_session" in changed[0], sql
    assert settings.SESSION_COOKIE_NAME in response.cookies
    after = session_row(browser).expire_date
    assert after > before
    assert abs((after - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 30
    for path in ("/", "/api/v1/nonconformities"):
        response, sql = fetch(browser, path)
        assert response.status_code == 200 and sql == [], (path, sql)


def test_an_idle_session_ends_at_the_idle_timeout_to_within_a_minute(organisation):
    age = settings.SESSION_COOKIE_AGE
    active = sign_in("employee")
    seconds_pass(active, REFRESH_EVERY - 1)  # last saved a minute ago, less a second: not saved now
    response, sql = fetch(active, "/")
    assert response.status_code == 200 and sql == []
    left = (session_row(active).expire_date - timezone.now()).total_seconds()
    assert age - REFRESH_EVERY - 5 < left <= age - REFRESH_EVERY + 5  # at worst a minute short

    nearly = sign_in("employee")
    seconds_pass(nearly, age - 5)  # idle for the session age, less five seconds: still signed in
    assert nearly.get("/").status_code == 200
    left = (session_row(nearly).expire_date - timezone.now()).total_seconds()
    assert left > age - 30  # and that request refreshed it

    idle = sign_in("employee")
    seconds_pass(idle, age + 1)  # idle for longer than the session age: signed out
    response = idle.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert idle.get("/api/v1/users/me").status_code == 401


def test_anonymous_requests_and_signing_out_leave_no_session(organisation):
    sessions = Session.objects.count()
    anonymous = Client()
    for path in (reverse("login"), "/", "/api/v1/health"):
        response, sql = fetch(anonymous, path)
        assert response.status_code in (200, 302) and sql == [], (path, sql)
    assert Session.objects.count() == sessions
    browser = sign_in("employee")
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert browser.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert Session.objects.count() == sessions  # the refresh does not write the emptied session back


def test_an_api_token_records_its_use_at_most_once_a_minute(organisation):
    from qualitas.accounts.models import ApiToken

    user = organisation.user("employee")
    headers = factories.bearer(user)
    client = Client()
    response, sql = fetch(client, "/api/v1/users/me", **headers)
    assert response.status_code == 200 and len(sql) == 1 and "accounts_apitoken" in sql[0], sql
    for path in ("/api/v1/users/me", "/api/v1/documents", "/api/v1/tasks"):
        response, sql = fetch(client, path, **headers)
        assert response.status_code == 200 and sql == [], (path, sql)
    token = ApiToken.objects.get(user=user, revoked_at__isnull=True, last_used_at__isnull=False)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at - dt.timedelta(seconds=61))
    response, sql = fetch(client, "/api/v1/users/me", **headers)
    assert response.status_code == 200 and len(sql) == 1 and "accounts_apitoken" in sql[0], sql
