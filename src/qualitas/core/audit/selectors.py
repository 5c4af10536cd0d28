from __future__ import annotations

import datetime as dt
import json

from django.db.models import Q, QuerySet
from django.utils import timezone

from qualitas.core import records
from qualitas.core.audit.models import AuditEvent
from qualitas.core.permissions import authorize, has_perm

LINK_EVENTS = ("links.linked", "links.unlinked")
HIDDEN_RECORD = "a record you cannot see"


def history(actor, record_type: str, record_id, *, limit: int | None = None) -> list[AuditEvent]:
    """Events of one record, for anyone who may see the record itself. What the event would tell
    about other records or people is kept for those who may read the audit trail: a link to a record
    the actor may not see names only its type, and the client address and API token are blanked."""
    instance = records.resolve(actor, record_type, record_id)
    events = AuditEvent.objects.filter(record_type=record_type, record_id=str(instance.pk)).order_by("-sequence")
    events = list(events[:limit] if limit else events)
    if not has_perm(actor, "audit", "view"):
        for event in events:
            event.client_address, event.token_id = "", None
    if any(event.event in LINK_EVENTS for event in events):
        _redact_links(actor, instance, events)
    return events


def _redact_links(actor, instance, events: list[AuditEvent]) -> None:
    """Link events carry the other record's label ("relates to SOP-QA-003 rev 2"); the Link rows of
    the record say which record that is, and whether the actor may see it is resolved in bulk."""
    from qualitas.core.links.models import KINDS, Link

    key, pk = records.key_for(instance), str(instance.pk)
    ends: dict[str, tuple[str, str, str]] = {}  # change text -> (other type, other id, phrase)
    for link in Link.objects.filter(Q(source_type=key, source_id=pk) | Q(target_type=key, target_id=pk)):
        forward, backward = KINDS.get(link.kind, (link.kind, link.kind))
        if link.source_type == key and link.source_id == pk:
            ends[f"{forward} {link.target_label}"] = (link.target_type, link.target_id, forward)
        if link.target_type == key and link.target_id == pk:
            ends[f"{backward} {link.source_label}"] = (link.source_type, link.source_id, backward)
    visible = records.resolve_many(actor, [(t, i) for t, i, _ in ends.values()])
    for event in events:
        if event.event not in LINK_EVENTS:
            continue
        changes = event.changes_dict
        redacted = False
        for values in changes.values():
            for position, text in enumerate(values):
                end = ends.get(text) if isinstance(text, str) else None
                if end is None and isinstance(text, str):
                    end = ("", "", text.split(" ", 1)[0])  # no matching link row: reveal nothing
                if end is not None and visible.get(end[:2]) is None:
                    label = getattr(records._types.get(end[0]), "label", "record")
                    values[position] = f"{end[2]} {HIDDEN_RECORD} ({label})"
                    redacted = True
        if redacted:
            event.changes = json.dumps(changes, ensure_ascii=False)
            event.reason = ""


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
