"""Quizzes: the question bank of a requirement, attempts, scoring and item analysis (services and selectors).

- A training manager (training "edit") writes the quiz of a requirement: how many questions each
  attempt draws, the pass mark (%), the attempts allowed, and the questions (single or multiple
  choice, each with its choices and which are correct).
- The person assigned a quiz starts an attempt: the server draws N active questions at random (seeded
  from the attempt) and keeps which; the assignment is then in progress. Correct answers are never sent
  to the person taking the quiz.
- Submitting (with the person's password) scores the answers on the server; a set of questions other
  than the ones drawn is refused. Passing completes the assignment by a training record with the
  person's "trained" signature; failing keeps the attempt, and after the last attempt allowed the
  person's manager is notified and the assignment stays open: the manager (or a training manager) may
  grant more attempts, with a reason.
- Item analysis: per question, how often it was drawn, answered wrong, and the share wrong.
"""

from __future__ import annotations

import random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.training import generation
from qualitas.training.models import Assignment, Requirement
from qualitas.training.models_impact import QUESTION_KINDS, Attempt, AttemptGrant, Choice, Question, Quiz

MODULE = "training"
QUIZ = "quiz"
QUIZ_FIELDS = ("questions_per_attempt", "pass_mark", "attempts_allowed", "instructions")


# --- The question bank ---------------------------------------------------------------------------------


@transaction.atomic
def quiz_create(*, actor, requirement: Requirement, questions_per_attempt: int = 5, pass_mark: int = 80,
                attempts_allowed: int = 3, instructions: str = "") -> Quiz:
    authorize(actor, MODULE, "edit", requirement.site_id)
    if Quiz.objects.filter(requirement=requirement).exists():
        raise ValidationError({"requirement": f"{requirement.code} already has a quiz."})
    return record_create(actor, Quiz(requirement=requirement, questions_per_attempt=questions_per_attempt,
                                     pass_mark=pass_mark, attempts_allowed=attempts_allowed,
                                     instructions=instructions or ""), event="training.quiz_created")


@transaction.atomic
def quiz_update(*, actor, quiz: Quiz, version: int | None = None, reason: str = "", **fields) -> Quiz:
    authorize(actor, MODULE, "edit", quiz.requirement.site_id)
    unknown = set(fields) - set(QUIZ_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    return record_update(actor, quiz, event="training.quiz_updated", changes=fields, expected_version=version,
                         reason=reason)


def _clean_choices(kind: str, choices) -> list[tuple[str, bool]]:
    if kind not in dict(QUESTION_KINDS):
        raise ValidationError({"kind": "A question is single or multiple choice."})
    cleaned = [(" ".join(str(text or "").split()), bool(correct)) for text, correct in choices or ()]
    cleaned = [(text, correct) for text, correct in cleaned if text]
    if len(cleaned) < 2:
        raise ValidationError({"choices": "Give at least two choices."})
    right = sum(1 for _, correct in cleaned if correct)
    if kind == "single" and right != 1:
        raise ValidationError({"choices": "A single-choice question has exactly one correct choice."})
    if kind == "multiple" and right < 1:
        raise ValidationError({"choices": "Mark at least one correct choice."})
    return cleaned


def _choices_label(choices) -> list[str]:
    return [f"{'✓' if correct else '✗'} {text}" for text, correct in choices]


@transaction.atomic
def question_add(*, actor, quiz: Quiz, text: str, kind: str = "single", choices=(), order: int | None = None
                 ) -> Question:
    authorize(actor, MODULE, "edit", quiz.requirement.site_id)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the question."})
    cleaned = _clean_choices(kind, choices)
    if order is None:
        order = quiz.questions.count() + 1
    question = record_create(actor, Question(quiz=quiz, text=text, kind=kind, order=order),
                             event="training.question_created",
                             extra_changes={"Choices": [None, _choices_label(cleaned)]})
    Choice.objects.bulk_create([Choice(question=question, text=t, correct=c, order=i)
                                for i, (t, c) in enumerate(cleaned, start=1)])
    return question


@transaction.atomic
def question_update(*, actor, question: Question, reason: str = "", version: int | None = None, choices=None,
                    **fields) -> Question:
    """Change a question (text, kind, active, order) and, with `choices`, replace its choices. Attempts
    already submitted keep what was asked and answered (their answers name the choices by id)."""
    authorize(actor, MODULE, "edit", question.quiz.requirement.site_id)
    unknown = set(fields) - {"text", "kind", "active", "order"}
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    kind = fields.get("kind", question.kind)
    extra = None
    if choices is not None:
        cleaned = _clean_choices(kind, choices)
        before = _choices_label((c.text, c.correct) for c in question.choices.all())
        if before != _choices_label(cleaned):
            extra = {"Choices": [before, _choices_label(cleaned)]}
    elif "kind" in fields:
        _clean_choices(kind, [(c.text, c.correct) for c in question.choices.all()])
    question = record_update(actor, question, event="training.question_updated", changes=fields,
                             expected_version=version, reason=reason, extra_changes=extra)
    if extra:
        kept = {(c.text, c.correct): c for c in question.choices.all()}
        used = set()
        for i, (text, correct) in enumerate(cleaned, start=1):
            existing = kept.get((text, correct))
            if existing is not None and existing.pk not in used:
                used.add(existing.pk)
                Choice.objects.filter(pk=existing.pk).update(order=i)
            else:
                used.add(Choice.objects.create(question=question, text=text, correct=correct, order=i).pk)
        # Choices no longer offered leave the question (the audit event keeps them; submitted
        # attempts keep their score and the questions they missed).
        Choice.objects.filter(question=question).exclude(pk__in=used).delete()
    return question


# --- Attempts ----------------------------------------------------------------------------------------------


def attempts_allowed(assignment: Assignment, quiz: Quiz) -> int:
    granted = AttemptGrant.objects.filter(assignment=assignment).aggregate(n=Sum("extra"))["n"] or 0
    return quiz.attempts_allowed + granted


def quiz_of(assignment: Assignment) -> Quiz | None:
    return Quiz.objects.filter(requirement_id=assignment.requirement_id).first()


def _takeable(actor, assignment: Assignment) -> Quiz:
    if actor.pk != assignment.person_id:
        raise PermissionDenied("Only the person assigned takes this quiz.")
    if not assignment.is_open:
        raise ValidationError(f"This assignment is {assignment.get_status_display().lower()}.")
    if assignment.method != QUIZ:
        raise ValidationError("This assignment is not trained by a quiz.")
    quiz = quiz_of(assignment)
    if quiz is None:
        raise ValidationError("The quiz for this requirement is not written yet.")
    return quiz


@transaction.atomic
def attempt_start(*, actor, assignment: Assignment) -> Attempt:
    """Start (or resume) an attempt: N active questions drawn at random, kept by the server."""
    assignment = Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    quiz = _takeable(actor, assignment)
    running = Attempt.objects.filter(assignment=assignment, submitted_at__isnull=True).first()
    if running is not None:
        return running
    number = Attempt.objects.filter(assignment=assignment).count() + 1
    allowed = attempts_allowed(assignment, quiz)
    if number > allowed:
        raise ValidationError(f"All {allowed} attempts are used; your manager can grant another.")
    bank = list(quiz.questions.filter(active=True).order_by("order", "pk").values_list("pk", flat=True))
    if not bank:
        raise ValidationError("The quiz has no questions yet.")
    drawn = random.Random(f"{assignment.pk}:{number}:{timezone.now().isoformat()}").sample(  # noqa: S311 - not a secret
        bank, min(quiz.questions_per_attempt, len(bank)))
    attempt = record_create(actor, Attempt(quiz=quiz, assignment=assignment, person=actor, number=number,
                                           questions=drawn, started_at=timezone.now()),
                            event="training.attempt_started")
    generation.assignment_start(actor, assignment, note=f"Quiz attempt {number} started.")
    return attempt


def _answers(attempt: Attempt, answers: dict) -> dict[int, list[int]]:
    try:
        given = {int(q): sorted({int(c) for c in (chosen or [])}) for q, chosen in (answers or {}).items()}
    except (TypeError, ValueError):
        raise ValidationError({"answers": "Answers are question ids with the ids of the choices chosen."}) from None
    if set(given) != set(attempt.questions):
        raise ValidationError({"answers": "The questions answered are not the ones drawn for this attempt."})
    questions = Question.objects.filter(pk__in=attempt.questions).prefetch_related("choices")
    for question in questions:
        chosen = given[question.pk]
        if not chosen:
            raise ValidationError({"answers": f"Answer every question (“{question.text[:60]}”)."})
        if not set(chosen) <= {c.pk for c in question.choices.all()}:
            raise ValidationError({"answers": "A choice given is not one of the question's."})
        if question.kind == "single" and len(chosen) != 1:
            raise ValidationError({"answers": f"Choose one answer for “{question.text[:60]}”."})
    return given


def score(attempt: Attempt, given: dict[int, list[int]]) -> tuple[int, list[int]]:
    """(score %, ids of the questions answered wrong): a question is right when exactly its correct
    choices are chosen."""
    correct: dict[int, set[int]] = {q: set() for q in attempt.questions}
    for question_id, choice_id in Choice.objects.filter(question_id__in=attempt.questions, correct=True).values_list(
            "question_id", "pk"):
        correct[question_id].add(choice_id)
    wrong = [q for q in attempt.questions if set(given[q]) != correct[q]]
    total = len(attempt.questions)
    return round(100 * (total - len(wrong)) / total), wrong


@transaction.atomic
def attempt_submit(*, actor, attempt: Attempt, answers: dict, credentials) -> Attempt:
    """Score the answers; a pass completes the assignment with the person's "trained" signature."""
    from qualitas.core.notifications.services import notify
    from qualitas.core.signatures import services as signing

    attempt = Attempt.objects.select_for_update().filter(pk=attempt.pk).first()
    if actor.pk != attempt.person_id:
        raise PermissionDenied("Only the person taking the quiz submits it.")
    if attempt.submitted_at is not None:
        raise ValidationError("This attempt was submitted already; results are kept as they are.")
    assignment = attempt.assignment
    if not assignment.is_open:
        raise ValidationError(f"This assignment is {assignment.get_status_display().lower()}.")
    given = _answers(attempt, answers)
    signing.verify_signer(actor, credentials, instance=attempt, meaning="trained")
    percent, wrong = score(attempt, given)
    quiz = attempt.quiz
    passed = percent >= quiz.pass_mark
    attempt = record_update(actor, attempt, event="training.attempt_submitted", changes={
        "answers": {str(q): c for q, c in given.items()}, "wrong": wrong, "score": percent, "passed": passed,
        "submitted_at": timezone.now()})
    requirement = quiz.requirement
    if passed:
        comment = f"Quiz on {requirement.code} passed: {percent}%"
        signature = signing.sign(actor=actor, instance=attempt, meaning="trained", verified=True,
                                 credentials=signing.Credentials(credentials.password, credentials.otp, comment))
        # Set by the signing (audited as signature.trained; a submitted attempt is not saved again).
        Attempt.objects.filter(pk=attempt.pk).update(signature=signature)
        attempt.signature = signature
        generation.record_add(
            actor, person=actor, requirement=requirement, completed_on=timezone.localdate(),
            level=max(requirement.min_level, 1), method=QUIZ, source="quiz", assignment=assignment,
            revision=assignment.revision, signature=signature,
            notes=f"Quiz passed with {percent}% (pass mark {quiz.pass_mark}%), attempt {attempt.number}.")
    elif attempt.number >= attempts_allowed(assignment, quiz):
        manager = actor.manager
        if manager is not None:
            from django.urls import reverse

            notify(manager, f"{actor.display_name} failed the last attempt at the quiz on {requirement.code}",
                   body=(f"Score {percent}% (pass mark {quiz.pass_mark}%) at attempt {attempt.number} of "
                         f"{attempts_allowed(assignment, quiz)}. The assignment stays open: you can grant another "
                         "attempt or arrange training."),
                   url=reverse("training:assignment", args=[assignment.pk]), kind="training")
    return attempt


@transaction.atomic
def attempts_grant(*, actor, assignment: Assignment, reason: str, extra: int = 1) -> AttemptGrant:
    """The person's manager or a training manager grants more attempts (with a reason)."""
    if not (assignment.person.manager_id == actor.pk or has_perm(actor, MODULE, "edit", assignment.site_id)):
        raise PermissionDenied("Only the person's manager or a training manager grants more attempts.")
    if not assignment.is_open:
        raise ValidationError(f"This assignment is {assignment.get_status_display().lower()}.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why another attempt is granted."})
    if not 1 <= int(extra or 0) <= 10:
        raise ValidationError({"extra": "Grant 1 to 10 more attempts."})
    return record_create(actor, AttemptGrant(assignment=assignment, extra=extra, reason=reason, granted_by=actor,
                                             granted_at=timezone.now()), event="training.attempts_granted",
                         reason=reason)


# --- Selectors ---------------------------------------------------------------------------------------------


def _found(row):
    if row is None:
        raise Http404("Not found.")
    return row


def quiz_get(actor, quiz_id: int) -> Quiz:
    quiz = _found(Quiz.objects.select_related("requirement").filter(pk=quiz_id).first())
    if not has_perm(actor, MODULE, "view", quiz.requirement.site_id):
        raise PermissionDenied("You may not see this quiz.")
    return quiz


def question_get(actor, question_id: int) -> Question:
    question = _found(Question.objects.select_related("quiz__requirement").filter(pk=question_id).first())
    if not has_perm(actor, MODULE, "view", question.quiz.requirement.site_id):
        raise PermissionDenied("You may not see this quiz.")
    return question


def may_edit(actor, quiz_or_requirement) -> bool:
    requirement = getattr(quiz_or_requirement, "requirement", quiz_or_requirement)
    return has_perm(actor, MODULE, "edit", requirement.site_id)


def attempt_get(actor, attempt_id: int) -> Attempt:
    """The person's own attempt, their report's, or any for a training manager."""
    attempt = _found(Attempt.objects.select_related("quiz__requirement", "assignment", "person").filter(
        pk=attempt_id).first())
    if not (attempt.person_id == actor.pk or attempt.person.manager_id == actor.pk
            or has_perm(actor, MODULE, "view", attempt.assignment.site_id)):
        raise PermissionDenied("You may not see this attempt.")
    return attempt


def bank(quiz: Quiz) -> list[Question]:
    """The question bank with its choices (for the editor: correct answers included)."""
    return list(quiz.questions.all().prefetch_related("choices"))


def paper(attempt: Attempt) -> list[dict]:
    """The questions drawn for an attempt as the person sees them: text and choices, never which are correct."""
    questions = Question.objects.in_bulk(attempt.questions)
    choices: dict[int, list[dict]] = {q: [] for q in attempt.questions}
    for choice in Choice.objects.filter(question_id__in=attempt.questions).order_by("order", "pk"):
        choices[choice.question_id].append({"id": choice.pk, "text": choice.text})
    chosen = {int(q): c for q, c in (attempt.answers or {}).items()}
    return [{"id": q, "text": questions[q].text, "kind": questions[q].kind, "choices": choices[q],
             "chosen": chosen.get(q, []), "wrong": q in (attempt.wrong or [])}
            for q in attempt.questions if q in questions]


def attempts_of(assignment: Assignment) -> list[Attempt]:
    return list(Attempt.objects.filter(assignment=assignment).order_by("number"))


def item_analysis(quiz: Quiz) -> list[dict]:
    """Per question: times drawn, times answered wrong, % wrong (submitted attempts only), hardest first."""
    drawn: dict[int, int] = {}
    wrong: dict[int, int] = {}
    for questions, missed in Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False).values_list(
            "questions", "wrong"):
        for q in questions:
            drawn[q] = drawn.get(q, 0) + 1
        for q in missed:
            wrong[q] = wrong.get(q, 0) + 1
    rows = []
    for question in quiz.questions.all():
        n = drawn.get(question.pk, 0)
        w = wrong.get(question.pk, 0)
        rows.append({"question": question, "id": question.pk, "text": question.text, "drawn": n, "wrong": w,
                     "percent_wrong": round(100 * w / n) if n else None})
    rows.sort(key=lambda r: (-(r["percent_wrong"] or 0), r["question"].order, r["id"]))
    return rows


def quiz_summary(assignment: Assignment) -> dict:
    quiz = quiz_of(assignment)
    attempts = attempts_of(assignment)
    allowed = attempts_allowed(assignment, quiz) if quiz else 0
    running = next((a for a in attempts if a.submitted_at is None), None)
    return {"quiz": quiz, "attempts": attempts, "allowed": allowed, "running": running,
            "left": max(allowed - len([a for a in attempts if a.submitted_at]), 0)}


def quiz_of_requirement(requirement: Requirement) -> Quiz | None:
    return Quiz.objects.filter(requirement=requirement).first()
