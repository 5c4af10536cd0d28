"""Quizzes (issue 13): a question bank per requirement, a random draw of N questions kept by the server,
scoring on the server, the pass completing the assignment with a "trained" signature, the manager told
after the last failed attempt, more attempts granted, item analysis; correct answers never sent to the
person taking the quiz. Real database, real services, the API and the pages in-process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.notifications.models import Notification
from qualitas.core.testing import PASSWORD, assert_audited
from qualitas.training import quiz, services
from qualitas.training.models import Assignment, TrainingRecord
from qualitas.training.models_impact import Attempt
from tests.training.conftest import effective_document, sign

pytestmark = pytest.mark.django_db


def cell(person, requirement):
    from qualitas.training import matrix

    return matrix.compute(people=[person.pk], today=dt.date.today()).cell(person.pk, requirement.pk)


@pytest.fixture
def setup(people, operator_position, today):
    """A procedure trained by quiz, applied to CNC operators; op1 holds the position. Three questions, two drawn."""
    document = effective_document(people, title="Lockout-tagout")
    requirement = services.requirement_create(actor=people["quality"], code="TR-LOTO", title="Lockout-tagout",
                                              kind="document", method="quiz", document=document)
    found = quiz.quiz_create(actor=people["quality"], requirement=requirement, questions_per_attempt=2,
                             pass_mark=100, attempts_allowed=2)
    q1 = quiz.question_add(actor=people["quality"], quiz=found, text="Who applies the lock?",
                           choices=[("Each worker", True), ("The supervisor only", False)])
    q2 = quiz.question_add(actor=people["quality"], quiz=found, text="Which energies are isolated?", kind="multiple",
                           choices=[("Electrical", True), ("Pneumatic", True), ("None", False)])
    q3 = quiz.question_add(actor=people["quality"], quiz=found, text="When is the lock removed?",
                           choices=[("When the work is done, by who applied it", True), ("At shift end", False)])
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                            target=operator_position)
    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=today)
    assignment = Assignment.objects.get(person=people["op1"], requirement=requirement, status="open")
    assert assignment.method == "quiz" and assignment.revision == document.effective_revision
    return {"requirement": requirement, "quiz": found, "questions": [q1, q2, q3], "assignment": assignment}


def answers(attempt, right: bool):
    from qualitas.training.models_impact import Choice

    given = {}
    for question_id in attempt.questions:
        choices = Choice.objects.filter(question_id=question_id)
        given[question_id] = [c.pk for c in choices if c.correct == right][:1 if not right else None]
    return given


def test_a_question_needs_choices_and_the_right_number_of_correct_ones(people, setup):
    found = setup["quiz"]
    with pytest.raises(ValidationError, match="exactly one correct"):
        quiz.question_add(actor=people["quality"], quiz=found, text="?", choices=[("a", True), ("b", True)])
    with pytest.raises(ValidationError, match="at least two"):
        quiz.question_add(actor=people["quality"], quiz=found, text="?", choices=[("a", True)])
    with pytest.raises(PermissionDenied):
        quiz.question_add(actor=people["op1"], quiz=found, text="?", choices=[("a", True), ("b", False)])
    assert_audited("training.question_created", setup["questions"][0], actor=people["quality"])


def test_an_attempt_draws_n_active_questions_kept_by_the_server_and_starts_the_assignment(people, setup):
    quiz.question_update(actor=people["quality"], question=setup["questions"][2], active=False, reason="Outdated")
    attempt = quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"])
    assert len(attempt.questions) == 2
    assert set(attempt.questions) == {setup["questions"][0].pk, setup["questions"][1].pk}
    assert quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"]).pk == attempt.pk  # resumed
    setup["assignment"].refresh_from_db()
    assert setup["assignment"].status == "in_progress"
    assert cell(people["op1"], setup["requirement"]).status == "in-progress"
    with pytest.raises(PermissionDenied):
        quiz.attempt_start(actor=people["op2"], assignment=setup["assignment"])
    paper = quiz.paper(attempt)
    assert all("correct" not in c for q in paper for c in q["choices"])


def test_a_changed_set_of_questions_or_a_wrong_password_is_refused_and_nothing_is_kept(people, setup):
    attempt = quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"])
    given = answers(attempt, right=True)
    other = dict(list(given.items())[:1])
    with pytest.raises(ValidationError, match="not the ones drawn"):
        quiz.attempt_submit(actor=people["op1"], attempt=attempt, answers=other, credentials=sign(PASSWORD))
    with pytest.raises(ValidationError, match="password"):
        quiz.attempt_submit(actor=people["op1"], attempt=attempt, answers=given, credentials=sign("wrong"))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.score is None


def test_fail_then_pass_completes_the_assignment_with_a_trained_signature_and_the_cell_turns_current(people, setup):
    first = quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"])
    failed = quiz.attempt_submit(actor=people["op1"], attempt=first, answers=answers(first, right=False),
                                 credentials=sign(PASSWORD))
    assert (failed.score, failed.passed, sorted(failed.wrong)) == (0, False, sorted(first.questions))
    assert_audited("training.attempt_submitted", failed, actor=people["op1"])
    with pytest.raises(ValidationError, match="submitted already"):
        quiz.attempt_submit(actor=people["op1"], attempt=failed, answers=answers(first, right=True),
                            credentials=sign(PASSWORD))
    with pytest.raises(RuntimeError):
        failed.save()
    assert not Notification.objects.filter(recipient=people["reviewer"], kind="training").exists()  # not the last

    second = quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"])
    assert second.number == 2
    passed = quiz.attempt_submit(actor=people["op1"], attempt=second, answers=answers(second, right=True),
                                 credentials=sign(PASSWORD))
    assert (passed.score, passed.passed) == (100, True)
    assert passed.signature.meaning == "trained" and passed.signature.signer == people["op1"]
    setup["assignment"].refresh_from_db()
    assert setup["assignment"].status == "completed"
    record = TrainingRecord.objects.get(person=people["op1"], requirement=setup["requirement"])
    assert (record.source, record.method, record.signature_id) == ("quiz", "quiz", passed.signature_id)
    assert cell(people["op1"], setup["requirement"]).status == "current"


def test_the_last_failed_attempt_tells_the_manager_who_may_grant_another(people, setup):
    for _ in range(2):
        attempt = quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"])
        quiz.attempt_submit(actor=people["op1"], attempt=attempt, answers=answers(attempt, right=False),
                            credentials=sign(PASSWORD))
    note = Notification.objects.get(recipient=people["reviewer"], kind="training")
    assert "failed the last attempt" in note.subject
    setup["assignment"].refresh_from_db()
    assert setup["assignment"].is_open
    with pytest.raises(ValidationError, match="attempts are used"):
        quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"])
    with pytest.raises(PermissionDenied):
        quiz.attempts_grant(actor=people["op2"], assignment=setup["assignment"], reason="Mine")
    grant = quiz.attempts_grant(actor=people["reviewer"], assignment=setup["assignment"], reason="Coached on LOTO")
    assert_audited("training.attempts_granted", grant, actor=people["reviewer"])
    assert quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"]).number == 3


def test_item_analysis_counts_how_often_each_question_is_drawn_and_failed(people, setup):
    attempt = quiz.attempt_start(actor=people["op1"], assignment=setup["assignment"])
    given = answers(attempt, right=True)
    missed = attempt.questions[0]
    given[missed] = answers(attempt, right=False)[missed]
    quiz.attempt_submit(actor=people["op1"], attempt=attempt, answers=given, credentials=sign(PASSWORD))
    rows = {r["id"]: r for r in quiz.item_analysis(setup["quiz"])}
    assert rows[missed]["drawn"] == 1 and rows[missed]["wrong"] == 1 and rows[missed]["percent_wrong"] == 100
    other = attempt.questions[1]
    assert (rows[other]["drawn"], rows[other]["wrong"], rows[other]["percent_wrong"]) == (1, 0, 0)
    never = ({q.pk for q in setup["questions"]} - set(attempt.questions)).pop()
    assert rows[never]["drawn"] == 0 and rows[never]["percent_wrong"] is None


def test_the_api_never_sends_correct_answers_to_the_taker_and_scores_on_the_server(people, setup, api_client):
    taker = api_client.as_user(people["op1"])
    started = taker.post(f"/training/assignments/{setup['assignment'].pk}/attempts")
    assert started.status_code == 201, started.content
    body = started.json()
    assert "correct" not in started.content.decode()
    attempt = Attempt.objects.get(pk=body["id"])
    assert [q["id"] for q in body["questions"]] == attempt.questions
    bad = taker.post(f"/training/attempts/{attempt.pk}/submit", {"answers": {}, "password": PASSWORD})
    assert bad.status_code == 400 and "not the ones drawn" in bad.json()["message"]
    done = taker.post(f"/training/attempts/{attempt.pk}/submit",
                      {"answers": {str(k): v for k, v in answers(attempt, right=True).items()}, "password": PASSWORD})
    assert done.status_code == 200, done.content
    assert done.json()["passed"] is True and done.json()["score"] == 100
    assert taker.get(f"/training/quizzes/{setup['quiz'].pk}").status_code in (200, 403)
    assert "correct\": true" not in taker.get(f"/training/attempts/{attempt.pk}").content.decode()

    manager = api_client.as_user(people["quality"])
    bank = manager.get(f"/training/quizzes/{setup['quiz'].pk}").json()
    assert any(c["correct"] for q in bank["questions"] for c in q["choices"])
    items = manager.get(f"/training/quizzes/{setup['quiz'].pk}/items")
    assert items.status_code == 200 and {r["question"] for r in items.json()} == {q.pk for q in setup["questions"]}
    assert api_client.as_user(people["op2"]).get(f"/training/attempts/{attempt.pk}").status_code in (403, 404)
    manager = api_client.as_user(people["quality"])
    created = manager.post("/training/quizzes", {"requirement_id": setup["requirement"].pk})
    assert created.status_code == 400, created.content
    assert "already has a quiz" in created.json()["message"]


def test_the_pages_edit_take_and_show_the_result(people, setup, client):
    client.force_login(people["quality"])
    editor = client.get(f"/training/requirements/{setup['requirement'].pk}/quiz/")
    assert editor.status_code == 200 and "Item analysis" in editor.content.decode()
    added = client.post(f"/training/quizzes/{setup['quiz'].pk}/questions/",
                        {"text": "Where are the locks kept?", "kind": "single", "choice_1": "Lock station",
                         "correct_1": "on", "choice_2": "Anywhere"})
    assert added.status_code == 302 and setup["quiz"].questions.count() == 4

    client.force_login(people["op1"])
    assert client.get(f"/training/requirements/{setup['requirement'].pk}/quiz/").status_code in (200, 403, 404)
    take = client.get(f"/training/assignments/{setup['assignment'].pk}/quiz/")
    assert take.status_code == 200 and "Start attempt 1" in take.content.decode()
    started = client.post(f"/training/assignments/{setup['assignment'].pk}/quiz/")
    attempt = Attempt.objects.get(assignment=setup["assignment"])
    assert started.status_code == 302 and started.url.endswith(f"/attempts/{attempt.pk}/")
    page = client.get(started.url).content.decode()
    assert "Submit my answers" in page and "correct" not in page.lower().replace("not correct", "")
    form = {f"q{q}": c for q, c in answers(attempt, right=True).items()} | {"password": "wrong"}
    refused = client.post(started.url, form)
    assert refused.status_code == 400 and "not correct" in refused.content.decode()
    form["password"] = PASSWORD
    result = client.post(started.url, form, follow=True)
    assert "Passed" in result.content.decode()


def test_the_demo_has_a_quiz_a_change_decided_to_need_it_and_one_failed_attempt(full_demo):
    from qualitas.training.models_impact import Quiz, TrainingImpact

    found = Quiz.objects.get(requirement__code="TR-SOP-HAZ")
    assert found.questions.filter(active=True).count() == 4
    decision = TrainingImpact.objects.get(revision__document_id=found.requirement.document_id)
    assert decision.kind == "quiz" and decision.signature is not None
    failed = Attempt.objects.get(quiz=found)
    assert (failed.person.username, failed.passed, failed.assignment.status) == ("olga", False, "in_progress")
    assert Assignment.objects.filter(requirement=found.requirement, revision=decision.revision, method="quiz",
                                     status__in=("open", "in_progress")).count() > 1
