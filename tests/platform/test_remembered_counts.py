"""A long list's count is counted once per audited change (qualitas.core.counts): the documents
register's number is read again only after something was recorded in the audit trail, and is
always the number the person may see. Transactional: nothing is remembered inside a transaction,
which is where every other test runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qualitas.core import counts
from qualitas.core.testing import factories
from qualitas.core.testing.organisation import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

COUNTING = 'SELECT COUNT(*) AS "__count" FROM "documents_document"'


def listed(client, headers) -> tuple[int, bool]:
    """The API's count of documents, and whether the database counted them for this call."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/documents", **headers)
    assert response.status_code == 200
    counted = any(q["sql"].startswith(COUNTING) for q in queries.captured_queries)
    return response.json()["count"], counted


def test_the_count_is_counted_again_after_an_audited_change_only():
    from qualitas.accounts import services as accounts

    organisation = Organisation()
    counts.forget()
    quality, employee = organisation.user("quality"), organisation.user("employee")
    client, as_quality, as_employee = Client(), factories.bearer(quality), factories.bearer(employee)
    factories.document(actor=quality, title="Draft procedure")  # a draft: the employee does not see it

    first, counted = listed(client, as_quality)
    assert counted
    assert listed(client, as_quality) == (first, False)  # nothing recorded since: remembered
    seen, counted = listed(client, as_employee)  # another scope, another count
    assert counted and seen == first - 1

    factories.document(actor=quality, title="Second draft")  # audited: every count is stale
    assert listed(client, as_quality) == (first + 1, True)
    assert listed(client, as_quality) == (first + 1, False)
    assert listed(client, as_employee) == (seen, True)

    # Who may see what changes through audited services too: the employee becomes a controller.
    accounts.role_assign(actor=organisation.user("admin"), user=employee, role="document-controller")
    assert listed(client, as_employee) == (first + 1, True)
