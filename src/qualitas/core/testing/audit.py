"""`assert_audited()`: the audit trail holds a matching event (21 CFR 11.10(e) evidence in tests)."""

from __future__ import annotations

from qualitas.core import records

_MISSING = object()


def audited_events(event_name: str, instance=None, actor=_MISSING):
    """The AuditEvents named `event_name` (of `instance`, by `actor` when given), newest first."""
    from django.db.models import Q

    from qualitas.accounts.models import SYSTEM_USERNAME
    from qualitas.core.audit.models import AuditEvent

    events = AuditEvent.objects.filter(event=event_name)
    if instance is not None:
        events = events.filter(record_type=records.key_for(instance), record_id=str(instance.pk))
    if actor is not _MISSING:
        # None: the system account (or no actor at all: the event that creates the system account)
        events = (events.filter(Q(actor=None) | Q(actor__username=SYSTEM_USERNAME)) if actor is None
                  else events.filter(actor_id=actor.pk))
    return events.order_by("-sequence")


def _matches(event, changes: dict) -> bool:
    recorded = event.changes_dict
    for field, expected in changes.items():
        if field not in recorded:
            return False
        old, new = recorded[field]
        if isinstance(expected, (tuple, list)):
            if [old, new] != list(expected):
                return False
        elif new != expected:
            return False
    return True


def assert_audited(event_name: str, instance=None, actor=_MISSING, **changes):
    """Assert that an AuditEvent `event_name` was recorded (for `instance`, by `actor`; `actor=None`
    means the system) whose changes include every keyword: `status="closed"` matches the new value,
    `status=("open", "closed")` the old and the new one. Returns the newest matching event."""
    events = list(audited_events(event_name, instance, actor)[:200])
    for event in events:
        if _matches(event, changes):
            return event
    from qualitas.core.audit.models import AuditEvent

    where = f" for {records.key_for(instance)}#{instance.pk}" if instance is not None else ""
    by = "" if actor is _MISSING else f" by {getattr(actor, 'username', 'the system')}"
    seen = [
        f"#{e.sequence} {e.event} {e.record_type}#{e.record_id} by {e.actor_name or 'system'} {e.changes_dict}"
        for e in (events or AuditEvent.objects.order_by("-sequence")[:10])
    ]
    raise AssertionError(
        f"No audit event {event_name!r}{where}{by} with changes {changes or '{}'}; "
        + ("candidates:\n  " if events else "latest events:\n  ")
        + "\n  ".join(seen)
    )
