"""Schemathesis drives every API operation in-process with generated input: no 5xx, ever."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, not_a_server_error

from qualitas.config.wsgi import application
from qualitas.core.middleware import MESSAGE as UNSTORABLE_TEXT

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_test_connection_open():
    """Like Django's test client: the WSGI calls must not close the connection that holds the
    test's transaction (PostgreSQL would lose it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(db, make_user):
    from tests.conftest import bearer

    user = make_user("administrator", username="fuzz-admin")
    return {"Authorization": bearer(user)["HTTP_AUTHORIZATION"]}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_returns_a_server_error(case, admin_headers):
    response = case.call(headers=admin_headers)
    case.validate_response(response, checks=[not_a_server_error, negative_data_rejection])


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_anonymous_calls_never_fail_with_a_server_error(case):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    if case.path != "/api/v1/health" and case.path != "/api/v1/openapi.json":
        if response.status_code == 400:  # text no field accepts is refused before authentication
            assert response.json()["message"] == UNSTORABLE_TEXT, (case.path, response.content)
            return
        if response.status_code == 415:  # so is a body that is not declared as JSON (or a form)
            assert response.json()["message"].startswith("Send a JSON body"), (case.path, response.content)
            return
        assert response.status_code in (401, 404, 405, 422), (case.path, response.status_code)
