"""Reads of the audits app (programmes, audits, their team, the proposed frequencies), always scoped to
what the person may see: audits and programmes of their sites (those without a site: everyone with
the view right)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from qualitas.audits import programme as proposal
from qualitas.audits.models import AUDITING_ROLES, Audit, ImpartialityException, ProcessFrequency, Programme
from qualitas.core.permissions import authorize, has_perm, visible_to

MODULE = "audits"
DONE = ("reported", "follow_up", "closed")  # audits whose results count (last audited, previous results)
PLANNED = ("planned", "prepared", "in_progress")
OPEN = ("planned", "prepared", "in_progress", "reported", "follow_up")


# --- Programmes -----------------------------------------------------------------------------------------


def programmes_visible(actor) -> QuerySet[Programme]:
    return visible_to(actor, Programme.objects.select_related("site", "manager"), MODULE)


def programme_list(actor, *, year: int | None = None) -> QuerySet[Programme]:
    authorize(actor, MODULE, "view")
    programmes = programmes_visible(actor).annotate(
        audit_count=Count("audits", distinct=True),
        done_count=Count("audits", filter=Q(audits__status__in=DONE), distinct=True),
    )
    return programmes.filter(year=year) if year else programmes


def programme_get(actor, pk) -> Programme:
    found = programmes_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such audit programme.")
    return found


def programme_current(actor, today: dt.date | None = None) -> Programme | None:
    """The programme of this year the person sees first: the organisation's, else their site's."""
    year = (today or timezone.localdate()).year
    from django.db.models import F

    return (programmes_visible(actor).filter(year=year)
            .order_by(F("site").asc(nulls_first=True), "site__code", "pk").first())


def programme_progress(programme: Programme) -> dict:
    """Audits of the programme by state, and how many are done (reported, in follow-up or closed)."""
    counts = dict(programme.audits.values_list("status").annotate(n=Count("pk")).order_by())
    total = sum(n for state, n in counts.items() if state != "cancelled")
    done = sum(counts.get(state, 0) for state in DONE)
    return {"by_status": counts, "total": total, "done": done,
            "percent": round(100 * done / total) if total else 0}


def processes_in_scope(programme: Programme):
    """The active processes the programme covers: all, or those of its site (and those without a site)."""
    from qualitas.accounts.models import Process

    processes = Process.objects.filter(active=True).select_related("owner", "department", "site")
    if programme.site_id:
        processes = processes.filter(Q(site_id=programme.site_id) | Q(site__isnull=True))
    return processes.order_by("code")


# --- Audits ---------------------------------------------------------------------------------------------


def audits_visible(actor) -> QuerySet[Audit]:
    return visible_to(actor, Audit.objects.select_related("programme", "process", "site", "department",
                                                          "lead_auditor"), MODULE)


def audit_list(actor, *, status: str = "", year: int | None = None, kind: str = "", query: str = "",
               programme_id: int | None = None, process_id: int | None = None) -> QuerySet[Audit]:
    authorize(actor, MODULE, "view")
    audits = audits_visible(actor)
    if status:
        audits = audits.filter(status=status)
    if year:
        audits = audits.filter(planned_start__year=year)
    if kind:
        audits = audits.filter(kind=kind)
    if programme_id:
        audits = audits.filter(programme_id=programme_id)
    if process_id:
        audits = audits.filter(process_id=process_id)
    if query:
        audits = audits.filter(Q(number__icontains=query) | Q(title__icontains=query) | Q(scope__icontains=query)
                               | Q(supplier__icontains=query) | Q(product__icontains=query))
    return audits.order_by("-planned_start", "-pk")


def audit_get(actor, pk) -> Audit:
    found = audits_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such audit.")
    return found


def audit_for_update(audit: Audit) -> Audit:
    """The audit row locked for a change (services only)."""
    return Audit.objects.select_for_update().get(pk=audit.pk)


def team_of(audit: Audit) -> list:
    """The team, the lead auditor first, then auditors, experts, observers and trainees."""
    from qualitas.audits.models import TEAM_ROLES

    rank = {role: index for index, (role, _label) in enumerate(TEAM_ROLES)}
    members = audit.team.select_related("person", "person__department").order_by("pk")
    return sorted(members, key=lambda m: rank.get(m.role, len(rank)))


def auditees_of(audit: Audit) -> list:
    return list(audit.auditees.select_related("person", "person__department").order_by("pk"))


def exceptions_of(audit: Audit) -> list[ImpartialityException]:
    return list(audit.impartiality_exceptions.select_related("person", "requested_by", "approved_by")
                .order_by("pk"))


def exception_get(actor, audit: Audit, pk) -> ImpartialityException:
    found = audit.impartiality_exceptions.filter(pk=pk).select_related("person", "requested_by").first()
    if found is None:
        raise Http404("No such impartiality exception.")
    return found


def member_get(actor, audit: Audit, pk):
    found = audit.team.filter(pk=pk).select_related("person").first()
    if found is None:
        raise Http404("No such team member.")
    return found


def auditee_get(actor, audit: Audit, pk):
    found = audit.auditees.filter(pk=pk).select_related("person").first()
    if found is None:
        raise Http404("No such auditee.")
    return found


def audit_date(audit: Audit) -> dt.date:
    """The day an audit's results count from: its actual end, else its planned end."""
    return audit.actual_end or audit.planned_end


def people(actor):
    """Active people who can be put on an audit (team, auditees)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.people().select_related("department").order_by("first_name", "last_name",
                                                                                    "username")


def auditors_of(audit: Audit) -> list:
    return [m.person for m in audit.team.all() if m.role in AUDITING_ROLES]


# --- Proposed frequencies --------------------------------------------------------------------------------


@dataclass
class FrequencyRow:
    process: object
    row: ProcessFrequency | None
    importance: str
    proposal: proposal.Proposal
    last_audit: Audit | None
    last_audited: dt.date | None
    next_planned: Audit | None
    months: int | None  # in force: decided, else None (the proposal applies until decided)
    next_due: dt.date

    @property
    def decided(self) -> bool:
        return self.row is not None and bool(self.row.decision)

    @property
    def proposal_changed(self) -> bool:
        """The proposal differs from the one decided on (the basis moved since)."""
        return self.decided and self.row.proposed_months != self.proposal.months

    @property
    def interval(self) -> int:
        return self.months or self.proposal.months

    @property
    def overdue(self) -> bool:
        return self.next_planned is None and self.next_due <= timezone.localdate()


def _last_audits(process_ids, site_id) -> dict[int, Audit]:
    audits = Audit.objects.filter(process_id__in=process_ids, status__in=DONE)
    if site_id:
        audits = audits.filter(Q(site_id=site_id) | Q(site__isnull=True))
    audits = audits.annotate(day=Coalesce("actual_end", "planned_end")).order_by("process_id", "-day", "-pk")
    found: dict[int, Audit] = {}
    for audit in audits:
        found.setdefault(audit.process_id, audit)
    return found


def _next_planned(process_ids, site_id) -> dict[int, Audit]:
    audits = Audit.objects.filter(process_id__in=process_ids, status__in=PLANNED)
    if site_id:
        audits = audits.filter(Q(site_id=site_id) | Q(site__isnull=True))
    found: dict[int, Audit] = {}
    for audit in audits.order_by("process_id", "planned_start", "pk"):
        found.setdefault(audit.process_id, audit)
    return found


def _nonconformity_findings(audit_ids) -> dict[int, int]:
    from qualitas.audits.models import Finding

    rows = (Finding.objects.filter(audit_id__in=audit_ids, grade__is_nonconformity=True).exclude(status="withdrawn")
            .values("audit_id").annotate(n=Count("pk")).order_by())
    return {row["audit_id"]: row["n"] for row in rows}


def _open_nonconformities(actor, process_ids) -> dict[int, int] | None:
    from qualitas.capa import selectors as capa

    if not has_perm(actor, "capa", "view"):
        return None
    rows = (capa.nonconformity_list(actor, open_only=True).filter(process_id__in=process_ids)
            .values("process_id").annotate(n=Count("pk")).order_by())
    return {row["process_id"]: row["n"] for row in rows}


def _changes(actor, process_ids, since: dict[int, dt.date], default_since: dt.date) -> dict[int, int] | None:
    """Revisions of each process's documents made effective after its last audit (or within the cycle)."""
    from qualitas.documents import selectors as documents

    if not has_perm(actor, "documents", "view"):
        return None
    earliest = min([default_since, *since.values()])
    rows = (documents.revisions_visible(actor)
            .filter(document__process_id__in=process_ids, effective_at__isnull=False,
                    effective_at__date__gt=earliest)
            .values_list("document__process_id", "effective_at"))
    counts: dict[int, int] = {}
    for process_id, effective_at in rows:
        if timezone.localdate(effective_at) > since.get(process_id, default_since):
            counts[process_id] = counts.get(process_id, 0) + 1
    return counts


def _risks(process_ids) -> dict[int, int] | None:
    """Records of the risk register (record types risks.*) linked to each process; None: no register."""
    from django.apps import apps

    if not apps.is_installed("qualitas.risks"):
        return None
    from qualitas.core.links.models import Link

    ids = [str(pk) for pk in process_ids]
    links = Link.objects.filter(removed_at__isnull=True).filter(
        Q(source_type__startswith="risks.", target_type="accounts.process", target_id__in=ids)
        | Q(target_type__startswith="risks.", source_type="accounts.process", source_id__in=ids))
    counts: dict[int, set] = {}
    for link in links:
        process_id, risk = ((link.target_id, (link.source_type, link.source_id))
                            if link.target_type == "accounts.process" else
                            (link.source_id, (link.target_type, link.target_id)))
        counts.setdefault(int(process_id), set()).add(risk)
    return {pk: len(found) for pk, found in counts.items()}


def frequencies(actor, programme: Programme, today: dt.date | None = None) -> list[FrequencyRow]:
    """For each active process in the programme's scope: the proposed interval with its basis, the
    manager's decision, the last audit, the next planned one and when the process is next due."""
    authorize(actor, MODULE, "view", programme.site_id)
    today = today or timezone.localdate()
    processes = list(processes_in_scope(programme))
    ids = [p.pk for p in processes]
    rows = {row.process_id: row for row in programme.frequencies.select_related("decided_by")}
    last = _last_audits(ids, programme.site_id)
    planned = _next_planned(ids, programme.site_id)
    findings = _nonconformity_findings([a.pk for a in last.values()])
    open_ncs = _open_nonconformities(actor, ids)
    cycle_start = proposal.add_months(today, -proposal.CYCLE_MONTHS)
    since = {pk: audit_date(audit) for pk, audit in last.items()}
    changes = _changes(actor, ids, since, cycle_start)
    risks = _risks(ids)
    result = []
    for process in processes:
        row = rows.get(process.pk)
        importance = row.importance if row else proposal.DEFAULT_IMPORTANCE.get(process.category, "medium")
        audit = last.get(process.pk)
        notes = {
            "importance": (f"Default for a {process.get_category_display().lower()}."
                           if importance == proposal.DEFAULT_IMPORTANCE.get(process.category, "medium")
                           else "Set by the programme manager."),
            "risks": "No risk register is installed yet." if risks is None else "",
            "previous": f"{audit.number}, {audit_date(audit):%Y-%m-%d}." if audit else "Never audited.",
            "open_ncs": "You cannot see nonconformities: not counted." if open_ncs is None else "",
            "changes": ("You cannot see documents: not counted." if changes is None else
                        f"Since {since[process.pk]:%Y-%m-%d}." if audit else
                        f"Since {cycle_start:%Y-%m-%d} (the three-year cycle)."),
        }
        inputs = proposal.Inputs(
            importance=importance,
            risks=None if risks is None else risks.get(process.pk, 0),
            previous_nonconformities=findings.get(audit.pk, 0) if audit else None,
            open_nonconformities=None if open_ncs is None else open_ncs.get(process.pk, 0),
            changes=None if changes is None else changes.get(process.pk, 0),
            notes=notes,
        )
        offer = proposal.propose(inputs)
        months = row.months if row and row.decision else None
        last_day = audit_date(audit) if audit else None
        result.append(FrequencyRow(
            process=process, row=row, importance=importance, proposal=offer, last_audit=audit,
            last_audited=last_day, next_planned=planned.get(process.pk), months=months,
            next_due=proposal.next_due(last_day, months or offer.months, today),
        ))
    return result


def frequency_row(actor, programme: Programme, process_id: int, today: dt.date | None = None) -> FrequencyRow:
    for row in frequencies(actor, programme, today):
        if row.process.pk == process_id:
            return row
    raise Http404("The process is not in the programme's scope.")


# --- Impartiality --------------------------------------------------------------------------------------


def impartiality_problem(audit: Audit, person) -> str | None:
    """Why `person` may not audit `audit` (their own department or a process they own), or None; an
    approved impartiality exception for the person and the audit lifts it."""
    name = person.display_name
    problems = []
    process = audit.process
    if process is not None and process.owner_id == person.pk:
        problems.append(f"{name} owns process {process.code} {process.name}")
    if person.department_id:
        if audit.department_id and audit.department_id == person.department_id:
            problems.append(f"{name} works in the audited department {audit.department.name}")
        elif process is not None and process.department_id == person.department_id:
            problems.append(f"{name} works in {process.department.name}, the department of process {process.code}")
    if not problems:
        return None
    if ImpartialityException.objects.filter(audit=audit, person=person, approved_at__isnull=False).exists():
        return None
    return "; ".join(problems) + " (ISO 19011 4 e: auditors do not audit their own work)."


def qualification_problem(audit: Audit, person) -> str | None:
    """Why `person` is not qualified to audit `audit` (the training gates on the auditor duty), or None."""
    from qualitas.core import hooks

    return hooks.refusal(hooks.MAY_ASSIGN, person=person, instance=audit, duty="auditor")


def team_problems(audit: Audit) -> list[str]:
    """What stops the team from auditing: no lead auditor, an auditor not qualified or not impartial."""
    problems = []
    members = list(audit.team.select_related("person", "person__department"))
    if not any(m.role == "lead" for m in members):
        problems.append("Name the lead auditor first.")
    for member in members:
        if member.role not in AUDITING_ROLES:
            continue
        for problem in (qualification_problem(audit, member.person), impartiality_problem(audit, member.person)):
            if problem:
                problems.append(problem)
    return problems


def pending_exceptions(actor) -> QuerySet[ImpartialityException]:
    """Impartiality exceptions waiting for approval that the person may approve (not their own)."""
    if not has_perm(actor, MODULE, "approve"):
        return ImpartialityException.objects.none()
    visible = audits_visible(actor).values("pk")
    return (ImpartialityException.objects.filter(approved_at__isnull=True, audit_id__in=visible,
                                                 audit__status__in=OPEN)
            .exclude(requested_by=actor).exclude(person=actor).select_related("audit", "person"))
