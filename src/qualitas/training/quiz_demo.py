"""Demo data for the training impact and quizzes (called by training.demo.load): the hazard
identification procedure gets a quiz and a new revision whose change is decided to need a quiz;
one operator fails the first attempt (and has one left)."""

from __future__ import annotations

QUESTIONS = [
    ("What comes first in the hierarchy of controls?", "single",
     [("Eliminate the hazard", True), ("Personal protective equipment", False), ("Warning signs", False)]),
    ("Who may assess the risk of a new task?", "single",
     [("A trained assessor with the people who do the task", True), ("Anyone, alone", False)]),
    ("Which are administrative controls?", "multiple",
     [("Work instructions", True), ("Training", True), ("Machine guards", False)]),
    ("When is a risk assessment reviewed?", "multiple",
     [("After an incident", True), ("When the task changes", True), ("Never, once approved", False)]),
]


def load(people, password: str) -> None:
    from qualitas.core.signatures import services as signing
    from qualitas.core.workflow import engine
    from qualitas.documents import services as documents
    from qualitas.documents.models import Document
    from qualitas.training import impact, quiz
    from qualitas.training.models import Assignment, Requirement
    from qualitas.training.models_impact import Choice

    requirement = Requirement.objects.filter(code="TR-SOP-HAZ").first()
    document = Document.objects.filter(pk=requirement.document_id).first() if requirement else None
    if document is None or document.effective_revision is None:
        return
    quality, author = people["quality"], people["author"]
    found = quiz.quiz_create(actor=quality, requirement=requirement, questions_per_attempt=3, pass_mark=70,
                             attempts_allowed=3, instructions="Read the procedure first; answer every question.")
    for text, kind, choices in QUESTIONS:
        quiz.question_add(actor=quality, quiz=found, text=text, kind=kind, choices=choices)
    credentials = signing.Credentials(password)
    draft = documents.revision_new(actor=author, document=document, change_summary="Risk matrix of 5 × 5 levels",
                                   reason="Management review: the 3 × 3 matrix did not separate the risks")
    documents.revision_update(actor=author, revision=draft, content=draft.content + "\n\nUse the 5 × 5 risk matrix.")
    draft.refresh_from_db()
    impact.impact_decide(actor=author, revision=draft, kind="quiz", credentials=credentials,
                         reason="The risk matrix changed: assessors must apply the new levels correctly.")
    engine.perform(actor=author, instance=draft, transition="submit")
    draft.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=draft, transition="sign_review", credentials=credentials)
    draft.refresh_from_db()
    documents.approve(actor=people["approver"], revision=draft, credentials=credentials)
    # One operator fails the first attempt (every answer wrong).
    assignment = Assignment.objects.filter(requirement=requirement, revision=draft, method="quiz",
                                           person__username="olga", status="open").first()
    if assignment is None:
        return
    attempt = quiz.attempt_start(actor=assignment.person, assignment=assignment)
    answers = {q: [Choice.objects.filter(question_id=q, correct=False).values_list("pk", flat=True).first()]
               for q in attempt.questions}
    quiz.attempt_submit(actor=assignment.person, attempt=attempt, answers=answers, credentials=credentials)
