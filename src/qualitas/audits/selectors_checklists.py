"""Reads of checklists, question templates, finding grades and findings, scoped to what the person
may see (the audit's site: findings and questions of audits without a site are seen by everyone with
the view right)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qualitas.audits.models import AUDITING_ROLES, Audit, ChecklistQuestion, Finding, FindingGrade, QuestionTemplate
from qualitas.core.permissions import authorize, has_perm, visible_to

MODULE = "audits"
OPEN_FINDING_STATES = ("open", "responded")


# --- Templates and grades --------------------------------------------------------------------------------------


def question_templates(actor, *, clause_id=None, edition_id=None, query: str = "", active: bool | None = None
                       ) -> QuerySet[QuestionTemplate]:
    authorize(actor, MODULE, "view")
    templates = QuestionTemplate.objects.select_related("clause__edition__standard")
    if clause_id:
        templates = templates.filter(clause_id=clause_id)
    if edition_id:
        templates = templates.filter(clause__edition_id=edition_id)
    if query:
        templates = templates.filter(Q(text__icontains=query) | Q(clause__number__startswith=query))
    if active is not None:
        templates = templates.filter(active=active)
    return templates.order_by("clause__edition__standard__code", "clause__sort_key", "order", "pk")


def question_template_get(actor, pk) -> QuestionTemplate:
    found = question_templates(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such question template.")
    return found


def grades(actor, *, active_only: bool = False) -> QuerySet[FindingGrade]:
    authorize(actor, MODULE, "view")
    found = FindingGrade.objects.all()
    return found.filter(active=True) if active_only else found


def grade_get(actor, code: str) -> FindingGrade:
    found = grades(actor).filter(code=(code or "")[:30]).first()
    if found is None:
        raise Http404("No such finding grade.")
    return found


def grade_by_id(actor, pk) -> FindingGrade:
    found = grades(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such finding grade.")
    return found


# --- Checklists --------------------------------------------------------------------------------------------


def questions_visible(actor) -> QuerySet[ChecklistQuestion]:
    authorize(actor, MODULE, "view")
    return visible_to(actor, ChecklistQuestion.objects.select_related("audit", "audit__site"), MODULE,
                      site_field="audit__site")


def question_get(actor, pk) -> ChecklistQuestion:
    found = questions_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such checklist question.")
    return found


def checklist_of(actor, audit: Audit) -> list[ChecklistQuestion]:
    """The audit's questions in order, with what each came from, who answered and its findings and
    evidence count (a constant number of queries)."""
    from qualitas.core.files.models import Attachment

    authorize(actor, MODULE, "view", audit.site_id)
    questions = list(
        audit.questions.select_related("clause__edition__standard", "document", "carried_from__audit",
                                       "carried_from__grade", "answered_by", "template")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.select_related("grade")))
        .order_by("order", "pk")
    )
    counts = dict(
        Attachment.objects.filter(record_type="audits.checklistquestion", withdrawn_at__isnull=True,
                                  record_id__in=[str(q.pk) for q in questions])
        .values_list("record_id").annotate(n=Count("pk")).order_by()
    )
    for question in questions:
        question.evidence_count = counts.get(str(question.pk), 0)
    return questions


def progress(questions) -> dict:
    """How far the checklist is: answered of total, by answer."""
    total = len(questions)
    by_answer = {"conforming": 0, "finding": 0, "na": 0}
    for question in questions:
        if question.answer in by_answer:
            by_answer[question.answer] += 1
    answered = sum(by_answer.values())
    return {"total": total, "answered": answered, "open": total - answered, **by_answer,
            "percent": round(100 * answered / total) if total else 0}


def audit_progress(audit: Audit) -> dict:
    rows = dict(audit.questions.values_list("answer").annotate(n=Count("pk")).order_by())
    total = sum(rows.values())
    answered = total - rows.get("", 0)
    return {"total": total, "answered": answered, "open": total - answered,
            "conforming": rows.get("conforming", 0), "finding": rows.get("finding", 0), "na": rows.get("na", 0),
            "percent": round(100 * answered / total) if total else 0}


def evidence_of(actor, question: ChecklistQuestion):
    from qualitas.core.files.selectors import attachments_of

    _, attachments = attachments_of(actor, "audits.checklistquestion", question.pk, include_withdrawn=False)
    return list(attachments)


# --- Findings ---------------------------------------------------------------------------------------------------


def findings_visible(actor) -> QuerySet[Finding]:
    authorize(actor, MODULE, "view")
    return visible_to(actor, Finding.objects.select_related("audit", "audit__site", "grade", "process",
                                                            "auditee"), MODULE, site_field="audit__site")


def finding_get(actor, pk) -> Finding:
    found = findings_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such finding.")
    return found


def finding_list(actor, *, audit_id=None, grade: str = "", status: str = "", clause_id=None, process_id=None,
                 overdue: bool = False, open_only: bool = False, query: str = "") -> QuerySet[Finding]:
    findings = findings_visible(actor)
    if audit_id:
        findings = findings.filter(audit_id=audit_id)
    if grade:
        findings = findings.filter(grade__code=grade)
    if status:
        findings = findings.filter(status=status)
    if clause_id:
        findings = findings.filter(clauses__id=clause_id)
    if process_id:
        findings = findings.filter(process_id=process_id)
    if open_only:
        findings = findings.filter(status__in=OPEN_FINDING_STATES)
    if overdue:
        findings = overdue_filter(findings)
    if query:
        findings = findings.filter(Q(number__icontains=query) | Q(title__icontains=query)
                                   | Q(statement__icontains=query))
    return (findings.prefetch_related(Prefetch("clauses", queryset=_clauses()))
            .distinct().order_by("-created_at", "-pk"))


def overdue_filter(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """Findings whose response is overdue: due before today and not yet responded to."""
    return findings.filter(status="open", grade__needs_response=True, response_due__lt=timezone.localdate())


def _clauses():
    from qualitas.standards.models import Clause

    return Clause.objects.select_related("edition__standard")


def findings_of(actor, audit: Audit) -> list[Finding]:
    authorize(actor, MODULE, "view", audit.site_id)
    return list(audit.findings.select_related("grade", "auditee", "process", "reaudit")
                .prefetch_related(Prefetch("clauses", queryset=_clauses())).order_by("grade__order", "number"))


def nonconformities_of(actor, finding: Finding) -> list:
    """The nonconformities raised from the finding that the person may see."""
    from qualitas.core import records
    from qualitas.core.links.selectors import linked

    if not has_perm(actor, "capa", "view"):
        return []
    pairs = [(key, pk) for key, pk in linked(finding) if key == "capa.nonconformity"]
    found = records.resolve_many(actor, pairs)
    return [found[pair] for pair in pairs if found.get(pair) is not None]


def verifications_of(finding: Finding) -> list[ChecklistQuestion]:
    """Questions of later audits that carry the finding over for verification."""
    return list(finding.verifications.select_related("audit").order_by("audit__planned_start", "pk"))


def is_auditing(actor, audit: Audit) -> bool:
    """The lead auditor or an auditor of the team (experts, observers and trainees do not answer)."""
    if getattr(actor, "pk", None) is None:
        return False
    if audit.lead_auditor_id == actor.pk:
        return True
    return audit.team.filter(person=actor, role__in=AUDITING_ROLES).exists()


def may_answer(actor, audit: Audit) -> bool:
    from qualitas.core.permissions import is_system

    return (audit.status == "in_progress" and has_perm(actor, MODULE, "edit", audit.site_id)
            and (is_system(actor) or is_auditing(actor, audit)))


def may_edit_checklist(actor, audit: Audit) -> bool:
    from qualitas.audits.services_checklists import EDITABLE_CHECKLIST_STATES

    if audit.status not in EDITABLE_CHECKLIST_STATES or not has_perm(actor, MODULE, "edit", audit.site_id):
        return False
    return is_auditing(actor, audit) or has_perm(actor, MODULE, "approve", audit.site_id)


def may_generate(actor, audit: Audit) -> bool:
    from qualitas.audits.services_checklists import EDITABLE_CHECKLIST_STATES

    return audit.status in EDITABLE_CHECKLIST_STATES and has_perm(actor, MODULE, "edit", audit.site_id)
