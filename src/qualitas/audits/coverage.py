"""The coverage of the standards by audits (ISO 9001 9.2.2, ISO 19011 5.4.2): for every clause of each
standard in a programme's scope, when it was last audited and when it is next planned; a clause not
audited within the three-year cycle and not planned is a gap.

An audit covers the clauses it names (its criteria) and the clauses of the checklist questions
answered at it. Naming a clause covers its sub-clauses (auditing 8.5 covers 8.5.1 to 8.5.6); a
heading clause counts as covered when it is named itself or when all its sub-clauses are (then from
the oldest of their dates: the heading is only as recent as its least recent part). `propagate` is
the pure part; `coverage_of` reads the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from qualitas.audits import programme as proposal

Node = tuple[int, int | None]  # (clause id, parent id)


def propagate(nodes: Iterable[Node], direct: dict[int, dt.date], *, better: Callable = max,
              worse: Callable = min) -> dict[int, dt.date]:
    """Dates per clause from the dates of the clauses named directly. `nodes` are in tree order
    (a parent before its children). `better` picks between two dates of one clause (max: the latest
    audit; min: the earliest planned one); `worse` combines the sub-clauses of a heading (all must
    have a date)."""
    nodes = list(nodes)
    parent = dict(nodes)
    children: dict[int, list[int]] = {}
    for pk, up in nodes:
        if up is not None and up in parent:
            children.setdefault(up, []).append(pk)
    down: dict[int, dt.date | None] = {}
    for pk, up in nodes:  # a clause inherits from the clauses above it
        dates = [d for d in (direct.get(pk), down.get(up) if up is not None else None) if d is not None]
        down[pk] = better(dates) if dates else None
    result: dict[int, dt.date | None] = {}
    for pk, _up in reversed(nodes):  # a heading is covered when all its parts are
        dates = [d for d in (down[pk],) if d is not None]
        below = [result.get(child) for child in children.get(pk, [])]
        if below and all(d is not None for d in below):
            dates.append(worse(below))
        result[pk] = better(dates) if dates else None
    return {pk: day for pk, day in result.items() if day is not None}


@dataclass
class ClauseRow:
    clause: object
    last: dt.date | None
    last_audit: object | None
    next: dt.date | None
    next_audit: object | None
    state: str  # audited (within the cycle), planned (not within the cycle but planned), gap

    @property
    def gap(self) -> bool:
        return self.state == "gap"


@dataclass
class StandardCoverage:
    standard: object
    edition: object
    rows: list[ClauseRow]

    @property
    def audited(self) -> int:
        return sum(1 for row in self.rows if row.state == "audited")

    @property
    def gaps(self) -> int:
        return sum(1 for row in self.rows if row.gap)


def state_of(last: dt.date | None, planned: dt.date | None, cycle_start: dt.date) -> str:
    if last is not None and last > cycle_start:
        return "audited"
    return "planned" if planned is not None else "gap"


def _audit_clauses(audits) -> dict[int, set[int]]:
    """{audit id: clause ids} from the audits' criteria and the clauses of their answered questions."""
    from qualitas.audits.models import Audit, ChecklistQuestion

    ids = [a.pk for a in audits]
    found: dict[int, set[int]] = {pk: set() for pk in ids}
    for audit_id, clause_id in Audit.clauses.through.objects.filter(audit_id__in=ids).values_list("audit_id",
                                                                                                 "clause_id"):
        found[audit_id].add(clause_id)
    answered = (ChecklistQuestion.objects.filter(audit_id__in=ids, clause__isnull=False).exclude(answer="")
                .values_list("audit_id", "clause_id"))
    for audit_id, clause_id in answered:
        found[audit_id].add(clause_id)
    return found


def _by_clause(audits, clauses_of, day_of, *, better) -> tuple[dict[int, dt.date], dict[tuple[int, dt.date], object]]:
    direct: dict[int, dt.date] = {}
    which: dict[tuple[int, dt.date], object] = {}
    for audit in audits:
        day = day_of(audit)
        for clause_id in clauses_of.get(audit.pk, ()):
            current = direct.get(clause_id)
            direct[clause_id] = day if current is None else better(current, day)
            which.setdefault((clause_id, day), audit)
    return direct, which


def coverage_of(actor, programme, today: dt.date | None = None) -> list[StandardCoverage]:
    """Each standard in the programme's scope (every standard with a current edition when it names
    none), every clause of its current edition with its last and next audit and its state."""
    from qualitas.audits import selectors
    from qualitas.core.permissions import authorize
    from qualitas.standards.models import Clause, Edition

    authorize(actor, "audits", "view", programme.site_id)
    today = today or timezone.localdate()
    cycle_start = proposal.add_months(today, -proposal.CYCLE_MONTHS)
    standard_ids = list(programme.standards.values_list("pk", flat=True))
    editions = Edition.objects.filter(current=True).select_related("standard").order_by("standard__code")
    if standard_ids:
        editions = editions.filter(standard_id__in=standard_ids)
    editions = list(editions)
    audits = selectors.audits_visible(actor).exclude(status="cancelled")
    if programme.site_id:
        audits = audits.filter(Q(site_id=programme.site_id) | Q(site__isnull=True))
    done = list(audits.filter(status__in=selectors.DONE))
    planned = list(audits.filter(status__in=selectors.PLANNED))
    clauses_of = _audit_clauses([*done, *planned])
    last_direct, last_which = _by_clause(done, clauses_of, selectors.audit_date, better=max)
    next_direct, next_which = _by_clause(planned, clauses_of, lambda a: a.planned_start, better=min)
    result = []
    clauses = Clause.objects.filter(edition__in=editions).order_by("edition_id", "sort_key")
    by_edition: dict[int, list] = {}
    for clause in clauses:
        by_edition.setdefault(clause.edition_id, []).append(clause)
    for edition in editions:
        rows_of = by_edition.get(edition.pk, [])
        nodes = [(c.pk, c.parent_id) for c in rows_of]
        last = propagate(nodes, last_direct, better=max, worse=min)
        upcoming = propagate(nodes, next_direct, better=min, worse=max)
        rows = []
        for clause in rows_of:
            day, planned_day = last.get(clause.pk), upcoming.get(clause.pk)
            rows.append(ClauseRow(
                clause=clause, last=day, last_audit=_audit_at(last_which, clause, day, rows_of),
                next=planned_day, next_audit=_audit_at(next_which, clause, planned_day, rows_of),
                state=state_of(day, planned_day, cycle_start),
            ))
        result.append(StandardCoverage(edition.standard, edition, rows))
    return result


def _audit_at(which, clause, day, clauses) -> object | None:
    """The audit that gave `clause` its date: named on the clause, an ancestor or a sub-clause."""
    if day is None:
        return None
    if (clause.pk, day) in which:
        return which[clause.pk, day]
    parents = {c.pk: c.parent_id for c in clauses}
    up = parents.get(clause.pk)
    while up is not None:
        if (up, day) in which:
            return which[up, day]
        up = parents.get(up)
    prefix = clause.number + "."
    for other in clauses:
        if other.number.startswith(prefix) and (other.pk, day) in which:
            return which[other.pk, day]
    return None
