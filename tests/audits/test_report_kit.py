"""Test data for the report and dashboard tests: audits in a given state with a lead auditor,
auditees, checklist questions and findings, all through the services and the workflow (the programme
part's audit_create/auditee_add, the checklist part's questions and findings, this part's report)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD
from qualitas.core.signatures.services import Credentials
from qualitas.core.testing import factories

SIGN = Credentials(DEMO_PASSWORD, comment="Report reviewed and issued.")


def clause(standard: str = "ISO 9001", number: str = "8.5.1"):
    from qualitas.standards.models import Clause

    found = Clause.objects.filter(edition__standard__code=standard, number=number).order_by("-edition__current").first()
    assert found is not None, f"{standard} {number} is not in the catalogue"
    return found


def grade(code: str):
    from qualitas.audits.models import FindingGrade
    from qualitas.audits.seed_checklists import ensure_default_grades

    ensure_default_grades()
    return FindingGrade.objects.get(code=code)


def lead(org):
    """The demo internal auditor, with the signature policy acknowledged."""
    return factories.acknowledged(org.user("auditor"), password=DEMO_PASSWORD)


def audit(org, *, lead_auditor=None, status: str = "in_progress", planned_start: dt.date | None = None,
          process=None, auditees=(), title: str = "Production process audit", clauses=(), programme=None,
          reported_at=None, standards=("ISO 9001",)):
    """An audit planned through the programme part's services (the demo auditor as lead), taken to
    `status` through the workflow: the generated checklist is answered "conforming" before the report;
    a report is written and signed by the lead auditor (dated `reported_at` when given)."""
    from qualitas.accounts.models import Process
    from qualitas.audits import services
    from qualitas.standards.models import Standard

    quality = factories.acknowledged(org.user("quality"), password=DEMO_PASSWORD)
    lead_auditor = lead_auditor or lead(org)
    start = planned_start or timezone.localdate()
    record = services.audit_create(
        actor=quality, title=title, subject="process",
        process=process or Process.objects.get(code="CP-04"),  # Machining and production, owned by the reviewer
        scope="Machining and assembly, all shifts.", criteria="Customer-specific requirements of Northwind.",
        planned_start=start, planned_end=start + dt.timedelta(days=1), programme=programme,
        standards=list(Standard.objects.filter(code__in=standards)), clauses=[c for c in clauses if c is not None],
        lead_auditor=lead_auditor,
    )
    for person in auditees:
        services.auditee_add(actor=quality, audit=record, person=person, function="Process owner")
    if status == "cancelled":
        step(record, "cancel", quality, reason="Merged into another audit.")
        return record
    for name in {"planned": (), "prepared": ("prepare",)}.get(status, ("prepare", "start")):
        step(record, name, lead_auditor)
    if status in ("reported", "follow_up", "closed"):
        answer_all(record)
        write_report(record)
        issue(record, changes={"reported_at": reported_at} if reported_at else None)
    if status in ("follow_up", "closed"):
        step(record, "follow_up", lead_auditor)
    if status == "closed":
        step(record, "close", quality)
    record.refresh_from_db()
    return record


def step(audit, name: str, actor, **kwargs):
    from qualitas.core.workflow import engine

    audit.refresh_from_db()
    return engine.perform(actor=actor, instance=audit, transition=name, **kwargs)


def answer_all(audit, answer: str = "conforming") -> int:
    """Answer every question not answered yet (the generated checklist); returns how many."""
    from qualitas.audits.services_checklists import question_answer

    count = 0
    for question in audit.questions.filter(answer="").order_by("order", "pk"):
        question_answer(actor=audit.lead_auditor, question=question, version=question.version, answer=answer)
        count += 1
    return count


def finding(org, audit, *, grade_code: str = "minor", clauses=None, title: str = "Work instruction not at the machine",
            actor=None, process=None):
    from qualitas.audits.services_checklists import finding_create

    chosen = clauses if clauses is not None else [clause("ISO 9001", "7.5.3")]
    return finding_create(
        actor=actor or audit.lead_auditor, audit=audit, grade=grade(grade_code), title=title,
        statement="WI-120 rev C at the lathe; rev D is effective.", evidence="Seen at lathe L3, 09:40.",
        clauses=chosen, process=process,
    )


def answered_questions(audit, answers=("conforming", "conforming", "na")):
    from qualitas.audits.services_checklists import question_add, question_answer

    questions = []
    for n, answer in enumerate(answers, start=1):
        question = question_add(actor=audit.lead_auditor, audit=audit, text=f"Question {n}?")
        question_answer(actor=audit.lead_auditor, question=question, version=question.version, answer=answer)
        questions.append(question)
    return questions


def write_report(audit, *, summary: str = "Two findings; the process is largely under control.",
                 conclusion: str = "The management system conforms and is effectively implemented, except "
                                   "for document control at the machines."):
    from qualitas.audits.services_report import audit_report_update

    audit.refresh_from_db()
    return audit_report_update(actor=audit.lead_auditor, audit=audit, summary=summary, conclusion=conclusion,
                               version=audit.version)


def issue(audit, actor=None, changes=None):
    from qualitas.core.workflow import engine

    audit.refresh_from_db()
    return engine.perform(actor=actor or audit.lead_auditor, instance=audit, transition="report", credentials=SIGN,
                          changes=changes)


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
