"""The audit programme's proposed frequency per process (ISO 9001 9.2.2): models (imported at the end
of models.py). Written by the programme part of the audits app.

The proposal itself is computed (qualitas.audits.programme) from the process's importance, the risks
linked to it, the previous audit's results, its open nonconformities and the changes since its last
audit; a row here holds what the programme manager set (the importance) and decided (the interval
accepted, or overridden with a reason), with the basis as it stood when the decision was taken, so
the programme shows the evidence of 9.2.2 "importance, changes and previous results".
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

__all__ = ["DECISIONS", "IMPORTANCE", "ProcessFrequency"]

IMPORTANCE = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]
DECISIONS = [("", "Not decided"), ("accepted", "Proposal accepted"), ("overridden", "Overridden")]


class ProcessFrequency(models.Model):
    """How often a process of the programme's scope is audited: the manager's decision on the proposal."""

    programme = models.ForeignKey("audits.Programme", on_delete=models.CASCADE, related_name="frequencies")
    process = models.ForeignKey("accounts.Process", on_delete=models.PROTECT, related_name="+")
    importance = models.CharField(max_length=10, choices=IMPORTANCE, default="medium",
                                  help_text="How important the process is to the management system's results.")
    decision = models.CharField(max_length=12, choices=DECISIONS, blank=True)
    proposed_months = models.PositiveSmallIntegerField(null=True, blank=True,
                                                       help_text="The interval proposed when the decision was taken.")
    months = models.PositiveSmallIntegerField("interval (months)", null=True, blank=True,
                                              help_text="The interval in force: accepted or overridden.")
    reason = models.TextField(blank=True, help_text="Why the proposal was overridden.")
    basis = models.JSONField(default=list, blank=True,
                             help_text="The factors of the proposal when the decision was taken.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "process__code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "process"], name="audits_frequency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.process.code} every {self.months or '?'} months"

    def change_requires_reason(self) -> bool:
        return self.decision == "overridden"

    def clean(self) -> None:
        if self.decision == "overridden" and not (self.reason or "").strip():
            raise ValidationError({"reason": "Say why the proposed interval is overridden."})
        if self.months is not None and not 1 <= self.months <= 36:
            raise ValidationError({"months": "The interval is between 1 and 36 months (the three-year cycle)."})
