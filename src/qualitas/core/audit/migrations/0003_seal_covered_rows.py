"""Bring the rows that existed before signatures, role assignments, links and attachments were
covered by the trail (qualitas.core.audit.covered) under it: one `audit.row_sealed` event per row, with
its state and hash, so that `qualitas audit verify` can then report every row without a hashed event
as inserted outside the application. A new installation has no such rows and writes nothing.

The hashed fields are frozen here as they were when this migration was written (the models'
AUDIT_HASHED_FIELDS may grow later only by rows written after it)."""

from django.db import migrations
from django.utils import timezone

EVENT = "audit.row_sealed"
BATCH = 1000
COVERED = {
    ("signatures", "signature"): (
        "record_type", "record_id", "record_version", "record_label", "content_hash", "signer_id", "signer_name",
        "signer_username", "meaning", "signed_at", "comment", "transition", "manifest_hash",
    ),
    ("accounts", "roleassignment"): ("user_id", "role_id", "site_id", "assigned_at"),
    ("links", "link"): (
        "source_type", "source_id", "source_label", "target_type", "target_id", "target_label", "kind", "note",
        "created_by_id", "created_at", "removed_at", "removed_by_id", "removal_reason",
    ),
    ("files", "attachment"): (
        "record_type", "record_id", "original_name", "stored_name", "content_type", "size", "sha256", "description",
        "uploaded_by_id", "uploaded_at", "withdrawn_at", "withdrawn_by_id", "withdrawal_reason",
    ),
}


def seal(apps, schema_editor):
    from qualitas.core.audit import canonical
    from qualitas.core.audit.covered import hash_of_state
    from qualitas.core.audit.services import chain_hash

    AuditEvent = apps.get_model("audit", "AuditEvent")  # noqa: N806
    AuditHead = apps.get_model("audit", "AuditHead")  # noqa: N806
    if not any(apps.get_model(*label).objects.exists() for label in COVERED):
        return
    AuditHead.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": canonical.GENESIS})
    head = AuditHead.objects.select_for_update().get(pk=1)
    sequence, previous, now, pending = head.sequence, head.hash, timezone.now(), []
    for (app_label, model_name), fields in COVERED.items():
        key = f"{app_label}.{model_name}"
        for values in apps.get_model(app_label, model_name).objects.order_by("pk").values_list("pk", *fields):
            state = {name: canonical.to_primitive(value) for name, value in zip(fields, values[1:], strict=True)}
            sequence += 1
            event = {
                "sequence": sequence, "occurred_at": now, "actor_id": None, "actor_name": "System",
                "source": "system", "token_id": None, "client_address": "", "action": "configure", "event": EVENT,
                "record_type": key, "record_id": str(values[0]), "record_version": None,
                "record_label": f"{key} #{values[0]}",
                "changes": canonical.dumps({name: [None, value] for name, value in state.items() if value is not None}),
                "reason": "Existing row brought under the audit trail, as found at the upgrade",
                "content_hash": hash_of_state(key, state),
            }
            digest = chain_hash(previous, event)
            pending.append(AuditEvent(previous_hash=previous, hash=digest, **event))
            previous = digest
            if len(pending) >= BATCH:
                AuditEvent.objects.bulk_create(pending)
                pending = []
    AuditEvent.objects.bulk_create(pending)
    AuditHead.objects.filter(pk=1).update(sequence=sequence, hash=previous)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("accounts", "0003_role_defaults"),
        ("signatures", "0001_initial"),
        ("links", "0001_initial"),
        ("files", "0001_initial"),
    ]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
