"""The JSON API: authentication, permissions, error format and the organisation endpoints."""

from __future__ import annotations

import pytest
from django.test import Client

from qualitas.accounts import services
from qualitas.accounts.models import Process, Site
from qualitas.core.testing.factories import system

pytestmark = pytest.mark.django_db


def test_health_needs_no_authentication(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/sites", "/departments", "/processes", "/users", "/users/me", "/standards"])
def test_anonymous_calls_get_401_json(client, path):
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 401
    assert response.json()["message"].startswith("Authentication required")


def test_unknown_bearer_token_gets_401(client, employee):
    response = client.get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer qlt_abcdef123456_notatoken")
    assert response.status_code == 401


def test_revoked_token_stops_working(employee):
    api_token, plain = services.token_create(actor=system(), user=employee, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    assert Client().get("/api/v1/users/me", **headers).status_code == 200
    services.token_revoke(actor=system(), api_token=api_token)
    assert Client().get("/api/v1/users/me", **headers).status_code == 401


def test_tokens_are_stored_hashed(employee):
    api_token, plain = services.token_create(actor=system(), user=employee)
    api_token.refresh_from_db()
    assert plain not in (api_token.key_hash, api_token.prefix)
    assert len(api_token.key_hash) == 64


def test_session_authenticates_the_browser(client, employee):
    client.force_login(employee)
    assert client.get("/api/v1/users/me").json()["username"] == "emp1"


def test_session_writes_need_csrf(employee):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(employee)
    response = browser.post("/api/v1/sites", {"code": "X", "name": "X"}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_user_without_permission_gets_403(api_client, employee):
    response = api_client.as_user(employee).post("/sites", {"code": "NEW", "name": "New site"})
    assert response.status_code == 403
    assert "permission" in response.json()["message"]
    assert not Site.objects.filter(code="NEW").exists()


def test_quality_manager_creates_and_updates_a_site(api_client, quality_manager):
    api = api_client.as_user(quality_manager)
    response = api.post("/sites", {"code": "NEW", "name": "New site", "country": "Ireland"})
    assert response.status_code == 201, response.content
    site_id = response.json()["id"]
    response = api.patch(f"/sites/{site_id}", {"name": "Renamed", "version": response.json()["version"]})
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    assert api.get(f"/sites/{site_id}").json()["code"] == "NEW"


def test_validation_errors_are_json_with_field_details(api_client, quality_manager):
    response = api_client.as_user(quality_manager).post("/sites", {"name": "No code"})
    assert response.status_code == 422
    body = response.json()
    assert body["message"] and body["errors"][0]["field"] == "code"


def test_duplicate_code_is_a_400_with_the_field(api_client, quality_manager, site):
    response = api_client.as_user(quality_manager).post("/sites", {"code": site.code, "name": "Dup"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "code"


def test_process_with_owner_and_clauses(api_client, quality_manager, employee):
    from qualitas.standards.models import Clause

    clause = Clause.objects.get(edition__standard__code="ISO 9001", number="8.5")
    api = api_client.as_user(quality_manager)
    response = api.post(
        "/processes",
        {
            "code": "P-1",
            "name": "Machining",
            "owner_id": employee.pk,
            "inputs": ["Material", "Orders"],
            "outputs": ["Parts"],
            "clause_ids": [clause.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["inputs"] == ["Material", "Orders"]
    assert body["clauses"][0]["number"] == "8.5"
    assert "P-1" in [p["code"] for p in api.get("/processes", clause_id=clause.pk).json()["items"]]


def test_process_with_unknown_owner_is_refused_and_nothing_is_written(api_client, quality_manager):
    response = api_client.as_user(quality_manager).post("/processes", {"code": "P-2", "name": "X", "owner_id": 99999})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "owner"
    assert not Process.objects.filter(code="P-2").exists()


def test_site_scoped_role_sees_only_its_site(api_client, make_user, site, other_site):
    services.department_create(actor=system(), code="A", name="A", site=site)
    services.department_create(actor=system(), code="B", name="B", site=other_site)
    scoped = make_user("quality-manager", username="scoped", site=site)
    api = api_client.as_user(scoped)
    assert [d["code"] for d in api.get("/departments").json()["items"]] == ["A"]
    assert api.get(f"/sites/{other_site.pk}").status_code == 404
    assert api.post("/departments", {"code": "C", "name": "C", "site_id": other_site.pk}).status_code == 403
    assert api.post("/departments", {"code": "C", "name": "C", "site_id": site.pk}).status_code == 201


def test_users_are_readable_but_not_writable(api_client, employee, admin_user):
    api = api_client.as_user(employee)
    users = api.get("/users").json()
    assert {"admin1", "emp1"} <= {u["username"] for u in users["items"]}
    assert api.get(f"/users/{admin_user.pk}").json()["roles"][0]["code"] == "administrator"
    assert api.post("/users", {"username": "x"}).status_code == 405


def test_not_found_is_json(api_client, employee):
    response = api_client.as_user(employee).get("/processes/424242")
    assert response.status_code == 404 and response.json()["message"] == "Not found."


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert "/api/v1/health" in spec["paths"]
    assert {"BearerToken", "SessionAuth"} <= set(spec["components"]["securitySchemes"])


def test_interactive_docs_are_for_signed_in_users(client, employee):
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(employee)
    assert client.get("/api/v1/docs").status_code == 200


def test_standards_api(api_client, employee):
    api = api_client.as_user(employee)
    editions = {e["slug"]: e for e in api.get("/standards").json()}
    assert {"iso9001-2015", "iso14001-2015", "iso45001-2018"} <= set(editions)
    clauses = api.get("/standards/iso45001-2018/clauses").json()
    assert any(c["number"] == "5.4" for c in clauses)
    rows = {r["harmonized"]: r for r in api.get("/standards/correspondence").json()}
    assert rows["9.2"]["clauses"] == {"ISO 14001:2015": "9.2", "ISO 45001:2018": "9.2", "ISO 9001:2015": "9.2"}
    assert api.get("/standards/nope-2000/clauses").status_code == 404


def test_nul_characters_are_refused_with_400(api_client, quality_manager):
    api = api_client.as_user(quality_manager)
    assert api.get("/users", q="a\x00b").status_code == 400
    response = api.post("/sites", {"code": "N\u0000UL", "name": "x"})
    assert response.status_code == 400 and "NUL" in response.json()["message"]
    lone_surrogate = api.client.post("/api/v1/sites", '{"code": "\\ud800", "name": "x"}',
                                     content_type="application/json", **api.headers)
    assert lone_surrogate.status_code == 400
