"""Rows the audit trail vouches for that are not regulated records (P11-A, P11-L).

Signatures, role assignments, links and attachments decide what a record means or who may do what,
so each write of such a row appends an event on the row itself (record type "signatures.signature",
record id the row's id) whose `content_hash` is the hash of the row as stored, and whose changes hold
the stored values (so `qualitas audit verify` can say which field differs). A deleted row's last event
carries DELETED instead of a hash.

A model opts in with `AUDIT_HASHED_FIELDS`, the attribute names its hash covers. Keep that list
stable: a field added later is left out of it (or existing rows would no longer verify).
"""

from __future__ import annotations

from django.apps import apps

from qualitas.core.audit import canonical
from qualitas.core.audit.services import record

DELETED = "deleted"


def key_of(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def hashed_fields(model) -> tuple[str, ...]:
    return tuple(getattr(model, "AUDIT_HASHED_FIELDS", ()))


def covered_models() -> list:
    return [model for model in apps.get_models() if hashed_fields(model)]


def row_state(instance) -> dict:
    return {name: canonical.to_primitive(getattr(instance, name)) for name in hashed_fields(type(instance))}


def hash_of_state(key: str, state: dict) -> str:
    return canonical.sha256(canonical.dumps({"row": key, "state": state}))


def row_hash(instance) -> str:
    return hash_of_state(key_of(instance), row_state(instance))


def record_row(actor, action: str, event: str, row, *, before: dict | None = None, deleted: bool = False,
               reason: str = "", label: str = ""):
    """Append the event that vouches for `row` as it is now stored (or for its deletion). `before` is
    the row_state() before an update; the event's changes are then only the fields that changed."""
    model = type(row)
    key = key_of(model)
    if deleted:
        changes = {name: [value, None] for name, value in row_state(row).items() if value is not None}
        content_hash = DELETED
    else:
        # Hash what is stored (auto_now values, database rounding), not the caller's object.
        stored = model._base_manager.get(pk=row.pk)
        state = row_state(stored)
        old = before or {}
        # Replaying the changes of a row's events from an empty state gives its recorded state.
        changes = {name: [old.get(name), value] for name, value in state.items() if old.get(name) != value}
        content_hash = hash_of_state(key, state)
    return record(
        actor,
        action,
        event,
        record_type=key,
        record_id=row.pk,
        record_label=(label or str(row))[:300],
        changes=changes,
        reason=reason,
        content_hash=content_hash,
    )
