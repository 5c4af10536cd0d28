"""Quiz pages: the editor (question bank, settings, item analysis) for training managers, the page where
the assignee takes the quiz, and the result of an attempt. Correct answers are shown only to editors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures.services import Credentials
from qualitas.training import quiz, selectors
from qualitas.training.models_impact import QUESTION_KINDS

REFUSALS = (ValidationError, PermissionDenied, StaleVersion)
MAX_CHOICES = 6


def _message(exc) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def quiz_edit(request, pk: int):
    requirement = selectors.requirement_get(request.user, pk)
    found = quiz.quiz_of_requirement(requirement)
    editor = quiz.may_edit(request.user, requirement)
    if request.method == "POST":
        if not editor:
            raise PermissionDenied("Only training managers write quizzes.")
        fields = {"questions_per_attempt": _int(request.POST.get("questions_per_attempt"), 0),
                  "pass_mark": _int(request.POST.get("pass_mark"), 0),
                  "attempts_allowed": _int(request.POST.get("attempts_allowed"), 0),
                  "instructions": request.POST.get("instructions", "")}
        try:
            if found is None:
                quiz.quiz_create(actor=request.user, requirement=requirement, **fields)
                messages.success(request, "Quiz created: now add its questions.")
            else:
                quiz.quiz_update(actor=request.user, quiz=found, reason=request.POST.get("reason", ""),
                                 version=_int(request.POST.get("version")), **fields)
                messages.success(request, "Quiz settings saved.")
        except REFUSALS as exc:
            messages.error(request, _message(exc))
        return redirect("training:quiz", requirement.pk)
    context = {"requirement": requirement, "quiz": found, "may_edit": editor, "kinds": QUESTION_KINDS,
               "choice_slots": range(1, MAX_CHOICES + 1)}
    if found is not None:
        context["questions"] = quiz.bank(found) if editor else []
        context["items"] = quiz.item_analysis(found) if editor else []
    return render(request, "training/quiz_edit.html", context)


@login_required
@require_POST
def question_add(request, pk: int):
    found = quiz.quiz_get(request.user, pk)
    choices = [(request.POST.get(f"choice_{i}", ""), request.POST.get(f"correct_{i}") == "on")
               for i in range(1, MAX_CHOICES + 1)]
    try:
        quiz.question_add(actor=request.user, quiz=found, text=request.POST.get("text", ""),
                          kind=request.POST.get("kind", "single"), choices=choices)
        messages.success(request, "Question added.")
    except REFUSALS as exc:
        messages.error(request, _message(exc))
    return redirect("training:quiz", found.requirement_id)


@login_required
@require_POST
def question_toggle(request, pk: int):
    question = quiz.question_get(request.user, pk)
    try:
        quiz.question_update(actor=request.user, question=question, active=not question.active,
                             reason=request.POST.get("reason", ""))
    except REFUSALS as exc:
        messages.error(request, _message(exc))
    return redirect("training:quiz", question.quiz.requirement_id)


@login_required
def quiz_take(request, pk: int):
    """The assignee's quiz page: start (or resume) an attempt; the attempts so far."""
    assignment = selectors.assignment_get(request.user, pk)
    if request.method == "POST":
        try:
            attempt = quiz.attempt_start(actor=request.user, assignment=assignment)
        except REFUSALS as exc:
            messages.error(request, _message(exc))
            return redirect("training:quiz-take", assignment.pk)
        return redirect("training:quiz-attempt", attempt.pk)
    summary = quiz.quiz_summary(assignment)
    return render(request, "training/quiz_take.html", {
        "assignment": assignment, **summary, "is_assignee": request.user.pk == assignment.person_id,
        "may_grant": assignment.is_open and (assignment.person.manager_id == request.user.pk
                                             or quiz.may_edit(request.user, assignment.requirement))})


@login_required
@require_POST
def attempts_grant(request, pk: int):
    assignment = selectors.assignment_get(request.user, pk)
    try:
        quiz.attempts_grant(actor=request.user, assignment=assignment, reason=request.POST.get("reason", ""),
                            extra=_int(request.POST.get("extra"), 1))
        messages.success(request, "Another attempt granted.")
    except REFUSALS as exc:
        messages.error(request, _message(exc))
    return redirect("training:quiz-take", assignment.pk)


@login_required
def attempt_page(request, pk: int):
    """An attempt: the questions to answer (the person, while open) or the result."""
    attempt = quiz.attempt_get(request.user, pk)
    error = ""
    chosen: dict[int, list[int]] = {}
    if request.method == "POST" and attempt.submitted_at is None:
        answers = {q: [c for c in (_int(v) for v in request.POST.getlist(f"q{q}")) if c] for q in attempt.questions}
        chosen = answers
        try:
            attempt = quiz.attempt_submit(actor=request.user, attempt=attempt, answers=answers,
                                          credentials=Credentials(request.POST.get("password", ""),
                                                                  request.POST.get("otp", "")))
        except REFUSALS as exc:
            error = _message(exc)
        else:
            return redirect("training:quiz-attempt", attempt.pk)
    paper = quiz.paper(attempt)
    for question in paper:
        if chosen:
            question["chosen"] = chosen.get(question["id"], [])
    template = "training/quiz_attempt.html" if attempt.submitted_at is None else "training/quiz_result.html"
    return render(request, template, {
        "attempt": attempt, "paper": paper, "error": error, "assignment": attempt.assignment,
        "quiz": attempt.quiz, "allowed": quiz.attempts_allowed(attempt.assignment, attempt.quiz),
        "is_taker": request.user.pk == attempt.person_id}, status=400 if error else 200)
