"""The only write path for qualification gates (qualitas.training.models_gates): created, changed and
withdrawn by training administrators (training "administer"), each change audited with its reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from qualitas.core.permissions import authorize
from qualitas.core.regulated import record_create, record_update
from qualitas.training.models_gates import Gate

MODULE = "training"
GATE_FIELDS = ("kind", "requirement", "meaning", "record_type", "transition", "duty", "standard", "position",
               "active_from", "active_to", "rationale")


def _checked(fields: dict) -> dict:
    unknown = set(fields) - set(GATE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    for name in ("meaning", "record_type", "transition", "duty", "rationale"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    return fields


def _check_step(gate: Gate) -> None:
    """The record type and the step a gate names exist (a typo would gate nothing)."""
    from qualitas.core import records
    from qualitas.core.workflow import engine

    if gate.record_type:
        try:
            records.get_type(gate.record_type)
        except Http404:
            raise ValidationError({"record_type": f"{gate.record_type!r} is not a record type."}) from None
    if gate.kind == Gate.TRANSITION and gate.record_type and gate.transition:
        try:
            workflow = engine.workflow_for(gate.record_type)
        except Http404:
            raise ValidationError({"record_type": f"Records of type {gate.record_type} have no workflow."}) from None
        names = [t.name for t in workflow.transitions]
        if gate.transition not in names:
            raise ValidationError({"transition": f"{gate.transition!r} is not a step of {gate.record_type}; "
                                                 f"its steps are {', '.join(names)}."})
    if gate.requirement_id and not gate.requirement.active:
        raise ValidationError({"requirement": f"{gate.requirement} is no longer in use."})


@transaction.atomic
def gate_create(*, actor, **fields) -> Gate:
    authorize(actor, MODULE, "administer")
    fields = _checked(fields)
    gate = Gate(**fields)
    gate.full_clean()
    _check_step(gate)
    return record_create(actor, gate, event="training.gate_created", reason=gate.rationale)


@transaction.atomic
def gate_update(*, actor, gate: Gate, version=None, reason: str = "", **fields) -> Gate:
    """Change a gate, saying why (`reason`; the gate's `rationale` says why it exists)."""
    authorize(actor, MODULE, "administer")
    fields = _checked(fields)
    probe = Gate(**{f.attname: getattr(gate, f.attname) for f in Gate._meta.concrete_fields})
    for name, value in fields.items():
        setattr(probe, name, value)
    probe.full_clean(validate_unique=False)
    _check_step(probe)
    return record_update(actor, gate, event="training.gate_updated", changes=fields, expected_version=version,
                         reason=reason, require_reason=True)


@transaction.atomic
def gate_withdraw(*, actor, gate: Gate, reason: str, version=None) -> Gate:
    """The gate is no longer in force (kept, with its history)."""
    authorize(actor, MODULE, "administer")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the gate is withdrawn."})
    if not gate.active:
        raise ValidationError("This gate is already withdrawn.")
    return record_update(actor, gate, event="training.gate_withdrawn", changes={"active": False},
                         expected_version=version, reason=reason.strip(), require_reason=True)
