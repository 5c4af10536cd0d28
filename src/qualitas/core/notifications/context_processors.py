"""`unread_notification_count` for the navbar bell (notifications/_bell.html). Lazy: the count is
queried only when a template shows it."""

from __future__ import annotations

from functools import cache


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_notification_count() -> int:
        from qualitas.core.notifications.selectors import unread_count

        return unread_count(user)

    return {"unread_notification_count": unread_notification_count}
