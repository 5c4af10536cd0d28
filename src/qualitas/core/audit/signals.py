"""Sign-in, sign-out and failed sign-in as audit events (P11-E; lockout alerts rest on these)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from qualitas.core.audit.services import record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(
        user,
        "login",
        "account.signed_in",
        instance=None,
        record_type="accounts.user",
        record_id=user.pk,
        record_label=user.username,
    )


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(
            user,
            "logout",
            "account.signed_out",
            record_type="accounts.user",
            record_id=user.pk,
            record_label=user.username,
        )


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    record(None, "login-failure", "account.sign_in_failed", record_type="accounts.user", record_label=username)
