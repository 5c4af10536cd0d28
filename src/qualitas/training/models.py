"""Training and competence (ISO 9001/14001/45001 clause 7.2, 7.3; 21 CFR 11.10(i)).

- A **position** is a job role (machine operator, internal auditor), distinct from the permission
  roles; people hold positions per site from a start date until the day they leave (`end_date`).
  A person's manager is the account's manager (accounts.User.manager).
- A **requirement** is what a position, a department, a process or one person must have: a
  controlled document (read and understood, or a quiz), a course (classroom, e-learning, on the job)
  or a qualification, with a validity and a grace period, mandatory or optional, and the minimum
  competence level (1 awareness, 2 supervised, 3 independent, 4 can train others).
- A **curriculum** is a named bundle of requirements assigned as one.
- An **applicability** ("applies to") says which requirement or curriculum applies to which position,
  department, process or person.
- An **assignment** asks one person to train on one requirement by a due date; it is generated,
  never typed, and it is a core task in the person's inbox. It is completed by a **training record**
  (or by the document acknowledgment it asks for), or ended with a reason.

Assignments are not a workflow record: like core tasks, they are opened, started, completed and
ended only by the services of this app (each change audited), as the follow-up of what happened
(a position taken, a revision made effective, an acknowledgment signed, a record entered).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from qualitas.core.regulated import RegulatedModel

KINDS = [("document", "Controlled document"), ("course", "Course"), ("qualification", "Qualification")]
# How a person trains. An assignment carries its method: the requirement's by default; the training
# impact decided on a document change (the second half of issue 13) may choose another.
METHODS = [
    ("read-and-understood", "Read and understood"),
    ("quiz", "Quiz"),
    ("classroom", "Classroom"),
    ("e-learning", "E-learning"),
    ("on-the-job", "On-the-job"),
    ("qualification", "Qualification assessment"),
]
METHODS_BY_KIND = {
    "document": ("read-and-understood", "quiz"),
    "course": ("classroom", "e-learning", "on-the-job"),
    "qualification": ("qualification", "classroom", "on-the-job"),
}
READ_AND_UNDERSTOOD = "read-and-understood"
LEVELS = [(1, "1 – Awareness"), (2, "2 – Supervised"), (3, "3 – Independent"), (4, "4 – Can train others")]
TARGETS = [("position", "Position"), ("department", "Department"), ("process", "Process"), ("person", "Person")]
TRIGGERS = [
    ("position", "Position taken"),
    ("requirement", "Requirement applied"),
    ("revision", "Document revision effective"),
    ("renewal", "Renewal before expiry"),
    ("sync", "Applies since the last check"),
]
SOURCES = [
    ("acknowledgment", "Document acknowledgment"),
    ("recorded", "Recorded"),
    ("import", "Imported"),
    ("quiz", "Quiz"),
    ("session", "Session"),
]


class Position(RegulatedModel):
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    processes = models.ManyToManyField(
        "accounts.Process", blank=True, related_name="+", help_text="The processes holders of this position work in."
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="training_position_site_code_unique"),
            models.UniqueConstraint(fields=["code"], condition=Q(site__isnull=True),
                                    name="training_position_code_unique_without_site"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PositionHolding(RegulatedModel):
    """A person holds a position at a site from `start_date`; `end_date` is the day they left it
    (empty: still in it). A holding counts while it has not ended (a future start counts: the new
    starter trains before the first day)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_holdings")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="holdings")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField("left on", null=True, blank=True)
    end_reason = models.TextField("reason for leaving", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "position"], condition=Q(end_date__isnull=True),
                                    name="training_one_open_holding"),
        ]

    def __str__(self) -> str:
        return f"{self.person} as {self.position.name}"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The day the person left cannot be before the start date."})

    def is_current(self, today) -> bool:
        return self.end_date is None or self.end_date > today


class Requirement(RegulatedModel):
    code = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=KINDS, default="course")
    method = models.CharField(max_length=20, choices=METHODS, default="classroom",
                              help_text="How people train on it (a document change may choose another).")
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The controlled document to train on (documents only).",
    )
    description = models.TextField(blank=True)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty: never expires. Otherwise retraining or renewal after this.")
    grace_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days after the expiry date during which it still counts.")
    mandatory = models.BooleanField(default=True, help_text="Optional requirements are not counted in compliance.")
    min_level = models.PositiveSmallIntegerField("minimum competence level", choices=LEVELS, default=1)
    new_starter_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days a new holder of a position has, from the start date.")
    retraining_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days given to retrain: after a new revision, a new requirement, before expiry.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.kind not in METHODS_BY_KIND:
            errors["kind"] = "Choose a controlled document, a course or a qualification."
        elif self.method not in METHODS_BY_KIND[self.kind]:
            allowed = ", ".join(dict(METHODS)[m].lower() for m in METHODS_BY_KIND[self.kind])
            errors["method"] = f"A {self.get_kind_display().lower()} is trained by {allowed}."
        if self.kind == "document" and not self.document_id:
            errors["document"] = "Choose the controlled document to train on."
        if self.kind != "document" and self.document_id:
            errors["document"] = "Only a controlled-document requirement names a document."
        if self.method == READ_AND_UNDERSTOOD and self.min_level > 1:
            errors["min_level"] = ("Reading and acknowledging gives awareness (level 1); a higher level needs a quiz, "
                                   "a session or an assessment.")
        if self.validity_months == 0:
            errors["validity_months"] = "Leave it empty for no expiry, or give at least one month."
        if errors:
            raise ValidationError(errors)


class Curriculum(RegulatedModel):
    code = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requirements = models.ManyToManyField(Requirement, blank=True, related_name="curricula")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "curricula"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Applicability(models.Model):
    """A requirement or a curriculum applies to a position, a department, a process or a person.
    Added and removed through the services, audited on the requirement or curriculum."""

    requirement = models.ForeignKey(Requirement, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="applies_to")
    curriculum = models.ForeignKey(Curriculum, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="applies_to")
    kind = models.CharField(max_length=12, choices=TARGETS)
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.PROTECT, related_name="rules")
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    process = models.ForeignKey("accounts.Process", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name_plural = "applicabilities"
        constraints = [
            models.CheckConstraint(
                condition=(Q(requirement__isnull=False, curriculum__isnull=True)
                           | Q(requirement__isnull=True, curriculum__isnull=False)),
                name="training_applies_requirement_or_curriculum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"

    @property
    def target(self):
        return getattr(self, self.kind)


class TrainingRecord(RegulatedModel):
    """Evidence that a person trained on a requirement: when, until when it counts, the competence
    level reached, who recorded it, and how (an acknowledgment's signature, a form, an import)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="records")
    assignment = models.ForeignKey("training.Assignment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="records")
    method = models.CharField(max_length=20, choices=METHODS)
    revision = models.ForeignKey("documents.Revision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The revision read (documents).")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    level = models.PositiveSmallIntegerField("competence level reached", choices=LEVELS, default=1)
    trainer = models.CharField(max_length=200, blank=True)
    evidence = models.CharField(max_length=300, blank=True, help_text="Where the evidence is (file name, reference).")
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=SOURCES, default="recorded")
    signature = models.ForeignKey("signatures.Signature", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    AUDIT_EXCLUDE = ("recorded_at",)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        indexes = [models.Index(fields=["person", "requirement", "completed_on"], name="training_record_pair_idx")]

    def change_requires_reason(self) -> bool:
        return True  # every correction of a training record gives its reason

    def __str__(self) -> str:
        return f"{self.requirement.code} – {self.person} ({self.completed_on:%Y-%m-%d})"


class Assignment(RegulatedModel):
    OPEN, IN_PROGRESS, COMPLETED, ENDED = "open", "in_progress", "completed", "ended"
    STATUSES = [(OPEN, "Open"), (IN_PROGRESS, "In progress"), (COMPLETED, "Completed"), (ENDED, "Ended")]
    OPEN_STATUSES = (OPEN, IN_PROGRESS)

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="training_assignments")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="assignments")
    method = models.CharField(max_length=20, choices=METHODS)
    revision = models.ForeignKey("documents.Revision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The revision to train on (documents).")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=STATUSES, default=OPEN)
    due = models.DateField(null=True, blank=True, help_text="Empty for optional requirements.")
    trigger = models.CharField(max_length=12, choices=TRIGGERS)
    trigger_label = models.CharField("why", max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["due", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "requirement"], condition=Q(status__in=["open", "in_progress"]),
                                    name="training_one_open_assignment"),
        ]
        indexes = [models.Index(fields=["person", "status"], name="training_assignment_person_idx")]

    def __str__(self) -> str:
        return f"{self.requirement.code} for {self.person}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due is not None and self.due < today


# The second half of the module's models, one file per part (each part's migration is its own).
from qualitas.training.models_gates import *  # noqa: E402, F403
from qualitas.training.models_impact import *  # noqa: E402, F403
from qualitas.training.models_sessions import *  # noqa: E402, F403
