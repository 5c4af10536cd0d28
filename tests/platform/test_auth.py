"""Sign-in, lockout (P11-P), deactivation (P11-D, P11-U), session timeouts and TOTP."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from qualitas.accounts import services
from qualitas.accounts.middleware import LOGIN_AT
from qualitas.core.testing.factories import system
from tests.conftest import PASSWORD, bearer

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_page_renders_without_a_session(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in to Qualitas" in response.content


def test_anonymous_page_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_correct_password_signs_in_and_rotates_the_session(client, employee):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    response = login(client, "emp1")
    assert response.status_code == 302 and response.url == "/"
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert client.get("/").status_code == 200


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, employee):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, "emp1", "wrong-password")
    assert response.status_code in (403, 429)
    response = login(Client(), "emp1", PASSWORD)
    assert response.status_code in (403, 429)
    assert b"Account locked" in response.content


def test_a_locked_account_does_not_lock_another(client, employee, make_user):
    make_user("employee", username="other")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "emp1", "wrong-password")
    assert login(Client(), "other").status_code == 302


def test_deactivated_user_cannot_sign_in(client, employee, admin_user):
    services.user_deactivate(actor=admin_user, user=employee)
    response = login(client, "emp1")
    assert response.status_code == 200
    assert b"not correct" in response.content or b"deactivated" in response.content


def test_deactivation_ends_an_open_session_and_tokens_at_once(employee, admin_user):
    browser = Client()
    browser.force_login(employee)
    headers = bearer(employee)
    assert browser.get("/").status_code == 200
    assert Client().get("/api/v1/users/me", **headers).status_code == 200
    services.user_deactivate(actor=admin_user, user=employee)
    assert browser.get("/").status_code == 302
    assert Client().get("/api/v1/users/me", **headers).status_code == 401


def test_usernames_are_never_reused_even_with_different_case(employee, admin_user):
    from django.core.exceptions import ValidationError

    services.user_deactivate(actor=admin_user, user=employee)
    with pytest.raises(ValidationError, match="used before"):
        services.user_create(actor=admin_user, username="EMP1", password=PASSWORD)


def test_users_cannot_be_deleted(employee):
    with pytest.raises(RuntimeError, match="never deleted"):
        employee.delete()


def test_absolute_session_timeout_signs_out(client, employee):
    client.force_login(employee)
    session = client.session
    session[LOGIN_AT] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and reverse("login") in response.url
    assert client.get("/").status_code == 302


def test_idle_timeout_is_the_session_age_refreshed_at_most_once_a_minute():
    # Not on every request (a write per read): SessionRefreshMiddleware, right after the sessions;
    # the behaviour is tested in test_no_write_per_read.py.
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    sessions = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert settings.MIDDLEWARE[sessions + 1] == "qualitas.accounts.middleware.SessionRefreshMiddleware"
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_totp_enrolment_then_sign_in_needs_the_code(client, employee):
    client.force_login(employee)
    assert client.get(reverse("totp-enrol")).status_code == 200
    device = TOTPDevice.objects.get(user=employee)
    assert not device.confirmed
    assert client.post(reverse("totp-enrol"), {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    assert client.post(reverse("totp-enrol"), {"token": f"{code:06d}"}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    fresh = Client()
    response = login(fresh, "emp1")
    assert response.status_code == 302 and response.url == reverse("login-verify")
    assert fresh.get("/").status_code == 302  # not signed in before the second factor
    assert fresh.post(reverse("login-verify"), {"token": "123456"}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1
    device.save()
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    response = fresh.post(reverse("login-verify"), {"token": f"{code:06d}"})
    assert response.status_code == 302
    assert fresh.get("/").status_code == 200


def test_password_change_requires_the_old_password(client, employee):
    client.force_login(employee)
    response = client.post(
        reverse("password-change"),
        {
            "old_password": "wrong",
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 200
    response = client.post(
        reverse("password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.check_password("a-much-better-passphrase")


def test_weak_passwords_are_refused(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_create(actor=system(), username="weak", password="password")


def test_security_headers_are_sent(client):
    response = client.get(reverse("login"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_forms_require_csrf(employee):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "emp1", "password": PASSWORD})
    assert response.status_code == 403


def test_totp_disable_needs_the_password_and_deletes_the_devices(client, employee):
    client.force_login(employee)
    client.get(reverse("totp-enrol"))
    assert TOTPDevice.objects.filter(user=employee).count() == 1
    response = client.post(reverse("totp-disable"), {"password": "not-it"})
    assert response.status_code == 200 and "The password is not correct." in response.content.decode()
    assert TOTPDevice.objects.filter(user=employee).exists()
    assert client.post(reverse("totp-disable"), {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=employee).exists()


def test_a_token_is_revoked_by_its_owner_only(client, employee, quality_manager):
    api_token, _plain = services.token_create(actor=employee, user=employee, name="script")
    client.force_login(quality_manager)
    assert client.post(reverse("token-revoke", args=[api_token.pk])).status_code == 404
    client.force_login(employee)
    assert client.post(reverse("token-revoke", args=[api_token.pk])).status_code == 302
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None


def test_a_role_assignment_is_removed_by_an_administrator(client, admin_user, employee, quality_manager):
    assignment = employee.role_assignments.get()
    url = reverse("administration:role-unassign", args=[employee.pk, assignment.pk])
    client.force_login(quality_manager)
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    other = quality_manager.role_assignments.get()
    assert client.post(reverse("administration:role-unassign", args=[employee.pk, other.pk])).status_code == 404
    assert client.post(url).status_code == 302
    assert not employee.role_assignments.exists()
