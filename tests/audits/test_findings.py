"""Findings: graded, linked to clauses of one or more standards and to the process; a nonconformity
grade raises a nonconformity in the improvement module (source "audit finding", linked) with the
auditee's response due and a task; a major plans a re-audit; respond → verify → close, response not
accepted, withdraw; closing the audit waits for findings that need a response."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qualitas.audits import services_checklists as services
from qualitas.audits.models import Audit
from qualitas.capa.models import Nonconformity
from qualitas.core.audit.models import AuditEvent
from qualitas.core.links.selectors import linked
from qualitas.core.tasks.models import Task
from qualitas.core.testing import factories
from qualitas.core.testing.audit import assert_audited
from qualitas.core.workflow import engine
from qualitas.core.workflow.engine import TransitionRefused
from tests.audits import test_checklist_kit as kit

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(organisation):
    return kit.audit(organisation, status="in_progress")


def _nc_of(finding):
    ids = [pk for key, pk in linked(finding) if key == "capa.nonconformity"]
    return Nonconformity.objects.get(pk__in=ids)


def test_a_major_finding_raises_a_linked_nonconformity_with_a_response_due_and_plans_a_reaudit(organisation,
                                                                                                audit):
    owner = organisation.user("reviewer")  # owns CP-04
    major = kit.finding(audit, "major", clauses=[kit.clause("ISO 9001", "8.5.1"), kit.clause("ISO 9001", "7.5.3")])
    assert major.number.startswith(f"AF-{timezone.localdate().year}-")
    assert sorted(c.number for c in major.clauses.all()) == ["7.5.3", "8.5.1"]
    assert (major.process, major.auditee, major.status) == (audit.process, owner, "open")
    assert major.response_due == timezone.localdate() + dt.timedelta(days=audit.response_days)
    assert_audited("audits.finding_recorded", major, actor=audit.lead_auditor)

    nc = _nc_of(major)
    assert (nc.source, nc.owner, nc.severity.code, nc.process) == ("audit_finding", owner, "major", audit.process)
    assert nc.title.startswith(major.number)
    assert str(major.response_due) in nc.description
    task = Task.objects.get(record_type="audits.finding", record_id=str(major.pk), status=Task.OPEN)
    assert (task.assignee, task.due) == (owner, major.response_due)

    reaudit = Audit.objects.get(pk=major.reaudit_id)
    assert (reaudit.process, reaudit.subject, reaudit.status) == (audit.process, "process", "planned")
    assert reaudit.planned_start == audit.planned_end + dt.timedelta(days=90)
    assert sorted(c.number for c in reaudit.clauses.all()) == ["7.5.3", "8.5.1"]
    assert_audited("audits.reaudit_scheduled", major)
    # a second major of the same audit joins the re-audit already planned
    second = kit.finding(audit, "major", title="Second major")
    assert second.reaudit_id == reaudit.pk


def test_a_minor_finding_raises_a_minor_nonconformity_and_no_reaudit(audit):
    minor = kit.finding(audit, "minor")
    assert _nc_of(minor).severity.code == "minor"
    assert minor.reaudit is None


def test_observations_and_opportunities_raise_nothing_and_need_no_response(audit):
    for code in ("observation", "ofi", "good-practice"):
        finding = kit.finding(audit, code, clauses=[])
        assert linked(finding) == [] and finding.response_due is None
        assert not Task.objects.filter(record_type="audits.finding", record_id=str(finding.pk)).exists()
        services.finding_transition(actor=audit.lead_auditor, finding=finding, transition="close")
        finding.refresh_from_db()
        assert finding.status == "closed"


def test_the_grade_reaudit_delay_is_configurable(organisation, audit):
    grade = kit.grade("major")
    services.grade_update(actor=organisation.user("admin"), grade=grade, version=grade.version, reaudit_days=30)
    major = kit.finding(audit, "major")
    assert major.reaudit.planned_start == audit.planned_end + dt.timedelta(days=30)


def test_a_finding_from_a_question_answered_finding(audit):
    question = audit.questions.get(clause__number="8.5.1")
    with pytest.raises(ValidationError, match="Answer the question “finding” first"):
        kit.finding(audit, "minor", question=question, clauses=[])
    question = services.question_answer(actor=audit.lead_auditor, question=question, version=question.version,
                                        answer="finding")
    finding = kit.finding(audit, "minor", question=question, clauses=[])
    assert finding.question == question
    assert [c.number for c in finding.clauses.all()] == ["8.5.1"]  # the question's clause


def test_a_nonconformity_names_its_clause_and_the_auditee(organisation):
    audit = kit.audit(organisation, status="in_progress", process_code="CP-04", auditees=[])
    with pytest.raises(ValidationError, match="clause"):
        kit.finding(audit, "minor", clauses=[])
    no_owner = factories.process(code=factories.unique("P"))
    with pytest.raises(ValidationError, match="auditee"):
        kit.finding(audit, "minor", process=no_owner)
    assert not audit.findings.exists()


def test_findings_are_recorded_by_the_team_while_the_audit_is_in_progress(organisation):
    prepared = kit.audit(organisation, status="prepared")
    with pytest.raises(ValidationError, match="while the audit is in progress"):
        kit.finding(prepared, "minor")
    audit = kit.audit(organisation, status="in_progress")
    with pytest.raises(PermissionDenied, match="audit team"):
        kit.finding(audit, "minor", actor=organisation.user("quality"))
    assert not audit.findings.exists()
    assert not Nonconformity.objects.filter(title__contains="Work instruction not at the machine").exists()


def test_respond_reject_respond_verify_close(organisation, audit):
    finding = kit.finding(audit, "minor")
    lead = audit.lead_auditor
    with pytest.raises(TransitionRefused, match="Write the response first"):
        engine.perform(actor=lead, instance=finding, transition="respond")
    with pytest.raises(TransitionRefused, match="closed once the response is verified"):
        services.finding_transition(actor=lead, finding=finding, transition="close")
    finding = services.finding_respond(actor=lead, finding=finding, version=finding.version,
                                       response="Old revision removed.")
    assert (finding.status, finding.responded_by) == ("responded", lead)
    assert not Task.objects.filter(record_type="audits.finding", record_id=str(finding.pk), status=Task.OPEN).exists()

    with pytest.raises(TransitionRefused, match="reason"):
        services.finding_transition(actor=lead, finding=finding, transition="reject_response")
    finding = services.finding_transition(actor=lead, finding=finding, transition="reject_response",
                                          reason="No cause given: why was the old revision still there?")
    assert (finding.status, finding.response) == ("open", "")
    event = AuditEvent.objects.filter(event="audits.finding.reject_response", record_id=str(finding.pk)).get()
    assert "Old revision removed." in str(event.changes)
    assert Task.objects.filter(record_type="audits.finding", record_id=str(finding.pk), status=Task.OPEN).exists()

    finding = services.finding_respond(actor=lead, finding=finding, version=finding.version,
                                       response="Removed; cause: no withdrawal step; the controller now collects "
                                                "superseded copies.")
    with pytest.raises(ValidationError, match="Say how the correction was verified"):
        services.finding_verify(actor=lead, finding=finding, verification=" ", version=finding.version)
    finding = services.finding_verify(actor=lead, finding=finding, version=finding.version,
                                      verification="Only rev D at the three lathes.")
    assert (finding.status, finding.verified_by) == ("verified", lead)
    finding = services.finding_transition(actor=lead, finding=finding, transition="close")
    assert finding.status == "closed"


def test_only_an_auditor_verifies_the_correction(organisation, audit):
    finding = kit.finding(audit, "minor")
    finding = services.finding_respond(actor=audit.lead_auditor, finding=finding, version=finding.version,
                                       response="Corrected.")
    other_auditor = factories.user("auditor", username=factories.unique("aud"))
    with pytest.raises(TransitionRefused, match="verified by an auditor"):
        services.finding_verify(actor=other_auditor, finding=finding, verification="Seen", version=finding.version)
    finding.refresh_from_db()
    assert finding.status == "responded"


def test_withdrawing_needs_the_approve_right_and_a_reason(organisation, audit):
    finding = kit.finding(audit, "minor")
    with pytest.raises(PermissionDenied):
        services.finding_transition(actor=audit.lead_auditor, finding=finding, transition="withdraw", reason="Error")
    finding = services.finding_transition(actor=organisation.user("quality"), finding=finding,
                                          transition="withdraw", reason="Recorded on the wrong audit")
    assert finding.status == "withdrawn"
    assert not Task.objects.filter(record_type="audits.finding", record_id=str(finding.pk), status=Task.OPEN).exists()


def test_closing_the_audit_waits_for_findings_that_need_a_response(organisation, audit):
    from qualitas.audits.guards_checklists import findings_settled

    minor = kit.finding(audit, "minor")
    kit.finding(audit, "observation", clauses=[])
    refusal = findings_settled(organisation.user("quality"), audit)
    assert refusal == f"1 finding needing a response is not verified or closed yet: {minor.number}."
    minor = services.finding_respond(actor=audit.lead_auditor, finding=minor, version=minor.version,
                                     response="Corrected.")
    assert findings_settled(organisation.user("quality"), audit) is not None
    services.finding_verify(actor=audit.lead_auditor, finding=minor, version=minor.version, verification="Seen.")
    assert findings_settled(organisation.user("quality"), audit) is None


def test_an_open_finding_is_corrected_while_open(organisation):
    audit = kit.audit(organisation, status="in_progress", standards=("ISO 9001", "ISO 14001"))
    finding = kit.finding(audit, "minor")
    updated = services.finding_update(actor=audit.lead_auditor, finding=finding, version=finding.version,
                                      title="Work instruction rev C at lathe L3",
                                      clauses=[kit.clause("ISO 9001", "7.5.3"), kit.clause("ISO 14001", "7.5.3")])
    assert updated.title == "Work instruction rev C at lathe L3"
    assert {c.edition.standard.code for c in updated.clauses.all()} == {"ISO 9001", "ISO 14001"}
    assert_audited("audits.finding_updated", updated)
