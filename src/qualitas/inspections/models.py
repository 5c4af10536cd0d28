"""Product inspection (ISO 9001 8.6, 8.4.2; ISO 2859-1): items, inspection plans with their
characteristics, lots inspected by attributes, and the switching state kept per item and supplier.

The switching state is the ISO 2859-1 clause 9 state machine of `qualitas.stats.sampling.SwitchingRules`,
persisted with everything it needs to continue exactly where it stopped (the switching score, the
last five lots on normal inspection, the run of accepted lots and the count of lots not accepted on
tightened inspection). It is advanced once per lot by the lot's verdict, driven by the plan's
switching class (the major class by default)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from qualitas.core.regulated import RegulatedModel
from qualitas.core.workflow.choices import StateChoices
from qualitas.stats.sampling import AQLS, LEVELS

CLASSES = [("critical", "Critical"), ("major", "Major"), ("minor", "Minor")]
KINDS = [("attribute", "Attribute (go / no-go count)"), ("variable", "Variable (measured values)")]
START_STATES = [("normal", "Normal"), ("tightened", "Tightened"), ("reduced", "Reduced")]
STATES = START_STATES + [("discontinued", "Discontinued")]
AQL_CHOICES = [("", "—")] + [(aql, aql) for aql in AQLS]
LEVEL_CHOICES = [(level, level) for level in LEVELS]


def _user_fk(related_name="+", **kwargs):
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name=related_name, **kwargs)


def _site_fk():
    return models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")


class Item(RegulatedModel):
    """A purchased or produced part inspected in lots."""

    part_number = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300)
    supplier = models.CharField("usual supplier", max_length=200, blank=True)
    process = models.ForeignKey("accounts.Process", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", help_text="The process whose input or output the item is.")
    process_step = models.CharField(max_length=200, blank=True, help_text="e.g. Incoming inspection, Final test.")
    site = _site_fk()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["part_number"]

    def __str__(self) -> str:
        return f"{self.part_number} {self.description}"


class InspectionPlan(RegulatedModel):
    """How lots of an item (from one supplier, or any) are sampled: level, AQL per class, start state."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="plans")
    supplier = models.CharField(max_length=200, blank=True, help_text="Empty: the plan for every supplier.")
    level = models.CharField("inspection level", max_length=4, choices=LEVEL_CHOICES, default="II")
    aql_critical = models.CharField("AQL critical", max_length=6, choices=AQL_CHOICES, blank=True)
    aql_major = models.CharField("AQL major", max_length=6, choices=AQL_CHOICES, blank=True)
    aql_minor = models.CharField("AQL minor", max_length=6, choices=AQL_CHOICES, blank=True)
    switching_class = models.CharField(
        max_length=10, choices=CLASSES, default="major",
        help_text="The class whose verdict and plan drive the switching rules (ISO 2859-1 clause 9).",
    )
    start_inspection = models.CharField("starting inspection", max_length=10, choices=START_STATES, default="normal")
    notes = models.TextField(blank=True)
    site = _site_fk()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["item__part_number", "supplier"]
        constraints = [models.UniqueConstraint(fields=["item", "supplier"], name="inspections_plan_per_supplier")]

    def __str__(self) -> str:
        return f"Plan {self.item.part_number} · {self.supplier or 'any supplier'}"

    def aql_for(self, severity_class: str) -> str:
        return getattr(self, f"aql_{severity_class}")


class PlanCharacteristic(models.Model):
    """One characteristic of a plan. Changed only through the plan's services, which version and audit
    the plan with each change (so the plan's version covers its characteristics)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="characteristics")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=KINDS, default="attribute")
    severity_class = models.CharField("class", max_length=10, choices=CLASSES, default="major")
    spc_characteristic = models.ForeignKey(
        "measurements.Characteristic", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="SPC characteristic", help_text="Results are also recorded there, one subgroup per lot.",
    )
    lsl = models.FloatField("lower specification limit", null=True, blank=True)
    usl = models.FloatField("upper specification limit", null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    position = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict:
        return {"name": self.name, "kind": self.kind, "class": self.severity_class,
                "spc_characteristic": self.spc_characteristic_id, "lsl": self.lsl, "usl": self.usl,
                "unit": self.unit, "active": self.active}


class SwitchingState(RegulatedModel):
    """Where an item from one supplier stands in the ISO 2859-1 switching rules, and what the rules
    need to continue: changed only by the lot verdict, the reduced-inspection approval and the
    resumption after the supplier's corrective action (each audited with its reason)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="switching_states")
    supplier = models.CharField(max_length=200, blank=True)
    site = _site_fk()
    inspection = models.CharField(max_length=12, choices=STATES, default="normal")
    switching_score = models.PositiveIntegerField(default=0)
    normal_window = models.JSONField("last lots on normal inspection (accepted?)", default=list, blank=True)
    tightened_accepted_run = models.PositiveIntegerField("consecutive lots accepted on tightened", default=0)
    tightened_not_accepted = models.PositiveIntegerField("lots not accepted on tightened", default=0)
    lots_judged = models.PositiveIntegerField(default=0)
    reason = models.CharField("reason of the last switch", max_length=300, blank=True)
    switched_at = models.DateTimeField(null=True, blank=True)
    reduced_approved_by = _user_fk(null=True, blank=True)
    reduced_approved_at = models.DateTimeField("reduced inspection approved", null=True, blank=True)
    reduced_approval_note = models.TextField(blank=True)
    corrective_action = models.CharField("supplier corrective action (SCAR / CAPA)", max_length=200, blank=True)
    corrective_action_note = models.TextField(blank=True)
    corrective_action_by = _user_fk(null=True, blank=True)
    corrective_action_at = models.DateTimeField(null=True, blank=True)
    resumed = models.BooleanField("resumed, next lot is the first after the corrective action", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["item__part_number", "supplier"]
        constraints = [models.UniqueConstraint(fields=["item", "supplier"], name="inspections_state_per_supplier")]

    def __str__(self) -> str:
        return f"Switching {self.item.part_number} · {self.supplier or 'any supplier'}"

    @property
    def reduced_approved(self) -> bool:
        return self.reduced_approved_at is not None


class Lot(RegulatedModel):
    """A lot received and inspected on the plan and the inspection (normal, tightened, reduced) in force."""

    reference = models.CharField(max_length=50, unique=True)
    number = models.CharField("lot number", max_length=100)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="lots")
    plan_version = models.PositiveIntegerField()
    switching_state = models.ForeignKey(SwitchingState, on_delete=models.PROTECT, related_name="lots")
    supplier = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField("lot size")
    received_on = models.DateField(default=timezone.localdate)
    received_by = _user_fk()
    site = _site_fk()
    inspection = models.CharField(max_length=12, choices=START_STATES)
    code_letter = models.CharField(max_length=2)
    production_steady = models.BooleanField(default=True, help_text="Production at a steady rate (ISO 2859-1 9.3.3).")
    after_corrective_action = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=StateChoices("inspections.lot"), default="received")
    authority_approves = models.BooleanField(default=False)
    switching_score = models.PositiveIntegerField(null=True, blank=True)
    next_inspection = models.CharField(max_length=12, choices=STATES, blank=True)
    switch_reason = models.CharField(max_length=300, blank=True)
    judged_by = _user_fk(null=True, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)
    nonconformity = models.ForeignKey("capa.Nonconformity", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["item", "supplier", "number"], name="inspections_lot_number")]

    def __str__(self) -> str:
        return f"{self.reference} lot {self.number}"

    @property
    def switched(self) -> bool:
        return bool(self.next_inspection) and self.next_inspection != self.inspection


class LotClass(models.Model):
    """The sampling plan of one characteristic class for a lot, and its verdict."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="classes")
    severity_class = models.CharField("class", max_length=10, choices=CLASSES)
    aql = models.CharField("AQL", max_length=6)
    code_letter = models.CharField(max_length=2)
    plan_code_letter = models.CharField(max_length=2)
    n = models.PositiveIntegerField("sample size")
    ac = models.PositiveIntegerField("Ac")
    re = models.PositiveIntegerField("Re")
    inspect_all = models.BooleanField(default=False)
    nonconforming = models.PositiveIntegerField(null=True, blank=True)
    accepted = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["lot", "severity_class"], name="inspections_lot_class")]

    def __str__(self) -> str:
        return f"{self.get_severity_class_display()}: n {self.n}, Ac {self.ac}, Re {self.re}"


class LotResult(models.Model):
    """What the inspector found on one characteristic of a lot: a count, or the measured values."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="results")
    characteristic = models.ForeignKey(PlanCharacteristic, on_delete=models.PROTECT, related_name="results")
    nonconforming = models.PositiveIntegerField()
    values = models.JSONField(default=list, blank=True)
    recorded_by = _user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["characteristic__position", "characteristic_id"]
        constraints = [models.UniqueConstraint(fields=["lot", "characteristic"], name="inspections_result_once")]

    def __str__(self) -> str:
        return f"{self.characteristic.name}: {self.nonconforming} nonconforming"
