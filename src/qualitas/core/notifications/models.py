"""In-app notifications, their email delivery, and each user's delivery preference."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

IMMEDIATE = "immediate"
DIGEST = "digest"
IN_APP_ONLY = "none"

DELIVERY_CHOICES = [(IMMEDIATE, "Immediately, one email per notification"), (DIGEST, "Once a day, as a digest")]


class Notification(models.Model):
    """Something a user should know: shown in the app and, by preference, emailed. `email_delivery` is
    decided when the notification is made (immediate, digest, or none when email is off or the user
    has no address); `emailed_at` is set once the email went out."""

    EMAIL_DELIVERY_CHOICES = [(IMMEDIATE, "Immediate"), (DIGEST, "Daily digest"), (IN_APP_ONLY, "In the app only")]

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=30, default="info")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_delivery = models.CharField(max_length=10, choices=EMAIL_DELIVERY_CHOICES, default=IN_APP_ONLY)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read_idx"),
            models.Index(fields=["email_delivery", "emailed_at"], name="notif_email_pending_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="notification_preference")
    delivery = models.CharField(max_length=10, choices=DELIVERY_CHOICES, default=IMMEDIATE)
    email = models.BooleanField(default=True, help_text="Send notifications by email as well as in the app.")
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.delivery}{'' if self.email else ' (no email)'}"
