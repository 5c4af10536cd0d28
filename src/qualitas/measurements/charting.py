"""The bridge between stored subgroups and `qualitas.stats`: the chart series of a characteristic,
trial limits (estimated from all points but the excluded ones), frozen limits (Phase II: known
parameters), the window shown on a page, and capability.

Only complete subgroups are charted: a variables subgroup holds `subgroup_size` values (an
instrument may fill it in several posts); an attribute sample is complete when recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from qualitas.measurements.models import CHART_NAMES, Characteristic, ControlLimits, Measurement, Subgroup, is_attribute
from qualitas.stats import capability as capability_lib
from qualitas.stats import charts
from qualitas.stats.results import Chart, ChartSet, Signal, StatsInputError

# The option of `charts.chart` carrying the known centre of each kind (as the CLI's --target does).
CENTRE_OPTION = {"xbar-r": "mu", "xbar-s": "mu", "imr": "mu", "p": "p_bar", "np": "p_bar", "c": "c_bar",
                 "u": "u_bar", "ewma": "target", "cusum": "target"}
WITHIN_METHOD = {"xbar-r": "rbar", "xbar-s": "sbar"}


class NotEnoughData(Exception):
    """Too few complete subgroups (or no variation) to compute limits; the message says why."""


def family(chart_type: str) -> str:
    return "attributes" if is_attribute(chart_type) else "variables"


@dataclass
class Series:
    """The complete subgroups of a characteristic in time order, shaped for `charts.chart`."""

    characteristic: Characteristic
    subgroups: list[Subgroup]
    values: np.ndarray  # variables: k × n; attributes: the k counts
    sizes: np.ndarray | None = None  # attributes: sample sizes or inspection units
    incomplete: int = 0

    def __len__(self) -> int:
        return len(self.subgroups)

    @property
    def excluded_numbers(self) -> tuple[int, ...]:
        return tuple(number for number, subgroup in enumerate(self.subgroups, start=1) if subgroup.excluded)

    def chart_input(self) -> tuple[np.ndarray, np.ndarray | None]:
        return _chart_input(self.characteristic.chart_type, self.values, self.sizes)

    def subgroups_at(self, indices) -> dict[int, Subgroup]:
        return {index: self.subgroups[index] for index in indices}

    def take(self, chosen: np.ndarray) -> Series:
        """The series restricted to the subgroups where `chosen` (a boolean mask) is true."""
        return replace(
            self,
            subgroups=[s for s, keep in zip(self.subgroups, chosen, strict=True) if keep],
            values=self.values[chosen],
            sizes=None if self.sizes is None else self.sizes[chosen],
        )


def _chart_input(kind: str, values: np.ndarray, sizes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    if is_attribute(kind):
        return values, (sizes if kind != "c" else None)
    if kind == "imr" or (kind in ("ewma", "cusum") and values.shape[1] == 1):
        return values[:, 0], None
    return values, None


@dataclass
class Points:
    """What a Series holds, with the subgroups as ids and an array of exclusions instead of model
    instances (judging a characteristic of 100,000 subgroups needs the instances of its few signalled
    points only)."""

    characteristic: Characteristic
    ids: np.ndarray
    excluded: np.ndarray
    values: np.ndarray
    sizes: np.ndarray | None = None
    incomplete: int = 0

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def excluded_numbers(self) -> tuple[int, ...]:
        return tuple(int(index) + 1 for index in np.flatnonzero(self.excluded))

    def chart_input(self) -> tuple[np.ndarray, np.ndarray | None]:
        return _chart_input(self.characteristic.chart_type, self.values, self.sizes)

    def subgroups_at(self, indices) -> dict[int, Subgroup]:
        """The subgroups at these 0-based positions, read in one query."""
        wanted = {index: int(self.ids[index]) for index in indices}
        found = self.characteristic.subgroups.in_bulk(sorted(set(wanted.values())))
        return {index: found[pk] for index, pk in wanted.items()}


def _ordered(characteristic: Characteristic, since: dt.datetime | None, until: dt.datetime | None):
    subgroups = characteristic.subgroups.order_by("taken_at", "sequence")
    if since is not None:
        subgroups = subgroups.filter(taken_at__gte=since)
    if until is not None:
        subgroups = subgroups.filter(taken_at__lte=until)
    return subgroups


def _locate(ids: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each value row, whether its subgroup id is among `ids`, and (for those that are) its index."""
    order = np.argsort(ids)
    found = np.minimum(np.searchsorted(ids[order], rows[:, 0]), ids.size - 1)
    keep = ids[order][found] == rows[:, 0]
    return keep, order[found[keep]]


def _all_values(characteristic: Characteristic) -> np.ndarray:
    """(subgroup id, position, value) of every measurement of the characteristic, as floats: one query
    (no IN list of thousands of ids), the values of subgroups not asked for fall out when placed."""
    return np.array(
        Measurement.objects.filter(subgroup__characteristic=characteristic).values_list(
            "subgroup_id", "position", "value"
        ),
        dtype=float,
    ).reshape(-1, 3)


def _complete(characteristic: Characteristic, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of the subgroups with these ids (in chart order) are complete (hold subgroup_size values:
    Count("measurements"), counted from the values read anyway), and the k × n matrix of theirs."""
    size = characteristic.subgroup_size
    if not len(ids):
        return np.zeros(0, dtype=bool), np.full((0, size), np.nan)
    rows = _all_values(characteristic)
    keep, index = _locate(ids, rows)
    complete = np.bincount(index, minlength=len(ids)) == size
    chosen = ids[complete]
    matrix = np.full((len(chosen), size), np.nan)
    if len(chosen):
        keep, index = _locate(chosen, rows)
        matrix[index, rows[keep, 1].astype(int) - 1] = rows[keep, 2]
    return complete, matrix


def load_points(
    characteristic: Characteristic, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Points:
    """load_series's complete subgroups, values and exclusions, read as columns (values_list) rather
    than as a model instance per subgroup."""
    subgroups = _ordered(characteristic, since, until)
    if is_attribute(characteristic.chart_type):
        rows = list(subgroups.filter(count__isnull=False).values_list("pk", "excluded", "count", "sample_size"))
        return Points(
            characteristic, np.array([row[0] for row in rows], dtype=float),
            np.array([row[1] for row in rows], dtype=bool), np.array([row[2] for row in rows], dtype=float),
            np.array([row[3] or 1.0 for row in rows], dtype=float),
        )
    rows = list(subgroups.values_list("pk", "excluded"))
    ids = np.array([row[0] for row in rows], dtype=float)
    complete, matrix = _complete(characteristic, ids)
    excluded = np.array([row[1] for row in rows], dtype=bool)
    return Points(characteristic, ids[complete], excluded[complete], matrix,
                  incomplete=int(len(ids) - complete.sum()))


def load_series(
    characteristic: Characteristic, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Series:
    subgroups = _ordered(characteristic, since, until)
    if is_attribute(characteristic.chart_type):
        chosen = list(subgroups.filter(count__isnull=False))
        counts = np.array([s.count for s in chosen], dtype=float)
        sizes = np.array([s.sample_size or 1.0 for s in chosen], dtype=float)
        return Series(characteristic, chosen, counts, sizes)
    every = list(subgroups)
    complete, matrix = _complete(characteristic, np.array([s.pk for s in every], dtype=float))
    chosen = [subgroup for subgroup, keep in zip(every, complete, strict=True) if keep]
    return Series(characteristic, chosen, matrix, incomplete=len(every) - len(chosen))


def options_for(characteristic: Characteristic, limits: ControlLimits | None = None) -> dict:
    kind = characteristic.chart_type
    options: dict = {}
    if kind != "cusum":
        options["rules"] = characteristic.rules
    if kind == "ewma":
        options.update(lam=characteristic.ewma_lambda, L=characteristic.ewma_l)
    if kind == "cusum":
        options.update(k=characteristic.cusum_k, h=characteristic.cusum_h)
    if limits is not None:
        options.update(limits.known)
    return options


def _run(characteristic: Characteristic, series: Series, **options) -> ChartSet:
    if not len(series):
        raise NotEnoughData("No complete subgroup has been recorded yet.")
    data, sizes = series.chart_input()
    try:
        return charts.chart(characteristic.chart_type, data, sizes, **options)
    except StatsInputError as exc:
        raise NotEnoughData(str(exc)) from None


def estimate(characteristic: Characteristic, series: Series) -> ChartSet:
    """Trial (Phase I) limits from the series, its excluded subgroups left out of the estimate."""
    return _run(characteristic, series, exclude=series.excluded_numbers, **options_for(characteristic))


def compute(characteristic: Characteristic, series: Series, limits: ControlLimits | None) -> ChartSet:
    """The chart of the series: judged against frozen limits when given, else against trial limits."""
    if limits is None:
        return estimate(characteristic, series)
    return _run(characteristic, series, **options_for(characteristic, limits))


def active_limits(characteristic: Characteristic) -> ControlLimits | None:
    return characteristic.limits.filter(status="active").first()


# --- Judging: which stored subgroup signals on which chart -------------------------------------------------


@dataclass(frozen=True)
class FoundSignal:
    subgroup: Subgroup
    chart: str
    rules: tuple[str, ...]
    value: float | None
    point: int  # 1-based position in the judged series


@dataclass
class Judged:
    chartset: ChartSet
    series: Series | Points
    limits: ControlLimits | None
    signals: list[FoundSignal] = field(default_factory=list)


def found_signals(chartset: ChartSet, series: Series | Points) -> list[FoundSignal]:
    found = []
    subgroups = series.subgroups_at({signal.point - 1 for chart in chartset.charts for signal in chart.signals})
    for chart in chartset.charts:
        values = np.asarray(chart.values, dtype=float)
        lower = np.asarray(chart.extra.get("lower", values), dtype=float)
        for signal in chart.signals:
            # A CUSUM signal of the lower side is C⁻'s value (drawn below zero), not C⁺'s.
            downward = signal.rules == ("cusum-lower",)
            value = -lower[signal.point - 1] if downward else values[signal.point - 1]
            found.append(
                FoundSignal(subgroups[signal.point - 1], chart.name, tuple(signal.rules),
                            float(value) if np.isfinite(value) else None, signal.point)
            )
    return found


def judge(characteristic: Characteristic) -> Judged:
    """Every complete subgroup judged: the canonical chart signals are notified from and shown with."""
    limits = active_limits(characteristic)
    series = load_series(characteristic)
    chartset = compute(characteristic, series, limits)
    return Judged(chartset, series, limits, found_signals(chartset, series))


def judge_points(characteristic: Characteristic) -> Judged:
    """judge(), the subgroups read as columns (load_points): the same chart and signals, with a
    Subgroup instance made for the signalled points only (what recording a batch needs)."""
    limits = active_limits(characteristic)
    points = load_points(characteristic)
    chartset = compute(characteristic, points, limits)
    return Judged(chartset, points, limits, found_signals(chartset, points))


# --- Frozen limits ---------------------------------------------------------------------------------------


def phase1_series(characteristic: Characteristic, *, first=None, since=None, until=None) -> Series:
    """The subgroups limits are frozen from: the first `first`, or those taken from `since` to `until`."""
    from django.core.exceptions import ValidationError

    if (first is None) == (since is None and until is None):
        raise ValidationError("Choose either the first N subgroups or a date range for Phase I.")
    if since is not None and until is not None and since > until:
        raise ValidationError({"since": "The start of Phase I lies after its end."})
    series = load_series(characteristic, since=since, until=until)
    if first is not None:
        if not 2 <= first:
            raise ValidationError({"first": "Phase I needs at least 2 subgroups (20 to 25 are usual)."})
        if first > len(series):
            raise ValidationError({"first": f"Only {len(series)} complete subgroups are recorded."})
        series = series.take(np.arange(len(series)) < first)
    if len(series) - len(series.excluded_numbers) < 2:
        raise ValidationError("Phase I needs at least 2 complete subgroups that are not excluded.")
    return series


def estimate_or_refuse(characteristic: Characteristic, series: Series) -> ChartSet:
    from django.core.exceptions import ValidationError

    try:
        return estimate(characteristic, series)
    except NotEnoughData as exc:
        raise ValidationError(f"No limits can be computed from these subgroups: {exc}") from None


def frozen_limits(chartset: ChartSet) -> dict:
    data = chartset.to_dict()
    return {
        "chart": data["chart"],
        "sigma": data["sigma"],
        "charts": [{k: c[k] for k in ("name", "center", "ucl", "lcl")} for c in data["charts"]],
        "parameters": {k: v for k, v in chartset.parameters.items() if isinstance(v, (int, float, str, list))},
    }


def known_parameters(characteristic: Characteristic, chartset: ChartSet) -> dict:
    """The options that reproduce the frozen limits on later data (Phase II)."""
    kind = characteristic.chart_type
    if is_attribute(kind):
        return {CENTRE_OPTION[kind]: float(chartset.parameters["rate"])}
    if kind in ("ewma", "cusum"):
        centre = float(chartset.parameters["target"])
    else:
        centre = float(np.asarray(chartset.charts[0].center, dtype=float).ravel()[0])
    return {CENTRE_OPTION[kind]: centre, "sigma": float(chartset.sigma)}


def describe_limits(limits: ControlLimits) -> str:
    parts = []
    for chart in limits.limits["charts"]:
        name = CHART_NAMES.get(chart["name"], chart["name"])
        parts.append(f"{name}: CL {_fmt(chart['center'])}, UCL {_fmt(chart['ucl'])}, LCL {_fmt(chart['lcl'])}")
    return (f"{'; '.join(parts)} (from {limits.phase1_subgroups} subgroups "
            f"{limits.phase1_from:%Y-%m-%d} to {limits.phase1_to:%Y-%m-%d})")


def _fmt(level) -> str:
    if isinstance(level, list):
        finite = [v for v in level if v is not None]
        return f"{min(finite):.6g}…{max(finite):.6g}" if finite else "n/a"
    return "n/a" if level is None else f"{level:.6g}"


# --- The window shown on a page ------------------------------------------------------------------------------


def _cut(value, start: int, stop: int, length: int):
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.shape[0] == length:
        return value[start:stop]
    return value


def window(chartset: ChartSet, start: int, stop: int) -> ChartSet:
    """Points start..stop-1 (0-based) of every chart, signals renumbered from 1; limits and run
    rules stay those judged on the whole series."""
    cut = []
    for chart in chartset.charts:
        length = len(chart.values)
        signals = [Signal(s.point - start, s.rules) for s in chart.signals if start < s.point <= stop]
        cut.append(
            Chart(
                chart.name, _cut(chart.center, start, stop, length), _cut(chart.ucl, start, stop, length),
                _cut(chart.lcl, start, stop, length), np.asarray(chart.values)[start:stop], signals,
                {key: _cut(value, start, stop, length) for key, value in chart.extra.items()},
            )
        )
    return ChartSet(chartset.kind, cut, chartset.sigma, dict(chartset.parameters))


# --- Capability --------------------------------------------------------------------------------------------


def capability(characteristic: Characteristic, series: Series) -> capability_lib.Capability:
    """Capability of the non-excluded subgroups against the characteristic's specification."""
    from django.core.exceptions import ValidationError

    if characteristic.is_attribute:
        raise ValidationError("Capability indices apply to measured (variables) characteristics.")
    if characteristic.lsl is None and characteristic.usl is None:
        raise ValidationError("Set a specification limit (LSL or USL) to assess capability.")
    kept = series.take(np.array([not s.excluded for s in series.subgroups], dtype=bool))
    if len(kept) == 0:
        raise ValidationError("No complete subgroup is recorded in this period.")
    single = kept.values.shape[1] == 1
    values = kept.values[:, 0] if single else kept.values
    method = "mrbar" if single else WITHIN_METHOD.get(characteristic.chart_type, "pooled")
    try:
        return capability_lib.capability(
            values, lsl=characteristic.lsl, usl=characteristic.usl, target=characteristic.target, within=method
        )
    except StatsInputError as exc:
        raise ValidationError(str(exc)) from None
