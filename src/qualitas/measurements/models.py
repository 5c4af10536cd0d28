"""Measurements and statistical process control (ISO 9001 9.1.1, 8.5.1; IATF 16949 9.1.1.1):
characteristics, their subgroups and measured values, frozen control limits and reported signals."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from qualitas.core.regulated import RegulatedModel
from qualitas.core.workflow.choices import StateChoices

CHART_TYPES = [
    ("xbar-r", "X̄-R (subgroup mean and range)"),
    ("xbar-s", "X̄-S (subgroup mean and standard deviation)"),
    ("imr", "I-MR (individual values and moving range)"),
    ("ewma", "EWMA (exponentially weighted moving average)"),
    ("cusum", "CUSUM (cumulative sum)"),
    ("p", "p (proportion nonconforming)"),
    ("np", "np (number nonconforming)"),
    ("c", "c (nonconformities per sample)"),
    ("u", "u (nonconformities per unit)"),
]
ATTRIBUTE_CHARTS = ("p", "np", "c", "u")
SIZED_CHARTS = ("p", "np", "u")
RULE_SETS = [("nelson", "Nelson (tests 1–8)"), ("we", "Western Electric (rules 1–4)"), ("none", "Control limits only")]
SOURCES = [("manual", "Entered by hand"), ("upload", "Uploaded file"), ("api", "API (instrument or integration)")]
CHART_NAMES = {"xbar": "X̄", "r": "R", "s": "S", "i": "I", "mr": "MR", "p": "p", "np": "np", "c": "c", "u": "u",
               "ewma": "EWMA", "cusum": "CUSUM"}
MAX_ABS_VALUE = 1e12  # larger magnitudes are unit mistakes, and would overflow squared sums


def is_attribute(chart_type: str) -> bool:
    return chart_type in ATTRIBUTE_CHARTS


class Characteristic(RegulatedModel):
    """A product or process characteristic under statistical control (control plan line)."""

    KINDS = [("product", "Product characteristic"), ("process", "Process characteristic")]

    number = models.CharField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Drawing reference, gauge, method, sampling.")
    kind = models.CharField(max_length=10, choices=KINDS, default="product")
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. mm, µm, %, N·m.")
    lsl = models.FloatField(null=True, blank=True, verbose_name="lower specification limit (LSL)")
    usl = models.FloatField(null=True, blank=True, verbose_name="upper specification limit (USL)")
    target = models.FloatField(null=True, blank=True, help_text="Nominal value (used for Cpm).")
    subgroup_size = models.PositiveSmallIntegerField(
        default=5, help_text="Measurements per subgroup (1 for individual values; not used by attribute charts)."
    )
    chart_type = models.CharField(max_length=10, choices=CHART_TYPES, default="xbar-r")
    rules = models.CharField(max_length=10, choices=RULE_SETS, default="nelson", verbose_name="run rules")
    ewma_lambda = models.FloatField(default=0.2, verbose_name="EWMA weight λ")
    ewma_l = models.FloatField(default=3.0, verbose_name="EWMA limit width L")
    cusum_k = models.FloatField(default=0.5, verbose_name="CUSUM reference value k (sigmas)")
    cusum_h = models.FloatField(default=4.0, verbose_name="CUSUM decision interval h (sigmas)")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    process = models.ForeignKey(
        "accounts.Process", null=True, blank=True, on_delete=models.PROTECT, related_name="characteristics"
    )
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True, help_text="Inactive characteristics accept no new measurements.")
    raise_nonconformity = models.BooleanField(
        default=False, help_text="An out-of-control signal raises a nonconformity."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def change_requires_reason(self) -> bool:
        return self.pk is not None and self.limits.filter(status="active").exists()

    @property
    def is_attribute(self) -> bool:
        return is_attribute(self.chart_type)

    @property
    def points_size(self) -> int:
        """Values a variables subgroup holds when complete (attribute samples hold a count)."""
        return 1 if self.is_attribute else self.subgroup_size

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("lsl", "usl", "target", "ewma_lambda", "ewma_l", "cusum_k", "cusum_h"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or abs(value) > MAX_ABS_VALUE):
                errors[name] = "Enter a finite number."
        if errors:
            raise ValidationError(errors)
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            errors["usl"] = "The upper specification limit must be above the lower one."
        if self.target is not None:
            if (self.lsl is not None and self.target < self.lsl) or (self.usl is not None and self.target > self.usl):
                errors["target"] = "The target lies outside the specification limits."
        largest = {"xbar-r": 25, "xbar-s": 100}.get(self.chart_type)
        if largest and not 2 <= self.subgroup_size <= largest:
            errors["subgroup_size"] = (
                "An X̄-R chart needs subgroups of 2 to 25; an X̄-S chart 2 to 100 (use I-MR for single values)."
            )
        if self.chart_type == "imr" and self.subgroup_size != 1:
            errors["subgroup_size"] = "An I-MR chart plots individual values: the subgroup size is 1."
        if self.chart_type in ("ewma", "cusum") and not 1 <= self.subgroup_size <= 100:
            errors["subgroup_size"] = "Use subgroups of 1 to 100 measurements."
        if not 0 < self.ewma_lambda <= 1:
            errors["ewma_lambda"] = "λ lies between 0 (excluded) and 1."
        if not 0 < self.ewma_l <= 6:
            errors["ewma_l"] = "L lies between 0 (excluded) and 6."
        if not 0 <= self.cusum_k <= 5:
            errors["cusum_k"] = "k lies between 0 and 5 sigmas."
        if not 0 < self.cusum_h <= 20:
            errors["cusum_h"] = "h lies between 0 (excluded) and 20 sigmas."
        if errors:
            raise ValidationError(errors)


class ControlLimits(RegulatedModel):
    """Phase I limits frozen from chosen subgroups and approved by signature; later points are
    judged against them (Phase II). Freezing again supersedes them; the history stays."""

    characteristic = models.ForeignKey(Characteristic, on_delete=models.PROTECT, related_name="limits")
    status = models.CharField(max_length=12, choices=StateChoices("measurements.controllimits"), default="active")
    chart_type = models.CharField(max_length=10, choices=CHART_TYPES)
    subgroup_size = models.PositiveSmallIntegerField()
    # The chart as frozen: {"chart", "charts": [{"name", "center", "ucl", "lcl"}], "sigma", "parameters"}
    limits = models.JSONField()
    # The known parameters Phase II charts are computed with, e.g. {"mu": 74.001, "sigma": 0.0099}.
    known = models.JSONField()
    phase1_subgroups = models.PositiveIntegerField(help_text="Subgroups the limits were computed from.")
    phase1_from = models.DateTimeField(help_text="First subgroup of Phase I (taken at).")
    phase1_to = models.DateTimeField(help_text="Last subgroup of Phase I (taken at).")
    excluded = models.JSONField(default=list, blank=True, help_text="Subgroup keys left out of the estimate.")
    reason = models.TextField(blank=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frozen_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)

    SIGNATURE_EXCLUDE = ("ended_at", "ended_reason")

    class Meta:
        ordering = ["characteristic", "-frozen_at", "-pk"]
        verbose_name_plural = "control limits"
        constraints = [
            models.UniqueConstraint(
                fields=["characteristic"], condition=models.Q(status="active"), name="measurements_one_active_limits"
            )
        ]

    def __str__(self) -> str:
        return f"Control limits of {self.characteristic.number} frozen {self.frozen_at:%Y-%m-%d}"


class Subgroup(RegulatedModel):
    """One point of the chart: a subgroup of measured values, or an inspected sample (count of
    nonconforming units or nonconformities, sample size or inspection units)."""

    characteristic = models.ForeignKey(Characteristic, on_delete=models.PROTECT, related_name="subgroups")
    key = models.CharField(max_length=100, verbose_name="subgroup")
    sequence = models.PositiveIntegerField(editable=False)
    taken_at = models.DateTimeField(verbose_name="taken at")
    lot = models.CharField(max_length=100, blank=True, verbose_name="lot/batch")
    count = models.PositiveIntegerField(null=True, blank=True, help_text="Nonconforming units or nonconformities.")
    sample_size = models.FloatField(null=True, blank=True, help_text="Units inspected (inspection units for u).")
    source = models.CharField(max_length=10, choices=SOURCES, default="manual")
    source_name = models.CharField(max_length=300, blank=True, help_text="File name or API token name.")
    api_token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    excluded = models.BooleanField(default=False, help_text="Left out of control-limit calculations.")
    exclusion_reason = models.TextField(blank=True)

    AUDIT_EXCLUDE = ("entered_at",)

    class Meta:
        ordering = ["characteristic", "taken_at", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["characteristic", "key"], name="measurements_subgroup_key_unique"),
            models.UniqueConstraint(fields=["characteristic", "sequence"], name="measurements_subgroup_seq_unique"),
        ]
        indexes = [models.Index(fields=["characteristic", "taken_at"], name="measurements_subgroup_time_idx")]

    def __str__(self) -> str:
        return f"{self.characteristic.number} subgroup {self.key}"

    def change_requires_reason(self) -> bool:
        return True


class Measurement(RegulatedModel):
    """One measured value of a subgroup, with who entered it, from where and when."""

    subgroup = models.ForeignKey(Subgroup, on_delete=models.PROTECT, related_name="measurements")
    position = models.PositiveSmallIntegerField()
    value = models.FloatField()
    taken_at = models.DateTimeField(verbose_name="taken at")
    source = models.CharField(max_length=10, choices=SOURCES, default="manual")
    source_name = models.CharField(max_length=300, blank=True)
    api_token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("entered_at",)

    class Meta:
        ordering = ["subgroup", "position"]
        constraints = [
            models.UniqueConstraint(fields=["subgroup", "position"], name="measurements_value_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subgroup} value {self.position}"

    def change_requires_reason(self) -> bool:
        return True


class SignalEvent(RegulatedModel):
    """An out-of-control signal reported once for a point of one chart (X̄, R, p …); acknowledged
    in the UI with a note."""

    characteristic = models.ForeignKey(Characteristic, on_delete=models.PROTECT, related_name="signal_events")
    subgroup = models.ForeignKey(Subgroup, on_delete=models.PROTECT, related_name="signal_events")
    chart = models.CharField(max_length=10, help_text="The chart that signalled: xbar, r, s, i, mr, p, ewma …")
    rules = models.JSONField(help_text="Rule ids, e.g. ['nelson-1', 'nelson-5'].")
    value = models.FloatField(null=True, blank=True)
    limits = models.ForeignKey(ControlLimits, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    detected_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subgroup", "chart"], name="measurements_signal_once_per_chart")
        ]

    def __str__(self) -> str:
        return f"Signal on {self.characteristic.number} subgroup {self.subgroup.key} ({', '.join(self.rules)})"

    @property
    def chart_label(self) -> str:
        return CHART_NAMES.get(self.chart, self.chart)

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None
