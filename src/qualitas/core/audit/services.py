"""Writing the audit trail. The only code that inserts AuditEvent rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from qualitas.core.audit import canonical, context, events
from qualitas.core.audit.models import AuditEvent, AuditHead
from qualitas.core.bulk import insert_rows

CHAIN_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_name",
    "source",
    "token_id",
    "client_address",
    "action",
    "event",
    "record_type",
    "record_id",
    "record_version",
    "record_label",
    "changes",
    "reason",
    "content_hash",
)


def chain_line(values: dict) -> str:
    """The canonical text of an event that its hash covers: the fields in CHAIN_FIELDS order joined
    by US (0x1F), None as empty, the time as UTC "YYYY-MM-DD HH:MM:SS.ffffff". Verification builds
    the same text in SQL (see verify.py), so the two must change together."""
    parts = []
    for name in CHAIN_FIELDS:
        value = values[name]
        if name == "occurred_at":
            value = canonical.utc_text(value)
        parts.append("" if value is None else str(value))
    return "\x1f".join(parts)


def chain_hash(previous_hash: str, values: dict) -> str:
    return canonical.sha256(previous_hash + "\x1e" + chain_line(values))


def _lock_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": canonical.GENESIS})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(slots=True)
class AuditEntry:
    """One event for `record_many`: the arguments of `record()` after the actor. `changes` may also
    be given as its canonical text, canonical.dumps(canonical.to_primitive(changes)), by a bulk
    writer that has it (qualitas.core.bulk.record_created)."""

    action: str
    event: str
    instance: object = None
    record_type: str = ""
    record_id: str | int = ""
    record_label: str = ""
    record_version: int | None = None
    changes: dict | str | None = None
    reason: str = ""
    content_hash: str | None = None


def record(
    actor,
    action: str,
    event: str,
    *,
    instance=None,
    record_type: str = "",
    record_id: str | int = "",
    record_label: str = "",
    record_version: int | None = None,
    changes: dict | None = None,
    reason: str = "",
    content_hash: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (so it commits or rolls back
    with the change it describes). `event` must be a declared name (qualitas.core.audit.events)."""
    entry = AuditEntry(
        action, event, instance=instance, record_type=record_type, record_id=record_id, record_label=record_label,
        record_version=record_version, changes=changes, reason=reason, content_hash=content_hash,
    )
    return _append_one(actor, entry)


def record_many(actor, entries: Iterable[AuditEntry | Mapping]) -> range:
    """Append many events to the chain inside the caller's transaction (opening one if there is
    none): the same rows, chained the same way, as calling `record()` for each entry in turn, but
    with one head lock, one time for all, one bulk insert (qualitas.core.bulk: executemany on SQLite,
    COPY on PostgreSQL) and one head update. Each entry is an AuditEntry or a mapping of `record()`'s
    arguments after the actor. Every event name is checked before anything is written. Regulated
    instances are read back in one query per model (not one per event) to hash what is stored, as
    `record()` does; give `record_version` and `content_hash` to skip that. Returns the sequence
    numbers appended (empty, and nothing written, for no entries)."""
    entries = [entry if isinstance(entry, AuditEntry) else AuditEntry(**entry) for entry in entries]
    if not entries:
        return range(0)
    for name in {entry.event for entry in entries}:
        events.check_declared(name)
    if not connection.in_atomic_block:
        with transaction.atomic():
            return _append_many(actor, entries)
    return _append_many(actor, entries)


def _append_one(actor, entry: AuditEntry) -> AuditEvent:
    events.check_declared(entry.event)
    if not connection.in_atomic_block:
        with transaction.atomic():
            return _append_one(actor, entry)
    (row,) = _resolve([entry])
    head = _lock_head()
    values = {
        "sequence": head.sequence + 1, "occurred_at": timezone.now(), **_who(actor), **dict(zip(_ROW, row, strict=True))
    }
    digest = chain_hash(head.hash, values)
    audit_event = AuditEvent(previous_hash=head.hash, hash=digest, **values)
    audit_event.save(force_insert=True)
    AuditHead.objects.filter(pk=1).update(sequence=values["sequence"], hash=digest)
    return audit_event


# CHAIN_FIELDS in three parts: the sequence, what one append shares (time, actor, where from) and
# what each entry brings. record_many builds the canonical line from these parts (the shared text
# once); tests/core/test_audit_bulk.py checks it against chain_line.
_SHARED = ("occurred_at", "actor_id", "actor_name", "source", "token_id", "client_address")
_ROW = ("action", "event", "record_type", "record_id", "record_version", "record_label", "changes", "reason",
        "content_hash")  # the order of _resolve's tuples
if CHAIN_FIELDS != ("sequence", *_SHARED, *_ROW):
    raise RuntimeError("CHAIN_FIELDS changed: change _SHARED, _ROW and _resolve with it.")
_COLUMNS = (*CHAIN_FIELDS, "previous_hash", "hash")


def _append_many(actor, entries: list[AuditEntry]) -> range:
    rows = _resolve(entries)
    head = _lock_head()
    shared = {"occurred_at": timezone.now(), **_who(actor)}
    shared_text = "\x1f".join(
        canonical.utc_text(shared[name]) if name == "occurred_at" else "" if shared[name] is None else str(shared[name])
        for name in _SHARED
    )
    # Stored as the ORM stores it (on SQLite, naive UTC text).
    stored_time = AuditEvent._meta.get_field("occurred_at").get_db_prep_save(shared["occurred_at"], connection)
    stored_shared = (stored_time, *(shared[name] for name in _SHARED[1:]))
    sha256 = hashlib.sha256
    first = head.sequence + 1
    previous = head.hash
    table = []
    for sequence, row in enumerate(rows, start=first):
        line = f"{sequence}\x1f{shared_text}\x1f" + "\x1f".join(["" if value is None else str(value) for value in row])
        digest = sha256(f"{previous}\x1e{line}".encode()).hexdigest()
        table.append((sequence, *stored_shared, *row, previous, digest))
        previous = digest
    last = first + len(rows) - 1
    insert_rows(AuditEvent._meta.db_table, [AuditEvent._meta.get_field(name).column for name in _COLUMNS], table)
    AuditHead.objects.filter(pk=1).update(sequence=last, hash=previous)
    return range(first, last + 1)


def _who(actor) -> dict:
    audit_context = context.current()
    return {
        "actor_id": getattr(actor, "pk", None),
        "actor_name": (actor.display_name if actor is not None and hasattr(actor, "display_name") else "System")[:300],
        "source": audit_context.source,
        "token_id": audit_context.token_id,
        "client_address": audit_context.client_address,
    }


_SAME = frozenset({str, int, bool, type(None)})


def _primitive(value):
    """canonical.to_primitive, with the common shapes of `changes` (plain values, [old, new] pairs)
    handled without a call per value."""
    kind = type(value)
    if kind in _SAME:
        return value
    if kind is dict:
        return {str(key): item if type(item) in _SAME else _primitive(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [item if type(item) in _SAME else _primitive(item) for item in value]
    return canonical.to_primitive(value)


def _resolve(entries: list[AuditEntry]) -> list[tuple]:
    """The fields of each entry named in _ROW, in that order, as stored. A regulated instance's
    version and content hash are taken from its stored row (read in one query per model), unless
    given: a record held in memory since before a later step would otherwise describe an outdated state."""
    from qualitas.core.records import key_for
    from qualitas.core.regulated import content_hash_of, is_regulated

    wanted: dict[type, set] = {}
    for entry in entries:
        instance = entry.instance
        if instance is not None and instance.pk is not None and is_regulated(instance) and (
            entry.record_version is None or entry.content_hash is None
        ):
            wanted.setdefault(type(instance), set()).add(instance.pk)
    stored = {model: model._base_manager.in_bulk(sorted(pks)) for model, pks in wanted.items()}
    dumps = canonical.dumps
    rows = []
    for entry in entries:
        record_type, record_id, record_label = entry.record_type, entry.record_id, entry.record_label
        record_version, content_hash = entry.record_version, entry.content_hash
        instance = entry.instance
        if instance is not None:
            record_type = record_type or key_for(instance)
            record_id = record_id or instance.pk
            record_label = record_label or str(instance)[:300]
            if is_regulated(instance):
                current = stored.get(type(instance), {}).get(instance.pk, instance)
                record_version = current.version if record_version is None else record_version
                content_hash = content_hash_of(current) if content_hash is None else content_hash
        rows.append((
            entry.action,
            entry.event,
            record_type,
            str(record_id) if record_id != "" else "",
            record_version,
            record_label[:300],
            entry.changes if type(entry.changes) is str else dumps(_primitive(entry.changes)) if entry.changes else "",
            entry.reason or "",
            content_hash or "",
        ))
    return rows


def log_permission_denied(request, message: str = "") -> None:
    """A refused request, for the security review of the trail (who tried what)."""
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    record(actor, "permission-denied", "security.permission_denied", record_type="",
           record_label=f"{request.method} {request.path}"[:300],
           changes={"refused": [None, (message or "permission denied")[:300]]})
