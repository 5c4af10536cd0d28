"""The improvement dashboard: numbers computed from the actor's visible records, shared by the
page, the API and the PDF report so they always agree."""

from __future__ import annotations

import datetime as dt
from collections import Counter, OrderedDict

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from qualitas.capa import selectors
from qualitas.capa.models import SIX_M, EffectivenessCheck, Nonconformity
from qualitas.stats.pareto import pareto
from qualitas.stats.results import StatsInputError

AGE_BUCKETS = [(0, 30, "0–30 days"), (31, 60, "31–60 days"), (61, 90, "61–90 days"), (91, None, "over 90 days")]


def months(end: dt.date, count: int = 12) -> list[str]:
    """The last `count` months up to `end`, as YYYY-MM, oldest first."""
    year, month = end.year, end.month
    result = []
    for _ in range(count):
        result.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return result[::-1]


def _pareto_dict(counter: Counter) -> dict:
    try:
        return pareto(dict(counter)).to_dict()
    except StatsInputError:
        return {"categories": [], "counts": [], "percent": [], "cumulative_percent": [], "vital_few": [],
                "threshold": 0.8, "total": 0}


def category_counts(actor, *, since: dt.date | None = None) -> Counter:
    ncs = selectors.nonconformity_list(actor).exclude(status="cancelled")
    if since:
        ncs = ncs.filter(detected_on__gte=since)
    counter: Counter = Counter()
    for row in ncs.order_by().values("category").annotate(n=Count("pk")):
        counter[row["category"] or "Uncategorised"] += row["n"]
    return counter


def _causes(rows) -> Counter:
    labels = dict(SIX_M)
    counter: Counter = Counter()
    for causes in rows:
        for cause in causes or []:
            if cause.get("verified"):
                counter[labels.get(cause.get("category"), "Other")] += 1
    return counter


def cause_counts(actor) -> Counter:
    return _causes(selectors.capas_visible(actor).exclude(status="cancelled").values_list("root_causes", flat=True))


def _ranked(counter: Counter) -> dict:
    """Most first, then by label: the order the page lists them in."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def _open_nonconformities(ncs) -> dict:
    """Open nonconformities by status, severity, process and site: one grouped query, however many."""
    status_label = dict(Nonconformity._meta.get_field("status").choices)
    by_status, by_severity, by_process, by_site = Counter(), Counter(), Counter(), Counter()
    groups = (
        ncs.filter(status__in=("open", "investigation"))
        .order_by()
        .values("status", "severity__name", "process_id", "process__code", "process__name", "site__name")
        .annotate(n=Count("pk"))
    )
    for row in groups:
        n = row["n"]
        by_status[status_label.get(row["status"], row["status"])] += n
        by_severity[row["severity__name"]] += n
        by_process[f"{row['process__code']} {row['process__name']}" if row["process_id"] else "No process"] += n
        by_site[row["site__name"] or "No site"] += n
    return {
        "total": sum(by_status.values()),
        "by_status": _ranked(by_status),
        "by_severity": _ranked(by_severity),
        "by_process": _ranked(by_process),
        "by_site": _ranked(by_site),
    }


def _month_bounds(window: list[str]) -> list[tuple[str, dt.date, dt.date]]:
    bounds = []
    for key in window:
        start = dt.date(int(key[:4]), int(key[5:]), 1)
        end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        bounds.append((key, start, end))
    return bounds


def _per_month(queryset, date_field: str, window: list[str], value) -> OrderedDict:
    """`value` (an aggregate such as Sum("cost")) per month of `date_field` over the window, in one query
    of plain date comparisons (no per-row date function, which SQLite would call back into Python for)."""
    aggregate, field = type(value), value.source_expressions[0]
    totals = queryset.order_by().aggregate(**{
        f"m{index}": aggregate(field, filter=Q(**{f"{date_field}__gte": start, f"{date_field}__lt": end}))
        for index, (_, start, end) in enumerate(_month_bounds(window))
    })
    return OrderedDict((key, totals[f"m{index}"] or 0) for index, key in enumerate(window))


def _age_days(opened_on: dt.date, closed_at, today: dt.date, tz) -> int:
    """Capa.age_days, from the values alone (the register's 2,000 CAPAs are not built as models)."""
    end = closed_at.astimezone(tz).date() if closed_at else today
    return max(0, (end - opened_on).days)


def summary(actor, *, today: dt.date | None = None) -> dict:
    """The dashboard's numbers, aggregated by the database: the cost of a view does not grow with the
    number of nonconformities (a plant's 20,000 are grouped, never loaded)."""
    today = today or timezone.localdate()
    window = months(today)
    since = dt.date(int(window[0][:4]), int(window[0][5:]), 1)
    ncs = selectors.nonconformity_list(actor).exclude(status="cancelled")
    visible_capas = selectors.capas_visible(actor).exclude(status="cancelled")
    capa_rows = list(visible_capas.values_list("status", "due_date", "closed_at", "opened_on", "root_causes"))
    tz = timezone.get_current_timezone()
    open_capas = [row for row in capa_rows if row[0] != "closed"]
    closed = [(due, closed_at) for status, due, closed_at, _, _ in capa_rows if status == "closed" and due]
    on_time = [due for due, closed_at in closed if closed_at and closed_at.astimezone(tz).date() <= due]
    checks = EffectivenessCheck.objects.filter(capa_id__in=visible_capas.order_by().values("pk")).aggregate(
        total=Count("pk"), passed=Count("pk", filter=Q(passed=True))
    ) if capa_rows else {"total": 0, "passed": 0}
    ages = Counter()
    for _, _, closed_at, opened_on, _ in open_capas:
        age = _age_days(opened_on, closed_at, today, tz)
        for low, high, label in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                ages[label] += 1
    copq = _per_month(ncs.filter(detected_on__gte=since), "detected_on", window, Sum("cost_of_poor_quality"))
    complaints = _per_month(
        selectors.complaint_list(actor).filter(received_on__gte=since), "received_on", window, Count("pk")
    )
    satisfaction: dict[str, list[float]] = {m: [] for m in window}
    for entry in selectors.satisfaction_list(actor).filter(received_on__gte=since):
        key = f"{entry.received_on:%Y-%m}"
        if key in satisfaction:
            satisfaction[key].append(entry.percent)
    return {
        "as_of": today.isoformat(),
        "open_nonconformities": _open_nonconformities(ncs),
        "pareto_categories": _pareto_dict(category_counts(actor)),
        "pareto_causes": _pareto_dict(_causes(row[4] for row in capa_rows)),
        "capa": {
            "open": len(open_capas),
            "ageing": {label: ages.get(label, 0) for _, _, label in AGE_BUCKETS},
            "closed_with_target": len(closed),
            "closed_on_time": len(on_time),
            "on_time_rate": round(len(on_time) / len(closed) * 100, 1) if closed else None,
            "effectiveness_checks": checks["total"],
            "effectiveness_passed": checks["passed"],
            "effectiveness_pass_rate": round(checks["passed"] / checks["total"] * 100, 1)
            if checks["total"] else None,
        },
        "months": window,
        "cost_of_poor_quality": {m: float(v) for m, v in copq.items()},
        "currency": settings.CURRENCY,
        "complaints_per_month": dict(complaints),
        "satisfaction_percent": {m: (round(sum(v) / len(v), 1) if v else None) for m, v in satisfaction.items()},
    }


def charts(data: dict) -> dict[str, str]:
    """The dashboard's SVG charts from `summary()`."""
    from qualitas.core import charts as svg

    months_ = data["months"]
    short = [m[2:] for m in months_]
    cat, cause = data["pareto_categories"], data["pareto_causes"]
    return {
        "pareto_categories": svg.pareto_chart(cat["categories"], cat["counts"], cat["cumulative_percent"],
                                              title="Pareto of nonconformity categories"),
        "pareto_causes": svg.pareto_chart(cause["categories"], cause["counts"], cause["cumulative_percent"],
                                          title="Pareto of verified root causes (6M)"),
        "ageing": svg.bar_chart(list(data["capa"]["ageing"]), list(data["capa"]["ageing"].values()),
                                title="Open CAPAs by age", color="#fd7e14", integer=True),
        "copq": svg.bar_chart(short, [data["cost_of_poor_quality"][m] for m in months_],
                              title=f"Cost of poor quality by month ({data['currency']})", color="#dc3545",
                              unit=f" {data['currency']}"),
        "complaints": svg.bar_chart(short, [data["complaints_per_month"][m] for m in months_],
                                    title="Complaints per month", color="#6f42c1", integer=True),
        "satisfaction": svg.line_chart(short, {"Satisfaction %": [data["satisfaction_percent"][m] for m in months_]},
                                       title="Customer satisfaction", unit="%", max_value=100),
    }
