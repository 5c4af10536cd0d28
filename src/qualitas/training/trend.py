"""Compliance trend by month: the compliance percentage (mandatory requirements, the share of cells
that apply and are current; see `status`) overall and per department, as of each month end of the
past 12 months, computed from the training records and assignments as they stood that day.

As of a past day D:
- the people are today's filtered population (their department today: compliance is tracked for the
  organisation as it is now, so a history imported or recorded later counts in the months it covers);
- what applies is the reach (`reach.compute`) with today's requirements and applicability rules and
  the positions held on D;
- a record counts if completed on or before D (with the status rules of D: expired after its expiry
  plus grace); the revision to be trained on is the latest revision of the document effective by D;
- an assignment was open on D if created by the end of D and not completed or ended by then, and in
  progress if started by then.
Each month end costs a fixed number of queries (about ten), whatever the number of people.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from qualitas.training import matrix as matrix_
from qualitas.training import reach as reach_
from qualitas.training import status as status_


def month_ends(today: dt.date, months: int = 12) -> list[dt.date]:
    """The last days of the `months` months up to today's (today itself for the current month)."""
    ends = []
    year, month = today.year, today.month
    for _ in range(months):
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        ends.append(min(last, today))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(ends))


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _revisions_as_of(document_ids, day: dt.date) -> dict[int, tuple[int, dt.date | None]]:
    from qualitas.documents.models import Revision

    ids = [pk for pk in set(document_ids) if pk]
    found: dict[int, tuple[int, dt.date | None]] = {}
    if not ids:
        return found
    rows = (Revision.objects.filter(document_id__in=ids, effective_date__lte=day,
                                    status__in=("effective", "superseded", "obsolete"))
            .order_by("document_id", "effective_date", "pk").values_list("document_id", "pk", "effective_date"))
    for document_id, pk, effective in rows:
        found[document_id] = (pk, effective)  # the latest by effective date wins
    return found


def compliance_as_of(people: list, day: dt.date) -> dict:
    """{"overall": share, "departments": {department id or None: share}} on `day` (shares as in the matrix)."""
    from qualitas.training.models import Assignment, Requirement, TrainingRecord

    end = _end_of(day)
    population = list(people)
    ids = [p.pk for p in population]
    reached = reach_.compute(ids, today=day)
    wanted = {r for pid in ids for r in reached.of(pid)}
    requirements = list(Requirement.objects.filter(pk__in=wanted, active=True, mandatory=True))
    rules = {r.pk: status_.Rule(r.pk, r.kind, r.min_level, r.grace_days, r.mandatory, r.document_id)
             for r in requirements}
    revisions = _revisions_as_of([r.document_id for r in requirements if r.kind == "document"], day)
    opened = {}
    for pid, rid, due, started_at in Assignment.objects.filter(
        person_id__in=ids, requirement_id__in=list(rules), created_at__lt=end,
    ).exclude(Q(completed_at__lt=end) | Q(ended_at__lt=end)).values_list(
        "person_id", "requirement_id", "due", "started_at"
    ):
        opened[pid, rid] = status_.Open(due, started_at is not None and started_at < end)
    records: dict = defaultdict(list)
    for pid, rid, completed, expires, level, revision_id in TrainingRecord.objects.filter(
        person_id__in=ids, requirement_id__in=list(rules), completed_on__lte=day,
    ).order_by("completed_on", "pk").values_list(
        "person_id", "requirement_id", "completed_on", "expires_on", "level", "revision_id"
    ):
        records[pid, rid].append(status_.Done(completed, expires, level, revision_id))
    totals = defaultdict(lambda: [0, 0])
    for person in population:
        applying = reached.of(person.pk)
        for requirement in requirements:
            if requirement.pk not in applying:
                continue
            rule = rules[requirement.pk]
            if requirement.kind == "document":
                training_revision = revisions.get(requirement.document_id)
                if training_revision is None:
                    continue  # nothing was effective to train on yet
            else:
                training_revision = None
            done = records.get((person.pk, requirement.pk))
            latest = status_.latest_counting(rule, done, training_revision) if done else None
            cell = status_.cell(rule, applies=True, latest=latest, open_assignment=opened.get(
                (person.pk, requirement.pk)), today=day)
            for key in ("overall", person.department_id):
                totals[key][0] += 1
                totals[key][1] += cell.status == status_.CURRENT
    def share(key):
        applicable, current = totals.get(key, (0, 0))
        return {"applicable": applicable, "current": current,
                "percent": round(100 * current / applicable, 1) if applicable else None}

    return {"overall": share("overall"),
            "departments": {p.department_id: share(p.department_id) for p in population}}


def compliance_trend(actor, *, months: int = 12, today: dt.date | None = None, **filters) -> dict:
    """The month-by-month compliance of the people the matrix shows (with its filters)."""
    from qualitas.accounts.models import User

    today = today or timezone.localdate()
    months = max(1, min(int(months), 36))
    scoped = matrix_.people_in_scope(actor, today=today, **filters)
    people = list(User.objects.filter(pk__in=scoped.values("pk")).select_related("department__site")
                  .order_by("pk"))
    departments = {p.department_id: p.department for p in people}
    ends = month_ends(today, months)
    points = [(day, compliance_as_of(people, day)) for day in ends]
    order = sorted(departments, key=lambda pk: matrix_._department_key(departments[pk]))
    return {
        "months": [day.strftime("%Y-%m") for day in ends],
        "as_of": [day.isoformat() for day in ends],
        "overall": [point["overall"]["percent"] for _, point in points],
        "departments": [
            {"id": pk, "label": matrix_._department_label(departments[pk]),
             "percent": [point["departments"].get(pk, {}).get("percent") for _, point in points]}
            for pk in order
        ],
    }


def sparkline(values, width: int = 120, height: int = 24) -> str:
    """An inline SVG polyline of percentages (0–100; gaps skipped), no script, no CDN."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        return ""
    step = width / max(1, len(values) - 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v / 100) * (height - 4):.1f}" for i, v in points)
    last_x, last_v = points[-1]
    return (f'<svg class="trend-spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="Compliance trend, latest {last_v:g} %">'
            f'<polyline fill="none" stroke="#1f4e79" stroke-width="1.5" points="{coords}"/>'
            f'<circle cx="{last_x * step:.1f}" cy="{height - 2 - (last_v / 100) * (height - 4):.1f}" r="2" '
            f'fill="#1f4e79"/></svg>')
