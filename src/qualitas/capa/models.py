"""Nonconformities (ISO 9001/14001/45001 clause 10.2, 8.7), CAPA with root cause analysis and
effectiveness checks, customer complaints and satisfaction (9.1.2).

Root cause analysis is data: 5-Why chains (several branches), an Ishikawa diagram over the 6M
categories and the verified root causes are structured JSON fields on the CAPA, validated by
`analysis.py`, so every change is in the CAPA's own history and is covered by its closing signature."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from qualitas.core.regulated import RegulatedModel
from qualitas.core.workflow.choices import StateChoices

# Where a nonconformity or a CAPA comes from. CAPA names none of its producers: the modules that raise
# them declare their sources in their module.py (qualitas.core.modules.Source); these few need none.
NC_ORIGINS = [("internal", "Internal observation"), ("other", "Other")]
CAPA_ORIGINS = [("nonconformity", "Nonconformity"), ("other", "Other")]
# Stored by releases before the module kit, when CAPA listed producers that had no module yet: still
# valid (and labelled) on the records that carry them, never offered for new ones.
LEGACY_NC_SOURCES = [
    ("audit", "Audit finding"),
    ("inspection", "Inspection"),
    ("supplier", "Supplier"),
    ("incident", "Incident / near miss (ISO 45001)"),
    ("environmental", "Environmental event (ISO 14001)"),
]
LEGACY_CAPA_SOURCES = [("audit", "Audit"), ("risk", "Risk or opportunity"), ("management_review", "Management review")]


def nc_sources() -> list[tuple[str, str]]:
    """The sources offered for a new nonconformity: the origins and every installed module's sources."""
    from qualitas.core.modules import source_choices

    return NC_ORIGINS + source_choices("nonconformity")


def capa_sources() -> list[tuple[str, str]]:
    from qualitas.core.modules import source_choices

    return CAPA_ORIGINS + source_choices("capa")


def nc_source_choices() -> list[tuple[str, str]]:
    return nc_sources() + [item for item in LEGACY_NC_SOURCES if item[0] not in dict(nc_sources())]


def capa_source_choices() -> list[tuple[str, str]]:
    return capa_sources() + [item for item in LEGACY_CAPA_SOURCES if item[0] not in dict(capa_sources())]


NC_TYPES = [("product", "Product"), ("process", "Process"), ("system", "System")]
DISPOSITIONS = [
    ("use_as_is", "Use as is (concession)"),
    ("rework", "Rework"),
    ("repair", "Repair"),
    ("regrade", "Regrade"),
    ("scrap", "Scrap"),
    ("return_to_supplier", "Return to supplier"),
]
SIX_M = [
    ("man", "Man (people)"),
    ("machine", "Machine"),
    ("method", "Method"),
    ("material", "Material"),
    ("measurement", "Measurement"),
    ("environment", "Mother nature (environment)"),
]


def _user_fk(related_name="+", **kwargs):
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name=related_name, **kwargs)


class Severity(RegulatedModel):
    """Configurable severity scale (minor, major, critical by default)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=50)
    rank = models.PositiveSmallIntegerField(default=1, help_text="Higher is more severe.")
    capa_expected = models.BooleanField(
        default=False, help_text="A CAPA is expected unless the evaluation says why not."
    )
    disposition_signature = models.BooleanField(
        default=True, help_text="Dispositions of nonconforming product need an approval signature."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["rank", "code"]
        verbose_name_plural = "severities"

    def __str__(self) -> str:
        return self.name


class Nonconformity(RegulatedModel):
    number = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField()
    source = models.CharField(max_length=20, choices=nc_source_choices, default="internal")
    nc_type = models.CharField("type", max_length=10, choices=NC_TYPES, default="product")
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=100, blank=True, help_text="Defect or problem category, e.g. Dimensional.")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    process = models.ForeignKey("accounts.Process", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.CharField(max_length=200, blank=True)
    lot = models.CharField("lot / batch", max_length=100, blank=True)
    quantity_affected = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True, default="pcs")
    detected_by = _user_fk(null=True, blank=True)
    detected_on = models.DateField(default=timezone.localdate)
    owner = _user_fk(related_name="owned_nonconformities")
    status = models.CharField(max_length=20, choices=StateChoices("capa.nonconformity"), default="open")
    containment = models.TextField("containment (immediate reaction)", blank=True)
    capa_required = models.BooleanField("corrective action needed", null=True, blank=True)
    evaluation = models.TextField("evaluation and reason", blank=True)
    evaluated_by = _user_fk(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    cost_of_poor_quality = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    REASON_REQUIRED_STATES = ("closed", "cancelled")
    SIGNATURE_EXCLUDE = ("status", "closed_at")

    class Meta:
        ordering = ["-detected_on", "-pk"]
        # The register's order: its first page is read from the index, not sorted from every row.
        indexes = [models.Index(fields=["-detected_on", "-id"], name="capa_nc_register_order")]
        verbose_name_plural = "nonconformities"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Disposition(RegulatedModel):
    """The decision on nonconforming product (ISO 9001 8.7), approved by signature where configured."""

    nonconformity = models.ForeignKey(Nonconformity, on_delete=models.PROTECT, related_name="dispositions")
    decision = models.CharField(max_length=30, choices=DISPOSITIONS)
    quantity = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    justification = models.TextField(blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    proposed_by = _user_fk()
    status = models.CharField(max_length=20, choices=StateChoices("capa.disposition"), default="proposed")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    SIGNATURE_EXCLUDE = ("status",)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} for {self.nonconformity.number}"


class Capa(RegulatedModel):
    KINDS = [("corrective", "Corrective"), ("preventive", "Preventive")]

    number = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=KINDS, default="corrective")
    source = models.CharField(max_length=30, choices=capa_source_choices, default="nonconformity")
    problem = models.TextField("problem description (D2)", blank=True)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    process = models.ForeignKey("accounts.Process", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner = _user_fk(related_name="owned_capas")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="capa_teams")
    containment = models.TextField("containment summary (D3)", blank=True)
    why_chains = models.JSONField("5-Why chains", default=list, blank=True)
    fishbone = models.JSONField("Ishikawa diagram", default=dict, blank=True)
    root_causes = models.JSONField("root causes", default=list, blank=True)
    effectiveness_criterion = models.TextField(blank=True, help_text="What must be true for the CAPA to be effective.")
    effectiveness_days = models.PositiveSmallIntegerField(
        "days from implementation to the effectiveness check", default=90
    )
    opened_on = models.DateField(default=timezone.localdate)
    due_date = models.DateField("target closure date", null=True, blank=True)
    status = models.CharField(max_length=20, choices=StateChoices("capa.capa"), default="open")
    implemented_on = models.DateField(null=True, blank=True)
    effectiveness_due = models.DateField("effectiveness check due", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    REASON_REQUIRED_STATES = ("closed", "cancelled")
    SIGNATURE_EXCLUDE = ("status", "closed_at")

    class Meta:
        ordering = ["-pk"]
        verbose_name = "CAPA"
        verbose_name_plural = "CAPAs"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def age_days(self) -> int:
        end = timezone.localtime(self.closed_at).date() if self.closed_at else timezone.localdate()
        return max(0, (end - self.opened_on).days)


class EffectivenessCheck(RegulatedModel):
    """The verification that the actions worked, signed "verified"; a failed check reopens the CAPA."""

    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, related_name="effectiveness_checks")
    criterion = models.TextField()
    result = models.TextField()
    passed = models.BooleanField()
    performed_by = _user_fk()
    performed_on = models.DateField(default=timezone.localdate)
    due_on = models.DateField("check was due", null=True, blank=True,
                              help_text="The CAPA's effectiveness-check due date when the check was recorded.")
    early_justification = models.TextField(
        "justification for an early verdict", blank=True,
        help_text="Why the actions could be judged effective before the check was due.",
    )
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Effectiveness check of {self.capa.number}: {'passed' if self.passed else 'failed'}"

    @property
    def days_early(self) -> int:
        """Days before its due date that the check was performed (0 when on or after it)."""
        if self.due_on is None or self.performed_on is None:
            return 0
        return max(0, (self.due_on - self.performed_on).days)


class Complaint(RegulatedModel):
    CHANNELS = [
        ("email", "E-mail"),
        ("phone", "Phone"),
        ("web", "Web form"),
        ("visit", "Visit"),
        ("letter", "Letter"),
        ("other", "Other"),
    ]

    number = models.CharField(max_length=50, unique=True)
    customer = models.CharField(max_length=200)
    customer_reference = models.CharField(max_length=100, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    product = models.CharField(max_length=200, blank=True)
    lot = models.CharField("lot / batch", max_length=100, blank=True)
    channel = models.CharField(max_length=10, choices=CHANNELS, default="email")
    received_on = models.DateField(default=timezone.localdate)
    description = models.TextField()
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner = _user_fk(related_name="owned_complaints")
    acknowledge_by = models.DateField("acknowledge by", null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    respond_by = models.DateField("respond by", null=True, blank=True)
    investigation = models.TextField("investigation summary", blank=True)
    response = models.TextField("response to the customer", blank=True)
    responded_on = models.DateField(null=True, blank=True)
    justified = models.BooleanField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=StateChoices("capa.complaint"), default="received")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    REASON_REQUIRED_STATES = ("closed", "rejected")

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["-received_on", "-id"], name="capa_complaint_register_order")]

    def __str__(self) -> str:
        return f"{self.number} {self.customer}"


class SatisfactionEntry(RegulatedModel):
    """One customer-satisfaction result (survey score or rating) for the 9.1.2 trend."""

    METHODS = [("survey", "Survey"), ("rating", "Rating"), ("interview", "Interview"), ("nps", "Net promoter score")]

    customer = models.CharField(max_length=200)
    received_on = models.DateField(default=timezone.localdate)
    method = models.CharField(max_length=20, choices=METHODS, default="survey")
    score = models.DecimalField(max_digits=6, decimal_places=2)
    scale_max = models.DecimalField(max_digits=6, decimal_places=2, default=10)
    comment = models.TextField(blank=True)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name_plural = "satisfaction entries"

    def __str__(self) -> str:
        return f"{self.customer} {self.received_on:%Y-%m-%d}: {self.score}/{self.scale_max}"

    @property
    def percent(self) -> float:
        return float(self.score) / float(self.scale_max) * 100 if self.scale_max else 0.0
