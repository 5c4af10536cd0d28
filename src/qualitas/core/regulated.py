"""Regulated records: versioned (optimistic locking), content-hashed, changed only with an audit event.

A model that inherits `RegulatedModel` gets a `version`; its services create and change it through
`record_create` / `record_update`, which check the version, ask for a reason where the record's state
requires one (Annex 11 §9), write the change and its audit event in one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from qualitas.core.audit import canonical
from qualitas.core.audit.services import record


class StaleVersion(Exception):
    """The record changed since the caller read it (HTTP 409)."""

    def __init__(self, instance, expected: int):
        self.instance = instance
        self.expected = expected
        super().__init__(
            f"{instance} was changed by someone else (now version {instance.version}, you edited version "
            f"{expected}). Reload it and apply your change again; nothing was saved."
        )


def refuse_unknown_fields(fields: dict, allowed) -> None:
    """A service's keyword fields beyond those it may change are refused, named, before anything is written."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")


def clean_text(value) -> str:
    """One line of text: surrounding and repeated whitespace collapsed (titles, reasons)."""
    return " ".join(str(value or "").split())


class RegulatedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    # Fields left out of the content hash and the change log (set by other machinery).
    AUDIT_EXCLUDE: tuple[str, ...] = ()
    # States in which a change needs a reason (e.g. approved, effective, closed).
    REASON_REQUIRED_STATES: tuple[str, ...] = ()
    STATE_FIELD = "status"
    # Fields that are workflow bookkeeping rather than signed content: a status change or an
    # approval date does not invalidate a signature; a change to anything else does (P11-L).
    SIGNATURE_EXCLUDE: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def change_requires_reason(self) -> bool:
        return getattr(self, self.STATE_FIELD, None) in self.REASON_REQUIRED_STATES


def is_regulated(instance) -> bool:
    return isinstance(instance, RegulatedModel)


def audited_fields(instance) -> list[models.Field]:
    exclude = set(getattr(instance, "AUDIT_EXCLUDE", ())) | {"version"}
    return [field for field in instance._meta.concrete_fields if field.name not in exclude and not field.primary_key]


def snapshot(instance) -> dict:
    """The audited state of a record as JSON-safe primitives (foreign keys by id)."""
    return {
        field.attname: canonical.to_primitive(getattr(instance, field.attname)) for field in audited_fields(instance)
    }


def content_hash_of(instance) -> str:
    return canonical.sha256(canonical.dumps({"version": instance.version, "state": snapshot(instance)}))


def signed_content_hash(instance) -> str:
    """The hash a signature binds to: the record's identity and its content, without workflow state."""
    exclude = set(getattr(instance, "SIGNATURE_EXCLUDE", ())) | {getattr(instance, "STATE_FIELD", "status")}
    state = {
        name: value
        for name, value in snapshot(instance).items()
        if name not in exclude and name.removesuffix("_id") not in exclude
    }
    identity = f"{instance._meta.app_label}.{instance._meta.model_name}:{instance.pk}"
    return canonical.sha256(canonical.dumps({"record": identity, "content": state}))


def content_hash_from_snapshot(version: int, state: dict) -> str:
    return canonical.sha256(canonical.dumps({"version": version, "state": state}))


def diff(before: dict, after: dict) -> dict:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def labelled_changes(instance, changes: dict) -> dict:
    """Field verbose names for people reading the history ("Process owner", not "owner_id")."""
    labels = {field.attname: str(field.verbose_name) for field in instance._meta.concrete_fields}
    return {labels.get(name, name): values for name, values in changes.items()}


@transaction.atomic
def record_create(actor, instance, *, event: str, reason: str = "", extra_changes: dict | None = None):
    instance.full_clean()
    instance.save(force_insert=True)
    state = snapshot(instance)
    changes = {name: [None, value] for name, value in state.items() if value not in (None, "", False)}
    changes.update(extra_changes or {})
    record(actor, "create", event, instance=instance, changes=labelled_changes(instance, changes), reason=reason)
    return instance


def _refuse_state_change(instance, changes: dict) -> None:
    from qualitas.core.workflow import engine

    if not changes or not engine.has_workflow(instance):
        return
    state_field = engine.workflow_for(instance).state_field
    if state_field in changes and changes[state_field] != getattr(instance, state_field):
        raise ValidationError({state_field: f"{state_field} changes only through its workflow."})


@transaction.atomic
def record_update(
    actor,
    instance,
    *,
    event: str,
    changes: dict,
    expected_version: int | None = None,
    reason: str = "",
    action: str = "update",
    require_reason: bool | None = None,
    extra_changes: dict | None = None,
):
    """Apply `changes` ({field: value}) to the locked current row and record the difference.
    The state field of a record with a workflow is not changed here: only its workflow changes it."""
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    _refuse_state_change(current, changes)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current, expected_version)
    needs_reason = current.change_requires_reason() if require_reason is None else require_reason
    if needs_reason and not (reason or "").strip():
        raise ValidationError({"reason": "A reason for the change is required for this record."})
    before = snapshot(current)
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    after = snapshot(current)
    delta = diff(before, after)
    if not delta and not extra_changes:
        return current
    current.version += 1
    current.save()
    delta.update(extra_changes or {})
    record(actor, action, event, instance=current, changes=labelled_changes(current, delta), reason=reason.strip())
    # Keep the caller's object in step with the database.
    instance.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current
