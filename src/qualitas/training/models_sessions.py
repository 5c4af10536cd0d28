"""Sessions (classroom, on-the-job), attendance, competence history entries (education, experience,
certificates) and the effectiveness of training (ISO 7.2 c): models (imported at the end of models.py).

- A **session** trains people on one requirement: a classroom session or an on-the-job instruction,
  with a trainer (a user or an external name), a date, a duration and a place. Its sign-in sheet is a
  core attachment of the session.
- An **attendee** is one person invited to a session. The trainer records whether they attended and
  the competence level reached; attending a classroom session records the training (a training record
  whose evidence is the session) and completes the open assignment. On the job, the training counts
  only once a qualified assessor (a current record at level 4 on the requirement) has signed
  "assessed".
- A **competence entry** is a CV-style line of a person's competence history: education, work
  experience, an external certificate.
- An **effectiveness setting** asks for an effectiveness review of the requirement's training N days
  after each completion; the **effectiveness review** is the manager's rating with a note.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from qualitas.core.regulated import RegulatedModel

__all__ = ["Attendee", "CompetenceEntry", "EffectivenessReview", "EffectivenessSetting", "Session"]

SESSION_KINDS = [("classroom", "Classroom"), ("on-the-job", "On-the-job")]
ENTRY_KINDS = [("education", "Education"), ("experience", "Experience"), ("certificate", "Certificate")]
RATINGS = [("effective", "Effective"), ("partly", "Partly effective"), ("not", "Not effective")]


class Session(RegulatedModel):
    requirement = models.ForeignKey("training.Requirement", on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(max_length=12, choices=SESSION_KINDS, default="classroom")
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", help_text="The trainer, when they have an account.")
    trainer_name = models.CharField("external trainer", max_length=200, blank=True,
                                    help_text="An external trainer (no account).")
    date = models.DateField()
    duration_minutes = models.PositiveIntegerField("duration (minutes)")
    location = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"Session {self.pk}: {self.requirement.code} on {self.date:%Y-%m-%d}"

    @property
    def trainer_label(self) -> str:
        return self.trainer.display_name if self.trainer_id else self.trainer_name

    def clean(self) -> None:
        errors = {}
        if not self.trainer_id and not (self.trainer_name or "").strip():
            errors["trainer"] = "Name the trainer (a user, or an external trainer's name)."
        if self.trainer_id and (self.trainer_name or "").strip():
            errors["trainer_name"] = "Give either a user or an external trainer, not both."
        if self.duration_minutes is not None and not 0 < self.duration_minutes <= 24 * 60 * 10:
            errors["duration_minutes"] = "The duration is 1 minute to 10 days (in minutes)."
        if errors:
            raise ValidationError(errors)


class Attendee(RegulatedModel):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendees")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(null=True, blank=True, help_text="Empty until the trainer records attendance.")
    level = models.PositiveSmallIntegerField("competence level reached", null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    record = models.ForeignKey("training.TrainingRecord", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="The training record the attendance gave.")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="On the job: the qualified assessor who signed.")
    signature = models.ForeignKey("signatures.Signature", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    AUDIT_EXCLUDE = ("recorded_at",)
    # The assessor signs the attendance (attended, level); what the signing itself fills in afterwards
    # (the record it gave, the assessor, the signature) does not invalidate the signature.
    SIGNATURE_EXCLUDE = ("record", "assessor", "signature")

    class Meta:
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="training_attendee_once")]

    def __str__(self) -> str:
        return f"{self.person} at session {self.session_id}"


class CompetenceEntry(RegulatedModel):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="competence_entries")
    kind = models.CharField(max_length=12, choices=ENTRY_KINDS)
    title = models.CharField(max_length=300)
    organisation = models.CharField(max_length=200, blank=True)
    start = models.DateField("from", null=True, blank=True)
    end = models.DateField("to", null=True, blank=True)
    notes = models.TextField(blank=True)
    evidence = models.CharField(max_length=300, blank=True, help_text="Where the evidence is (diploma, reference).")
    withdrawn = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name_plural = "competence entries"

    def change_requires_reason(self) -> bool:
        return True

    # An entry belongs to the person's file: it is scoped by the person's site (visible_to with
    # "person__site"), and the core's record pages and the permission kit read it from here.
    @property
    def site(self):
        return self.person.site

    @property
    def site_id(self):
        return self.person.site_id

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "The end cannot be before the start."})


class EffectivenessSetting(RegulatedModel):
    """The requirement's training is reviewed for effectiveness `days` after each completion (records
    completed from `since`)."""

    requirement = models.OneToOneField("training.Requirement", on_delete=models.PROTECT,
                                       related_name="effectiveness")
    days = models.PositiveSmallIntegerField("review after (days)")
    since = models.DateField(help_text="Trainings completed from this day are reviewed.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["requirement"]

    def __str__(self) -> str:
        return f"Effectiveness of {self.requirement.code} after {self.days} days"

    def clean(self) -> None:
        if self.days is not None and not 1 <= self.days <= 730:
            raise ValidationError({"days": "Review 1 to 730 days after the training."})


class EffectivenessReview(RegulatedModel):
    OPEN, DONE = "open", "done"

    record = models.OneToOneField("training.TrainingRecord", on_delete=models.PROTECT,
                                  related_name="effectiveness_review")
    requirement = models.ForeignKey("training.Requirement", on_delete=models.PROTECT,
                                    related_name="effectiveness_reviews")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The person's manager.")
    status = models.CharField(max_length=8, choices=[(OPEN, "Open"), (DONE, "Done")], default=OPEN)
    rating = models.CharField(max_length=10, choices=RATINGS, blank=True)
    note = models.TextField(blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return f"Effectiveness of {self.requirement.code} for {self.person}"
