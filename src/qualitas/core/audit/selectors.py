from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from qualitas.core import records
from qualitas.core.audit.models import AuditEvent
from qualitas.core.permissions import authorize


def history(actor, record_type: str, record_id) -> QuerySet[AuditEvent]:
    """Events of one record, for anyone who may see the record itself."""
    instance = records.resolve(actor, record_type, record_id)
    return AuditEvent.objects.filter(record_type=record_type, record_id=str(instance.pk)).order_by("-sequence")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), dt.UTC)


def trail(
    actor,
    *,
    record_type: str = "",
    record_id: str = "",
    user_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    action: str = "",
) -> QuerySet[AuditEvent]:
    """The whole trail, for those allowed to read it (auditors, quality managers, administrators)."""
    authorize(actor, "audit", "view")
    events = AuditEvent.objects.order_by("-sequence")
    if record_type:
        events = events.filter(record_type=record_type)
    if record_id:
        events = events.filter(record_id=str(record_id)[:64])
    if user_id is not None:
        events = events.filter(actor_id=user_id)
    if since is not None:
        events = events.filter(occurred_at__gte=_day_start(since))
    if until is not None and until < dt.date.max:
        events = events.filter(occurred_at__lt=_day_start(until + dt.timedelta(days=1)))
    if action:
        events = events.filter(action=action)
    return events
