"""The only write path for audit programmes, their proposed frequencies, audits, the audit team, the
auditees, impartiality exceptions and the audit plan. Status changes go through the workflow in
states.py (the core engine); each write here is one transaction and one audit event on the programme
or the audit, so the record's history tells the whole story (who was put on the team, who was
refused and why, who approved an exception, when the plan went to whom)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qualitas.audits import programme as proposal
from qualitas.audits import selectors
from qualitas.audits.models import (
    AUDITING_ROLES,
    IMPORTANCE,
    TEAM_ROLES,
    Audit,
    Auditee,
    ImpartialityException,
    ProcessFrequency,
    Programme,
    TeamMember,
)
from qualitas.core.audit import kept
from qualitas.core.audit.services import record
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import clean_text, labelled_changes, record_update, refuse_unknown_fields, snapshot

MODULE = "audits"
NUMBERING = ("audits.audit", "AUD-{year}-{seq:03d}")
PROGRAMME_FIELDS = ("title", "objectives", "manager")
AUDIT_FIELDS = (
    "title", "programme", "kind", "subject", "process", "site", "department", "supplier", "product", "scope",
    "criteria", "objectives", "method", "planned_start", "planned_end", "actual_start", "actual_end", "agenda",
    "response_days",
)
EDITABLE = ("planned", "prepared", "in_progress")
ROLE_LABELS = dict(TEAM_ROLES)




def _names(items) -> list[str]:
    return sorted(str(item) for item in items)


def _person_ok(person, field: str = "person") -> None:
    if person is None or not person.is_active or getattr(person, "is_system", False):
        raise ValidationError({field: "Choose an active person."})


# --- Programmes -----------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(*, actor, year: int, title: str = "", site=None, objectives: str = "", standards=(),
                     manager=None) -> Programme:
    """The audit programme of `year` for `site` (None: the whole organisation)."""
    authorize(actor, MODULE, "create", getattr(site, "pk", None))
    if not 2000 <= int(year) <= 2999:
        raise ValidationError({"year": "Give the programme's year (2000–2999)."})
    if Programme.objects.filter(year=year, site=site).exists():
        where = site.name if site else "the organisation"
        raise ValidationError({"year": f"There is already an audit programme {year} for {where}."})
    manager = manager or actor
    _person_ok(manager, "manager")
    programme = Programme(year=year, site=site, title=clean_text(title) or f"Audit programme {year}",
                          objectives=objectives, manager=manager)
    programme.full_clean(validate_constraints=False)
    programme.save(force_insert=True)
    standards = list(standards)
    programme.standards.set(standards)
    changes = {name: [None, value] for name, value in snapshot(programme).items() if value not in (None, "", False)}
    changes["standards"] = [None, _names(standards)]
    record(actor, "create", "audits.programme_created", instance=programme,
           changes=labelled_changes(programme, changes))
    return programme


@transaction.atomic
def programme_update(*, actor, programme: Programme, version=None, reason: str = "", standards=None,
                     **fields) -> Programme:
    authorize(actor, MODULE, "edit", programme.site_id)
    refuse_unknown_fields(fields, PROGRAMME_FIELDS)
    if "title" in fields:
        fields["title"] = clean_text(fields["title"]) or f"Audit programme {programme.year}"
    if "manager" in fields:
        _person_ok(fields["manager"], "manager")
    extra = {}
    if standards is not None:
        before = _names(programme.standards.all())
        programme.standards.set(list(standards))
        after = _names(standards)
        if before != after:
            extra["standards"] = [before, after]
    if not fields and not extra:
        return programme
    return record_update(actor, programme, event="audits.programme_updated", changes=fields,
                         expected_version=version, reason=reason, extra_changes=extra)


def _frequency(programme: Programme, process) -> ProcessFrequency:
    if not selectors.processes_in_scope(programme).filter(pk=process.pk).exists():
        raise ValidationError({"process": f"{process} is not in the programme's scope."})
    rows = ProcessFrequency.objects.filter(programme=programme, process=process)
    row = rows.select_for_update().order_by("pk").first()  # no ordering join: FOR UPDATE on PostgreSQL
    return row or ProcessFrequency(programme=programme, process=process,
                                   importance=proposal.DEFAULT_IMPORTANCE.get(process.category, "medium"))


def _save_frequency(actor, programme, row: ProcessFrequency, event: str, before: dict, reason: str = ""):
    row.full_clean(validate_constraints=False)
    row.save()
    after = {"importance": row.importance, "decision": row.decision, "interval (months)": row.months,
             "proposed (months)": row.proposed_months}
    changes = {f"{row.process.code} {name}": [before.get(name), value] for name, value in after.items()
               if before.get(name) != value}
    record(actor, "update", event, instance=programme, changes=changes, reason=reason)
    return row


def _before(row: ProcessFrequency) -> dict:
    if not row.pk:
        return {}
    return {"importance": row.importance, "decision": row.decision, "interval (months)": row.months,
            "proposed (months)": row.proposed_months}


@transaction.atomic
def frequency_set_importance(*, actor, programme: Programme, process, importance: str,
                             reason: str = "") -> ProcessFrequency:
    """The manager says how important the process is (a factor of its proposed frequency)."""
    authorize(actor, MODULE, "approve", programme.site_id)
    if importance not in dict(IMPORTANCE):
        raise ValidationError({"importance": f"Choose one of {', '.join(dict(IMPORTANCE))}."})
    Programme.objects.select_for_update().get(pk=programme.pk)
    row = _frequency(programme, process)
    before = _before(row)
    row.importance = importance
    return _save_frequency(actor, programme, row, "audits.frequency_importance_set", before, reason)


@transaction.atomic
def frequency_accept(*, actor, programme: Programme, process, today: dt.date | None = None) -> ProcessFrequency:
    """Accept the proposed interval: it is in force, with the basis it was proposed on."""
    authorize(actor, MODULE, "approve", programme.site_id)
    Programme.objects.select_for_update().get(pk=programme.pk)
    row = _frequency(programme, process)
    before = _before(row)
    offer = selectors.frequency_row(actor, programme, process.pk, today).proposal
    row.decision, row.months, row.proposed_months, row.reason = "accepted", offer.months, offer.months, ""
    row.basis, row.decided_by, row.decided_at = offer.basis, actor, timezone.now()
    return _save_frequency(actor, programme, row, "audits.frequency_accepted", before,
                           f"Score {offer.score} of {proposal.MAX_SCORE}.")


@transaction.atomic
def frequency_override(*, actor, programme: Programme, process, months: int, reason: str,
                       today: dt.date | None = None) -> ProcessFrequency:
    """Put another interval in force than the one proposed, saying why."""
    authorize(actor, MODULE, "approve", programme.site_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the proposed interval is overridden."})
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise ValidationError({"months": "Give the interval in months."}) from None
    Programme.objects.select_for_update().get(pk=programme.pk)
    row = _frequency(programme, process)
    before = _before(row)
    offer = selectors.frequency_row(actor, programme, process.pk, today).proposal
    row.decision, row.months, row.proposed_months, row.reason = "overridden", months, offer.months, reason
    row.basis, row.decided_by, row.decided_at = offer.basis, actor, timezone.now()
    return _save_frequency(actor, programme, row, "audits.frequency_overridden", before, reason)


# --- Audits ---------------------------------------------------------------------------------------------


def _number(when: dt.date) -> str:
    from qualitas.core.numbering.services import ensure_scheme, next_number

    ensure_scheme(*NUMBERING, MODULE, description="Audits")
    return next_number(NUMBERING[0], when=when)


def _criteria(audit: Audit, standards, clauses) -> None:
    codes = {s.pk for s in standards}
    stray = [c for c in clauses if c.edition.standard_id not in codes]
    if stray:
        raise ValidationError({"clauses": f"{stray[0].reference} is not of a standard in the audit's scope: add "
                                          f"{stray[0].edition.standard.code} to its standards, or remove the clause."})


def _validate(audit: Audit) -> None:
    audit.full_clean(exclude=["number"], validate_unique=False, validate_constraints=False)
    programme = audit.programme
    if programme is not None:
        if audit.planned_start and audit.planned_start.year != programme.year:
            raise ValidationError({"planned_start": f"The audit starts outside the programme's year {programme.year}."})
        if programme.site_id and audit.site_id and audit.site_id != programme.site_id:
            raise ValidationError({"site": f"The programme is for {programme.site.name}."})


def _default_clauses(process, standards) -> list:
    if process is None:
        return []
    ids = {s.pk for s in standards}
    return [c for c in process.clauses.select_related("edition__standard") if c.edition.standard_id in ids]


@transaction.atomic
def audit_create(*, actor, title: str, scope: str, planned_start: dt.date, planned_end: dt.date, standards=(),
                 clauses=None, documents=(), lead_auditor=None, **fields) -> Audit:
    """Plan an audit. Its criteria are the standards, clauses and documents given (a process audit
    without clauses takes the process's clauses of those standards); a lead auditor given is checked
    like any team member (qualified, impartial)."""
    refuse_unknown_fields(fields, AUDIT_FIELDS)
    programme = fields.get("programme")
    if programme is not None and not fields.get("site"):
        fields["site"] = programme.site
    if not fields.get("site") and fields.get("process") is not None:
        fields["site"] = fields["process"].site  # a process audit is of the process's site
    authorize(actor, MODULE, "create", getattr(fields.get("site"), "pk", None))
    standards = list(standards)
    if not standards and programme is not None:
        standards = list(programme.standards.all())
    audit = Audit(title=clean_text(title), scope=scope or "", planned_start=planned_start, planned_end=planned_end,
                  created_by=actor, **fields)
    _validate(audit)
    clauses = list(clauses) if clauses is not None else _default_clauses(audit.process, standards)
    _criteria(audit, standards, clauses)
    audit.number = _number(planned_start)
    audit.save(force_insert=True)
    audit.standards.set(standards)
    audit.clauses.set(clauses)
    audit.documents.set(list(documents))
    changes = {name: [None, value] for name, value in snapshot(audit).items() if value not in (None, "", False)}
    changes.update({"standards": [None, _names(standards)], "clauses": [None, _names(c.reference for c in clauses)],
                    "documents": [None, _names(documents)]})
    record(actor, "create", "audits.audit_created", instance=audit, changes=labelled_changes(audit, changes))
    if lead_auditor is not None:
        _team_add(actor, audit, lead_auditor, "lead")
    return audit


def _editable(actor, audit: Audit) -> None:
    authorize(actor, MODULE, "edit", audit.site_id)
    if audit.status not in EDITABLE:
        raise ValidationError(f"A {audit.get_status_display().lower()} audit is not changed.")


@transaction.atomic
def audit_update(*, actor, audit: Audit, version=None, reason: str = "", standards=None, clauses=None,
                 documents=None, **fields) -> Audit:
    refuse_unknown_fields(fields, AUDIT_FIELDS)
    current = selectors.audit_for_update(audit)
    _editable(actor, current)
    if "site" in fields and getattr(fields["site"], "pk", None) != current.site_id:
        authorize(actor, MODULE, "edit", getattr(fields["site"], "pk", None))
    if "title" in fields:
        fields["title"] = clean_text(fields["title"])
    probe = Audit(**{f.attname: getattr(current, f.attname) for f in Audit._meta.concrete_fields})
    for name, value in fields.items():
        setattr(probe, name, value)
    _validate(probe)
    new_standards = list(standards) if standards is not None else list(current.standards.all())
    new_clauses = list(clauses) if clauses is not None else list(current.clauses.select_related("edition"))
    _criteria(probe, new_standards, new_clauses)
    extra = {}
    for name, items, label in (("standards", standards, str), ("clauses", clauses, lambda c: c.reference),
                               ("documents", documents, str)):
        if items is None:
            continue
        relation = getattr(current, name)
        before = _names(label(x) for x in relation.all())
        relation.set(list(items))
        after = _names(label(x) for x in items)
        if before != after:
            extra[name] = [before, after]
    return record_update(actor, current, event="audits.audit_updated", changes=fields, expected_version=version,
                         reason=reason, extra_changes=extra)


# --- Team, auditees, impartiality ----------------------------------------------------------------------


def _refuse(actor, audit: Audit, person, role: str, why: str) -> None:
    """Audit the refused assignment (kept even though the caller's transaction rolls back) and refuse it."""
    label = f"{person.display_name} ({ROLE_LABELS.get(role, role)})"

    def write():
        with transaction.atomic():
            return record(actor, "update", "audits.team_member_refused", instance=audit,
                          changes={"team": [None, label], "refused": [None, why]}, reason=why)

    kept.keep(write)
    raise ValidationError({"person": why})


def _team_add(actor, audit: Audit, person, role: str) -> TeamMember:
    if role not in ROLE_LABELS:
        raise ValidationError({"role": f"Choose one of {', '.join(ROLE_LABELS)}."})
    _person_ok(person)
    if audit.team.filter(person=person).exists():
        raise ValidationError({"person": f"{person.display_name} is already on the audit team."})
    if audit.auditees.filter(person=person).exists():
        raise ValidationError({"person": f"{person.display_name} is an auditee of this audit."})
    if role == "lead" and audit.lead_auditor_id:
        raise ValidationError({"role": f"{audit.lead_auditor.display_name} is the lead auditor: remove them first."})
    if role in AUDITING_ROLES:
        why = selectors.qualification_problem(audit, person) or selectors.impartiality_problem(audit, person)
        if why:
            _refuse(actor, audit, person, role, why)
    member = TeamMember(audit=audit, person=person, role=role)
    member.full_clean(validate_constraints=False)
    member.save(force_insert=True)
    label = f"{person.display_name} ({ROLE_LABELS[role]})"
    if role == "lead":
        record_update(actor, audit, event="audits.team_member_added", changes={"lead_auditor": person},
                      extra_changes={"team": [None, label]})
    else:
        record(actor, "update", "audits.team_member_added", instance=audit, changes={"team": [None, label]})
    return member


@transaction.atomic
def team_add(*, actor, audit: Audit, person, role: str = "auditor") -> TeamMember:
    """Put `person` on the audit team. A lead auditor or an auditor must be qualified (the training
    gates on the auditor duty, for the audit's standards) and impartial (not of the audited department,
    not the owner of the audited process) unless an approved exception says otherwise; a refusal names
    the reason and is audited."""
    audit = selectors.audit_for_update(audit)
    _editable(actor, audit)
    return _team_add(actor, audit, person, role)


@transaction.atomic
def team_remove(*, actor, member: TeamMember, reason: str = "") -> None:
    audit = selectors.audit_for_update(member.audit)
    _editable(actor, audit)
    label = f"{member.person.display_name} ({ROLE_LABELS.get(member.role, member.role)})"
    was_lead = member.role == "lead"
    member.delete()
    if was_lead and audit.lead_auditor_id:
        record_update(actor, audit, event="audits.team_member_removed", changes={"lead_auditor": None},
                      extra_changes={"team": [label, None]}, reason=reason)
    else:
        record(actor, "update", "audits.team_member_removed", instance=audit, changes={"team": [label, None]},
               reason=reason)


@transaction.atomic
def auditee_add(*, actor, audit: Audit, person, function: str = "") -> Auditee:
    audit = selectors.audit_for_update(audit)
    _editable(actor, audit)
    _person_ok(person)
    if audit.auditees.filter(person=person).exists():
        raise ValidationError({"person": f"{person.display_name} is already an auditee."})
    if audit.team.filter(person=person).exists():
        raise ValidationError({"person": f"{person.display_name} is on the audit team."})
    auditee = Auditee(audit=audit, person=person, function=clean_text(function))
    auditee.full_clean(validate_constraints=False)
    auditee.save(force_insert=True)
    label = f"{person.display_name}{f' ({auditee.function})' if auditee.function else ''}"
    record(actor, "update", "audits.auditee_added", instance=audit, changes={"auditees": [None, label]})
    return auditee


@transaction.atomic
def auditee_remove(*, actor, auditee: Auditee, reason: str = "") -> None:
    audit = selectors.audit_for_update(auditee.audit)
    _editable(actor, audit)
    label = auditee.person.display_name
    auditee.delete()
    record(actor, "update", "audits.auditee_removed", instance=audit, changes={"auditees": [label, None]},
           reason=reason)


@transaction.atomic
def exception_request(*, actor, audit: Audit, person, reason: str) -> ImpartialityException:
    """Ask that `person` may audit their own department or process (a small organisation: ISO 19011
    4 e, 5.5.4), with the reason; someone else with the approve right decides."""
    audit = selectors.audit_for_update(audit)
    _editable(actor, audit)
    _person_ok(person)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the exception is needed (e.g. nobody else is qualified)."})
    if selectors.impartiality_problem(audit, person) is None:
        raise ValidationError({"person": f"{person.display_name} may audit this audit without an exception."})
    if audit.impartiality_exceptions.filter(person=person).exists():
        raise ValidationError({"person": f"An exception for {person.display_name} is already recorded."})
    exception = ImpartialityException(audit=audit, person=person, reason=reason, requested_by=actor)
    exception.full_clean()
    exception.save(force_insert=True)
    record(actor, "update", "audits.impartiality_exception_requested", instance=audit,
           changes={"impartiality exception": [None, person.display_name]}, reason=reason)
    return exception


@transaction.atomic
def exception_approve(*, actor, exception: ImpartialityException, comment: str = "") -> ImpartialityException:
    """Approve an impartiality exception: not by who asked for it, nor by the person it is for."""
    audit = selectors.audit_for_update(exception.audit)
    authorize(actor, MODULE, "approve", audit.site_id)
    if audit.status not in EDITABLE:
        raise ValidationError(f"A {audit.get_status_display().lower()} audit takes no exception.")
    exception = ImpartialityException.objects.select_for_update().get(pk=exception.pk)
    if exception.approved_at is not None:
        raise ValidationError("This exception is already approved.")
    if actor.pk in (exception.requested_by_id, exception.person_id):
        raise PermissionDenied("An impartiality exception is approved by someone other than who asked for it and "
                               "the person it is for (segregation of duties).")
    exception.approved_by, exception.approved_at = actor, timezone.now()
    exception.save(update_fields=["approved_by", "approved_at"])
    record(actor, "approve", "audits.impartiality_exception_approved", instance=audit,
           changes={"impartiality exception approved": [None, exception.person.display_name]},
           reason=(comment or "").strip() or exception.reason)
    return exception


# --- The audit plan -------------------------------------------------------------------------------------


@transaction.atomic
def plan_send(*, actor, audit: Audit) -> list:
    """Send the audit plan to the auditees (a notification with the link to the plan PDF); audited
    with who it went to."""
    from qualitas.core.notifications.services import notify

    audit = selectors.audit_for_update(audit)
    _editable(actor, audit)
    auditees = [a.person for a in audit.auditees.select_related("person")]
    if not auditees:
        raise ValidationError("Add the auditees first: the plan goes to them.")
    if not audit.lead_auditor_id:
        raise ValidationError("Name the lead auditor first: the plan says who leads the audit.")
    url = reverse("audits:audit-plan-pdf", args=[audit.pk])
    when = f"{audit.planned_start:%Y-%m-%d}" + (f" to {audit.planned_end:%Y-%m-%d}"
                                                if audit.planned_end != audit.planned_start else "")
    body = (f"{audit.get_kind_display()} {audit.number} “{audit.title}”, {when}, "
            f"{audit.get_method_display().lower()}, led by {audit.lead_auditor.display_name}.\n\nScope: {audit.scope}")
    sent = [person for person in auditees
            if notify(person, f"Audit plan {audit.number}: {audit.title}", body, url=url, kind="audit")]
    record(actor, "update", "audits.plan_sent", instance=audit,
           changes={"plan sent to": [None, _names(p.display_name for p in sent)]})
    return sent


def plan_printed(actor, audit: Audit) -> None:
    """Audit that the plan was printed (the PDF is a controlled output of the record)."""
    if not has_perm(actor, MODULE, "view", audit.site_id):
        raise PermissionDenied
    record(actor, "export", "audits.plan_printed", instance=audit)
