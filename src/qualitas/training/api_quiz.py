"""The training API, second half: the training impact of document changes, quizzes and attempts.
Correct answers are only sent to people who may edit the quiz; never to the person taking it."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from ninja import Field, Router, Schema, Status

from qualitas.core.api_types import BodySchema, PatchSchema, PathId
from qualitas.core.signatures.services import Credentials
from qualitas.training import impact, quiz, selectors

router = Router(tags=["training"])

IMPACT = Literal["none", "read-and-understood", "quiz", "on-the-job"]


def _revision(request, revision_id: int):
    from qualitas.documents.selectors import revision_get

    return revision_get(request.auth, revision_id)


# --- Training impact ---------------------------------------------------------------------------------------


class TrainingOut(Schema):
    person: str
    person_id: int
    due: dt.date | None = None
    status: str


class DoneOut(Schema):
    person: str
    person_id: int
    completed: dt.datetime | None = None


class ImpactOut(Schema):
    revision: int
    kind: str | None
    reason: str
    decided_by: str | None
    decided_at: dt.datetime | None
    signed: bool
    version: int | None
    needs_decision: bool
    outstanding: list[TrainingOut]
    done: list[DoneOut]


class ImpactIn(PatchSchema):
    kind: IMPACT
    reason: str = Field(..., max_length=4000)
    password: str = Field(..., max_length=500)
    otp: str = Field("", max_length=20)
    # Required: the decision's version you changed (409 if it changed since); null for the first decision.
    version: int | None = Field(..., ge=1, le=2**31)
    nullable: ClassVar[frozenset[str]] = frozenset({"version"})


def _impact_out(actor, revision) -> dict:
    data = impact.impact_view(actor, revision)
    decision = data["impact"]
    return {
        "revision": revision.pk,
        "kind": decision.kind if decision else None,
        "reason": decision.reason if decision else "",
        "decided_by": decision.decided_by.display_name if decision else None,
        "decided_at": decision.decided_at if decision else None,
        "signed": bool(decision and decision.signature_id),
        "version": decision.version if decision else None,
        "needs_decision": data["needs_decision"],
        "outstanding": [{"person": o["person"].display_name, "person_id": o["person"].pk, "due": o["due"],
                         "status": o["status"]} for o in data["outstanding"]],
        "done": [{"person": d["person"].display_name, "person_id": d["person"].pk, "completed": d["completed"]}
                 for d in data["done"]],
    }


@router.get("/training/impacts/{revision_id}", response=ImpactOut,
            summary="The training impact decided on a document revision, and who still has to train on it")
def get_impact(request, revision_id: PathId):
    return _impact_out(request.auth, _revision(request, revision_id))


@router.put("/training/impacts/{revision_id}", response=ImpactOut,
            summary="Decide or change the training impact of a revision (signed: password, and code with 2FA)")
def put_impact(request, revision_id: PathId, payload: ImpactIn):
    revision = _revision(request, revision_id)
    impact.impact_decide(actor=request.auth, revision=revision, kind=payload.kind, reason=payload.reason,
                         credentials=Credentials(payload.password, payload.otp), version=payload.version)
    return _impact_out(request.auth, revision)


# --- Quizzes -----------------------------------------------------------------------------------------------


class ChoiceIn(BodySchema):
    text: str = Field(..., max_length=500)
    correct: bool = False


class ChoiceOut(Schema):
    id: int
    text: str
    correct: bool | None = None


class QuestionIn(BodySchema):
    text: str = Field(..., max_length=4000)
    kind: Literal["single", "multiple"] = "single"
    choices: list[ChoiceIn]
    active: bool = True


class QuestionOut(Schema):
    id: int
    text: str
    kind: str
    active: bool
    order: int
    choices: list[ChoiceOut]


class QuizIn(BodySchema):
    requirement_id: int = Field(..., ge=1)
    questions_per_attempt: int = Field(5, ge=1, le=100)
    pass_mark: int = Field(80, ge=1, le=100)
    attempts_allowed: int = Field(3, ge=1, le=20)
    instructions: str = Field("", max_length=4000)


class QuizOut(Schema):
    id: int
    requirement_id: int
    requirement: str
    questions_per_attempt: int
    pass_mark: int
    attempts_allowed: int
    instructions: str
    questions: list[QuestionOut]


class ItemOut(Schema):
    question: int
    text: str
    drawn: int
    wrong: int
    percent_wrong: int | None


def _question_out(question, with_answers: bool) -> dict:
    return {"id": question.pk, "text": question.text, "kind": question.kind, "active": question.active,
            "order": question.order,
            "choices": [{"id": c.pk, "text": c.text, "correct": c.correct if with_answers else None}
                        for c in question.choices.all()]}


def _quiz_out(actor, found) -> dict:
    editor = quiz.may_edit(actor, found)
    return {"id": found.pk, "requirement_id": found.requirement_id, "requirement": found.requirement.code,
            "questions_per_attempt": found.questions_per_attempt, "pass_mark": found.pass_mark,
            "attempts_allowed": found.attempts_allowed, "instructions": found.instructions,
            "questions": [_question_out(q, editor) for q in quiz.bank(found)] if editor else []}


@router.post("/training/quizzes", response={201: QuizOut}, summary="Write the quiz of a requirement")
def create_quiz(request, payload: QuizIn):
    requirement = selectors.requirement_get(request.auth, payload.requirement_id)
    data = payload.dict()
    data.pop("requirement_id")
    created = quiz.quiz_create(actor=request.auth, requirement=requirement, **data)
    return Status(201, _quiz_out(request.auth, created))


@router.get("/training/quizzes/{quiz_id}", response=QuizOut,
            summary="A quiz (its question bank with the answers for those who may edit it)")
def get_quiz(request, quiz_id: PathId):
    return _quiz_out(request.auth, quiz.quiz_get(request.auth, quiz_id))


@router.post("/training/quizzes/{quiz_id}/questions", response={201: QuestionOut}, summary="Add a question")
def add_question(request, quiz_id: PathId, payload: QuestionIn):
    found = quiz.quiz_get(request.auth, quiz_id)
    question = quiz.question_add(actor=request.auth, quiz=found, text=payload.text, kind=payload.kind,
                                 choices=[(c.text, c.correct) for c in payload.choices])
    return Status(201, _question_out(question, True))


@router.get("/training/quizzes/{quiz_id}/items", response=list[ItemOut],
            summary="Item analysis: per question, times drawn and answered wrong")
def item_analysis(request, quiz_id: PathId):
    found = quiz.quiz_get(request.auth, quiz_id)
    if not quiz.may_edit(request.auth, found):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Item analysis is for training managers.")
    return [{"question": r["id"], "text": r["text"], "drawn": r["drawn"], "wrong": r["wrong"],
             "percent_wrong": r["percent_wrong"]} for r in quiz.item_analysis(found)]


# --- Attempts ----------------------------------------------------------------------------------------------


class PaperChoice(Schema):
    id: int
    text: str


class PaperQuestion(Schema):
    id: int
    text: str
    kind: str
    choices: list[PaperChoice]
    chosen: list[int]


class AttemptOut(Schema):
    id: int
    assignment: int
    number: int
    attempts_allowed: int
    pass_mark: int
    questions: list[PaperQuestion]
    submitted: bool
    score: int | None
    passed: bool | None
    wrong: list[int]


class AnswersIn(BodySchema):
    answers: dict[int, list[int]]
    password: str = Field(..., max_length=500)
    otp: str = Field("", max_length=20)


class GrantIn(BodySchema):
    reason: str = Field(..., max_length=4000)
    extra: int = Field(1, ge=1, le=10)


def _attempt_out(attempt) -> dict:
    submitted = attempt.submitted_at is not None
    return {"id": attempt.pk, "assignment": attempt.assignment_id, "number": attempt.number,
            "attempts_allowed": quiz.attempts_allowed(attempt.assignment, attempt.quiz),
            "pass_mark": attempt.quiz.pass_mark,
            "questions": [{k: q[k] for k in ("id", "text", "kind", "choices", "chosen")} for q in quiz.paper(attempt)],
            "submitted": submitted, "score": attempt.score, "passed": attempt.passed,
            "wrong": list(attempt.wrong or []) if submitted else []}


@router.post("/training/assignments/{assignment_id}/attempts", response={201: AttemptOut},
             summary="Start (or resume) a quiz attempt: the questions drawn, without the answers")
def start_attempt(request, assignment_id: PathId):
    assignment = selectors.assignment_get(request.auth, assignment_id)
    return Status(201, _attempt_out(quiz.attempt_start(actor=request.auth, assignment=assignment)))


@router.get("/training/attempts/{attempt_id}", response=AttemptOut, summary="A quiz attempt and its result")
def get_attempt(request, attempt_id: PathId):
    return _attempt_out(quiz.attempt_get(request.auth, attempt_id))


@router.post("/training/attempts/{attempt_id}/submit", response=AttemptOut,
             summary="Submit the answers (signed: a pass completes the assignment with a 'trained' signature)")
def submit_attempt(request, attempt_id: PathId, payload: AnswersIn):
    attempt = quiz.attempt_get(request.auth, attempt_id)
    attempt = quiz.attempt_submit(actor=request.auth, attempt=attempt, answers=payload.answers,
                                  credentials=Credentials(payload.password, payload.otp))
    return _attempt_out(attempt)


@router.post("/training/assignments/{assignment_id}/attempt-grants", response={201: dict},
             summary="Grant more quiz attempts (the person's manager or a training manager, with a reason)")
def grant_attempts(request, assignment_id: PathId, payload: GrantIn):
    assignment = selectors.assignment_get(request.auth, assignment_id)
    grant = quiz.attempts_grant(actor=request.auth, assignment=assignment, reason=payload.reason, extra=payload.extra)
    return Status(201, {"id": grant.pk, "extra": grant.extra,
                        "attempts_allowed": quiz.attempts_allowed(assignment, quiz.quiz_of(assignment))})
