"""Training impact of a document change, quizzes (question banks, attempts): models (imported at the end of models.py).

- A **training impact** is the decision, signed ("training-impact"), on one revision of a controlled
  document: whether the change needs retraining and how (none, read and understood, quiz, on the
  job), with the reason. Changeable (each change audited and signed again) until the revision is
  effective, frozen after. "None" keeps the earlier revision as the one people must be trained on.
- A **quiz** belongs to one requirement (a document or a course): a question bank (single or multiple
  choice), the number of questions drawn for each attempt, the pass mark (%) and the attempts allowed.
- An **attempt** is one person's try at the quiz for an assignment: the questions drawn (kept by the
  server), the answers given, the score; immutable once submitted. A manager may grant more attempts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qualitas.core.regulated import RegulatedModel

__all__ = [
    "IMPACT_KINDS",
    "QUESTION_KINDS",
    "Attempt",
    "AttemptGrant",
    "Choice",
    "Question",
    "Quiz",
    "TrainingImpact",
]

NONE, READ, QUIZ, ON_THE_JOB = "none", "read-and-understood", "quiz", "on-the-job"
IMPACT_KINDS = [
    (NONE, "No retraining"),
    (READ, "Read and understood"),
    (QUIZ, "Quiz"),
    (ON_THE_JOB, "On-the-job"),
]
QUESTION_KINDS = [("single", "Single choice"), ("multiple", "Multiple choice")]


class TrainingImpact(RegulatedModel):
    revision = models.OneToOneField("documents.Revision", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("retraining", max_length=20, choices=IMPACT_KINDS)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    # Set by the signing that follows each decision (the signature is audited as signature.training-impact).
    signature = models.ForeignKey("signatures.Signature", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    AUDIT_EXCLUDE = ("signature",)

    class Meta:
        ordering = ["-decided_at", "pk"]

    def __str__(self) -> str:
        return f"Training impact of rev {self.revision.label}: {self.get_kind_display().lower()}"


class Quiz(RegulatedModel):
    requirement = models.OneToOneField("training.Requirement", on_delete=models.PROTECT, related_name="quiz")
    questions_per_attempt = models.PositiveSmallIntegerField(default=5, help_text="Questions drawn for each attempt.")
    pass_mark = models.PositiveSmallIntegerField("pass mark (%)", default=80)
    attempts_allowed = models.PositiveSmallIntegerField(default=3)
    instructions = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return f"Quiz on {self.requirement.code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if not self.questions_per_attempt:
            errors["questions_per_attempt"] = "Draw at least one question."
        if not 1 <= (self.pass_mark or 0) <= 100:
            errors["pass_mark"] = "The pass mark is a percentage, 1 to 100."  # noqa: S105 - not a password
        if not self.attempts_allowed:
            errors["attempts_allowed"] = "Allow at least one attempt."
        if errors:
            raise ValidationError(errors)


class Question(RegulatedModel):
    """A question of the bank; its choices are saved with it (their changes audited on the question)."""

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="questions")
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=QUESTION_KINDS, default="single")
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="choices")
    text = models.CharField(max_length=500)
    correct = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class Attempt(RegulatedModel):
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    assignment = models.ForeignKey("training.Assignment", on_delete=models.PROTECT, related_name="attempts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    questions = models.JSONField(default=list, help_text="The ids of the questions drawn, in the order shown.")
    answers = models.JSONField(default=dict, blank=True, help_text="{question id: [choice ids]} as submitted.")
    wrong = models.JSONField(default=list, blank=True, help_text="The ids of the questions answered wrong.")
    score = models.PositiveSmallIntegerField("score (%)", null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    signature = models.ForeignKey("signatures.Signature", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    AUDIT_EXCLUDE = ("signature",)

    class Meta:
        ordering = ["assignment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "number"], name="training_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.person} on {self.quiz.requirement.code}"

    def save(self, *args, **kwargs):
        if self.pk is not None and Attempt.objects.filter(pk=self.pk, submitted_at__isnull=False).exists():
            raise RuntimeError("A submitted attempt cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Attempts are kept.")


class AttemptGrant(RegulatedModel):
    """More attempts granted by a manager for one assignment, with the reason."""

    assignment = models.ForeignKey("training.Assignment", on_delete=models.PROTECT, related_name="attempt_grants")
    extra = models.PositiveSmallIntegerField(default=1)
    reason = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["granted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.extra} more attempt(s) for {self.assignment}"
