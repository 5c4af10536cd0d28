"""Internal and external audits of the management system (ISO 9001/14001/45001 clause 9.2, ISO 19011).

An audit programme per year (and site) holds the audits; each audit is a regulated record on the
workflow engine: planned → prepared → in progress → reported → follow-up → closed (cancelled with a
reason). Its team, auditees and impartiality exceptions are rows of their own so that each change
is in the audit trail. Checklists, findings and the report live in models_checklists.py; the
programme's proposed frequencies in models_programme.py (both imported at the end of this file).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from qualitas.core.regulated import RegulatedModel
from qualitas.core.workflow.choices import StateChoices

AUDIT_KINDS = [
    ("internal", "Internal audit"),
    ("supplier", "Supplier audit (second party)"),
    ("customer", "Customer audit (second party)"),
    ("certification", "Certification-body audit (third party)"),
]
SUBJECTS = [
    ("process", "Process"),
    ("clause", "Clauses of the standards"),
    ("site", "Site"),
    ("supplier", "Supplier"),
    ("product", "Product"),
]
METHODS = [("on_site", "On-site"), ("remote", "Remote"), ("hybrid", "Hybrid")]
TEAM_ROLES = [
    ("lead", "Lead auditor"),
    ("auditor", "Auditor"),
    ("expert", "Technical expert"),
    ("observer", "Observer"),
    ("trainee", "Auditor in training"),
]
# Team roles that audit (and so must be qualified and impartial); experts, observers and trainees do not.
AUDITING_ROLES = ("lead", "auditor")


def _user_fk(related_name="+", **kwargs):
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name=related_name, **kwargs)


class Programme(RegulatedModel):
    """The audit programme of one year (ISO 9001 9.2.2), for one site or the whole organisation."""

    year = models.PositiveSmallIntegerField()
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="Empty: the whole organisation.")
    title = models.CharField(max_length=200)
    objectives = models.TextField(blank=True, help_text="What the programme is meant to achieve this year.")
    standards = models.ManyToManyField("standards.Standard", blank=True, related_name="+",
                                       help_text="The standards of the management system in scope.")
    manager = _user_fk(related_name="managed_audit_programmes",
                       help_text="Who manages the programme (ISO 19011 5.4).")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["-year", "site__code", "pk"]
        constraints = [models.UniqueConstraint(fields=["year", "site"], name="audits_programme_year_site_unique")]

    def __str__(self) -> str:
        return self.title or f"Audit programme {self.year}"


class Audit(RegulatedModel):
    number = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=300)
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="audits")
    kind = models.CharField(max_length=20, choices=AUDIT_KINDS, default="internal")
    subject = models.CharField(max_length=20, choices=SUBJECTS, default="process")
    process = models.ForeignKey("accounts.Process", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="The department audited.")
    supplier = models.CharField(max_length=200, blank=True, help_text="Supplier audits: the supplier's name.")
    product = models.CharField(max_length=200, blank=True)
    standards = models.ManyToManyField("standards.Standard", blank=True, related_name="+",
                                       help_text="Several standards make a combined audit.")
    clauses = models.ManyToManyField("standards.Clause", blank=True, related_name="+",
                                     help_text="The clauses in scope (audit criteria).")
    documents = models.ManyToManyField("documents.Document", blank=True, related_name="+",
                                       help_text="Documents that are audit criteria (procedures, specifications).")
    scope = models.TextField(help_text="Extent and boundaries: sites, processes, activities, period.")
    criteria = models.TextField(blank=True, help_text="Other criteria: legal requirements, contracts, policies.")
    objectives = models.TextField(blank=True)
    method = models.CharField(max_length=10, choices=METHODS, default="on_site")
    planned_start = models.DateField()
    planned_end = models.DateField()
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    lead_auditor = _user_fk(related_name="led_audits", null=True, blank=True)
    agenda = models.TextField(blank=True, help_text="The audit plan: one line per item, e.g. 09:00 Opening meeting.")
    summary = models.TextField(blank=True)
    conclusion = models.TextField(blank=True, help_text="Conformity and effectiveness of the management system.")
    response_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days the auditee has to respond to a nonconformity.")
    status = models.CharField(max_length=20, choices=StateChoices("audits.audit"), default="planned")
    reported_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    REASON_REQUIRED_STATES = ("cancelled",)
    SIGNATURE_EXCLUDE = ("status", "reported_at", "closed_at")

    class Meta:
        ordering = ["-planned_start", "-pk"]
        indexes = [models.Index(fields=["status", "planned_start"], name="audits_audit_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": "The audit cannot end before it starts."})
        if self.subject == "process" and not self.process_id:
            raise ValidationError({"process": "Choose the process audited."})
        if self.kind == "supplier" and not self.supplier:
            raise ValidationError({"supplier": "Name the supplier audited."})

    @property
    def is_combined(self) -> bool:
        return self.standards.count() > 1

    def gate_standards(self) -> list[str]:
        """The standards in scope, for qualification gates limited to a standard (training.Gate.standard)."""
        return [standard.code for standard in self.standards.all()]


class TeamMember(models.Model):
    """A member of the audit team. Rows of the audit: added and removed through its services, each change
    recorded on the audit's own trail (so the audit's content hash does not cover them)."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="team")
    person = _user_fk()
    role = models.CharField(max_length=10, choices=TEAM_ROLES, default="auditor")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["audit", "role", "pk"]
        constraints = [models.UniqueConstraint(fields=["audit", "person"], name="audits_team_member_unique")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Auditee(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="auditees")
    person = _user_fk()
    function = models.CharField(max_length=200, blank=True, help_text="e.g. Process owner, Shift supervisor.")

    class Meta:
        ordering = ["audit", "pk"]
        constraints = [models.UniqueConstraint(fields=["audit", "person"], name="audits_auditee_unique")]

    def __str__(self) -> str:
        return str(self.person)


class ImpartialityException(models.Model):
    """A small organisation lets someone audit their own department or process (ISO 19011 4 e)):
    recorded with a reason, approved by someone else before the assignment is accepted."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="impartiality_exceptions")
    person = _user_fk()
    reason = models.TextField()
    requested_by = _user_fk()
    requested_at = models.DateTimeField(default=timezone.now)
    approved_by = _user_fk(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit", "pk"]

    def __str__(self) -> str:
        return f"Impartiality exception for {self.person} on {self.audit.number}"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


from qualitas.audits.models_checklists import *  # noqa: E402,F403
from qualitas.audits.models_programme import *  # noqa: E402,F403
