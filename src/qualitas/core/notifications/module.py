"""Notifications in the application and by e-mail (digests, retries)."""

from datetime import timedelta

from qualitas.core.modules import Job, ModuleSpec

MODULE = ModuleSpec(
    key="notifications",
    label="Notifications",
    jobs=(
        Job("notifications.digest", "qualitas.core.notifications.services:send_digests", every=timedelta(hours=1)),
        Job("notifications.email_retry", "qualitas.core.notifications.services:retry_failed_emails",
            every=timedelta(minutes=10)),
    ),
    api=("qualitas.core.notifications.api:router",),
    urls=(("notifications/", "qualitas.core.notifications.urls"),),
    audit_events=(
        "notifications.preferences_updated",
    ),
)
