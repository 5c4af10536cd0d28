"""Reads of notifications: a user sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from qualitas.core.notifications.models import Notification


def notification_list(actor, *, unread_only: bool = False) -> QuerySet[Notification]:
    if actor is None or not actor.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(recipient=actor)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def notification_get(actor, notification_id: int) -> Notification:
    """The actor's notification; someone else's is a 404 (its existence is not disclosed)."""
    return get_object_or_404(notification_list(actor), pk=notification_id)


def unread_count(actor) -> int:
    return notification_list(actor, unread_only=True).count()
