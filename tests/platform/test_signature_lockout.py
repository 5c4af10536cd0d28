"""Failed e-signatures count toward the same lockout as failed sign-ins, are all audited, and a
locked account can neither sign, sign in nor use its API tokens until an administrator unlocks it
(issue 10, P11-P and P11-S)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from qualitas.core.audit.models import AuditEvent
from tests.conftest import PASSWORD, bearer

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_guessing_the_signature_password_locks_the_account_everywhere(employee, admin_user, api_client):
    token = bearer(employee)
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/api/v1/signatures/policy", {"password": f"guess-{attempt}"},
                               content_type="application/json", **token)
        assert response.status_code in (400, 403), response.content
    refused = AuditEvent.objects.filter(event="signature.refused", actor_id=employee.pk)
    assert refused.count() == settings.AXES_FAILURE_LIMIT

    # Locked: not even the right password signs, the token stops working, sign-in is refused.
    response = client.get("/api/v1/users/me", **token)
    assert response.status_code == 403 and "locked" in response.json()["message"]
    assert login(Client(), "emp1").status_code in (403, 429)
    from qualitas.core.signatures import services as signing

    with pytest.raises(signing.SignatureRefused, match="locked"):
        signing.acknowledge_policy(actor=employee, password=PASSWORD)
    assert refused.count() == settings.AXES_FAILURE_LIMIT + 1  # the refusal while locked is audited too

    # An administrator unlocks (audited); everything works again.
    unlocked = api_client.as_user(admin_user).post(f"/users/{employee.pk}/unlock", {"reason": "Called the helpdesk"})
    assert unlocked.status_code == 200 and unlocked.json() == {"username": "emp1", "locked": False}
    event = AuditEvent.objects.get(event="account.unlocked", record_id=str(employee.pk))
    assert event.actor_id == admin_user.pk and event.reason == "Called the helpdesk"
    assert client.get("/api/v1/users/me", **token).status_code == 200
    assert client.post("/api/v1/signatures/policy", {"password": PASSWORD}, content_type="application/json",
                       **token).status_code == 200


def test_wrong_passwords_on_a_signed_step_count_toward_the_lockout(employee):
    from qualitas.core import lockout
    from qualitas.core.signatures import services as signing

    signing.acknowledge_policy(actor=employee, password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(signing.SignatureRefused):
            signing.verify_signer(employee, signing.Credentials(password="not-it"), meaning="approved")
    assert lockout.is_locked(employee)
    with pytest.raises(signing.SignatureRefused, match="locked"):
        signing.verify_signer(employee, signing.Credentials(password=PASSWORD), meaning="approved")


def test_only_administrators_unlock_and_the_page_offers_it(employee, admin_user, quality_manager):
    from qualitas.core import lockout

    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "emp1", "wrong-password")
    assert lockout.is_locked(employee)
    manager = Client()
    manager.force_login(quality_manager)
    assert manager.post(f"/administration/users/{employee.pk}/unlock/", {"reason": "x"}).status_code == 403
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get(f"/administration/users/{employee.pk}/").content.decode()
    assert 'data-testid="locked"' in page and "Unlock" in page
    response = admin.post(f"/administration/users/{employee.pk}/unlock/", {"reason": "Verified by phone"})
    assert response.status_code == 302
    assert not lockout.is_locked(employee)
    assert login(Client(), "emp1").status_code == 302


def _guess_inside_a_transaction(user) -> None:
    from django.db import transaction

    from qualitas.core.signatures import services as signing

    with pytest.raises(signing.SignatureRefused):
        with transaction.atomic():  # a service's transaction around the signature check
            signing.verify_signer(user, signing.Credentials("a-wrong-guess"), meaning="approved")


def test_a_refused_signature_is_kept_when_the_surrounding_transaction_rolls_back(employee):
    from qualitas.core import lockout
    from qualitas.core.audit.kept import keeping
    from qualitas.core.testing.factories import acknowledged

    acknowledged(employee)
    refused = AuditEvent.objects.filter(event="signature.refused", actor_id=employee.pk)
    _guess_inside_a_transaction(employee)  # outside a request: what the rollback alone does
    assert refused.count() == 0 and lockout.failures(employee) == 0
    with keeping():  # what every request does (the audit middleware)
        _guess_inside_a_transaction(employee)
    assert refused.count() == 1 and lockout.failures(employee) == 1


def test_a_refusal_that_survived_is_not_written_twice(employee):
    from qualitas.core import lockout
    from qualitas.core.audit.kept import keeping
    from qualitas.core.signatures import services as signing
    from qualitas.core.testing.factories import acknowledged

    acknowledged(employee)
    with keeping():
        with pytest.raises(signing.SignatureRefused):
            signing.verify_signer(employee, signing.Credentials("a-wrong-guess"), meaning="approved")
    assert AuditEvent.objects.filter(event="signature.refused", actor_id=employee.pk).count() == 1
    assert lockout.failures(employee) == 1
