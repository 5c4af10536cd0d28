"""Checklist generation: from the templates of the clauses in scope (one question per clause without a
template), the criteria and process documents and the previous audit's open findings; idempotent
regeneration that keeps answers; the auditor adds, removes and reorders while prepared or in progress."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.audits import services_checklists as services
from qualitas.core.audit.models import AuditEvent
from qualitas.core.testing import factories
from qualitas.core.testing.audit import assert_audited
from qualitas.core.workflow import engine
from qualitas.core.workflow.engine import TransitionRefused
from tests.audits import test_checklist_kit as kit

pytestmark = pytest.mark.django_db


def _origins(audit):
    return [(q.origin, q.clause.number if q.clause else None) for q in audit.questions.order_by("order", "pk")]


def test_preparing_generates_from_templates_and_clauses_without_one(organisation):
    # 8.5 (templates on 8.5.1 and 8.5.2 count for it) and 8.5.3 ... none: 4.4 has one; 8.5.6 has none.
    audit = kit.audit(organisation, clauses=[kit.clause("ISO 9001", "8.5"), kit.clause("ISO 9001", "8.5.6")],
                      status="prepared")
    assert audit.status == "prepared"
    assert _origins(audit) == [("template", "8.5.1"), ("template", "8.5.2"), ("clause", "8.5.6")]
    general = audit.questions.get(origin="clause")
    assert general.text.startswith("ISO 9001 8.5.6 Control of changes")
    event = AuditEvent.objects.filter(event="audits.checklist_generated", record_id=str(audit.pk)).get()
    assert event.actor_name == organisation.user("quality").display_name  # the actor of the "prepare" step
    assert "3 added" in str(event.changes)


def test_documents_of_the_criteria_and_of_the_process_each_get_a_question(organisation):
    quality = organisation.user("quality")
    criteria = factories.document(actor=quality, title="Machining control plan")
    own = factories.document(actor=quality, title="Lathe set-up instruction", process=kit.process("CP-04"))
    factories.document(actor=quality, title="Other process", process=kit.process("CP-01"))
    audit = kit.audit(organisation, documents=[criteria], status="prepared")
    documents = {q.document_id: q.text for q in audit.questions.filter(origin="document")}
    assert set(documents) == {criteria.pk, own.pk}
    assert documents[own.pk].startswith(f"Is {own.number} Lathe set-up instruction followed as written")


def test_open_findings_of_the_previous_audit_of_the_process_are_carried_over(organisation):
    import datetime as dt

    previous = kit.audit(organisation, status="in_progress", start=dt.date.today() - dt.timedelta(days=200))
    kit.answer_all(previous)
    open_finding = kit.finding(previous, "minor", title="Scrap not segregated")
    closed_one = kit.finding(previous, "observation", title="Boards out of date", clauses=[])
    services.finding_transition(actor=previous.lead_auditor, finding=closed_one, transition="close")
    other = kit.audit(organisation, status="in_progress", process_code="CP-01",
                      start=dt.date.today() - dt.timedelta(days=100))
    kit.finding(other, "minor", title="Other process")

    audit = kit.audit(organisation, status="prepared")
    carried = list(audit.questions.filter(origin="carried_over"))
    assert [q.carried_from for q in carried] == [open_finding]
    assert carried[0].text.startswith(f"Verify the correction of {open_finding.number} (minor nonconformity)")
    assert carried[0].clause == kit.clause("ISO 9001", "7.5.3")
    assert list(open_finding.verifications.all()) == carried


def test_regenerating_keeps_answers_adds_new_scope_and_drops_unanswered_out_of_scope(organisation):
    audit = kit.audit(organisation, clauses=[kit.clause("ISO 9001", "8.5"), kit.clause("ISO 9001", "8.6")],
                      status="in_progress")
    answered = audit.questions.get(clause__number="8.5.1")
    services.question_answer(actor=audit.lead_auditor, question=answered, version=answered.version,
                             answer="conforming", notes="Checked")
    added = services.question_add(actor=audit.lead_auditor, audit=audit, text="Is the swarf removed daily?")
    assert services.checklist_generate(actor=audit.lead_auditor, audit=audit) == {"added": 0, "removed": 0,
                                                                                    "kept": 4}
    # The scope changes (set here directly: audit_update refuses any change of an existing audit at the
    # time of writing, a defect of the programme part reported separately).
    audit.clauses.set([kit.clause("ISO 9001", "8.6"), kit.clause("ISO 9001", "8.7")])
    result = services.checklist_generate(actor=audit.lead_auditor, audit=audit)
    # 8.5.1 answered stays, 8.5.2 unanswered goes, 8.7 comes, the added question stays
    assert result == {"added": 1, "removed": 1, "kept": 3}
    remaining = {(q.origin, q.clause.number if q.clause else q.text) for q in audit.questions.all()}
    assert remaining == {("template", "8.5.1"), ("template", "8.6"), ("template", "8.7"),
                         ("added", "Is the swarf removed daily?")}
    answered.refresh_from_db()
    assert (answered.answer, answered.notes) == ("conforming", "Checked")
    assert added.pk in set(audit.questions.values_list("pk", flat=True))
    assert_audited("audits.question_removed", audit)


def test_the_checklist_is_changed_only_while_prepared_or_in_progress(organisation):
    audit = kit.audit(organisation, status="planned")
    with pytest.raises(ValidationError, match="prepared or in progress"):
        services.checklist_generate(actor=organisation.user("quality"), audit=audit)
    with pytest.raises(ValidationError, match="prepared or in progress"):
        services.question_add(actor=audit.lead_auditor, audit=audit, text="Too early?")
    assert audit.questions.count() == 0


def test_the_team_adds_removes_and_reorders_questions(organisation):
    audit = kit.audit(organisation, status="prepared")
    lead = audit.lead_auditor
    first, second = list(audit.questions.order_by("order"))
    extra = services.question_add(actor=lead, audit=audit, text="Are gauges at the machine identified?",
                                  clause=kit.clause("ISO 9001", "7.1.5"))
    assert extra.origin == "added" and list(audit.questions.order_by("order")) == [first, second, extra]
    services.question_move(actor=lead, question=extra, position=0)
    assert list(audit.questions.order_by("order")) == [extra, first, second]
    assert_audited("audits.question_moved", audit, actor=lead)
    services.question_remove(actor=lead, question=second, reason="Covered by the process audit last month")
    assert list(audit.questions.order_by("order")) == [extra, first]
    removal = AuditEvent.objects.filter(event="audits.question_removed", record_id=str(audit.pk)).get()
    assert removal.reason == "Covered by the process audit last month"


def test_someone_outside_the_team_may_not_change_or_answer_the_checklist(organisation):
    audit = kit.audit(organisation, status="in_progress")
    question = audit.questions.first()
    outsider = factories.user("auditor", username=factories.unique("auditor"))
    with pytest.raises(PermissionDenied, match="audit team"):
        services.question_add(actor=outsider, audit=audit, text="Mine?")
    with pytest.raises(PermissionDenied, match="audit team"):
        services.question_answer(actor=outsider, question=question, version=question.version, answer="conforming")
    with pytest.raises(PermissionDenied):
        services.question_answer(actor=organisation.user("employee"), question=question, version=question.version,
                                 answer="conforming")
    # the programme manager (approve) may rearrange, but answers only come from the team
    services.question_move(actor=organisation.user("quality"), question=question, position=1)
    with pytest.raises(PermissionDenied, match="audit team"):
        services.question_answer(actor=organisation.user("quality"), question=question, version=question.version,
                                 answer="conforming")
    question.refresh_from_db()
    assert question.answer == ""


def test_an_answered_question_stays_on_the_checklist(organisation):
    audit = kit.audit(organisation, status="in_progress")
    question = audit.questions.first()
    services.question_answer(actor=audit.lead_auditor, question=question, version=question.version, answer="na")
    with pytest.raises(ValidationError, match="answered question stays"):
        services.question_remove(actor=audit.lead_auditor, question=question)
    assert audit.questions.filter(pk=question.pk).exists()


def test_answers_are_saved_one_by_one_with_optimistic_locking(organisation):
    from qualitas.core.regulated import StaleVersion

    audit = kit.audit(organisation, status="in_progress")
    question = audit.questions.first()
    version = question.version
    saved = services.question_answer(actor=audit.lead_auditor, question=question, version=version,
                                     answer="conforming")
    assert (saved.answer, saved.answered_by, saved.version) == ("conforming", audit.lead_auditor, version + 1)
    assert_audited("audits.question_answered", saved, actor=audit.lead_auditor)
    saved = services.question_answer(actor=audit.lead_auditor, question=saved, version=saved.version,
                                     notes="Set-up sheet signed for every batch seen.")
    assert (saved.answer, saved.notes, saved.version) == ("conforming", "Set-up sheet signed for every batch seen.",
                                                          version + 2)
    with pytest.raises(StaleVersion):
        services.question_answer(actor=audit.lead_auditor, question=question, version=version, answer="na")
    with pytest.raises(ValidationError, match="conforming, finding or not applicable"):
        services.question_answer(actor=audit.lead_auditor, question=saved, version=saved.version, answer="maybe")
    saved.refresh_from_db()
    assert saved.answer == "conforming"
    assert AuditEvent.objects.filter(event="audits.question_answered", record_id=str(question.pk)).count() == 2


def test_answers_only_while_the_audit_is_in_progress(organisation):
    audit = kit.audit(organisation, status="prepared")
    question = audit.questions.first()
    with pytest.raises(ValidationError, match="while the audit is in progress"):
        services.question_answer(actor=audit.lead_auditor, question=question, version=question.version,
                                 answer="conforming")


def test_the_report_step_is_refused_while_questions_are_unanswered(organisation):
    from qualitas.core.demo import DEMO_PASSWORD
    from qualitas.core.signatures.services import Credentials

    audit = kit.audit(organisation, clauses=[kit.clause("ISO 9001", "8.5"), kit.clause("ISO 9001", "8.6")],
                      status="in_progress")
    first = audit.questions.first()
    services.question_answer(actor=audit.lead_auditor, question=first, version=first.version, answer="conforming")
    with pytest.raises(TransitionRefused, match="2 questions of the checklist are not answered yet"):
        engine.perform(actor=audit.lead_auditor, instance=audit, transition="report",
                       credentials=Credentials(DEMO_PASSWORD))
    audit.refresh_from_db()
    assert audit.status == "in_progress"
    kit.answer_all(audit)
    workflow = engine.workflow_for(audit)
    assert "not answered" not in (engine.check(audit.lead_auditor, audit, workflow.transition("report"), workflow)
                                  or "")
