"""Qualification gates (P11-I): models (imported at the end of models.py).

A gate says that a step needs current training on a requirement: signing with a meaning (on any
record, or on one record type), a step of a workflow, being made responsible for a duty on a record
(approver, reviewer, auditor, inspector, assessor), or holding a position. A duty gate may be limited
to one standard (`standard`): it then applies only to records whose `gate_standards()` name that
standard's code (an audit of ISO 14001 needs the ISO 14001 auditor qualification). The core asks the
questions (qualitas.core.hooks MAY_SIGN, MAY_TRANSITION, MAY_ASSIGN); qualitas.training.gates
answers them from the gates in force. A gate is in force from `active_from` to `active_to`
(inclusive; empty: no end) while it is not withdrawn.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from qualitas.core.regulated import RegulatedModel
from qualitas.core.signatures.models import MEANINGS

__all__ = ["DUTIES", "GATE_KINDS", "Gate"]

GATE_KINDS = [
    ("sign", "Signing with a meaning"),
    ("transition", "A workflow step"),
    ("duty", "Being assigned a duty"),
    ("position", "Holding a position"),
]
DUTIES = [
    ("approver", "Approver"),
    ("reviewer", "Reviewer"),
    ("auditor", "Auditor"),
    ("inspector", "Inspector"),
    ("assessor", "On-the-job assessor"),
]


class Gate(RegulatedModel):
    SIGN, TRANSITION, DUTY, POSITION = "sign", "transition", "duty", "position"

    kind = models.CharField(max_length=12, choices=GATE_KINDS)
    requirement = models.ForeignKey("training.Requirement", on_delete=models.PROTECT, related_name="gates",
                                    help_text="The training or qualification the person must be current on.")
    meaning = models.CharField("signature meaning", max_length=30, choices=MEANINGS, blank=True)
    record_type = models.CharField(max_length=100, blank=True,
                                   help_text="e.g. documents.revision. Empty (signing only): every record type.")
    transition = models.CharField("workflow step", max_length=50, blank=True,
                                  help_text="The name of the step, e.g. approve.")
    duty = models.CharField(max_length=20, choices=DUTIES, blank=True)
    standard = models.ForeignKey("standards.Standard", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+",
                                 help_text="A duty: only on records in scope of this standard (e.g. auditing "
                                           "ISO 14001). Empty: every record.")
    position = models.ForeignKey("training.Position", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="gates")
    active_from = models.DateField("in force from")
    active_to = models.DateField("in force until", null=True, blank=True, help_text="Empty: no end.")
    active = models.BooleanField(default=True, help_text="A withdrawn gate is no longer in force.")
    rationale = models.TextField(help_text="Why the step needs this training (procedure, regulation).")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["kind", "record_type", "meaning", "transition", "duty", "pk"]
        indexes = [models.Index(fields=["kind", "active"], name="training_gate_kind_idx")]

    def __str__(self) -> str:
        return f"{self.requirement.code} for {self.step_label}"

    def change_requires_reason(self) -> bool:
        return True

    @property
    def step_label(self) -> str:
        where = f" ({self.record_type})" if self.record_type else ""
        if self.kind == self.SIGN:
            return f"signing “{self.get_meaning_display()}”{where}"
        if self.kind == self.TRANSITION:
            return f"the step “{self.transition}”{where}"
        if self.kind == self.DUTY:
            of = f" for {self.standard.code}" if self.standard_id else ""
            return f"being {self.get_duty_display().lower()}{of}{where}"
        if self.kind == self.POSITION and self.position_id:
            return f"holding {self.position.name}"
        return self.get_kind_display().lower()

    def in_force(self, day: dt.date) -> bool:
        return self.active and self.active_from <= day and (self.active_to is None or self.active_to >= day)

    @staticmethod
    def in_force_q(day: dt.date) -> Q:
        return Q(active=True, active_from__lte=day) & (Q(active_to__isnull=True) | Q(active_to__gte=day))

    def clean(self) -> None:
        errors = {}
        needs = {self.SIGN: ("meaning",), self.TRANSITION: ("record_type", "transition"),
                 self.DUTY: ("duty",), self.POSITION: ("position",)}
        if self.kind not in needs:
            errors["kind"] = "Choose what the gate applies to: signing, a workflow step, a duty or a position."
        else:
            for name in needs[self.kind]:
                if not getattr(self, name if name != "position" else "position_id"):
                    errors[name] = f"A gate on {self.get_kind_display().lower()} names the {name.replace('_', ' ')}."
            unused = {"meaning", "transition", "duty", "position"} - set(needs[self.kind])
            for name in sorted(unused):
                if getattr(self, name if name != "position" else "position_id"):
                    errors[name] = f"Not used by a gate on {self.get_kind_display().lower()}: leave it empty."
            if self.standard_id and self.kind != self.DUTY:
                errors["standard"] = "Only a gate on a duty is limited to a standard: leave it empty."
            if self.kind == self.POSITION and self.record_type:
                errors["record_type"] = "A position gate does not name a record type."
        if self.active_from and self.active_to and self.active_to < self.active_from:
            errors["active_to"] = "The gate cannot end before it comes into force."
        if not (self.rationale or "").strip():
            errors["rationale"] = "Say why the step needs this training."
        if errors:
            raise ValidationError(errors)
