"""Question templates, checklists, findings and the report's distribution (ISO 19011 6.4): models
(imported at the end of models.py).

A checklist is the audit's own list of questions, generated from the clauses in scope, the process's
documents and the previous audit's open findings (carried over for verification); each answer is
saved as it is given. A finding is graded with a configurable grade (major / minor nonconformity,
observation, opportunity for improvement, good practice); a grade that raises a nonconformity makes
one in the improvement module, linked to the finding, with the auditee's response due date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from qualitas.core.regulated import RegulatedModel
from qualitas.core.workflow.choices import StateChoices

__all__ = [
    "ANSWERS",
    "QUESTION_ORIGINS",
    "ChecklistQuestion",
    "Finding",
    "FindingGrade",
    "QuestionTemplate",
    "ReportRecipient",
]

ANSWERS = [("", "Not answered"), ("conforming", "Conforming"), ("finding", "Finding"), ("na", "Not applicable")]
QUESTION_ORIGINS = [
    ("template", "Question template"),
    ("clause", "Clause in scope"),
    ("document", "Process document"),
    ("carried_over", "Previous finding to verify"),
    ("added", "Added by the auditor"),
]


def _user_fk(related_name="+", **kwargs):
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name=related_name, **kwargs)


class QuestionTemplate(RegulatedModel):
    """A reusable audit question for a clause of a standard."""

    clause = models.ForeignKey("standards.Clause", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    guidance = models.TextField(blank=True, help_text="What evidence to look for.")
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clause__edition", "clause__sort_key", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.clause.number}: {self.text[:60]}"


class ChecklistQuestion(RegulatedModel):
    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(default=0)
    origin = models.CharField(max_length=20, choices=QUESTION_ORIGINS, default="clause")
    template = models.ForeignKey(QuestionTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    clause = models.ForeignKey("standards.Clause", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey("documents.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    carried_from = models.ForeignKey("audits.Finding", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="verifications",
                                     help_text="The previous audit's finding this question verifies.")
    text = models.TextField()
    guidance = models.TextField(blank=True)
    answer = models.CharField(max_length=12, choices=ANSWERS, blank=True)
    notes = models.TextField(blank=True, help_text="What was seen: records, interviews, observations.")
    answered_by = _user_fk(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit", "order", "pk"]
        indexes = [models.Index(fields=["audit", "order"], name="audits_question_order_idx")]

    def __str__(self) -> str:
        return self.text[:80]

    # The audit's site: permission checks, the attachments and the permission matrix scope a question
    # by the audit it belongs to.
    @property
    def site(self):
        return self.audit.site

    @property
    def site_id(self):
        return self.audit.site_id

    @property
    def answered(self) -> bool:
        return bool(self.answer)


class FindingGrade(RegulatedModel):
    """A grade of finding; the organisation configures them (ISO 19011 6.4.8)."""

    code = models.SlugField(max_length=30, unique=True)
    label = models.CharField(max_length=100)
    is_nonconformity = models.BooleanField(default=False, help_text="A nonconformity against the criteria.")
    raises_nonconformity = models.BooleanField(default=False,
                                               help_text="Raises a nonconformity in the improvement module.")
    needs_response = models.BooleanField(default=False, help_text="The auditee must respond by a due date.")
    schedules_reaudit = models.BooleanField(default=False, help_text="A re-audit is scheduled to verify it.")
    reaudit_days = models.PositiveSmallIntegerField(
        default=90, help_text="Days after the audit that the re-audit is planned (grades that schedule one).")
    severity = models.CharField(max_length=50, blank=True,
                                help_text="Severity code of the nonconformity it raises (capa severities).")
    order = models.PositiveSmallIntegerField(default=0)
    colour = models.CharField(max_length=20, default="secondary", help_text="Badge colour.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label


class Finding(RegulatedModel):
    number = models.CharField(max_length=50, unique=True)
    audit = models.ForeignKey("audits.Audit", on_delete=models.PROTECT, related_name="findings")
    grade = models.ForeignKey(FindingGrade, on_delete=models.PROTECT, related_name="findings")
    question = models.ForeignKey(ChecklistQuestion, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="findings")
    title = models.CharField(max_length=300)
    statement = models.TextField(help_text="What was found, against which requirement.")
    evidence = models.TextField(blank=True, help_text="The objective evidence.")
    clauses = models.ManyToManyField("standards.Clause", blank=True, related_name="+")
    process = models.ForeignKey("accounts.Process", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    auditee = _user_fk(null=True, blank=True, help_text="Who responds for the auditee.")
    response_due = models.DateField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="Correction, cause and corrective action proposed.")
    responded_by = _user_fk(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    verification = models.TextField(blank=True, help_text="How the correction was verified at follow-up.")
    verified_by = _user_fk(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    reaudit = models.ForeignKey("audits.Audit", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="reaudited_findings", help_text="The re-audit scheduled to verify it.")
    status = models.CharField(max_length=20, choices=StateChoices("audits.finding"), default="open")
    created_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    AUDIT_EXCLUDE = ("created_at",)
    REASON_REQUIRED_STATES = ("withdrawn",)

    class Meta:
        ordering = ["audit", "number"]
        indexes = [models.Index(fields=["status", "response_due"], name="audits_finding_due_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def site(self):
        return self.audit.site

    @property
    def site_id(self):
        return self.audit.site_id


class ReportRecipient(models.Model):
    """Who the audit report was distributed to, and when (append-only: the trail records each)."""

    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="report_recipients")
    person = _user_fk()
    reason = models.CharField(max_length=30, default="auditee",
                              help_text="auditee, top management, team or other.")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["audit", "pk"]
        constraints = [models.UniqueConstraint(fields=["audit", "person"], name="audits_report_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.person} ({self.reason})"
