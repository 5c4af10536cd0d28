"""The only write path for question templates, finding grades, checklists and findings (ISO 19011
6.3.4, 6.4.7–6.4.8, 6.7). Status changes of findings go through the "audits.finding" workflow.

A checklist is generated when the audit is prepared (guards_checklists.on_audit_prepared) and may be
regenerated while the audit is prepared or in progress: questions already answered are kept, new
ones are added, and generated questions no longer in scope are removed while unanswered.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from qualitas.audits.models import Audit, ChecklistQuestion, Finding, FindingGrade, QuestionTemplate
from qualitas.audits.selectors_checklists import is_auditing
from qualitas.core.audit.services import record
from qualitas.core.permissions import authorize, has_perm, is_system
from qualitas.core.regulated import record_create, record_update, refuse_unknown_fields
from qualitas.core.workflow import engine

MODULE = "audits"
EDITABLE_CHECKLIST_STATES = ("prepared", "in_progress")
ANSWER_CODES = ("conforming", "finding", "na")
SETTLED_FINDING_STATES = ("verified", "closed", "withdrawn")
GRADE_FIELDS = ("label", "is_nonconformity", "raises_nonconformity", "needs_response", "schedules_reaudit",
                "reaudit_days", "severity", "order", "colour", "active")
TEMPLATE_FIELDS = ("clause", "text", "guidance", "order", "active")
FINDING_FIELDS = ("grade", "title", "statement", "evidence", "process", "auditee")
DEFAULT_REAUDIT_DAYS = 90


def _text(value) -> str:
    return (value or "").strip()


# --- Who may work on an audit's checklist ---------------------------------------------------------------------


def _require_team(actor, audit: Audit, what: str) -> None:
    authorize(actor, MODULE, "edit", audit.site_id)
    if is_system(actor) or is_auditing(actor, audit):
        return
    raise PermissionDenied(f"Only the audit team (lead auditor and auditors) of {audit.number} may {what}.")


def _require_team_or_manager(actor, audit: Audit, what: str) -> None:
    authorize(actor, MODULE, "edit", audit.site_id)
    if is_system(actor) or is_auditing(actor, audit) or has_perm(actor, MODULE, "approve", audit.site_id):
        return
    raise PermissionDenied(f"Only the audit team of {audit.number} or the programme manager may {what}.")


def _checklist_open(audit: Audit) -> None:
    if audit.status not in EDITABLE_CHECKLIST_STATES:
        raise ValidationError(
            f"The checklist of {audit.number} is changed while the audit is prepared or in progress "
            f"(it is {audit.get_status_display().lower()})."
        )


# --- Question templates ------------------------------------------------------------------------------------------


@transaction.atomic
def question_template_create(*, actor, clause, text: str, guidance: str = "", order: int = 0,
                             active: bool = True) -> QuestionTemplate:
    authorize(actor, MODULE, "administer")
    if not _text(text):
        raise ValidationError({"text": "Write the question."})
    return record_create(
        actor, QuestionTemplate(clause=clause, text=_text(text), guidance=_text(guidance), order=order or 0,
                                active=active),
        event="audits.question_template_created",
    )


@transaction.atomic
def question_template_update(*, actor, template: QuestionTemplate, version=None, reason: str = "",
                             **fields) -> QuestionTemplate:
    authorize(actor, MODULE, "administer")
    refuse_unknown_fields(fields, TEMPLATE_FIELDS)
    if "text" in fields:
        fields["text"] = _text(fields["text"])
        if not fields["text"]:
            raise ValidationError({"text": "Write the question."})
    return record_update(actor, template, event="audits.question_template_updated", changes=fields,
                         expected_version=version, reason=reason)


# --- Finding grades ----------------------------------------------------------------------------------------------


def _grade_rules(fields: dict) -> None:
    if fields.get("raises_nonconformity") and not fields.get("is_nonconformity"):
        raise ValidationError({"raises_nonconformity": "Only a nonconformity grade raises a nonconformity."})
    if fields.get("severity"):
        from qualitas.capa.models import Severity

        if not Severity.objects.filter(code=fields["severity"]).exists():
            raise ValidationError({"severity": f"Unknown nonconformity severity {fields['severity']!r}."})


@transaction.atomic
def grade_create(*, actor, code: str, label: str, **fields) -> FindingGrade:
    authorize(actor, MODULE, "administer")
    refuse_unknown_fields(fields, GRADE_FIELDS)
    if FindingGrade.objects.filter(code=code).exists():
        raise ValidationError({"code": f"A grade {code!r} exists already."})
    grade = FindingGrade(code=code, label=_text(label), **fields)
    _grade_rules({f.name: getattr(grade, f.name) for f in grade._meta.concrete_fields})
    return record_create(actor, grade, event="audits.finding_grade_created")


@transaction.atomic
def grade_update(*, actor, grade: FindingGrade, version=None, reason: str = "", **fields) -> FindingGrade:
    authorize(actor, MODULE, "administer")
    refuse_unknown_fields(fields, GRADE_FIELDS)
    merged = {f.name: getattr(grade, f.name) for f in grade._meta.concrete_fields} | fields
    _grade_rules(merged)
    return record_update(actor, grade, event="audits.finding_grade_updated", changes=fields,
                         expected_version=version, reason=reason, action="configure")


# --- Checklist generation ---------------------------------------------------------------------------------------


def _clauses_in_scope(audit: Audit) -> list:
    """The clauses in scope in clause order, the standards of a combined audit side by side (ISO 9001
    8.1, ISO 14001 8.1, ISO 45001 8.1 …: the harmonized structure puts the same topic together)."""
    clauses = list(audit.clauses.select_related("edition__standard"))
    if not clauses and audit.process_id:
        clauses = list(audit.process.clauses.select_related("edition__standard"))
    return sorted(clauses, key=lambda c: (c.sort_key, int("".join(ch for ch in c.edition.standard.code
                                                                 if ch.isdigit()) or 0)))


def _templates_for(clause, templates: list[QuestionTemplate]) -> list[QuestionTemplate]:
    """The active templates of `clause` and of its sub-clauses (8.5 in scope covers 8.5.1 …)."""
    prefix = clause.sort_key + "."
    return [t for t in templates if t.clause.edition_id == clause.edition_id
            and (t.clause_id == clause.pk or t.clause.sort_key.startswith(prefix))]


def previous_audit(audit: Audit) -> Audit | None:
    """The last audit of the same subject before this one (not cancelled, past planning)."""
    others = Audit.objects.exclude(pk=audit.pk).exclude(status__in=("planned", "cancelled")).filter(
        subject=audit.subject, planned_start__lte=audit.planned_start)
    if audit.subject == "process":
        others = others.filter(process_id=audit.process_id)
    elif audit.subject == "supplier":
        others = others.filter(supplier__iexact=audit.supplier)
    elif audit.subject == "product":
        others = others.filter(product__iexact=audit.product)
    elif audit.subject == "site":
        others = others.filter(site_id=audit.site_id)
    else:
        others = others.filter(clauses__in=list(audit.clauses.values_list("pk", flat=True))).distinct()
    return others.order_by("-planned_start", "-pk").first()


def _wanted(actor, audit: Audit) -> list[dict]:
    """The questions the audit's scope asks for, in order, each with a key identifying where it comes from."""
    from qualitas.documents.selectors import document_list

    wanted: list[dict] = []
    templates = list(QuestionTemplate.objects.filter(active=True).select_related("clause"))
    seen_templates: set[int] = set()
    for clause in _clauses_in_scope(audit):
        matching = [t for t in _templates_for(clause, templates) if t.pk not in seen_templates]
        if matching:
            for template in matching:
                seen_templates.add(template.pk)
                wanted.append({"key": ("template", template.pk), "origin": "template", "template": template,
                               "clause": template.clause, "text": template.text, "guidance": template.guidance})
        elif not any(_templates_for(clause, templates)):
            wanted.append({
                "key": ("clause", clause.pk), "origin": "clause", "clause": clause,
                "text": f"{clause.edition.standard.code} {clause.number} {clause.title}: how is it met here, and "
                        "what shows that it is?",
                "guidance": clause.summary or "Ask for the documented information and sample the records.",
            })
    documents = {d.pk: d for d in audit.documents.all()}
    if audit.process_id:
        for document in document_list(actor, process_id=audit.process_id):
            documents.setdefault(document.pk, document)
    for document in sorted(documents.values(), key=lambda d: d.number):
        wanted.append({
            "key": ("document", document.pk), "origin": "document", "document": document,
            "text": f"Is {document.number} {document.title} followed as written, and are the records it asks "
                    "for kept?",
            "guidance": "Compare what is done with the effective revision; sample the records it defines.",
        })
    previous = previous_audit(audit)
    if previous is not None:
        for finding in previous.findings.exclude(status__in=("closed", "withdrawn")).select_related("grade"):
            wanted.append({
                "key": ("carried_over", finding.pk), "origin": "carried_over", "carried_from": finding,
                "clause": finding.clauses.first(),
                "text": f"Verify the correction of {finding.number} ({finding.grade.label.lower()}) from "
                        f"{previous.number}: {finding.title}",
                "guidance": " ".join(p for p in (finding.statement, f"Response: {finding.response}"
                                                 if finding.response else "") if p),
            })
    return wanted


def _key_of(question: ChecklistQuestion):
    return {
        "template": ("template", question.template_id),
        "clause": ("clause", question.clause_id),
        "document": ("document", question.document_id),
        "carried_over": ("carried_over", question.carried_from_id),
    }.get(question.origin)


@transaction.atomic
def checklist_generate(*, actor, audit: Audit) -> dict:
    """Build or refresh the audit's checklist from the clauses in scope (their templates, or one
    question per clause), the criteria documents and the process's documents, and the previous
    audit's findings not closed (carried over for verification). Idempotent: answered questions and
    questions the auditor added are kept; a generated question no longer in scope is removed if it
    is unanswered. Returns {"added": n, "removed": n, "kept": n}.

    Called on entering "prepared" (inside the runner's transaction, with the in-memory audit whose
    status is already the new one), and from the checklist page while prepared or in progress."""
    authorize(actor, MODULE, "edit", audit.site_id)
    _checklist_open(audit)
    existing = list(audit.questions.all())
    by_key = {_key_of(q): q for q in existing if _key_of(q) is not None}
    wanted = _wanted(actor, audit)
    wanted_keys = {item["key"] for item in wanted}
    removed = []
    for question in existing:
        key = _key_of(question)
        if key is not None and key not in wanted_keys and not question.answer and not question.findings.exists():
            removed.append(question)
    next_order = (max((q.order for q in existing), default=0) // 10 + 1) * 10
    added = 0
    for item in wanted:
        if item["key"] in by_key:
            continue
        fields = {k: v for k, v in item.items() if k not in ("key",)}
        record_create(actor, ChecklistQuestion(audit=audit, order=next_order, **fields),
                      event="audits.question_added")
        next_order += 10
        added += 1
    for question in removed:
        _remove(actor, audit, question, note="no longer in the audit's scope")
    kept = len(existing) - len(removed)
    if added or removed:
        record(actor, "update", "audits.checklist_generated", instance=audit,
               changes={"Checklist questions": [len(existing), kept + added],
                        "Generated": [None, f"{added} added, {len(removed)} removed, {kept} kept"]})
    return {"added": added, "removed": len(removed), "kept": kept}


# --- Editing the checklist ----------------------------------------------------------------------------------


def _lock_audit(audit: Audit) -> Audit:
    from qualitas.audits.selectors import audit_for_update

    return audit_for_update(audit)


@transaction.atomic
def question_add(*, actor, audit: Audit, text: str, guidance: str = "", clause=None, after=None) -> ChecklistQuestion:
    """A question the auditor adds to the checklist (at the end, or after question `after`)."""
    audit = _lock_audit(audit)
    _require_team_or_manager(actor, audit, "change the checklist")
    _checklist_open(audit)
    if not _text(text):
        raise ValidationError({"text": "Write the question."})
    order = (audit.questions.aggregate(m=Max("order"))["m"] or 0) + 10
    question = record_create(
        actor, ChecklistQuestion(audit=audit, order=order, origin="added", text=_text(text),
                                 guidance=_text(guidance), clause=clause),
        event="audits.question_added",
    )
    if after is not None:
        return question_move(actor=actor, question=question, position=_position_of(audit, after) + 1)
    return question


def _position_of(audit: Audit, question: ChecklistQuestion) -> int:
    ids = list(audit.questions.order_by("order", "pk").values_list("pk", flat=True))
    return ids.index(question.pk) if question.pk in ids else len(ids)


def _remove(actor, audit: Audit, question: ChecklistQuestion, note: str) -> None:
    record(actor, "update", "audits.question_removed", instance=audit,
           changes={"Checklist question": [question.text[:300], None]}, reason=note)
    question.delete()


@transaction.atomic
def question_remove(*, actor, question: ChecklistQuestion, reason: str = "") -> None:
    audit = _lock_audit(question.audit)
    _require_team_or_manager(actor, audit, "change the checklist")
    _checklist_open(audit)
    question = ChecklistQuestion.objects.select_for_update().filter(pk=question.pk).order_by("pk").first() or question
    if question.answer:
        raise ValidationError("An answered question stays on the checklist; answer it “not applicable” instead.")
    if question.findings.exists():
        raise ValidationError("A question with a finding stays on the checklist.")
    from qualitas.core.files.models import Attachment

    if Attachment.objects.filter(record_type="audits.checklistquestion", record_id=str(question.pk)).exists():
        raise ValidationError("A question with evidence attached stays on the checklist.")
    _remove(actor, audit, question, note=_text(reason) or "removed by the auditor")


@transaction.atomic
def question_move(*, actor, question: ChecklistQuestion, position: int) -> ChecklistQuestion:
    """Put the question at `position` (0 = first) and renumber the checklist in steps of 10."""
    audit = _lock_audit(question.audit)
    _require_team_or_manager(actor, audit, "change the checklist")
    _checklist_open(audit)
    questions = list(audit.questions.select_for_update().order_by("order", "pk"))
    current = next((q for q in questions if q.pk == question.pk), None)
    if current is None:
        raise ValidationError("The question is not on this checklist.")
    before = questions.index(current)
    position = max(0, min(int(position), len(questions) - 1))
    if position == before:
        return current
    questions.remove(current)
    questions.insert(position, current)
    for index, item in enumerate(questions):
        order = (index + 1) * 10
        if item.order != order:
            ChecklistQuestion.objects.filter(pk=item.pk).update(order=order)
            item.order = order
    record(actor, "update", "audits.question_moved", instance=audit,
           changes={"Question position": [before + 1, position + 1], "Question": [None, current.text[:200]]})
    question.order = current.order
    return current


@transaction.atomic
def question_answer(*, actor, question: ChecklistQuestion, version: int | None, answer: str | None = None,
                    notes: str | None = None) -> ChecklistQuestion:
    """Record the answer (conforming, finding, not applicable) and/or the notes of one question, as
    given. `None` leaves a value unchanged; the version is checked (optimistic locking)."""
    audit = question.audit
    _require_team(actor, audit, "answer the checklist")
    if audit.status != "in_progress":
        raise ValidationError(f"Answers are recorded while the audit is in progress (it is "
                              f"{audit.get_status_display().lower()}).")
    changes: dict = {}
    if answer is not None:
        if answer not in ANSWER_CODES:
            raise ValidationError({"answer": "Answer conforming, finding or not applicable."})
        changes["answer"] = answer
    if notes is not None:
        changes["notes"] = notes.strip()[:20000]
    if not changes:
        return question
    current = ChecklistQuestion.objects.filter(pk=question.pk).values("answer", "notes").first() or {}
    if any(current.get(name) != value for name, value in changes.items()):
        changes.update(answered_by=actor, answered_at=timezone.now())
    return record_update(actor, question, event="audits.question_answered", changes=changes,
                         expected_version=version)


# --- Findings ---------------------------------------------------------------------------------------------------


def _number() -> str:
    from qualitas.core.numbering.services import next_number

    return next_number("audits.finding")


def _default_auditee(audit: Audit, process):
    if process is not None and process.owner_id and process.owner.is_active:
        return process.owner
    first = audit.auditees.select_related("person").first()
    return first.person if first else None


@transaction.atomic
def finding_create(*, actor, audit: Audit, grade: FindingGrade, title: str, statement: str, evidence: str = "",
                   clauses=(), process=None, auditee=None, question: ChecklistQuestion | None = None) -> Finding:
    """Record a finding of the audit (from a question answered "finding", or directly). A grade that
    raises a nonconformity raises one in the improvement module (linked, source "audit finding"),
    with the response due `audit.response_days` from today and a task for the auditee; a grade that
    schedules a re-audit plans one in the programme."""
    audit = _lock_audit(audit)
    _require_team(actor, audit, "record findings")
    if audit.status != "in_progress":
        raise ValidationError(f"Findings are recorded while the audit is in progress (it is "
                              f"{audit.get_status_display().lower()}).")
    if not grade.active:
        raise ValidationError({"grade": "This grade is no longer in use."})
    title, statement = " ".join(_text(title).split()), _text(statement)
    if not title:
        raise ValidationError({"title": "Give the finding a short title."})
    if not statement:
        raise ValidationError({"statement": "State what was found, against which requirement."})
    if question is not None:
        if question.audit_id != audit.pk:
            raise ValidationError({"question": "The question belongs to another audit."})
        if question.answer != "finding":
            raise ValidationError({"question": "Answer the question “finding” first."})
    clauses = list(clauses)
    if not clauses and question is not None and question.clause_id:
        clauses = [question.clause]
    _clauses_of_audit(audit, clauses)
    if grade.is_nonconformity and not clauses:
        raise ValidationError({"clauses": "A nonconformity names the clause(s) it is against."})
    process = process if process is not None else audit.process
    auditee = auditee or _default_auditee(audit, process)
    if grade.needs_response and auditee is None:
        raise ValidationError({"auditee": "Name the auditee who responds to this finding."})
    today = timezone.localdate()
    finding = record_create(
        actor,
        Finding(number=_number(), audit=audit, grade=grade, question=question, title=title, statement=statement,
                evidence=_text(evidence), process=process, auditee=auditee, created_by=actor,
                response_due=today + dt.timedelta(days=audit.response_days) if grade.needs_response else None),
        event="audits.finding_recorded",
        extra_changes={"Clauses": [None, [c.reference for c in clauses]]} if clauses else None,
    )
    finding.clauses.set(clauses)
    if grade.raises_nonconformity:
        _raise_nonconformity(actor, finding, clauses)
    if grade.needs_response and auditee is not None and auditee.is_active:
        _auditee_task(actor, finding)
    if grade.schedules_reaudit:
        _schedule_reaudit(actor, finding)
    return finding


def _clauses_of_audit(audit: Audit, clauses) -> None:
    """A finding's clauses are of the standards the audit is against (a combined audit: several)."""
    standards = {s.pk: s.code for s in audit.standards.all()}
    stray = [c for c in clauses if standards and c.edition.standard_id not in standards]
    if stray:
        raise ValidationError({"clauses": f"{stray[0].reference} is not of a standard of {audit.number} "
                                          f"({', '.join(sorted(standards.values()))})."})


def _raise_nonconformity(actor, finding: Finding, clauses) -> None:
    from qualitas.capa.models import Severity
    from qualitas.core.raising import raise_from

    grade = finding.grade
    severity = Severity.objects.filter(code=grade.severity, active=True).first() if grade.severity else None
    references = ", ".join(c.reference for c in clauses)
    description = "\n\n".join(p for p in (
        finding.statement, f"Evidence: {finding.evidence}" if finding.evidence else "",
        f"Requirement: {references}" if references else "",
        f"{grade.label} of audit {finding.audit.number}; response due {finding.response_due}."
        if finding.response_due else f"{grade.label} of audit {finding.audit.number}.",
    ) if p)
    fields = {"title": f"{finding.number}: {finding.title}"[:300], "description": description, "nc_type": "system",
              "site": finding.audit.site, "process": finding.process, "detected_on": timezone.localdate()}
    if finding.auditee is not None and finding.auditee.is_active:
        fields["owner"] = finding.auditee
    if not is_system(actor):
        fields["detected_by"] = actor
    elif "owner" not in fields:
        fields["owner"] = finding.audit.lead_auditor
    if severity is not None:
        fields["severity"] = severity
    raise_from(actor=actor, record=finding, raising="nonconformity", **fields)


def _auditee_task(actor, finding: Finding) -> None:
    from qualitas.core.tasks.services import task_create

    due = finding.response_due if finding.response_due and finding.response_due >= timezone.localdate() else None
    task_create(
        actor=actor, assignee=finding.auditee, kind="action", instance=finding, due=due,
        title=f"Respond to audit finding {finding.number}",
        description=f"{finding.grade.label}: {finding.title}. Give the correction, the cause and the corrective "
                    "action.",
        key=f"audits.finding:{finding.pk}:respond", manual_completion=False,
    )


def _schedule_reaudit(actor, finding: Finding) -> None:
    """A re-audit of the same subject in the programme, planned `reaudit_days` after the audit; one per
    audit (a second major finding joins the re-audit already planned)."""
    audit = finding.audit
    sibling = audit.findings.exclude(pk=finding.pk).filter(reaudit__status="planned").select_related("reaudit")
    reaudit = sibling.first().reaudit if sibling.exists() else None
    if reaudit is None:
        reaudit = _create_reaudit(actor, audit, finding)
    record_update(actor, finding, event="audits.reaudit_scheduled", changes={"reaudit": reaudit})


def _create_reaudit(actor, audit: Audit, finding: Finding) -> Audit:
    """Plan the re-audit through the audit record's service, in the programme of its year (the same
    programme, or the site's programme of the next year when it falls after the year's end). The team
    is chosen when it is prepared, so no lead auditor is assigned here."""
    from qualitas.audits.models import Programme
    from qualitas.audits.services import audit_create

    days = finding.grade.reaudit_days or DEFAULT_REAUDIT_DAYS
    start = (audit.actual_end or audit.planned_end or timezone.localdate()) + dt.timedelta(days=days)
    programme = audit.programme
    if programme is not None and programme.year != start.year:
        programme = Programme.objects.filter(year=start.year, site=programme.site).first()
    clauses = list(finding.clauses.all())
    standards = list(audit.standards.filter(pk__in={c.edition.standard_id for c in clauses})) or list(
        audit.standards.all())
    return audit_create(
        actor=actor, title=f"Re-audit: {audit.title}"[:300], programme=programme, kind=audit.kind,
        subject=audit.subject, process=audit.process, site=audit.site, department=audit.department,
        supplier=audit.supplier, product=audit.product, method=audit.method, planned_start=start,
        planned_end=start, response_days=audit.response_days, criteria=audit.criteria, standards=standards,
        clauses=clauses,
        scope=f"Re-audit to verify the correction of {finding.number} ({finding.grade.label.lower()}) of "
              f"{audit.number}. {audit.scope}"[:5000],
    )


@transaction.atomic
def finding_update(*, actor, finding: Finding, version=None, reason: str = "", clauses=None, **fields) -> Finding:
    """Correct a finding while it is open (grade, wording, evidence, clauses, process, auditee)."""
    _require_team(actor, finding.audit, "change findings")
    refuse_unknown_fields(fields, FINDING_FIELDS)
    if finding.status != "open":
        raise ValidationError("A finding is changed while it is open.")
    extra = None
    if clauses is not None:
        clauses = list(clauses)
        _clauses_of_audit(finding.audit, clauses)
        before = sorted(c.reference for c in finding.clauses.all())
        after = sorted(c.reference for c in clauses)
        extra = {"Clauses": [before, after]} if before != after else None
    finding = record_update(actor, finding, event="audits.finding_updated", changes=fields, expected_version=version,
                            reason=reason, extra_changes=extra)
    if clauses is not None:
        finding.clauses.set(list(clauses))
    return finding


def finding_respond(*, actor, finding: Finding, response: str, version=None) -> Finding:
    """The auditee's response: correction, cause and corrective action (workflow step "respond")."""
    response = _text(response)
    if not response:
        raise ValidationError({"response": "Give the correction, the cause and the corrective action."})
    return engine.perform(actor=actor, instance=finding, transition="respond", expected_version=version,
                          changes={"response": response[:20000]})


def finding_verify(*, actor, finding: Finding, verification: str, version=None) -> Finding:
    """The auditor verifies the correction at follow-up (workflow step "verify")."""
    verification = _text(verification)
    if not verification:
        raise ValidationError({"verification": "Say how the correction was verified: what was seen."})
    return engine.perform(actor=actor, instance=finding, transition="verify", expected_version=version,
                          changes={"verification": verification[:20000]})


def finding_transition(*, actor, finding: Finding, transition: str, reason: str = "", version=None) -> Finding:
    """Any other step: response not accepted (reason), close, withdraw (reason)."""
    if transition in ("respond", "verify"):
        raise ValidationError({"transition": f"“{transition}” is recorded with its own text (respond / verify)."})
    return engine.perform(actor=actor, instance=finding, transition=transition, expected_version=version,
                          reason=reason)


# --- Follow-ups of the finding workflow (called by the runner through guards_checklists) --------------------------


def finding_tasks_after(actor, finding: Finding) -> None:
    from qualitas.core.tasks.services import tasks_cancel_for, tasks_complete_for

    if finding.status == "responded":
        tasks_complete_for(finding, "action", actor=actor, note="response recorded")
    elif finding.status == "open" and finding.auditee_id and finding.auditee.is_active:
        _auditee_task(actor, finding)  # the response was not accepted: respond again
    elif finding.status in ("verified", "closed"):
        tasks_complete_for(finding, "action", actor=actor, note=f"finding {finding.get_status_display().lower()}")
    elif finding.status == "withdrawn":
        tasks_cancel_for(finding, actor=actor, reason="finding withdrawn")


def unsettled_findings(audit: Audit) -> list[Finding]:
    return list(audit.findings.filter(grade__needs_response=True).exclude(status__in=SETTLED_FINDING_STATES)
                .order_by("number"))


def unanswered_count(audit: Audit) -> int:
    return audit.questions.filter(Q(answer="") | Q(answer__isnull=True)).count()
