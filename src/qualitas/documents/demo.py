"""Demo documents for Acme Precision Parts: manual, policies, SOPs, work instructions, forms,
a specification and an external standard, in every lifecycle state. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD

# number hint, type, department, title, keywords, clauses (ISO 9001 numbers), final state
DOCUMENTS = [
    ("MAN", "QA", "Quality manual", "scope, context, processes, exclusions", ["4.1", "4.3", "4.4"], "revised"),
    ("POL", "QA", "Quality policy", "commitment, customer focus, objectives", ["5.2"], "effective"),
    ("POL", "EHS", "Environmental policy", "pollution prevention, compliance obligations", [], "effective"),
    ("POL", "EHS", "Occupational health and safety policy", "worker consultation, hazards, safe work", [], "effective"),
    (
        "SOP",
        "QA",
        "Control of documented information",
        "document control, records, retention, approval",
        ["7.5"],
        "effective",
    ),
    ("SOP", "QA", "Internal audit", "audit programme, auditor independence, findings", ["9.2"], "effective"),
    (
        "SOP",
        "QA",
        "Nonconformity and corrective action",
        "containment, root cause, CAPA, effectiveness",
        ["8.7", "10.2"],
        "revising",
    ),
    ("SOP", "QA", "Management review", "inputs, outputs, decisions", ["9.3"], "effective"),
    (
        "SOP",
        "PROD",
        "Production planning and control",
        "work orders, scheduling, traceability",
        ["8.1", "8.5"],
        "effective",
    ),
    (
        "SOP",
        "PUR",
        "Supplier evaluation and monitoring",
        "approved supplier list, scorecard, audits",
        ["8.4"],
        "in_review",
    ),
    ("SOP", "EHS", "Hazard identification and risk assessment", "hazards, hierarchy of controls, PPE", [], "effective"),
    ("SOP", "EHS", "Environmental aspects and impacts", "aspects, significance, life cycle", [], "scheduled"),
    ("WI", "PROD", "CNC lathe set-up", "lathe, tooling, first-off inspection, offsets", ["8.5"], "revised"),
    ("WI", "PROD", "Deburring of machined parts", "deburring, edge break, visual inspection", ["8.5"], "draft"),
    (
        "WI",
        "QA",
        "CMM measurement of turned parts",
        "coordinate measuring machine, probing, report",
        ["7.1", "8.6"],
        "effective",
    ),
    ("FRM", "QA", "Nonconformity report form", "NCR, disposition, containment", ["8.7"], "effective"),
    ("FRM", "HR", "Training record form", "competence, training, evaluation", ["7.2"], "effective"),
    (
        "SPEC",
        "ENG",
        "Raw material specification: aluminium 6061-T6",
        "alloy, certificate, hardness",
        ["8.4"],
        "effective",
    ),
    (
        "EXT",
        "QA",
        "ISO 2859-1 sampling procedures for inspection by attributes",
        "AQL, sampling, external",
        ["8.6"],
        "effective",
    ),
    (
        "SOP",
        "QA",
        "Calibration of measuring equipment (replaced by WI-QA-001)",
        "calibration, gauges",
        ["7.1"],
        "obsolete",
    ),
]


def content_for(title: str, keywords: str, revision: int = 1) -> str:
    extra = "\n6. Record the measured values in the inspection report." if revision > 1 else ""
    return f"""# {title}

## 1. Purpose
This document describes how Acme Precision Parts handles **{title.lower()}** so that results are consistent,
traceable and meet customer, legal and ISO requirements.

## 2. Scope
Applies to both sites (Springfield and Riverside) and to everyone who works on {keywords.split(",")[0]}.

## 3. Responsibilities
| Role | Responsibility |
|---|---|
| Process owner | Keeps this document current and effective |
| Supervisors | Make sure the team is trained and follows it |
| Employees | Follow it and report problems or ideas for improvement |

## 4. Procedure
1. Plan the work and check the inputs.
2. Carry out the activity as described in the related work instructions.
3. Check the result against the acceptance criteria.
4. Record the outcome in Qualitas.
5. Report any nonconformity at once.{extra}

## 5. Records
Records are kept in Qualitas for at least ten years. Keywords: {keywords}.
"""


def load() -> None:
    from qualitas.accounts.models import Department, Process, Role, User
    from qualitas.core.regulated import record_update
    from qualitas.core.signatures import services as signing
    from qualitas.core.workflow import engine
    from qualitas.documents import services
    from qualitas.documents.models import Document, DocumentType
    from qualitas.documents.setup import ensure_document_types
    from qualitas.standards.models import Clause

    ensure_document_types()
    if Document.objects.filter(title="Quality manual").exists():
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["author", "reviewer", "approver", "quality", "controller"])
    }
    for name in ("reviewer", "approver", "quality", "controller", "author"):
        if not signing.has_acknowledged_policy(users[name]):
            signing.acknowledge_policy(actor=users[name], password=DEMO_PASSWORD)
    sign = signing.Credentials(DEMO_PASSWORD, comment="")
    author, reviewer, approver = users["author"], users["reviewer"], users["approver"]
    employee_role = Role.objects.get(code="employee")
    clauses = {c.number: c for c in Clause.objects.filter(edition__standard__code="ISO 9001", edition__current=True)}
    process_for = {"QA": "SP-02", "PROD": "CP-04", "PUR": "CP-03", "EHS": "MP-01", "HR": "SP-01", "ENG": "CP-02"}

    def issue(revision) -> None:
        engine.perform(actor=author, instance=revision, transition="submit")
        revision.refresh_from_db()
        engine.perform(actor=reviewer, instance=revision, transition="sign_review", credentials=sign)
        revision.refresh_from_db()

    def approve(revision, effective_date=None):
        issue(revision)
        return services.approve(actor=approver, revision=revision, credentials=sign, effective_date=effective_date)

    for code, dept_code, title, keywords, clause_numbers, final in DOCUMENTS:
        doc_type = DocumentType.objects.get(code=code)
        department = Department.objects.filter(code=dept_code, site__code="SPR").first()
        document = services.document_create(
            actor=author,
            doc_type=doc_type,
            title=title,
            owner=users["quality"],
            department=department,
            process=Process.objects.filter(code=process_for.get(dept_code, "SP-02")).first(),
            keywords=keywords,
            clauses=[clauses[n] for n in clause_numbers if n in clauses],
            content=content_for(title, keywords),
            reviewers=[reviewer],
            approvers=[approver],
            distribution=[{"kind": "role", "role": employee_role}] if code in ("SOP", "WI", "POL") else [],
        )
        revision = document.revisions.get()
        if final == "draft":
            continue
        if final == "in_review":
            engine.perform(actor=author, instance=revision, transition="submit")
            continue
        if final == "scheduled":
            approve(revision, effective_date=timezone.localdate() + dt.timedelta(days=14))
            continue
        approve(revision)
        if final in ("revised", "revising"):
            draft = services.revision_new(
                actor=author,
                document=document,
                change_summary="Add the recording step after checking the result",
                reason="Audit finding: results were not always recorded",
            )
            services.revision_update(actor=author, revision=draft, content=content_for(title, keywords, 2))
            draft.refresh_from_db()
            if final == "revised":
                approve(draft)
            else:
                engine.perform(actor=author, instance=draft, transition="submit")
        if final == "obsolete":
            revision.refresh_from_db()
            engine.perform(
                actor=approver,
                instance=revision,
                transition="make_obsolete",
                reason="Replaced by the CMM work instruction WI-QA-001",
            )
    # Two documents come up for periodic review soon, so the due list has something to show.
    for title in ("Quality policy", "Internal audit"):
        document = Document.objects.get(title=title)
        record_update(
            None,
            document,
            event="documents.review_date_moved",
            require_reason=False,
            changes={"next_review_date": timezone.localdate() + dt.timedelta(days=10)},
        )
