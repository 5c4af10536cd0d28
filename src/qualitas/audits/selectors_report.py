"""The audit report (ISO 19011 6.5), compiled from the audit record: scope, criteria, standards, team
and auditees, dates, method, summary and conclusion, findings by grade and by clause, the checklist's
answers and the lead auditor's signature. One JSON-safe dict, shared by the report page, its PDF, the
API and the record export, so they always agree.

Reads only: the audit comes through `audit_get` (scoped and authorised); who the report goes to
(auditees and top management) is computed here for the distribution service."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Q

from qualitas.audits.models import Audit, Finding, FindingGrade
from qualitas.core.signatures.selectors import signatures_of

# The signature the "report" step takes (states.py).
REPORT_MEANING = "approved"
REPORT_TRANSITION = "report"
# States in which the report is issued (signed); before them it is a draft.
ISSUED_STATES = ("reported", "follow_up", "closed")
# States in which the lead auditor writes the summary and the conclusion.
EDITABLE_STATES = ("in_progress",)
# The role of the people who receive every audit report as top management. No built-in role is called
# so (accounts.roles): an administrator may create one with this code; until then the programme's
# manager and the quality managers receive the report on top management's behalf.
TOP_MANAGEMENT_ROLE = "top-management"
FALLBACK_ROLE = "quality-manager"


def clause_label(clause) -> str:
    """Standard and clause number, e.g. "ISO 9001 8.5.1" (the clause's edition is in `clause_title`)."""
    return f"{clause.edition.standard.code} {clause.number}"


def _iso(value):
    return value.isoformat() if value else None


def _utc(value):
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else None


def dates_text(audit: Audit) -> str:
    """When the audit was planned and, once started, when it was held."""
    def span(start, end) -> str:
        if start and end and start != end:
            return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
        return f"{(start or end):%Y-%m-%d}" if (start or end) else "—"

    text = f"planned {span(audit.planned_start, audit.planned_end)}"
    if audit.actual_start or audit.actual_end:
        text = f"held {span(audit.actual_start, audit.actual_end)} ({text})"
    return text


def lead_auditor_of(audit: Audit):
    """The audit's lead auditor: the audit's own field, else the team member in the lead role."""
    if audit.lead_auditor_id:
        return audit.lead_auditor
    member = audit.team.filter(role="lead").select_related("person").first()
    return member.person if member else None


def report_signature(audit: Audit):
    """The lead auditor's signature taken by the "report" step (the newest, if the step was ever
    repeated), marked valid only while the signed content is unchanged; None before the report."""
    signed = [s for s in signatures_of(audit) if s.meaning == REPORT_MEANING and s.transition == REPORT_TRANSITION]
    return signed[-1] if signed else None


def is_draft(audit: Audit) -> bool:
    return audit.status not in ISSUED_STATES


def may_edit_report(actor, audit: Audit) -> str | None:
    """Why `actor` may not write the summary and conclusion now, or None when they may."""
    if audit.status not in EDITABLE_STATES:
        return "The summary and conclusion are written while the audit is in progress; the report is " + (
            "signed already." if audit.status in ISSUED_STATES else "not started yet."
        )
    lead = lead_auditor_of(audit)
    if lead is None:
        return "The audit has no lead auditor: only the lead auditor writes the report."
    if lead.pk != actor.pk:
        return f"Only the lead auditor, {lead.display_name}, writes the summary and conclusion."
    return None


def _findings(audit: Audit) -> list[Finding]:
    return list(
        audit.findings.exclude(status="withdrawn")
        .select_related("grade", "process", "auditee")
        .prefetch_related("clauses__edition__standard")
        .order_by("grade__order", "number")
    )


def _question_counts(audit: Audit) -> dict:
    counts = audit.questions.order_by().aggregate(
        total=Count("pk"),
        conforming=Count("pk", filter=Q(answer="conforming")),
        finding=Count("pk", filter=Q(answer="finding")),
        not_applicable=Count("pk", filter=Q(answer="na")),
    )
    counts["answered"] = counts["conforming"] + counts["finding"] + counts["not_applicable"]
    counts["unanswered"] = counts["total"] - counts["answered"]
    return counts


def _finding_row(finding: Finding) -> dict:
    clauses = sorted(finding.clauses.all(), key=lambda c: (c.edition.standard.code, c.sort_key))
    return {
        "id": finding.pk,
        "number": finding.number,
        "title": finding.title,
        "grade": finding.grade.code,
        "grade_label": finding.grade.label,
        "grade_colour": finding.grade.colour,
        "is_nonconformity": finding.grade.is_nonconformity,
        "statement": finding.statement,
        "evidence": finding.evidence,
        "clauses": [clause_label(c) for c in clauses],
        "clause_titles": [f"{clause_label(c)} {c.title}" for c in clauses],
        "process": str(finding.process) if finding.process_id else "",
        "auditee": finding.auditee.display_name if finding.auditee_id else "",
        "response_due": _iso(finding.response_due),
        "status": finding.status,
        "status_label": finding.get_status_display(),
    }


def _by_grade(findings: list[Finding]) -> list[dict]:
    counts = Counter(f.grade_id for f in findings)
    return [
        {"code": g.code, "label": g.label, "colour": g.colour, "is_nonconformity": g.is_nonconformity,
         "count": counts.get(g.pk, 0)}
        for g in FindingGrade.objects.order_by("order", "code")
        if g.active or counts.get(g.pk)
    ]


def _by_clause(findings: list[Finding]) -> list[dict]:
    """Per clause (standard + number): how many findings, and how many of each grade."""
    rows: dict[int, dict] = {}
    for finding in findings:
        for clause in finding.clauses.all():
            row = rows.setdefault(clause.pk, {
                "clause": clause_label(clause), "title": clause.title, "standard": clause.edition.standard.code,
                "sort": (clause.edition.standard.code, clause.sort_key), "count": 0, "grades": {},
                "findings": [],
            })
            row["count"] += 1
            row["grades"][finding.grade.label] = row["grades"].get(finding.grade.label, 0) + 1
            row["findings"].append(finding.number)
    result = sorted(rows.values(), key=lambda r: r["sort"])
    for row in result:
        row.pop("sort")
    return result


def _signature_dict(signature) -> dict | None:
    if signature is None:
        return None
    return {
        "signer": signature.signer_name,
        "username": signature.signer_username,
        "meaning": signature.meaning,
        "meaning_label": signature.get_meaning_display(),
        "signed_at": signature.signed_at.isoformat(),
        "signed_at_utc": _utc(signature.signed_at),
        "comment": signature.comment,
        "valid": signature.is_valid,
        "invalid_reason": signature.invalid_reason,
    }


def report_data(actor, audit: Audit) -> dict:
    """Everything the report says, JSON-safe. `audit` comes from `audit_get(actor, …)`."""
    audit = (
        Audit.objects.select_related("programme", "process", "site", "department", "lead_auditor")
        .prefetch_related("standards", "clauses__edition__standard", "documents")
        .filter(pk=audit.pk)
        .first()
    )
    findings = _findings(audit)
    lead = lead_auditor_of(audit)
    signature = report_signature(audit)
    team = list(audit.team.select_related("person").order_by("role", "pk"))
    clauses = sorted(audit.clauses.all(), key=lambda c: (c.edition.standard.code, c.sort_key))
    return {
        "id": audit.pk,
        "number": audit.number,
        "title": audit.title,
        "status": audit.status,
        "status_label": audit.get_status_display(),
        "draft": is_draft(audit),
        "kind": audit.kind,
        "kind_label": audit.get_kind_display(),
        "subject": audit.subject,
        "subject_label": audit.get_subject_display(),
        "programme": str(audit.programme) if audit.programme_id else "",
        "audited": {
            "process": str(audit.process) if audit.process_id else "",
            "site": str(audit.site) if audit.site_id else "",
            "department": str(audit.department) if audit.department_id else "",
            "supplier": audit.supplier,
            "product": audit.product,
        },
        "scope": audit.scope,
        "objectives": audit.objectives,
        "criteria": audit.criteria,
        "standards": [{"code": s.code, "title": s.title} for s in audit.standards.all()],
        "combined": len(audit.standards.all()) > 1,
        "clauses": [{"clause": clause_label(c), "title": c.title} for c in clauses],
        "documents": [{"number": d.number, "title": d.title} for d in audit.documents.all()],
        "method": audit.method,
        "method_label": audit.get_method_display(),
        "dates": {
            "planned_start": _iso(audit.planned_start),
            "planned_end": _iso(audit.planned_end),
            "actual_start": _iso(audit.actual_start),
            "actual_end": _iso(audit.actual_end),
            "reported_at": _iso(audit.reported_at),
            "reported_at_utc": _utc(audit.reported_at),
            "closed_at": _iso(audit.closed_at),
        },
        "dates_text": dates_text(audit),
        "lead_auditor": lead.display_name if lead else "",
        "team": [{"name": m.person.display_name, "role": m.role, "role_label": m.get_role_display()} for m in team],
        "auditees": [{"name": a.person.display_name, "function": a.function}
                     for a in audit.auditees.select_related("person")],
        "summary": audit.summary,
        "conclusion": audit.conclusion,
        "questions": _question_counts(audit),
        "findings": [_finding_row(f) for f in findings],
        "findings_by_grade": _by_grade(findings),
        "findings_by_clause": _by_clause(findings),
        "nonconformities": sum(1 for f in findings if f.grade.is_nonconformity),
        "signature": _signature_dict(signature),
        "recipients": [
            {"name": r.person.display_name, "reason": r.reason, "sent_at": r.sent_at.isoformat(),
             "sent_at_utc": _utc(r.sent_at)}
            for r in audit.report_recipients.select_related("person").order_by("sent_at", "pk")
        ],
    }


def report_overview(audit: Audit) -> dict:
    """What the report's card on the audit page shows, in four queries: findings per grade, the
    checklist's answers, the lead auditor's signature and who the report went to."""
    rows = (audit.findings.exclude(status="withdrawn").order_by("grade__order", "grade__code")
            .values("grade__label", "grade__colour", "grade__is_nonconformity").annotate(n=Count("pk")))
    grades = [{"label": r["grade__label"], "colour": r["grade__colour"], "count": r["n"],
               "is_nonconformity": r["grade__is_nonconformity"]} for r in rows]
    lead = lead_auditor_of(audit)
    return {
        "draft": is_draft(audit),
        "lead_auditor": lead.display_name if lead else "",
        "findings_by_grade": grades,
        "findings": sum(g["count"] for g in grades),
        "questions": _question_counts(audit),
        "signature": _signature_dict(report_signature(audit)),
        "recipients": [r.person.display_name for r in audit.report_recipients.select_related("person")],
        "conclusion": audit.conclusion,
    }


def export_section(instance, actor=None):
    """The report of an audit in its record export (None for other records)."""
    if not isinstance(instance, Audit):
        return None
    return report_data(actor, instance)


# --- Distribution ---------------------------------------------------------------------------------------


def top_management(audit: Audit) -> tuple[list, str]:
    """The people who receive the report as top management, and on what basis ("role top-management"
    or "programme manager and quality managers"). Holders of a role at every site or at the audit's site."""
    from qualitas.accounts.models import Role, User

    role = Role.objects.filter(code=TOP_MANAGEMENT_ROLE, active=True).first()
    code, basis = (TOP_MANAGEMENT_ROLE, "holders of the top-management role") if role else (
        FALLBACK_ROLE, "the programme manager and the quality managers (no top-management role is defined)")
    site_filter = Q(role_assignments__site__isnull=True)
    if audit.site_id:
        site_filter |= Q(role_assignments__site_id=audit.site_id)
    people = list(
        User.objects.people()
        .filter(Q(role_assignments__role__code=code, role_assignments__role__active=True) & site_filter)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    if role is None and audit.programme_id and audit.programme.manager.is_active:
        manager = audit.programme.manager
        people = [manager] + [p for p in people if p.pk != manager.pk]
    return people, basis


def distribution_list(audit: Audit) -> list[tuple[object, str]]:
    """(person, reason) for every auditee and every member of top management, each person once."""
    seen: set[int] = set()
    result = []
    for auditee in audit.auditees.select_related("person"):
        if auditee.person.is_active and auditee.person.pk not in seen:
            seen.add(auditee.person.pk)
            result.append((auditee.person, "auditee"))
    for person in top_management(audit)[0]:
        if person.pk not in seen:
            seen.add(person.pk)
            result.append((person, "top management"))
    return result

