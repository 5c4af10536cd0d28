"""The write path for notifications: notify(), marking read, preferences and the email jobs.

`notify()` stores the in-app notification inside the caller's transaction; an immediate email is sent
after that transaction commits (and retried by a job if the mail server failed); digest users get one
email a day listing what was not emailed yet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from qualitas.config.env import env_int
from qualitas.core.audit.services import record
from qualitas.core.notifications import email
from qualitas.core.notifications.models import (
    DELIVERY_CHOICES,
    DIGEST,
    IMMEDIATE,
    IN_APP_ONLY,
    Notification,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)


@dataclass
class HeldBack:
    emails: int = 0  # notifications that would have been emailed


_held_back: ContextVar[HeldBack | None] = ContextVar("qualitas_emails_held_back", default=None)


@contextmanager
def emails_held_back() -> Iterator[HeldBack]:
    """Notifications made inside stay in the app: nothing is emailed, now or by the retry and digest
    jobs later. The demo loader uses it, so loading the demo does not send (or, with the console
    backend, print) a few hundred emails to its fictitious people; it reports the count instead."""
    held = HeldBack()
    token = _held_back.set(held)
    try:
        yield held
    finally:
        _held_back.reset(token)


def preference_for(user) -> NotificationPreference:
    """The user's preference, or the default (immediate email) when they never set one (not saved)."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user)


def _email_delivery(recipient) -> str:
    preference = preference_for(recipient)
    if not preference.email or not (recipient.email or "").strip():
        return IN_APP_ONLY
    return preference.delivery


def notify(recipient, subject: str, body: str = "", url: str = "", kind: str = "info") -> Notification | None:
    """Tell `recipient` something: in the app at once, by email per their preference. Deactivated users
    are not notified (None)."""
    if recipient is None or not recipient.is_active:
        return None
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValueError("A notification needs a subject.")
    delivery = _email_delivery(recipient)
    if delivery != IN_APP_ONLY and (held := _held_back.get()) is not None:
        held.emails += 1
        delivery = IN_APP_ONLY
    notification = Notification.objects.create(
        recipient=recipient, subject=subject[:300], body=body or "", url=(url or "")[:500], kind=(kind or "info")[:30],
        email_delivery=delivery,
    )
    if notification.email_delivery == IMMEDIATE:
        transaction.on_commit(lambda: send_immediate(notification.pk))
    return notification


def send_immediate(notification_id: int) -> bool:
    """Email one notification unless it was emailed already; a failure is recorded for the retry job."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_delivery=IMMEDIATE, emailed_at__isnull=True,
    ).update(emailed_at=now)
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        sent = email.compose_immediate(notification).send()
        if not sent:
            raise RuntimeError("the email backend accepted no message")
    except Exception as exc:
        logger.exception("Emailing notification %s to %s failed", notification_id, notification.recipient)
        Notification.objects.filter(pk=notification_id).update(
            emailed_at=None, email_attempts=F("email_attempts") + 1, email_error=str(exc)[:1000],
        )
        return False
    Notification.objects.filter(pk=notification_id).update(email_attempts=F("email_attempts") + 1, email_error="")
    return True


def retry_failed_emails(now: datetime | None = None) -> str:
    """Send immediate emails that failed or whose sending was interrupted (at most five attempts)."""
    now = now or timezone.now()
    pending = Notification.objects.filter(
        email_delivery=IMMEDIATE, emailed_at__isnull=True, created_at__lt=now - RETRY_AFTER,
        email_attempts__lt=MAX_EMAIL_ATTEMPTS,
    ).order_by("created_at").values_list("pk", flat=True)
    ids = list(pending[:500])
    sent = sum(1 for pk in ids if send_immediate(pk))
    return f"{sent} of {len(ids)} pending emails sent"


def send_digests(now: datetime | None = None) -> str:
    """Once a day, from QUALITAS_DIGEST_HOUR (local time, default 7), email each digest user the
    notifications not emailed yet, in one message."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < env_int("QUALITAS_DIGEST_HOUR", 7):
        return "before the digest hour; nothing sent"
    recipients = (
        Notification.objects.filter(email_delivery=DIGEST, emailed_at__isnull=True)
        .values_list("recipient_id", flat=True).distinct().order_by("recipient_id")
    )
    sent = skipped = 0
    for recipient_id in list(recipients):
        outcome = _send_digest(recipient_id, now)
        sent += outcome == "sent"
        skipped += outcome == "skipped"
    return f"{sent} digests sent, {skipped} users no longer receive email"


@transaction.atomic
def _send_digest(recipient_id: int, now: datetime) -> str:
    preference = NotificationPreference.objects.select_for_update(of=("self",)).select_related("user").filter(
        user_id=recipient_id).first()
    pending = Notification.objects.select_for_update().filter(
        recipient_id=recipient_id, email_delivery=DIGEST, emailed_at__isnull=True).order_by("created_at", "id")
    if preference is None:
        from django.contrib.auth import get_user_model

        preference = NotificationPreference(user=get_user_model().objects.get(pk=recipient_id))
    recipient = preference.user
    if not recipient.is_active or not preference.email or not (recipient.email or "").strip():
        pending.update(email_delivery=IN_APP_ONLY)
        return "skipped"
    last = preference.last_digest_at
    if last is not None and timezone.localdate(last) == timezone.localdate(now):
        return "waiting"
    items = list(pending)
    if not items:
        return "waiting"
    email.compose_digest(recipient, items).send()  # an error rolls back: the job tries again later
    Notification.objects.filter(pk__in=[item.pk for item in items]).update(
        emailed_at=now, email_attempts=F("email_attempts") + 1)
    preference.last_digest_at = now
    preference.save()
    return "sent"


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    if notification.recipient_id != getattr(actor, "pk", None):
        raise PermissionDenied("This notification is not yours.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preference_update(*, actor, user, delivery: str, email: bool) -> NotificationPreference:
    """Set how `user` receives notifications (themselves only). Audited on the user account."""
    if actor is None or actor.pk != user.pk:
        raise PermissionDenied("You can change only your own notification settings.")
    if delivery not in dict(DELIVERY_CHOICES):
        raise ValidationError({"delivery": f"Choose one of: {', '.join(dict(DELIVERY_CHOICES))}."})
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    before = {"delivery": preference.delivery, "email": preference.email}
    preference.delivery, preference.email = delivery, bool(email)
    preference.save()
    after = {"delivery": preference.delivery, "email": preference.email}
    changes = {name: [before[name], value] for name, value in after.items() if before[name] != value}
    if changes:
        record(actor, "configure", "notifications.preferences_updated", record_type="accounts.user",
               record_id=user.pk, record_label=user.username, changes=changes)
    return preference
