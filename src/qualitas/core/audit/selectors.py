from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
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
    record: str = "",
    user_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    action: str = "",
) -> QuerySet[AuditEvent]:
    """The whole trail, for those allowed to read it (auditors, quality managers, administrators).
    `record` finds a record by what people call it: its number or title anywhere in the event's record
    label ("SOP-GEN-001" finds the document, its revisions, signatures and links), or its id."""
    authorize(actor, "audit", "view")
    events = AuditEvent.objects.order_by("-sequence")
    if record_type:
        events = events.filter(record_type=record_type)
    if record_id:
        events = events.filter(record_id=str(record_id)[:64])
    if record := " ".join(record.split())[:300]:
        events = events.filter(Q(record_label__icontains=record) | Q(record_id=record[:64]))
    if user_id is not None:
        events = events.filter(actor_id=user_id)
    if since is not None:
        events = events.filter(occurred_at__gte=_day_start(since))
    if until is not None and until < dt.date.max:
        events = events.filter(occurred_at__lt=_day_start(until + dt.timedelta(days=1)))
    if action:
        events = events.filter(action=action)
    return events


PAGE_SIZE = 50
COUNT_LIMIT = 10_000  # beyond this the page says "more than 10,000" instead of counting every row


@dataclass(frozen=True)
class TrailPage:
    """One page of the trail, newest first, by position in the chain (keyset): a page stays the same
    while new events arrive, and going further back costs the same on the millionth event as on the first."""

    events: list[AuditEvent]
    newer: int | None  # `after` cursor of the next newer page, None on the newest page
    older: int | None  # `before` cursor of the next older page, None on the oldest page
    total: int  # events matching the filters, at most COUNT_LIMIT + 1
    total_is_exact: bool

    @property
    def first(self) -> int | None:
        return self.events[0].sequence if self.events else None

    @property
    def last(self) -> int | None:
        return self.events[-1].sequence if self.events else None


def trail_page(
    events: QuerySet[AuditEvent], *, before: int | None = None, after: int | None = None, size: int = PAGE_SIZE
) -> TrailPage:
    """The page of `events` (a `trail()` queryset) older than sequence `before`, or newer than `after`
    (the newest page when neither is given)."""
    if after is not None:
        rows = list(events.filter(sequence__gt=after).order_by("sequence")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = bool(rows) and events.filter(sequence__lt=rows[-1].sequence).exists()
        if not rows:  # nothing newer than the cursor: show the newest page
            return trail_page(events, size=size)
    else:
        window = events.filter(sequence__lt=before) if before is not None else events
        rows = list(window[: size + 1])
        if not rows and before is not None:  # nothing older than the cursor: show the newest page
            return trail_page(events, size=size)
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None and bool(rows) and events.filter(sequence__gt=rows[0].sequence).exists()
    total = events.order_by()[: COUNT_LIMIT + 1].count()
    return TrailPage(
        events=rows,
        newer=rows[0].sequence if has_newer else None,
        older=rows[-1].sequence if has_older else None,
        total=total,
        total_is_exact=total <= COUNT_LIMIT,
    )


def trail_record_types(actor) -> list[tuple[str, str]]:
    """(key, label) of every kind of record the filter can name: the registered record types and
    whatever else the trail holds events of (links, signatures, role assignments …), each once.
    The trail's keys are read by skipping along the record_type index (each step the next key after
    the last, answered by the index), in one recursive query rather than one query per kind."""
    authorize(actor, "audit", "view")
    keys = {t.key for t in records.all_types()}
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    column = connection.ops.quote_name(AuditEvent._meta.get_field("record_type").column)
    skip_scan = (
        f"WITH RECURSIVE kinds(kind) AS ("  # noqa: S608 - names from the model, no input
        f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > '')"
        " UNION ALL"
        f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > kinds.kind) FROM kinds"
        " WHERE kinds.kind IS NOT NULL"
        ") SELECT kind FROM kinds WHERE kind IS NOT NULL LIMIT 500"  # far above any installation's kinds
    )
    with connection.cursor() as cursor:
        cursor.execute(skip_scan)
        keys.update(row[0] for row in cursor.fetchall())
    labelled = [(key, record_type_label(key)) for key in keys]
    seen: dict[str, int] = {}
    for _, label in labelled:
        seen[label] = seen.get(label, 0) + 1
    # Two kinds with the same name (from different modules) are told apart by their key.
    choices = [(key, label if seen[label] == 1 else f"{label} ({key})") for key, label in labelled]
    return sorted(choices, key=lambda choice: (choice[1].casefold(), choice[0]))


def record_type_label(key: str) -> str:
    """What a record type is called: the label its module declares, else its model's name."""
    registered = records._types.get(key)
    if registered is not None:
        return registered.label
    try:
        model = apps.get_model(key)
    except (LookupError, ValueError):
        return {"audit.trail": "Audit trail"}.get(key, key)
    name = str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]
