"""What the chart and capability pages, their PDFs and the API show: read-only, computed from the
stored subgroups of a characteristic the actor may see (callers fetch it through the selectors)."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import ValidationError

from qualitas.measurements import charting
from qualitas.measurements.models import CHART_NAMES, Characteristic, ControlLimits, SignalEvent, Subgroup
from qualitas.stats.results import ChartSet

DEFAULT_LAST = 50
MAX_LAST = 5000


@dataclass(frozen=True)
class Window:
    """Which points to show: the last `last` subgroups taken between `since` and `until`."""

    last: int | None = DEFAULT_LAST
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def describe(self) -> str:
        parts = []
        if self.since or self.until:
            parts.append(f"taken {self.since:%Y-%m-%d}" if self.since else "taken")
            parts.append(f"to {self.until:%Y-%m-%d}" if self.until else "onwards")
        if self.last:
            parts.insert(0, f"last {self.last} subgroups")
        return " ".join(parts) or "all subgroups"


@dataclass
class SignalRow:
    point: int
    subgroup: Subgroup
    chart: str
    rules: tuple[str, ...]
    value: float | None
    event: SignalEvent | None

    @property
    def chart_label(self) -> str:
        return CHART_NAMES.get(self.chart, self.chart)


@dataclass
class ChartReport:
    characteristic: Characteristic
    window: Window
    limits: ControlLimits | None
    chartset: ChartSet | None = None
    subgroups: list[Subgroup] = field(default_factory=list)
    signals: list[SignalRow] = field(default_factory=list)
    total: int = 0
    incomplete: int = 0
    message: str = ""

    @property
    def labels(self) -> list[str]:
        """The subgroup of each point shown, as the chart's axis, its hover texts and the signal table name it."""
        return [s.key for s in self.subgroups]

    @property
    def first_point(self) -> int:
        """Number, in the whole series, of the first point shown (the chart numbers from 1)."""
        return self.total - len(self.subgroups) + 1 if self.subgroups else 0

    def to_dict(self) -> dict:
        data = self.chartset.to_dict() if self.chartset else {"chart": self.characteristic.chart_type, "charts": [],
                                                              "sigma": None}
        data["characteristic"] = {"id": self.characteristic.pk, "number": self.characteristic.number,
                                  "name": self.characteristic.name, "unit": self.characteristic.unit}
        data["limits"] = {"basis": "frozen" if self.limits else "trial", "id": self.limits.pk if self.limits else None}
        data["points"] = [
            {"point": number, "subgroup": s.key, "subgroup_id": s.pk, "taken_at": s.taken_at.isoformat(),
             "lot": s.lot, "excluded": s.excluded}
            for number, s in enumerate(self.subgroups, start=1)
        ]
        data["signal_list"] = [
            {"point": row.point, "subgroup": row.subgroup.key, "subgroup_id": row.subgroup.pk,
             "taken_at": row.subgroup.taken_at.isoformat(), "chart": row.chart, "rules": list(row.rules),
             "value": row.value, "event_id": row.event.pk if row.event else None,
             "acknowledged": bool(row.event and row.event.acknowledged)}
            for row in self.signals
        ]
        data["total_subgroups"] = self.total
        data["incomplete_subgroups"] = self.incomplete
        data["message"] = self.message
        return data


def _bounds(series: charting.Series, window: Window) -> tuple[int, int]:
    times = [s.taken_at for s in series.subgroups]
    start = 0 if window.since is None else bisect.bisect_left(times, window.since)
    stop = len(times) if window.until is None else bisect.bisect_right(times, window.until)
    if window.last:
        start = max(start, stop - window.last)
    return start, max(start, stop)


def chart_report(characteristic: Characteristic, window: Window) -> ChartReport:
    """The chart of the window, judged with the whole history (frozen or trial limits)."""
    limits = charting.active_limits(characteristic)
    report = ChartReport(characteristic, window, limits)
    series = charting.load_series(characteristic)
    report.incomplete = series.incomplete
    try:
        chartset = charting.compute(characteristic, series, limits)
    except charting.NotEnoughData as exc:
        report.message = str(exc)
        report.subgroups, report.total = series.subgroups[-(window.last or len(series)):], len(series)
        return report
    start, stop = _bounds(series, window)
    report.total = stop
    report.subgroups = series.subgroups[start:stop]
    if not report.subgroups:
        report.message = "No complete subgroup in this period."
        return report
    report.chartset = charting.window(chartset, start, stop)
    found = [f for f in charting.found_signals(chartset, series) if start < f.point <= stop]
    events = {
        (e.subgroup_id, e.chart): e
        for e in SignalEvent.objects.filter(
            characteristic=characteristic, subgroup__taken_at__gte=report.subgroups[0].taken_at
        ).select_related("acknowledged_by")
    }
    report.signals = [
        SignalRow(f.point - start, f.subgroup, f.chart, f.rules, f.value, events.get((f.subgroup.pk, f.chart)))
        for f in sorted(found, key=lambda f: (f.point, f.chart))
    ]
    return report


@dataclass
class CapabilityReport:
    characteristic: Characteristic
    window: Window
    result: object | None = None
    values: np.ndarray | None = None
    subgroups: int = 0
    message: str = ""

    def to_dict(self) -> dict:
        data = jsonable(self.result.to_dict()) if self.result is not None else {}
        return {
            "characteristic": {"id": self.characteristic.pk, "number": self.characteristic.number,
                               "name": self.characteristic.name, "unit": self.characteristic.unit},
            "subgroups": self.subgroups,
            "message": self.message,
            **data,
        }


def capability_report(characteristic: Characteristic, window: Window) -> CapabilityReport:
    report = CapabilityReport(characteristic, window)
    series = charting.load_series(characteristic)
    start, stop = _bounds(series, window)
    chosen = np.zeros(len(series), dtype=bool)
    chosen[start:stop] = True
    series = series.take(chosen)
    try:
        report.result = charting.capability(characteristic, series)
    except ValidationError as exc:
        report.message = " ".join(exc.messages)
        return report
    kept = [not s.excluded for s in series.subgroups]
    values = series.values[np.array(kept, dtype=bool)]
    report.values = values[np.isfinite(values)]
    report.subgroups = int(sum(kept))
    return report


def jsonable(value):
    """Plain JSON: numpy scalars unwrapped, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value

