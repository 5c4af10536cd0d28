"""The web shell: navigation per role, dashboard, search, organisation and administration pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qualitas.accounts.models import Process, Role, Site, User
from qualitas.core.registry import TaskItem, registry
from qualitas.demo import DEMO_USERS

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("username,role", DEMO_USERS)
def test_every_demo_role_sees_dashboard_and_its_navigation(demo, username, role):
    client = signed_in(User.objects.get(username=username))
    page = client.get("/").content.decode()
    assert "My tasks" in page
    assert 'data-module="standards"' in page
    assert ('data-module="administration"' in page) == (username == "admin")


def test_employee_gets_403_on_administration(employee):
    response = signed_in(employee).get(reverse("administration:users"))
    assert response.status_code == 403
    assert "permission" in response.content.decode()


def test_user_without_roles_sees_no_modules_and_gets_403(make_user):
    client = signed_in(make_user())
    page = client.get("/").content.decode()
    assert 'data-module="' not in page
    assert client.get(reverse("organisation:processes")).status_code == 403


def test_tasks_from_a_registered_provider_appear_on_the_dashboard(employee):
    def provider(user):
        if user.pk == employee.pk:
            yield TaskItem(
                title="Acknowledge SOP-001", url="/x", module="Documents", kind="Acknowledgment", overdue=True
            )

    registry.add_task_provider("test", provider)
    try:
        page = signed_in(employee).get("/").content.decode()
    finally:
        registry.task_providers.pop("test")
    assert "Acknowledge SOP-001" in page and "1 overdue" in page


def test_global_search_finds_processes_and_clauses(demo):
    client = signed_in(User.objects.get(username="employee"))
    page = client.get(reverse("search"), {"q": "audit"}).content.decode()
    assert "Internal audit" in page and "MP-02" in page
    partial = client.get(reverse("search"), {"q": "audit"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "See all results" in partial


def test_search_respects_permissions(demo, make_user):
    client = signed_in(make_user())
    page = client.get(reverse("search"), {"q": "audit"}).content.decode()
    assert "MP-02" not in page and "Nothing found" in page


def test_process_pages_and_edit_by_quality_manager(demo):
    client = signed_in(User.objects.get(username="quality"))
    process = Process.objects.get(code="CP-04")
    assert "Machining and production" in client.get(reverse("organisation:process", args=[process.pk])).content.decode()
    form = client.get(reverse("organisation:process-edit", args=[process.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("organisation:process-edit", args=[process.pk]),
        {
            "code": "CP-04",
            "name": "Machining",
            "category": "core",
            "purpose": "",
            "inputs": "",
            "outputs": "",
            "active": "on",
            "version": process.version,  # the form's hidden field: a change names the version it was made on
        },
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.name == "Machining"


def test_employee_cannot_edit_a_process(demo):
    client = signed_in(User.objects.get(username="employee"))
    process = Process.objects.get(code="CP-04")
    assert client.get(reverse("organisation:process-edit", args=[process.pk])).status_code == 403
    response = client.post(reverse("organisation:process-edit", args=[process.pk]), {"code": "X", "name": "X"})
    assert response.status_code == 403


def test_duplicate_site_code_shows_inline_error(demo):
    client = signed_in(User.objects.get(username="quality"))
    response = client.post(reverse("organisation:site-new"), {"code": "SPR", "name": "Again"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Site.objects.filter(code="SPR").count() == 1


def test_admin_creates_user_assigns_role_and_deactivates(demo):
    client = signed_in(User.objects.get(username="admin"))
    response = client.post(
        reverse("administration:user-new"),
        {
            "username": "newbie",
            "first_name": "New",
            "last_name": "Bie",
            "password": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302, response.content
    newbie = User.objects.get(username="newbie")
    client.post(reverse("administration:role-assign", args=[newbie.pk]), {"role": Role.objects.get(code="employee").pk})
    assert newbie.role_assignments.count() == 1
    client.post(reverse("administration:user-deactivate", args=[newbie.pk]))
    newbie.refresh_from_db()
    assert not newbie.is_active
    assert "Deactivated" in client.get(reverse("administration:users")).content.decode()


def test_admin_cannot_deactivate_themselves(demo):
    admin = User.objects.get(username="admin")
    signed_in(admin).post(reverse("administration:user-deactivate", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.is_active


def test_clause_library_pages(demo):
    client = signed_in(User.objects.get(username="employee"))
    index = client.get(reverse("standards:index")).content.decode()
    assert "Annex SL correspondence" in index and "ISO 45001:2018" in index
    edition = client.get(reverse("standards:edition", args=["iso9001-2015"])).content.decode()
    assert "Control of nonconforming outputs" in edition and "CP-05" in edition


def test_profile_token_creation_shows_token_once(employee):
    client = signed_in(employee)
    response = client.post(reverse("token-create"), {"name": "script"})
    page = response.content.decode()
    assert "qlt_" in page
    assert "qlt_" not in client.get(reverse("profile")).content.decode().split("Tokens let")[1].split("<tbody>")[0]


def test_error_pages_are_friendly(employee):
    response = signed_in(employee).get("/no/such/page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()
