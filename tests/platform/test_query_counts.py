"""Query counts of every register page and list endpoint do not grow with the number of rows
(STYLE rule 13; Zulip's assert_database_query_count): each is rendered for the demo organisation,
three more rows are added through the factories, and it is rendered again with the same count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qualitas.core import modules, records
from qualitas.core.testing import factories

pytestmark = pytest.mark.django_db

def list_url_name(record_type):
    return record_type.list_url_name


def api_list(record_type):
    return record_type.api_list


def _more(key: str, admin, n: int = 3) -> None:
    """`n` more rows of the type, visible to the administrator, through the real services."""
    from qualitas.accounts import services as accounts
    from qualitas.accounts.models import Site

    spr = Site.objects.get(code="SPR")
    declared = records.get_type(key).factory  # the module's own test factory, when it declares one
    for i in range(n):
        if declared is not None:
            modules.resolve(declared)(actor=admin, site=spr)
        elif key == "accounts.process":
            factories.process(actor=admin, site=spr)
        elif key == "accounts.site":
            factories.site(actor=admin)
        elif key == "accounts.department":
            accounts.department_create(actor=admin, code=factories.unique("D"), name="Extra department", site=spr)
        elif key == "accounts.user":
            factories.user("employee", actor=admin, site=spr)
        elif key == "actions.action":
            factories.action(actor=admin, site=spr, due_date=dt.date.today() + dt.timedelta(days=30))
        elif key == "capa.nonconformity":
            factories.nonconformity(actor=admin, site=spr)
        elif key == "capa.capa":
            factories.capa(actor=admin, site=spr, owner=admin)
        elif key == "capa.complaint":
            factories.complaint(actor=admin, site=spr, owner=admin)
        elif key == "documents.document":
            factories.document(actor=admin, title=f"Extra procedure {i}")  # a draft: listed for editors
        elif key == "measurements.characteristic":
            factories.characteristic(actor=admin, site=spr)
        else:
            pytest.fail(f"no factory for {key}: declare RecordTypeSpec(factory=...) in its module.py")


def count_queries(fetch) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200, response.content[:300]
    return len(queries), [q["sql"] for q in queries.captured_queries]


def listed(kind: str) -> list[str]:
    getter = list_url_name if kind == "page" else api_list
    return [rt.key for rt in records.all_types() if getter(rt)]


def assert_constant(key: str, fetch, admin) -> None:
    fetch()  # warm caches (sessions, content types, the registry)
    before, _ = count_queries(fetch)
    _more(key, admin)
    after, sql = count_queries(fetch)
    assert after == before, f"{key}: {before} queries, {after} with three more rows:\n" + "\n".join(sql)


@pytest.mark.parametrize("key", listed("page"))
def test_list_page_query_count_does_not_grow_with_rows(full_demo, key):
    admin = full_demo.user("admin")
    client = Client()
    client.force_login(admin)
    url = reverse(list_url_name(records.get_type(key)))
    assert_constant(key, lambda: client.get(url), admin)


@pytest.mark.parametrize("key", listed("api"))
def test_list_endpoint_query_count_does_not_grow_with_rows(full_demo, key):
    admin = full_demo.user("admin")
    headers = factories.bearer(admin)
    client = Client()
    path = f"/api/v1{api_list(records.get_type(key))}"
    assert_constant(key, lambda: client.get(path, {"limit": 500}, **headers), admin)
