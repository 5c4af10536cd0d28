"""The system account: jobs, imports, migrations and the demo act as a real user row that cannot sign
in, so no service skips authorisation because the actor is missing (module kit, issue 9)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from qualitas.accounts import services
from qualitas.accounts.models import User
from qualitas.core.audit.models import AuditEvent
from qualitas.core.signatures import services as signing
from qualitas.core.testing.factories import system

pytestmark = pytest.mark.django_db
SOURCE = Path(__file__).resolve().parents[2] / "src" / "qualitas"
QUERIES = {"Q", "filter", "exclude", "get"}  # actor=None there looks for events without an actor


def test_the_system_account_exists_once_and_is_audited():
    account = system()
    assert account.pk == system().pk and account.is_system and not account.has_usable_password()
    assert User.objects.filter(username__iexact="system").count() == 1
    assert AuditEvent.objects.filter(event="account.system_created", record_id=str(account.pk)).exists()


def test_nobody_can_sign_in_as_the_system(client):
    system()
    for password in ("", "system", "!"):
        response = client.post(reverse("login"), {"username": "system", "password": password})
        assert response.status_code != 302
    assert Client().get("/").status_code == 302


def test_the_system_account_cannot_get_a_password_roles_or_tokens(admin_user):
    account = system()
    refusals = [
        lambda: services.user_set_password(actor=admin_user, user=account, password="a-long-passphrase-2026"),
        lambda: services.role_assign(actor=admin_user, user=account, role="administrator"),
        lambda: services.token_create(actor=admin_user, user=account, name="backdoor"),
        lambda: services.user_update(actor=admin_user, user=account, first_name="Mallory", version=account.version),
        lambda: services.user_deactivate(actor=admin_user, user=account, reason="no"),
    ]
    for refused in refusals:
        with pytest.raises(ValidationError, match="system account"):
            refused()
    account.refresh_from_db()
    assert not account.role_assignments.exists() and not account.api_tokens.exists()
    assert not account.has_usable_password()


def test_the_username_is_reserved(admin_user):
    with pytest.raises(ValidationError, match="reserved"):
        services.user_create(actor=admin_user, username="System", password="a-long-passphrase-2026")


def test_the_system_cannot_sign():
    with pytest.raises(ValidationError, match="cannot sign"):
        signing.verify_signer(system(), signing.Credentials("anything"))


def test_a_missing_actor_is_a_programming_error_not_a_free_pass(site):
    with pytest.raises(TypeError, match="system_actor"):
        services.site_create(actor=None, code="NOPE", name="No actor")
    with pytest.raises(TypeError, match="system_actor"):
        services.department_create(actor=None, code="NOPE", name="No actor", site=site)


def test_system_events_name_the_system_account(site):
    department = services.department_create(actor=system(), code="SYS", name="Made by a job", site=site)
    event = AuditEvent.objects.filter(event="organisation.department_created", record_id=str(department.pk)).get()
    assert event.actor_id == system().pk and event.actor_name == "System"


def _calls_with_actor_none(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) not in QUERIES:
            for keyword in node.keywords:
                if keyword.arg == "actor" and isinstance(keyword.value, ast.Constant) and keyword.value.value is None:
                    found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found


def test_no_application_code_passes_actor_none():
    """Services are called by someone: a person, or the system account (`accounts.services.system_actor`)."""
    offenders = [hit for path in SOURCE.rglob("*.py") if "migrations" not in path.parts
                 for hit in _calls_with_actor_none(path)]
    assert offenders == []


def test_the_system_is_not_offered_as_a_person_to_pick(admin_user, employee):
    from qualitas.accounts.selectors import user_list
    from qualitas.core.tasks.services import task_create

    account = system()
    assert account not in User.objects.people() and employee in User.objects.people()
    assert account not in user_list(admin_user) and account in user_list(admin_user, include_inactive=True)
    with pytest.raises(ValidationError, match="active users"):
        task_create(actor=admin_user, assignee=account, title="Do it", kind="action")
