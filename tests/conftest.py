"""Shared fixtures: users holding the built-in roles, API clients and the demo organisation.

The session organisation, the demo-data layers (`demo`, `capa_demo`, `full_demo`) and the
`organisation` fixture come from the test kit's plugin (qualitas.core.testing.pytest_plugin).
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from qualitas.accounts.models import Site
from qualitas.core.testing import factories
from qualitas.core.testing.factories import PASSWORD

pytest_plugins = ["qualitas.core.testing.pytest_plugin"]

# No test may depend on the machine's speed: Hypothesis's default 200 ms deadline per example fails
# properties at random on a loaded CI machine (first call imports, other workers busy).
hypothesis_settings.register_profile("qualitas", deadline=None)
hypothesis_settings.load_profile("qualitas")


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_audit_triggers():
    """Transactional tests empty every table afterwards; the audit trail's triggers rightly refuse
    that, so the test flush lifts them for its own statements (production keeps them)."""
    from django.db import connection

    operations = type(connection.ops)
    original = operations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if "audit_auditevent" not in tables:
            return statements
        if self.connection.vendor == "sqlite":
            from importlib import import_module

            triggers = import_module("qualitas.core.audit.migrations.0002_append_only_triggers")
            return [*triggers.SQLITE_DROP, *statements, *triggers.SQLITE]
        return [
            "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
            *statements,
            "ALTER TABLE audit_auditevent ENABLE TRIGGER USER",
        ]

    operations.sql_flush = sql_flush
    yield
    operations.sql_flush = original


@pytest.fixture(autouse=True)
def forget_remembered_reads():
    """Transactional tests empty the database between tests: no answer outlives its test."""
    from qualitas.core import readcache

    readcache.forget()
    yield
    readcache.forget()


@pytest.fixture
def site(db):
    return Site.objects.create(code="S1", name="Site one")


@pytest.fixture
def other_site(db):
    return Site.objects.create(code="S2", name="Site two")


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(role: str | None = None, *, username: str | None = None, site=None, password: str = PASSWORD, **fields):
        counter["n"] += 1
        return factories.user(role, username=username or f"user{counter['n']}", site=site, password=password, **fields)

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("administrator", username="admin1", first_name="Ada", last_name="Admin")


@pytest.fixture
def employee(make_user):
    return make_user("employee", username="emp1", first_name="Eve", last_name="Employee")


@pytest.fixture
def quality_manager(make_user):
    return make_user("quality-manager", username="qm1", first_name="Quinn", last_name="Manager")


def bearer(user, name: str = "test") -> dict:
    return factories.bearer(user, name)


@pytest.fixture
def api_client():
    """A client that talks JSON to the API with a bearer token for `user`."""

    class ApiClient:
        def __init__(self):
            self.client = Client()
            self.headers: dict = {}

        def as_user(self, user):
            self.headers = bearer(user)
            return self

        def get(self, path, **params):
            return self.client.get(f"/api/v1{path}", params, **self.headers)

        def post(self, path, data=None):
            return self.client.post(f"/api/v1{path}", data or {}, content_type="application/json", **self.headers)

        def patch(self, path, data=None):
            return self.client.patch(f"/api/v1{path}", data or {}, content_type="application/json", **self.headers)

    return ApiClient()
