"""The improvement dashboard: numbers computed from the actor's visible records, shared by the
page, the API and the PDF report so they always agree."""

from __future__ import annotations

import datetime as dt
from collections import Counter, OrderedDict
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from qualitas.capa import selectors
from qualitas.capa.models import SIX_M
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
    return Counter(category or "Uncategorised" for category in ncs.values_list("category", flat=True))


def cause_counts(actor) -> Counter:
    labels = dict(SIX_M)
    counter: Counter = Counter()
    for causes in selectors.capa_list(actor).exclude(status="cancelled").values_list("root_causes", flat=True):
        for cause in causes or []:
            if cause.get("verified"):
                counter[labels.get(cause.get("category"), "Other")] += 1
    return counter


def summary(actor, *, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    window = months(today)
    since = dt.date(int(window[0][:4]), int(window[0][5:]), 1)
    ncs = list(selectors.nonconformity_list(actor).exclude(status="cancelled").select_related("severity", "process",
                                                                                                "site"))
    open_ncs = [nc for nc in ncs if nc.status in ("open", "investigation")]
    capas = list(selectors.capa_list(actor).exclude(status="cancelled").prefetch_related("effectiveness_checks"))
    open_capas = [c for c in capas if c.status != "closed"]
    closed = [c for c in capas if c.status == "closed" and c.due_date]
    on_time = [c for c in closed if timezone.localtime(c.closed_at).date() <= c.due_date]
    checks = [check for c in capas for check in c.effectiveness_checks.all()]
    ages = Counter()
    for capa in open_capas:
        for low, high, label in AGE_BUCKETS:
            if capa.age_days >= low and (high is None or capa.age_days <= high):
                ages[label] += 1
    copq = OrderedDict((m, Decimal(0)) for m in window)
    for nc in ncs:
        key = f"{nc.detected_on:%Y-%m}"
        if key in copq:
            copq[key] += nc.cost_of_poor_quality
    complaints = OrderedDict((m, 0) for m in window)
    for received_on in selectors.complaint_list(actor).filter(received_on__gte=since).values_list(
        "received_on", flat=True
    ):
        key = f"{received_on:%Y-%m}"
        if key in complaints:
            complaints[key] += 1
    satisfaction: dict[str, list[float]] = {m: [] for m in window}
    for entry in selectors.satisfaction_list(actor).filter(received_on__gte=since):
        key = f"{entry.received_on:%Y-%m}"
        if key in satisfaction:
            satisfaction[key].append(entry.percent)
    return {
        "as_of": today.isoformat(),
        "open_nonconformities": {
            "total": len(open_ncs),
            "by_status": dict(Counter(nc.get_status_display() for nc in open_ncs)),
            "by_severity": dict(Counter(nc.severity.name for nc in open_ncs)),
            "by_process": dict(Counter(f"{nc.process.code} {nc.process.name}" if nc.process else "No process"
                                       for nc in open_ncs)),
            "by_site": dict(Counter(nc.site.name if nc.site else "No site" for nc in open_ncs)),
        },
        "pareto_categories": _pareto_dict(Counter(nc.category or "Uncategorised" for nc in ncs)),
        "pareto_causes": _pareto_dict(cause_counts(actor)),
        "capa": {
            "open": len(open_capas),
            "ageing": {label: ages.get(label, 0) for _, _, label in AGE_BUCKETS},
            "closed_with_target": len(closed),
            "closed_on_time": len(on_time),
            "on_time_rate": round(len(on_time) / len(closed) * 100, 1) if closed else None,
            "effectiveness_checks": len(checks),
            "effectiveness_passed": sum(1 for c in checks if c.passed),
            "effectiveness_pass_rate": round(sum(1 for c in checks if c.passed) / len(checks) * 100, 1)
            if checks else None,
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
