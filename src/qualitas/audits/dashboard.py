"""The audits dashboard: programme progress for a year (planned vs done per month), findings by grade,
clause and process, overdue responses and repeat findings; and `summary()`, the JSON-safe input the
management review reads (ISO 9001 9.3.2 c) 6): audit results).

Numbers come from the actor's visible audits and findings, grouped by the database; the page, the API
and the management review share these functions so they always agree."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone

from qualitas.audits.selectors import audits_visible
from qualitas.audits.selectors_checklists import findings_visible
from qualitas.audits.selectors_report import ISSUED_STATES

MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
REPEAT_YEARS = 3
LAST_YEAR = 2100
# Finding states that still wait for the auditee's response (responded, verified, closed and withdrawn do not).
AWAITING_RESPONSE = ("open",)
SETTLED_FINDING_STATES = ("verified", "closed", "withdrawn")  # as the checklist part counts them


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _months(year: int) -> list[tuple[int, dt.date, dt.date]]:
    result = []
    for month in range(1, 13):
        start = dt.date(year, month, 1)
        end = dt.date(year + month // 12, month % 12 + 1, 1)
        result.append((month, start, end))
    return result


def _done_filter(start: dt.date, end: dt.date) -> Q:
    """Audits done in [start, end): reported in the period (or, without a report date, closed in it)."""
    return Q(status__in=ISSUED_STATES) & (
        Q(reported_at__gte=_day_start(start), reported_at__lt=_day_start(end))
        | Q(reported_at__isnull=True, closed_at__gte=_day_start(start), closed_at__lt=_day_start(end))
    )


def _audits(actor, *, programme_id=None, site_id=None):
    audits = audits_visible(actor)
    if programme_id:
        audits = audits.filter(programme_id=programme_id)
    if site_id:
        audits = audits.filter(site_id=site_id)
    return audits


def progress(actor, *, year: int, today: dt.date, programme_id=None, site_id=None) -> dict:
    """Planned vs done per month of `year`: audits whose planned start falls in the month, and audits
    reported (or closed) in the month; cumulative series and the year's totals. Two queries."""
    audits = _audits(actor, programme_id=programme_id, site_id=site_id).order_by()
    months = _months(year)
    live = audits.exclude(status="cancelled")
    aggregates = {}
    for month, start, end in months:
        aggregates[f"p{month}"] = Count("pk", filter=Q(planned_start__gte=start, planned_start__lt=end))
        aggregates[f"d{month}"] = Count("pk", filter=_done_filter(start, end))
    counts = live.aggregate(**aggregates)
    year_start, year_end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    in_year = audits.filter(planned_start__gte=year_start, planned_start__lt=year_end)
    by_status = {row["status"]: row["n"] for row in in_year.values("status").annotate(n=Count("pk"))}
    late = in_year.filter(planned_end__lt=today).exclude(status__in=(*ISSUED_STATES, "cancelled")).count()
    planned = [counts[f"p{m}"] for m, _, _ in months]
    done = [counts[f"d{m}"] for m, _, _ in months]
    cumulative_planned, cumulative_done, running_p, running_d = [], [], 0, 0
    for p, d in zip(planned, done, strict=True):
        running_p, running_d = running_p + p, running_d + d
        cumulative_planned.append(running_p)
        cumulative_done.append(running_d)
    planned_total = sum(planned)
    done_of_planned = sum(by_status.get(s, 0) for s in ISSUED_STATES)
    return {
        "year": year,
        "months": [f"{year:04d}-{m:02d}" for m, _, _ in months],
        "month_labels": list(MONTH_LABELS),
        "planned": planned,
        "done": done,
        "cumulative_planned": cumulative_planned,
        "cumulative_done": cumulative_done,
        "planned_total": planned_total,
        "done_total": sum(done),
        "done_of_planned": done_of_planned,
        "percent_done": round(done_of_planned / planned_total * 100, 1) if planned_total else None,
        "cancelled": by_status.get("cancelled", 0),
        "late": late,
        "by_status": by_status,
    }


def _finding_rows(findings) -> list[dict]:
    """The findings as plain rows with their clauses (two queries, however many findings)."""
    from qualitas.audits.models import Finding

    rows = list(
        findings.order_by().values(
            "pk", "number", "audit_id", "audit__number", "grade__code", "grade__label", "grade__order",
            "grade__is_nonconformity", "process_id", "process__code", "process__name", "audit__process_id",
            "audit__process__code", "audit__process__name",
        )
    )
    through = Finding.clauses.through
    clauses: dict[int, list[tuple]] = defaultdict(list)
    for row in through.objects.filter(finding_id__in=[r["pk"] for r in rows]).values(
            "finding_id", "clause_id", "clause__number", "clause__title", "clause__sort_key",
            "clause__edition__standard__code"):
        clauses[row["finding_id"]].append(row)
    for row in rows:
        row["clauses"] = clauses.get(row["pk"], [])
        if row["process_id"]:
            row["process_key"] = row["process_id"]
            row["process_label"] = f"{row['process__code']} {row['process__name']}"
        elif row["audit__process_id"]:
            row["process_key"] = row["audit__process_id"]
            row["process_label"] = f"{row['audit__process__code']} {row['audit__process__name']}"
        else:
            row["process_key"], row["process_label"] = None, "No process"
    return rows


def _clause_text(row: dict) -> str:
    return f"{row['clause__edition__standard__code']} {row['clause__number']}"


def _ranked(counter: Counter) -> list[dict]:
    return [{"label": label, "count": n} for label, n in sorted(counter.items(), key=lambda i: (-i[1], i[0]))]


def breakdown(rows: list[dict]) -> dict:
    """Findings by grade (in the grades' order), by clause (standard + clause) and by process."""
    from qualitas.audits.models import FindingGrade

    grade_counts = Counter(r["grade__code"] for r in rows)
    grades = [
        {"code": g.code, "label": g.label, "colour": g.colour, "is_nonconformity": g.is_nonconformity,
         "count": grade_counts.get(g.code, 0)}
        for g in FindingGrade.objects.order_by("order", "code")
        if g.active or grade_counts.get(g.code)
    ]
    by_clause: dict[str, dict] = {}
    for r in rows:
        for c in r["clauses"]:
            key = _clause_text(c)
            entry = by_clause.setdefault(key, {"clause": key, "title": c["clause__title"], "count": 0,
                                               "nonconformities": 0,
                                               "sort": (c["clause__edition__standard__code"], c["clause__sort_key"])})
            entry["count"] += 1
            entry["nonconformities"] += 1 if r["grade__is_nonconformity"] else 0
    clauses = sorted(by_clause.values(), key=lambda e: (-e["count"], e["sort"]))
    for entry in clauses:
        entry.pop("sort")
    return {
        "total": len(rows),
        "nonconformities": sum(1 for r in rows if r["grade__is_nonconformity"]),
        "by_grade": grades,
        "by_clause": clauses,
        "by_process": _ranked(Counter(r["process_label"] for r in rows)),
    }


def overdue_responses(actor, *, today: dt.date, limit: int | None = None) -> list[dict]:
    """Findings whose grade needs the auditee's response, due before today and still not responded."""
    findings = (
        findings_visible(actor)
        .filter(grade__needs_response=True, response_due__lt=today, status__in=AWAITING_RESPONSE)
        .select_related("audit", "grade", "auditee")
        .order_by("response_due", "number")
    )
    if limit:
        findings = findings[:limit]
    return [
        {"id": f.pk, "number": f.number, "title": f.title, "audit": f.audit.number, "audit_id": f.audit_id,
         "grade": f.grade.label, "auditee": f.auditee.display_name if f.auditee_id else "",
         "response_due": f.response_due.isoformat(), "days_overdue": (today - f.response_due).days}
        for f in findings
    ]


def repeat_findings(actor, *, today: dt.date, years: int = REPEAT_YEARS) -> dict:
    """Nonconformities found again: the same clause (standard + clause) or the same process found
    nonconforming in two or more audits whose findings were recorded within the last `years` years."""
    since = _years_before(today, years)
    rows = _finding_rows(
        findings_visible(actor)
        .filter(grade__is_nonconformity=True, created_at__gte=_day_start(since),
                created_at__lt=_day_start(today + dt.timedelta(days=1)))
        .exclude(status="withdrawn")
    )
    clause_audits: dict[str, dict] = {}
    process_audits: dict[object, dict] = {}
    for r in rows:
        for c in r["clauses"]:
            entry = clause_audits.setdefault(_clause_text(c), {"title": c["clause__title"], "audits": set(),
                                                               "findings": []})
            entry["audits"].add(r["audit__number"])
            entry["findings"].append(r["number"])
        if r["process_key"] is not None:
            entry = process_audits.setdefault(r["process_key"], {"label": r["process_label"], "audits": set(),
                                                                 "findings": []})
            entry["audits"].add(r["audit__number"])
            entry["findings"].append(r["number"])
    by_clause = [
        {"clause": key, "title": e["title"], "audits": sorted(e["audits"]), "findings": sorted(e["findings"])}
        for key, e in clause_audits.items() if len(e["audits"]) >= 2
    ]
    by_process = [
        {"process": e["label"], "audits": sorted(e["audits"]), "findings": sorted(e["findings"])}
        for e in process_audits.values() if len(e["audits"]) >= 2
    ]
    by_clause.sort(key=lambda e: (-len(e["audits"]), e["clause"]))
    by_process.sort(key=lambda e: (-len(e["audits"]), e["process"]))
    return {"since": since.isoformat(), "years": years, "by_clause": by_clause, "by_process": by_process}


def dashboard_data(actor, *, year: int | None = None, today: dt.date | None = None, programme_id=None,
                   site_id=None) -> dict:
    """Everything the dashboard shows, JSON-safe. Findings are those of the audits planned in `year`;
    overdue responses and repeat findings are as of `today`, whatever the year."""
    today = today or timezone.localdate()
    year = year or today.year
    audits = _audits(actor, programme_id=programme_id, site_id=site_id)
    findings = findings_visible(actor).exclude(status="withdrawn").filter(
        audit__in=audits.filter(planned_start__year=year).values("pk"))
    return {
        "as_of": today.isoformat(),
        "year": year,
        "programme_id": programme_id,
        "progress": progress(actor, year=year, today=today, programme_id=programme_id, site_id=site_id),
        "findings": breakdown(_finding_rows(findings)),
        "overdue_responses": overdue_responses(actor, today=today),
        "repeat_findings": repeat_findings(actor, today=today),
    }


def _raised_nonconformities(actor, *, today: dt.date) -> dict | None:
    """The nonconformities audit findings raised in the improvement module (their source is the one
    the audits module offers for findings); None when the actor may not see nonconformities."""
    from qualitas.capa.selectors import nonconformity_list
    from qualitas.core.modules import source_for

    source = source_for("audits.finding")
    if source is None:
        return None
    try:
        raised = nonconformity_list(actor, source=source.key)
    except PermissionDenied:
        return None
    counts = raised.order_by().aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status__in=("open", "investigation"))))
    return {"source": source.key, "total": counts["total"], "open": counts["open"]}


def summary(actor, *, start: dt.date, end: dt.date, today: dt.date | None = None) -> dict:
    """Audit results for the management review over [start, end] (both days included), JSON-safe:
    audits planned and done, findings by grade, open and overdue nonconformities from audits, and the
    repeat findings of the 3 years up to `end`."""
    from django.core.exceptions import ValidationError

    if end < start:
        raise ValidationError({"end": "The period cannot end before it starts."})
    if end.year > LAST_YEAR:
        raise ValidationError({"end": f"The period must end by {LAST_YEAR}."})
    today = today or timezone.localdate()
    after = end + dt.timedelta(days=1)
    audits = audits_visible(actor).order_by()
    counts = audits.aggregate(
        planned=Count("pk", filter=Q(planned_start__gte=start, planned_start__lt=after) & ~Q(status="cancelled")),
        done=Count("pk", filter=_done_filter(start, after)),
        cancelled=Count("pk", filter=Q(planned_start__gte=start, planned_start__lt=after, status="cancelled")),
    )
    done_audits = list(audits.filter(_done_filter(start, after)).order_by("reported_at", "number").values(
        "pk", "number", "title", "status", "reported_at"))
    findings = findings_visible(actor).exclude(status="withdrawn").filter(
        created_at__gte=_day_start(start), created_at__lt=_day_start(after))
    data = breakdown(_finding_rows(findings))
    nonconforming = findings_visible(actor).filter(grade__is_nonconformity=True)
    open_ncs = nonconforming.exclude(status__in=SETTLED_FINDING_STATES).count()
    overdue = overdue_responses(actor, today=today)
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": today.isoformat(),
        "audits": {"planned": counts["planned"], "done": counts["done"], "cancelled": counts["cancelled"],
                   "done_list": [{"id": a["pk"], "number": a["number"], "title": a["title"], "status": a["status"],
                                  "reported_at": a["reported_at"].isoformat() if a["reported_at"] else None}
                                 for a in done_audits]},
        "findings": {"total": data["total"], "nonconformities": data["nonconformities"],
                     "by_grade": {g["code"]: g["count"] for g in data["by_grade"]},
                     "by_grade_label": {g["label"]: g["count"] for g in data["by_grade"]},
                     "by_clause": data["by_clause"][:10]},
        "nonconformities": {"open": open_ncs, "overdue_responses": len(overdue),
                            "overdue": overdue[:20],
                            "raised_in_improvement": _raised_nonconformities(actor, today=today)},
        "repeat_findings": repeat_findings(actor, today=end),
    }


def charts(data: dict) -> dict[str, str]:
    """The dashboard's SVG charts from `dashboard_data()` (the core's server-rendered chart helpers)."""
    from qualitas.core import charts as svg

    progress_ = data["progress"]
    labels = progress_["month_labels"]

    def whole(*series) -> int:
        """A top of the axis that gives whole-number ticks (line charts split the axis in 4)."""
        top = max((v for values in series for v in values), default=0)
        return max(4, -(-top // 4) * 4)

    findings = data["findings"]
    grades = findings["by_grade"]
    clauses = findings["by_clause"][:12]
    processes = findings["by_process"][:12]
    return {
        "progress": svg.line_chart(
            labels, {"Planned": progress_["planned"], "Done": progress_["done"]},
            title=f"Audits planned and done per month, {progress_['year']}",
            max_value=whole(progress_["planned"], progress_["done"])),
        "cumulative": svg.line_chart(
            labels, {"Planned (cumulative)": progress_["cumulative_planned"],
                     "Done (cumulative)": progress_["cumulative_done"]},
            title=f"Programme progress {progress_['year']} (cumulative)",
            max_value=whole(progress_["cumulative_planned"], progress_["cumulative_done"])),
        "grades": svg.bar_chart([g["label"] for g in grades], [g["count"] for g in grades],
                                title="Findings by grade", color="#dc3545", integer=True),
        "clauses": svg.bar_chart([c["clause"] for c in clauses], [c["count"] for c in clauses],
                                 title="Findings by clause", color="#0d6efd", integer=True),
        "processes": svg.bar_chart([p["label"] for p in processes], [p["count"] for p in processes],
                                   title="Findings by process", color="#6f42c1", integer=True),
    }
