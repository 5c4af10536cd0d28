"""Demo data of checklists and findings, on the audits the programme part's demo made (see demo.py).
Everything goes through the services, as the audit's lead auditor (the system when it has none), so
the trail, the raised nonconformities, the tasks and the links are real. Idempotent.

- `fieldwork(audit)`: answers the checklist of an audit in progress (half of it when the audit is still
  under way today); on a combined 9001/14001/45001
  audit it records a major and a minor nonconformity (each raises a nonconformity; the major plans a
  re-audit), an observation and an opportunity for improvement. The programme part calls it for the
  audits it then moves past "in progress" (answers are given only while an audit is in progress).
- `verified_finding(audit)`: one minor finding, responded to and verified (the follow-up audit).
- `load()`: the question templates and grades (created on migrate, ensured here), the field work of
  every audit in progress, and the checklists of prepared audits refreshed so the previous audit's
  open findings appear as carried-over questions.
"""

from __future__ import annotations

COMBINED = {"ISO 9001", "ISO 14001", "ISO 45001"}

# (grade, title, statement, evidence, [(standard, clause)])
COMBINED_FINDINGS = [
    ("major", "Calibration of torque wrenches not done",
     "Four of the six torque wrenches used on the assembly line are past their calibration date; product "
     "assembled with them was released without assessing the validity of earlier results.",
     "Wrenches TW-02, TW-03, TW-05, TW-06 labelled due 2 months ago; calibration register not updated; "
     "no record of an assessment of affected product.",
     [("ISO 9001", "7.1.5")]),
    ("minor", "Waste segregation instructions not followed at the machining cell",
     "Oily rags were found in the general waste bin although the waste instruction asks for the hazardous "
     "waste container.",
     "Observed at cell M4 during the tour; two operators interviewed were not aware of the instruction.",
     [("ISO 14001", "8.1"), ("ISO 45001", "8.1.2")]),
    ("observation", "Near-miss reports are analysed late",
     "Near misses are reported, but three of the last ten were analysed more than a month after the event.",
     "Near-miss log, entries 2026-014 to 2026-023.", [("ISO 45001", "10.2")]),
    ("ofi", "Indicator trends could feed the risk review",
     "Process indicators are analysed monthly; using their trends as input to the risk review would show "
     "emerging risks earlier.", "Monthly indicator report; risk register review minutes.",
     [("ISO 9001", "9.1.3"), ("ISO 9001", "6.1")]),
]


def _actor(audit):
    from qualitas.accounts.services import system_actor

    lead = audit.lead_auditor
    return lead if lead is not None and lead.is_active else system_actor()


def _clauses(pairs):
    from qualitas.standards.models import Clause

    found = []
    for standard, number in pairs:
        clause = Clause.objects.filter(edition__standard__code=standard, edition__current=True, number=number).first()
        if clause is not None:
            found.append(clause)
    return found


def _is_combined(audit) -> bool:
    return COMBINED <= set(audit.standards.values_list("code", flat=True))


def fieldwork(audit) -> list:
    """Answer the checklist of `audit` (in progress) and record its demo findings; returns the findings."""
    from qualitas.audits import services_checklists as services
    from qualitas.audits.models import FindingGrade

    if audit.status != "in_progress":
        return []
    actor = _actor(audit)
    if not audit.questions.exists():
        services.checklist_generate(actor=actor, audit=audit)
    combined = _is_combined(audit) and not audit.findings.exists()
    plan = list(COMBINED_FINDINGS) if combined else []
    questions = list(audit.questions.order_by("order", "pk"))
    by_clause = {q.clause_id: q for q in questions if q.clause_id}
    finding_questions = {}
    for grade, _title, _statement, _evidence, pairs in plan[:2]:  # the nonconformities come from questions
        for clause in _clauses(pairs):
            if clause.pk in by_clause and by_clause[clause.pk].pk not in finding_questions.values():
                finding_questions[grade] = by_clause[clause.pk].pk
                break
    from django.utils import timezone

    # An audit still under way today is answered halfway: the page shows the progress.
    ongoing = audit.planned_end >= timezone.localdate() and not plan
    for index, question in enumerate(questions):
        if question.answer:
            continue
        if ongoing and index >= len(questions) // 2:
            break
        if question.pk in finding_questions.values():
            answer, notes = "finding", "See the finding."
        elif question.origin == "carried_over":
            answer, notes = "conforming", "Correction seen in place; records of the last two months checked."
        elif index % 9 == 8:
            answer, notes = "na", "Not applicable to this area."
        else:
            answer, notes = "conforming", "Sampled records and interviewed the people doing the work."
        services.question_answer(actor=actor, question=question, version=question.version, answer=answer,
                                 notes=notes)
    findings = []
    for grade_code, title, statement, evidence, pairs in plan:
        grade = FindingGrade.objects.filter(code=grade_code).first()
        if grade is None:
            continue
        question = None
        if grade_code in finding_questions:
            question = audit.questions.filter(pk=finding_questions[grade_code]).first()
        findings.append(services.finding_create(
            actor=actor, audit=audit, grade=grade, title=title, statement=statement, evidence=evidence,
            clauses=_clauses(pairs), question=question,
        ))
    return findings


def verified_finding(audit):
    """One minor finding of `audit` (in progress), responded to by the auditee and verified by the lead
    auditor: what a follow-up audit shows."""
    from qualitas.audits import services_checklists as services
    from qualitas.audits.models import FindingGrade
    from qualitas.core.permissions import has_perm

    existing = audit.findings.filter(status="verified").first()
    if existing is not None or audit.status != "in_progress":
        return existing
    actor = _actor(audit)
    grade = FindingGrade.objects.filter(code="minor").first()
    clauses = list(audit.clauses.all()[:1])
    finding = services.finding_create(
        actor=actor, audit=audit, grade=grade, title="Training records of two new operators missing",
        statement="Two operators hired last month work on the line without a recorded induction.",
        evidence="Training matrix of the line; interviews.", clauses=clauses,
    )
    responder = finding.auditee if finding.auditee and has_perm(finding.auditee, "audits", "edit") else actor
    finding = services.finding_respond(actor=responder, finding=finding, version=finding.version,
                                       response="Induction given and recorded on the next day; the hiring checklist "
                                                "now asks for the induction before the first shift.")
    return services.finding_verify(actor=actor, finding=finding, version=finding.version,
                                   verification="Induction records of both operators seen; the hiring checklist "
                                                "was used for the last new hire.")


def load(*args, **kwargs) -> None:
    from qualitas.audits import seed_checklists
    from qualitas.audits import services_checklists as services
    from qualitas.audits.models import Audit

    seed_checklists.ensure_default_grades()
    seed_checklists.ensure_default_templates()
    for audit in Audit.objects.filter(status="in_progress").order_by("planned_start", "pk"):
        fieldwork(audit)
    for audit in Audit.objects.filter(status="prepared").order_by("planned_start", "pk"):
        services.checklist_generate(actor=_actor(audit), audit=audit)
