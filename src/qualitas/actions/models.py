"""Actions: a shared kind of record any module raises (containment, correction, corrective and
preventive actions of a CAPA, audit follow-ups, risk treatments, management-review decisions).

An action belongs to a parent record (by record-type key and id, so any module can use it), has an
owner and a due date (a core task in the owner's inbox), and is completed with its implementation
evidence (text plus attachments on the record page)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qualitas.core.regulated import RegulatedModel
from qualitas.core.workflow.choices import StateChoices

KINDS = [
    ("containment", "Containment"),
    ("correction", "Correction"),
    ("corrective", "Corrective action"),
    ("preventive", "Preventive action"),
    ("improvement", "Improvement"),
    ("other", "Other"),
]


class Action(RegulatedModel):
    number = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=KINDS, default="corrective")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_actions")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=StateChoices("actions.action"), default="open")
    parent_type = models.CharField(max_length=100, blank=True, help_text="Record type key of the parent record.")
    parent_id = models.CharField(max_length=64, blank=True)
    parent_label = models.CharField(max_length=300, blank=True)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evidence = models.TextField("implementation evidence", blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    REASON_REQUIRED_STATES = ("done", "cancelled")

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["parent_type", "parent_id"], name="action_parent_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == "open" and self.due_date is not None and self.due_date < timezone.localdate()
