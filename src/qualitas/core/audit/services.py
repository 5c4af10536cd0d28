"""Writing the audit trail. The only code that inserts AuditEvent rows."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from qualitas.core.audit import canonical, context, events
from qualitas.core.audit.models import AuditEvent, AuditHead

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
    events.check_declared(event)
    if not connection.in_atomic_block:
        with transaction.atomic():
            return record(
                actor,
                action,
                event,
                instance=instance,
                record_type=record_type,
                record_id=record_id,
                record_label=record_label,
                record_version=record_version,
                changes=changes,
                reason=reason,
                content_hash=content_hash,
            )
    if instance is not None:
        from qualitas.core.records import key_for
        from qualitas.core.regulated import content_hash_of, is_regulated

        record_type = record_type or key_for(instance)
        record_id = record_id or instance.pk
        record_label = record_label or str(instance)[:300]
        if is_regulated(instance):
            # Hash what is stored, not the caller's object: a link or a signature recorded on a record
            # held in memory since before a later step would otherwise describe an outdated state.
            stored = type(instance)._base_manager.filter(pk=instance.pk).first() or instance
            record_version = stored.version if record_version is None else record_version
            content_hash = content_hash_of(stored) if content_hash is None else content_hash
    audit_context = context.current()
    head = _lock_head()
    values = {
        "sequence": head.sequence + 1,
        "occurred_at": timezone.now(),
        "actor_id": getattr(actor, "pk", None),
        "actor_name": (actor.display_name if actor is not None and hasattr(actor, "display_name") else "System")[:300],
        "source": audit_context.source,
        "token_id": audit_context.token_id,
        "client_address": audit_context.client_address,
        "action": action,
        "event": event,
        "record_type": record_type,
        "record_id": str(record_id) if record_id != "" else "",
        "record_version": record_version,
        "record_label": record_label[:300],
        "changes": canonical.dumps(canonical.to_primitive(changes)) if changes else "",
        "reason": reason or "",
        "content_hash": content_hash or "",
    }
    digest = chain_hash(head.hash, values)
    audit_event = AuditEvent(previous_hash=head.hash, hash=digest, **values)
    audit_event.save(force_insert=True)
    AuditHead.objects.filter(pk=1).update(sequence=values["sequence"], hash=digest)
    return audit_event


def log_permission_denied(request, message: str = "") -> None:
    """A refused request, for the security review of the trail (who tried what)."""
    user = getattr(request, "user", None)
    actor = user if user is not None and user.is_authenticated else None
    record(actor, "permission-denied", "security.permission_denied", record_type="",
           record_label=f"{request.method} {request.path}"[:300],
           changes={"refused": [None, (message or "permission denied")[:300]]})
