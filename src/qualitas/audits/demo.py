"""Demo data of the audits module: the programme and audits (this file), then checklists and findings
(demo_checklists.py) and reports (demo_report.py) on those audits.

The programme of the current year (the whole organisation, ISO 9001/14001/45001, managed by Quinn
Harper) has an audit in every state, among them one combined ISO 9001/14001/45001 audit of machining
and one supplier audit; last year's programme has three closed audits (the "previous results" of the
frequencies). Jordan Lee, the internal auditor, holds the auditor qualifications of the three
standards (training requirements Q-IA-9001/14001/45001 and qualification gates limited to each
standard); Avery Stone, a process engineer who also holds the auditor role, holds the ISO 9001 one
and audits the quality department's processes. The proposed frequency of every process is decided
(one overridden with a reason), one impartiality exception is approved and one assignment was
refused for impartiality (both in the audits' history).

The audits are found by `audits()` ({key: Audit}, keys in AUDITS), e.g. audits()["combined"]. This
loader plans the audits and takes each as far as "in progress"; the checklist part answers the
checklists of audits in progress (with the findings of the combined audit), and the report part
writes, signs and issues the reports of those that are over, taking each to the state `targets`
names ({number: state}); the frequencies are decided last, on the results.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD

STANDARDS = ("ISO 9001", "ISO 14001", "ISO 45001")
QUALIFICATIONS = {  # standard -> (requirement code, title)
    "ISO 9001": ("Q-IA-9001", "Internal auditor ISO 9001"),
    "ISO 14001": ("Q-IA-14001", "Internal auditor ISO 14001"),
    "ISO 45001": ("Q-IA-45001", "Internal auditor ISO 45001"),
}
AGENDA = ("09:00 Opening meeting\n09:30 Process walk-through and interviews\n12:00 Lunch\n"
          "13:00 Records and evidence review\n15:30 Auditors' review of findings\n16:00 Closing meeting")

# key: (title, this year?, month, day, target state, spec)
AUDITS = {
    "last-machining": "Process audit: machining and production (previous year)",
    "last-improvement": "Process audit: improvement and corrective action (previous year)",
    "last-documents": "Process audit: document and record control (previous year)",
    "combined": "Combined ISO 9001/14001/45001 audit of machining and production",
    "supplier": "Supplier audit: Precision Castings Ltd",
    "sales": "Process audit: sales and contract review",
    "competence": "Process audit: competence and training",
    "inspection": "Process audit: inspection and release",
    "management": "Process audit: management review and planning",
    "design": "Process audit: product design and development",
    "purchasing": "Process audit: purchasing and supplier control",
}


def audits() -> dict:
    """The demo's audits by key (AUDITS), for the checklist and report parts' demo data."""
    from qualitas.audits.models import Audit

    by_title = {a.title: a for a in Audit.objects.filter(title__in=list(AUDITS.values()))}
    return {key: by_title[title] for key, title in AUDITS.items() if title in by_title}


def load() -> None:
    from qualitas.audits import demo_checklists, demo_report

    targets = _load()
    demo_checklists.load()
    demo_report.load(targets=targets)
    if targets is not None:
        _frequencies()


def _day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _within(year: int, today: dt.date, offset: int) -> dt.date:
    """`today + offset` kept inside `year` (the programme's)."""
    day = today + dt.timedelta(days=offset)
    return min(max(day, dt.date(year, 1, 5)), dt.date(year, 12, 28))


@transaction.atomic
def _load() -> None:
    from qualitas.accounts.models import Process, User
    from qualitas.audits.models import Programme
    from qualitas.standards.models import Standard

    today = timezone.localdate()
    if Programme.objects.filter(year=today.year, site__isnull=True).exists():
        return None
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    if not {"quality", "auditor", "author", "reviewer", "approver", "employee", "controller"} <= set(users):
        return None
    standards = {s.code: s for s in Standard.objects.filter(code__in=STANDARDS)}
    if set(standards) != set(STANDARDS):
        return None
    from qualitas.core.signatures import services as signing

    for name in ("quality", "auditor", "author"):
        if not signing.has_acknowledged_policy(users[name]):
            signing.acknowledge_policy(actor=users[name], password=DEMO_PASSWORD)
    _qualifications(users, standards, today)
    from qualitas.accounts.services import role_assign, system_actor

    if not users["author"].role_assignments.filter(role__code="auditor").exists():
        # Avery Stone, process engineer, is also a trained internal auditor (outside quality assurance).
        role_assign(actor=system_actor(), user=users["author"], role="auditor")
    processes = {p.code: p for p in Process.objects.all()}
    context = {"users": users, "standards": standards, "processes": processes, "today": today, "targets": {}}
    _last_year(context)
    _this_year(context)
    return context["targets"]


def _qualifications(users, standards, today) -> None:
    """The auditor qualification per standard (training requirement), who holds it, and the gates that
    make the auditor duty on an audit need it for that audit's standards."""
    from qualitas.training import services as training
    from qualitas.training.models import Gate, Requirement

    quality = users["quality"]
    holders = {"ISO 9001": ("auditor", "quality", "author"), "ISO 14001": ("auditor",), "ISO 45001": ("auditor",)}
    for code, (requirement_code, title) in QUALIFICATIONS.items():
        requirement = Requirement.objects.filter(code=requirement_code).first() or training.requirement_create(
            actor=quality, code=requirement_code, title=title, kind="qualification", method="classroom",
            validity_months=36, grace_days=60, min_level=3, new_starter_days=0, retraining_days=60,
            description=f"Internal auditor course on {code} and ISO 19011 with an assessed audit; renewed every "
                        "three years. Auditing against the standard needs it (qualification gate).")
        for username in holders[code]:
            training.training_record(actor=quality, person=users[username], requirement=requirement,
                                     completed_on=today - dt.timedelta(days=300), level=3,
                                     trainer="TÜV training centre",
                                     evidence=f"Certificate {requirement_code}-{username.upper()}")
        if not Gate.objects.filter(kind="duty", duty="auditor", standard=standards[code]).exists():
            training.gate_create(
                actor=users["admin"] if "admin" in users else quality, kind="duty", duty="auditor",
                record_type="audits.audit", standard=standards[code], requirement=requirement,
                active_from=today - dt.timedelta(days=365),
                rationale=f"Audit procedure section 4: auditors of {code} hold the {code} internal auditor "
                          "qualification (ISO 19011 7.2).")


def _step(audit, name: str, actor, **kwargs):
    from qualitas.core.workflow import engine

    audit.refresh_from_db()
    return engine.perform(actor=actor, instance=audit, transition=name, **kwargs)


# How far this loader takes an audit before the checklist and report parts; the rest is theirs.
PATH = {
    "planned": (),
    "prepared": ("prepare",),
    "in_progress": ("prepare", "start"),
    "reported": ("prepare", "start"),
    "follow_up": ("prepare", "start"),
    "closed": ("prepare", "start"),
    "cancelled": ("cancel",),
}


def _advance(context, audit, target: str, *, cancel_reason: str = "") -> None:
    users = context["users"]
    for name in PATH[target]:
        if name == "cancel":
            _step(audit, name, users["quality"], reason=cancel_reason)
        else:
            _step(audit, name, audit.lead_auditor or users["auditor"])
        audit.refresh_from_db()
    if target in ("reported", "follow_up", "closed"):
        context["targets"][audit.number] = target


def _clauses(context, pairs):
    from qualitas.standards.models import Clause

    found = []
    for code, number in pairs:
        clause = Clause.objects.filter(edition__standard__code=code, edition__current=True, number=number).first()
        if clause is not None:
            found.append(clause)
    return found


def _plan(context, key: str, *, programme, start: dt.date, end: dt.date | None = None, lead: str,
          standards=("ISO 9001",), team=(), auditees=(), clauses=None, target: str = "planned",
          actual: bool = False, cancel_reason: str = "", send_plan: bool = True, **fields):
    from qualitas.audits import services

    users, quality = context["users"], context["users"]["quality"]
    end = end or start
    if actual:
        fields.update(actual_start=start, actual_end=end)
    audit = services.audit_create(
        actor=quality, title=AUDITS[key], programme=programme, planned_start=start, planned_end=end,
        standards=[context["standards"][code] for code in standards],
        clauses=_clauses(context, clauses) if clauses is not None else None, agenda=AGENDA,
        lead_auditor=users[lead], **fields)
    for username, role in team:
        services.team_add(actor=quality, audit=audit, person=users[username], role=role)
    for username, function in auditees:
        services.auditee_add(actor=quality, audit=audit, person=users[username], function=function)
    if send_plan and target != "planned" and auditees:
        services.plan_send(actor=users[lead], audit=audit)
    _advance(context, audit, target, cancel_reason=cancel_reason)
    return audit


def _last_year(context) -> None:
    from qualitas.audits import services

    users, processes, today = context["users"], context["processes"], context["today"]
    year = today.year - 1
    programme = services.programme_create(
        actor=users["quality"], year=year, title=f"Audit programme {year}",
        standards=[context["standards"]["ISO 9001"]], manager=users["quality"],
        objectives="Audit every core process against ISO 9001 at least once.")
    machining = _plan(context, "last-machining", programme=programme, start=_day(year, 4, 14),
                      end=_day(year, 4, 15), lead="auditor", process=processes["CP-04"],
                      scope="Turning and milling cells, shifts 1 and 2.",
                      auditees=(("reviewer", "Process owner"), ("employee", "Machine operator")), target="closed",
                      actual=True)
    from qualitas.audits import demo_checklists

    demo_checklists.verified_finding(machining)  # a minor nonconformity, corrected and verified
    _plan(context, "last-improvement", programme=programme, start=_day(year, 6, 9), lead="author",
          process=processes["MP-03"], scope="Nonconformity and CAPA handling of the last twelve months.",
          auditees=(("quality", "Process owner"),), target="closed", actual=True)
    _plan(context, "last-documents", programme=programme, start=_day(year, 9, 22), lead="author",
          process=processes["SP-02"], scope="Document approval, distribution and retention.",
          auditees=(("controller", "Process owner"),), target="closed", actual=True)


def _this_year(context) -> None:
    from qualitas.audits import services
    from qualitas.core.audit import kept

    users, processes, today = context["users"], context["processes"], context["today"]
    year = today.year
    quality = users["quality"]
    programme = services.programme_create(
        actor=quality, year=year, title=f"Audit programme {year}",
        standards=[context["standards"][code] for code in STANDARDS], manager=quality,
        objectives="Cover every clause of ISO 9001, ISO 14001 and ISO 45001 within the three-year cycle; audit "
                   "the core processes at the interval their risk and results call for; audit the castings "
                   "supplier after last year's porosity complaints.")
    within = lambda offset: _within(year, today, offset)  # noqa: E731 - a local shorthand
    _plan(context, "combined", programme=programme, start=within(-265), end=within(-264), lead="auditor",
          standards=STANDARDS, process=processes["CP-04"],
          team=(("author", "expert"),),
          clauses=[("ISO 9001", "8.1"), ("ISO 9001", "8.5"), ("ISO 9001", "7.1.5"), ("ISO 14001", "6.1.2"),
                   ("ISO 14001", "8.1"), ("ISO 14001", "8.2"), ("ISO 45001", "6.1.2"), ("ISO 45001", "8.1"),
                   ("ISO 45001", "8.2")],
          scope="Machining cells at Springfield: quality of the operation, coolant and chip handling (environmental "
                "aspects), machine guarding and lifting (hazards). One visit for the three standards.",
          objectives="Conformity and effectiveness of production control against the three standards.",
          auditees=(("reviewer", "Process owner"), ("employee", "Machine operator")),
          method="on_site", target="follow_up", actual=True)
    _plan(context, "supplier", programme=programme, start=within(-180), lead="auditor", kind="supplier",
          subject="supplier", supplier="Precision Castings Ltd", product="Aluminium pump housings",
          clauses=[("ISO 9001", "8.4"), ("ISO 9001", "8.5.1"), ("ISO 9001", "8.7")],
          scope="Casting, heat treatment and final inspection of housings at the supplier's plant.",
          criteria="Purchase specification PS-AL-12; quality agreement 2024.",
          auditees=(("quality", "Supplier owner (purchasing)"),), target="closed", actual=True)
    _plan(context, "sales", programme=programme, start=within(-60), lead="auditor", process=processes["CP-01"],
          scope="Contract review of orders received in the last six months.",
          auditees=(("quality", "Process owner"),), target="reported", actual=True)
    _plan(context, "competence", programme=programme, start=within(-1), end=within(1), lead="auditor",
          process=processes["SP-01"], method="hybrid",
          scope="Competence needs, training records and effectiveness checks for production roles.",
          auditees=(("quality", "Process owner"),), target="in_progress")
    inspection = _plan(context, "inspection", programme=programme, start=within(9), lead="author",
                       process=processes["CP-05"], scope="Incoming and final inspection, sampling and release.",
                       auditees=(("quality", "Process owner"),), target="prepared")
    # Jordan works in quality assurance, the department of CP-05: refused (the refusal is in the history).
    with kept.keeping():
        try:
            services.team_add(actor=quality, audit=inspection, person=users["auditor"], role="auditor")
        except Exception:  # noqa: BLE001, S110 - the refusal is what the demo shows
            pass
    management = services.audit_create(
        actor=quality, title=AUDITS["management"], programme=programme, process=processes["MP-01"],
        planned_start=within(16), planned_end=within(16), standards=[context["standards"]["ISO 9001"]],
        scope="Management review inputs and outputs, quality objectives and planning of changes.", agenda=AGENDA)
    exception = services.exception_request(
        actor=users["auditor"], audit=management, person=users["auditor"],
        reason="Small quality team: the only other qualified auditor (Quinn Harper) chairs the management review "
               "and Avery Stone is booked on the design project. Jordan takes no part in the review.")
    services.exception_approve(actor=quality, exception=exception, comment="Accepted for this year only.")
    services.team_add(actor=quality, audit=management, person=users["auditor"], role="lead")
    services.auditee_add(actor=quality, audit=management, person=users["approver"], function="Process owner")
    _plan(context, "design", programme=programme, start=within(24), lead="auditor", process=processes["CP-02"],
          scope="Design inputs, reviews, verification and validation of the new pump housing.",
          auditees=(("author", "Process owner"),), target="planned", method="remote")
    _plan(context, "purchasing", programme=programme, start=within(-120), lead="auditor",
          process=processes["CP-03"], scope="Supplier selection and evaluation.",
          auditees=(("quality", "Process owner"),), target="cancelled",
          cancel_reason="Covered by the supplier audit of Precision Castings and the evaluation review.")


def _frequencies() -> None:
    """The programme manager decides the interval of every process, on the results of the audits."""
    from qualitas.accounts.models import Process, User
    from qualitas.audits import selectors, services
    from qualitas.audits.models import Programme

    quality = User.objects.get(username="quality")
    programme = Programme.objects.get(year=timezone.localdate().year, site__isnull=True)
    processes = {p.code: p for p in Process.objects.all()}
    services.frequency_set_importance(actor=quality, programme=programme, process=processes["CP-05"],
                                      importance="critical", reason="Release of product to customers.")
    services.frequency_set_importance(actor=quality, programme=programme, process=processes["SP-02"],
                                      importance="medium", reason="Audit trail and records are scrutinised.")
    for row in selectors.frequencies(quality, programme):
        if row.process.code == "CP-04":
            services.frequency_override(
                actor=quality, programme=programme, process=row.process, months=6,
                reason="Customer quality agreement with Northwind Pumps asks for a process audit of machining "
                       "every six months.")
        else:
            services.frequency_accept(actor=quality, programme=programme, process=row.process)
