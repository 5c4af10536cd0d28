"""Test data for the checklist and finding tests: audits planned through the programme part's
services, prepared and started through the workflow (so the checklist is generated as in use)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD
from qualitas.core.testing import factories
from qualitas.core.workflow import engine


def clause(standard: str = "ISO 9001", number: str = "8.5.1"):
    from qualitas.standards.models import Clause

    return Clause.objects.get(edition__standard__code=standard, edition__current=True, number=number)


def standard(code: str):
    from qualitas.standards.models import Standard

    return Standard.objects.get(code=code)


def grade(code: str):
    from qualitas.audits.models import FindingGrade

    return FindingGrade.objects.get(code=code)


def process(code: str = "CP-04"):
    from qualitas.accounts.models import Process

    return Process.objects.get(code=code)


def lead(org):
    return factories.acknowledged(org.user("auditor"), password=DEMO_PASSWORD)


def audit(org, *, clauses=None, standards=("ISO 9001",), process_code: str = "CP-04", documents=(),
          start: dt.date | None = None, programme=None, status: str = "planned", auditees=None, **fields):
    """An internal audit of a process (CP-04 Machining and production, owned by the reviewer) led by the
    demo auditor, moved to `status` through the workflow as the quality manager and the lead auditor."""
    from qualitas.audits import services

    quality = org.user("quality")
    start = start or timezone.localdate()
    record = services.audit_create(
        actor=quality, title=fields.pop("title", "Machining process audit"), scope="Machining, all shifts.",
        planned_start=start, planned_end=start + dt.timedelta(days=1), subject="process",
        process=process(process_code), standards=[standard(s) for s in standards],
        clauses=clauses if clauses is not None else [clause("ISO 9001", "8.5")], documents=list(documents),
        lead_auditor=lead(org), programme=programme, **fields,
    )
    for person in (auditees if auditees is not None else [org.user("reviewer")]):
        services.auditee_add(actor=quality, audit=record, person=person, function="Process owner")
    if status in ("prepared", "in_progress"):
        record = engine.perform(actor=quality, instance=record, transition="prepare")
    if status == "in_progress":
        record = engine.perform(actor=record.lead_auditor, instance=record, transition="start")
    record.refresh_from_db()
    return record


def answer_all(audit, answer: str = "conforming"):
    from qualitas.audits.services_checklists import question_answer

    for question in audit.questions.filter(answer=""):
        question_answer(actor=audit.lead_auditor, question=question, version=question.version, answer=answer)


def finding(audit, grade_code: str = "minor", *, clauses=None, title: str = "Work instruction not at the machine",
            actor=None, **fields):
    from qualitas.audits.services_checklists import finding_create

    return finding_create(
        actor=actor or audit.lead_auditor, audit=audit, grade=grade(grade_code), title=title,
        statement="WI-120 rev C at the lathe; rev D is effective.", evidence="Seen at lathe L3, 09:40.",
        clauses=clauses if clauses is not None else [clause("ISO 9001", "7.5.3")], **fields,
    )
