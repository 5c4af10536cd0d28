"""SVG pictures of control charts and capability histograms, for the command line and the web app.

The output is self-contained and safe under a strict Content-Security-Policy: no script, no
`style` attributes or elements; only presentation attributes (fill, stroke, stroke-dasharray,
font-size) and class names, so a page stylesheet may restyle it. Every text is escaped. It is
accessible: role="img" with a <title> and a <desc> summarising the chart, and every point has
a <title> ("Subgroup 12: 74.0123") that browsers show on hover.

Points are numbered 1, 2, … unless `labels` name them (the subgroup numbers of the data, as
a signal table lists them); the x axis and the hover texts then show those labels.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from qualitas.stats.results import Chart, ChartSet, StatsInputError

PANEL_HEIGHT = 260
HEADER_HEIGHT = 36
MARGIN_LEFT = 76
MARGIN_RIGHT = 132
PANEL_TOP = 30
PANEL_BOTTOM = 42
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

INK = "#222222"
GRID = "#e3e3e3"
POINT = "#1f4e79"
LOWER_POINT = "#6a3d9a"
SIGNAL = "#c62828"
CENTER = "#2e7d32"
LIMIT = "#c62828"
SPEC = "#c62828"
TARGET = "#2e7d32"
BAR = "#9ecae1"

KIND_TITLES = {
    "xbar-r": "X̄-R chart",
    "xbar-s": "X̄-S chart",
    "imr": "I-MR chart",
    "p": "p chart",
    "np": "np chart",
    "c": "c chart",
    "u": "u chart",
    "ewma": "EWMA chart",
    "cusum": "CUSUM chart",
}
CHART_LABELS = {
    "xbar": "X̄ (subgroup mean)",
    "r": "R (subgroup range)",
    "s": "S (subgroup standard deviation)",
    "i": "Individual value",
    "mr": "Moving range",
    "p": "p (proportion nonconforming)",
    "np": "np (number nonconforming)",
    "c": "c (nonconformities)",
    "u": "u (nonconformities per unit)",
    "ewma": "EWMA",
    "cusum": "CUSUM (C+ above zero, C− below)",
}


def fmt(value: float) -> str:
    """A number for people: six significant digits, no exponent for everyday magnitudes."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{float(value):.6g}"


def nice_ticks(low: float, high: float, count: int = 6, *, integer: bool = False) -> np.ndarray:
    """Tick positions at 1, 2 or 5 × 10^k covering [low, high] (Heckbert, Graphics Gems, 1990)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        raise StatsInputError("Cannot draw an axis for values that are not finite.")
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice((high - low) / max(count - 1, 1))
    if integer:
        step = max(step, 1.0)
    first, last = math.floor(low / step), math.ceil(high / step)
    return np.arange(first, last + 1) * step


def _nice(span: float) -> float:
    """The 1, 2 or 5 × 10^k closest to `span`."""
    exponent = math.floor(math.log10(span))
    fraction = span / 10**exponent
    nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    return nice * 10.0**exponent


def _tick_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


@dataclass(frozen=True)
class _Frame:
    """Maps data coordinates of one plot area to pixels."""

    left: float
    top: float
    width: float
    height: float
    x_low: float
    x_high: float
    y_low: float
    y_high: float

    def x(self, value: np.ndarray | float) -> np.ndarray | float:
        return self.left + (np.asarray(value, dtype=float) - self.x_low) / (self.x_high - self.x_low) * self.width

    def y(self, value: np.ndarray | float) -> np.ndarray | float:
        fraction = (np.asarray(value, dtype=float) - self.y_low) / (self.y_high - self.y_low)
        return self.top + self.height - fraction * self.height

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


def _n(value: float) -> str:
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _polyline_path(xs: np.ndarray, ys: np.ndarray) -> str:
    """`M x y L x y …`, starting a new piece after each missing (NaN) value."""
    parts, pen_down = [], False
    for x, y in zip(xs, ys, strict=True):
        if not (np.isfinite(x) and np.isfinite(y)):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y)}")
        pen_down = True
    return " ".join(parts)


def _step_path(frame: _Frame, levels: np.ndarray) -> str:
    """Per-point limits as steps: each point's level spans half a subgroup either side of it."""
    parts, pen_down = [], False
    for point, level in enumerate(levels, start=1):
        if not np.isfinite(level):
            pen_down = False
            continue
        y = _n(frame.y(level))
        start, end = _n(frame.x(point - 0.5)), _n(frame.x(point + 0.5))
        parts.append(f"V{y} H{end}" if pen_down else f"M{start} {y} H{end}")
        pen_down = True
    return " ".join(parts)


def _line(frame: _Frame, level: float | np.ndarray, count: int, css: str, colour: str, dash: str | None) -> str:
    levels = np.asarray(level, dtype=float)
    if levels.ndim == 0:
        if not np.isfinite(levels):
            return ""
        y = _n(frame.y(levels))
        path = f"M{_n(frame.left)} {y} H{_n(frame.right)}"
    else:
        path = _step_path(frame, levels[:count])
    if not path:
        return ""
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<path class="{css}" d="{path}" fill="none" stroke="{colour}" stroke-width="1.5"{dash_attr}/>'


def _last_finite(level: float | np.ndarray) -> float:
    levels = np.atleast_1d(np.asarray(level, dtype=float))
    finite = levels[np.isfinite(levels)]
    return float(finite[-1]) if finite.size else math.nan


def _spread_labels(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Move label baselines apart so that none overlap, keeping their order."""
    order = np.argsort(wanted)
    placed = np.array(wanted, dtype=float)[order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    overflow = placed[-1] - high if len(placed) else 0
    if overflow > 0:
        placed -= overflow
    placed = np.maximum(placed, low)
    result = np.empty_like(placed)
    result[order] = placed
    return list(result)


def label_rows(centres: Sequence[float], widths: Sequence[float], *, gap: float = 4.0) -> list[int]:
    """A row (0 = nearest the plot) for each centred label so that no two labels in a row overlap.

    Labels are taken from left to right and each goes to the lowest row whose last label ends,
    with `gap` to spare, before this one starts (interval-graph colouring: as few rows as possible).
    """
    rows = [0] * len(centres)
    ends: list[float] = []
    for index in sorted(range(len(centres)), key=lambda i: centres[i] - widths[i] / 2):
        start = centres[index] - widths[index] / 2
        row = next((r for r, end in enumerate(ends) if end + gap <= start), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = centres[index] + widths[index] / 2
        rows[index] = row
    return rows


def text_width(text: str, font_size: float) -> float:
    """A generous estimate of the width of `text` in a sans-serif font, for laying labels out."""
    return len(text) * font_size * 0.6


# --- control charts ----------------------------------------------------------------------


def chart_svg(
    chartset: ChartSet, *, width: int = 900, title: str | None = None, labels: Sequence[object] | None = None
) -> str:
    """The charts of `chartset` as one SVG document, one panel per chart stacked vertically.

    `labels`, one per point, name the subgroups on the x axis and in the hover texts.
    """
    if not chartset.charts:
        raise StatsInputError("There is no chart to draw.")
    names = _point_labels(chartset, labels)
    heading = title or KIND_TITLES.get(chartset.kind, f"{chartset.kind} chart")
    content = json.dumps(chartset.to_dict(), sort_keys=True, default=str)
    ident = "qc-" + hashlib.sha256(content.encode()).hexdigest()[:10]
    height = HEADER_HEIGHT + PANEL_HEIGHT * len(chartset.charts)
    phase1 = chartset.parameters.get("phase1")
    panels = [
        _panel(chart, width=width, offset=HEADER_HEIGHT + index * PANEL_HEIGHT, phase1=phase1, labels=names)
        for index, chart in enumerate(chartset.charts)
    ]
    description = " ".join(_describe(chart, names) for chart in chartset.charts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qualitas-chart chart-{escape(chartset.kind)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{escape(FONT)}" font-size="12" fill="{INK}">',
        f'<title id="{ident}-title">{escape(heading)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<rect class="background" x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text class="heading" x="{MARGIN_LEFT}" y="24" font-size="16" font-weight="600">{escape(heading)}</text>',
        _legend(width),
        *panels,
        "</svg>",
    ]
    return "\n".join(part for part in parts if part)


def _point_labels(chartset: ChartSet, labels: Sequence[object] | None) -> list[str] | None:
    if labels is None:
        return None
    names = [str(label) for label in labels]
    count = max(len(chart.values) for chart in chartset.charts)
    if len(names) != count:
        raise StatsInputError(f"{len(names)} subgroup labels were given for {count} points.")
    return names


_INTEGER = re.compile(r"[+-]?\d{1,15}")


def point_ticks(count: int, labels: Sequence[str] | None, *, room: float) -> list[tuple[int, str]]:
    """(point, text) of the x-axis ticks: round numbers of the labels when they are whole numbers,
    else evenly spaced points with their labels, as many as fit in `room` pixels."""
    if labels is None:
        ticks = nice_ticks(1, max(count, 2), count=min(count, 10), integer=True)
        return [(int(t), str(int(t))) for t in ticks if 1 <= t <= count]
    widest = max((len(label) for label in labels), default=1)
    fits = max(2, min(10, int(room // (min(widest, 14) * 6.6 + 10))))
    if all(_INTEGER.fullmatch(label) for label in labels):
        numbers = np.array([int(label) for label in labels])
        if np.all(np.diff(numbers) > 0):
            wanted = nice_ticks(float(numbers[0]), float(numbers[-1]), count=min(count, fits), integer=True)
            found = np.searchsorted(numbers, wanted)
            ticks = [
                (int(i) + 1, labels[i]) for i, w in zip(found, wanted, strict=True) if i < count and numbers[i] == w
            ]
            if len(ticks) >= min(count, 2):
                return ticks
    positions = nice_ticks(1, max(count, 2), count=min(count, fits), integer=True)
    return [(int(t), _short(labels[int(t) - 1])) for t in positions if 1 <= t <= count]


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _legend(width: int) -> str:
    x = width - MARGIN_RIGHT - 250
    if x < MARGIN_LEFT + 200:  # no room beside the heading
        return ""
    return "\n".join(
        [
            '<g class="legend" font-size="11">',
            f'<path d="M{x} 20 h22" stroke="{CENTER}" stroke-width="1.5"/>',
            f'<text x="{x + 27}" y="24">Centre line</text>',
            f'<path d="M{x + 100} 20 h22" stroke="{LIMIT}" stroke-width="1.5" stroke-dasharray="6 4"/>',
            f'<text x="{x + 127}" y="24">Control limits</text>',
            f'<circle cx="{x + 215}" cy="20" r="4" fill="{SIGNAL}"/>',
            f'<text x="{x + 223}" y="24">Signal</text>',
            "</g>",
        ]
    )


def _series(chart: Chart) -> list[tuple[str, np.ndarray, str]]:
    """The plotted series (label, values, colour); CUSUM plots C⁻ below zero, as Minitab does."""
    values = np.asarray(chart.values, dtype=float)
    if chart.name != "cusum" or "lower" not in chart.extra:
        return [("", values, POINT)]
    lower = np.asarray(chart.extra["lower"], dtype=float)
    shown_lower = -lower if np.all(lower[np.isfinite(lower)] >= 0) else lower
    return [("C+", values, POINT), ("C−", shown_lower, LOWER_POINT)]


def _limits(chart: Chart) -> list[tuple[str, float | np.ndarray, str, str, str | None]]:
    """(label, level, class, colour, dash) of the centre line and control limits to draw."""
    center, ucl, lcl = chart.center, chart.ucl, chart.lcl
    if chart.name == "cusum":
        decision = np.abs(np.asarray(ucl, dtype=float))
        return [
            ("CL", center, "center", CENTER, None),
            ("+h·σ", decision, "limit ucl", LIMIT, "6 4"),
            ("−h·σ", -decision, "limit lcl", LIMIT, "6 4"),
        ]
    return [
        ("UCL", ucl, "limit ucl", LIMIT, "6 4"),
        ("CL", center, "center", CENTER, None),
        ("LCL", lcl, "limit lcl", LIMIT, "6 4"),
    ]


def _panel(
    chart: Chart, *, width: int, offset: float, phase1: int | None = None, labels: list[str] | None = None
) -> str:
    series = _series(chart)
    limits = _limits(chart)
    count = max(len(values) for _, values, _ in series)
    levels = [np.asarray(level, dtype=float).ravel()[:count] for _, level, *_ in limits]
    everything = np.concatenate([values for _, values, _ in series] + levels)
    finite = everything[np.isfinite(everything)]
    if not finite.size:
        raise StatsInputError(f"The {chart.name} chart has no finite value to draw.")
    y_ticks = nice_ticks(float(finite.min()), float(finite.max()))
    x_ticks = point_ticks(count, labels, room=width - MARGIN_LEFT - MARGIN_RIGHT)
    frame = _Frame(
        left=MARGIN_LEFT,
        top=offset + PANEL_TOP,
        width=width - MARGIN_LEFT - MARGIN_RIGHT,
        height=PANEL_HEIGHT - PANEL_TOP - PANEL_BOTTOM,
        x_low=0.5,
        x_high=count + 0.5,
        y_low=float(y_ticks[0]),
        y_high=float(y_ticks[-1]),
    )
    label = CHART_LABELS.get(chart.name, chart.name)
    signals = {s.point: s.rules for s in chart.signals}
    parts = [
        f'<g class="panel panel-{escape(chart.name)}" role="group" aria-label="{escape(label)}">',
        f'<text class="panel-title" x="{frame.left}" y="{_n(offset + PANEL_TOP - 10)}" font-size="13" '
        f'font-weight="600">{escape(label)}</text>',
        _axes(frame, x_ticks, y_ticks),
        *(_line(frame, level, count, css, colour, dash) for _, level, css, colour, dash in limits),
        _limit_labels(frame, limits, count),
        _phase_boundary(frame, phase1, count),
    ]
    for name, values, colour in series:
        parts.append(_points(frame, chart, name, values, colour, signals, labels))
    parts.append("</g>")
    return "\n".join(p for p in parts if p)


def _axes(frame: _Frame, x_ticks: list[tuple[int, str]], y_ticks: np.ndarray) -> str:
    y_step = float(y_ticks[1] - y_ticks[0]) if len(y_ticks) > 1 else 1.0
    parts = ['<g class="axes" font-size="11">']
    for tick in y_ticks:
        y = _n(frame.y(tick))
        parts.append(f'<path class="grid" d="M{_n(frame.left)} {y} H{_n(frame.right)}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{_n(frame.left - 6)}" y="{y}" dy="0.32em" text-anchor="end">'
            f"{escape(_tick_label(tick, y_step))}</text>"
        )
    for tick, text in x_ticks:
        x = _n(frame.x(tick))
        parts.append(f'<path d="M{x} {_n(frame.bottom)} v5" stroke="{INK}"/>')
        parts.append(f'<text x="{x}" y="{_n(frame.bottom + 18)}" text-anchor="middle">{escape(text)}</text>')
    parts.append(
        f'<path class="frame" d="M{_n(frame.left)} {_n(frame.top)} V{_n(frame.bottom)} H{_n(frame.right)}" '
        f'fill="none" stroke="{INK}"/>'
    )
    parts.append(
        f'<text x="{_n(frame.left + frame.width / 2)}" y="{_n(frame.bottom + 34)}" text-anchor="middle">Subgroup</text>'
    )
    parts.append("</g>")
    return "\n".join(parts)


def _phase_boundary(frame: _Frame, phase1: int | None, count: int) -> str:
    """A dotted line after the Phase I subgroups that set the limits, when later ones follow."""
    if not phase1 or phase1 >= count:
        return ""
    x = _n(frame.x(phase1 + 0.5))
    return "\n".join(
        [
            '<g class="phase-boundary" font-size="11">',
            f'<path d="M{x} {_n(frame.top)} V{_n(frame.bottom)}" stroke="#666666" stroke-dasharray="2 3"/>',
            f'<text x="{x}" y="{_n(frame.top - 10)}" text-anchor="middle" fill="#666666">Phase I | Phase II</text>',
            "</g>",
        ]
    )


def _limit_labels(frame: _Frame, limits: list, count: int) -> str:
    """ "UCL = 74.0146" at the right end of each line; "UCL varies" for per-point limits."""
    labels = []
    for name, level, _, colour, _ in limits:
        levels = np.atleast_1d(np.asarray(level, dtype=float))[:count]
        last = _last_finite(levels)
        if np.isfinite(last):
            varies = np.unique(levels[np.isfinite(levels)]).size > 1
            text = f"{name} varies" if varies else f"{name} = {fmt(last)}"
            labels.append((text, float(frame.y(last)), colour))
    if not labels:
        return ""
    baselines = _spread_labels([y for _, y, _ in labels], 14, frame.top + 4, frame.bottom + 4)
    parts = ['<g class="limit-labels" font-size="11">']
    for (text, _, colour), y in zip(labels, baselines, strict=True):
        parts.append(f'<text x="{_n(frame.right + 6)}" y="{_n(y)}" dy="0.32em" fill="{colour}">{escape(text)}</text>')
    parts.append("</g>")
    return "\n".join(parts)


def _points(
    frame: _Frame, chart: Chart, name: str, values: np.ndarray, colour: str, signals: dict, labels: list[str] | None
) -> str:
    points = np.arange(1, len(values) + 1)
    xs, ys = frame.x(points), frame.y(values)
    css = "series" + (" lower" if name == "C−" else "")
    parts = [
        f'<g class="{css}">',
        f'<path d="{_polyline_path(xs, ys)}" fill="none" stroke="{colour}" stroke-width="1.2"/>',
    ]
    prefix = f"{name} " if name else ""
    for index in np.flatnonzero(np.isfinite(values)):
        point, value = int(points[index]), float(values[index])
        rules = signals.get(point, ()) if _signals_here(chart, value, index) else ()
        subgroup = point if labels is None else labels[index]
        text = f"Subgroup {subgroup}: {prefix}{fmt(value)}" + (f" — {', '.join(rules)}" if rules else "")
        fill, signal_class, radius = (SIGNAL, " signal", 4.5) if rules else (colour, "", 3)
        parts.append(
            f'<circle class="point{signal_class}" cx="{_n(xs[index])}" cy="{_n(ys[index])}" r="{radius}" '
            f'fill="{fill}"><title>{escape(text)}</title></circle>'
        )
    parts.append("</g>")
    return "\n".join(parts)


def _signals_here(chart: Chart, value: float, index: int) -> bool:
    """A CUSUM signal belongs to the side (C+ or C−) that reached the decision interval."""
    if chart.name != "cusum":
        return True
    decision = np.atleast_1d(np.abs(np.asarray(chart.ucl, dtype=float)))
    return abs(value) >= decision[min(index, decision.size - 1)]


def _describe(chart: Chart, labels: list[str] | None = None) -> str:
    label = CHART_LABELS.get(chart.name, chart.name)
    values = np.asarray(chart.values, dtype=float)
    limits = "; ".join(
        f"{name} {_describe_level(level)}"
        for name, level in (("centre", chart.center), ("UCL", chart.ucl), ("LCL", chart.lcl))
    )
    if chart.signals:
        listed = ", ".join(
            f"{s.point if labels is None else labels[s.point - 1]} ({', '.join(s.rules)})" for s in chart.signals
        )
        signals = f"{len(chart.signals)} out-of-control signal(s) at subgroup {listed}"
    else:
        signals = "no out-of-control signal"
    return f"{label} chart of {values.size} points; {limits}; {signals}."


def _describe_level(level: float | np.ndarray) -> str:
    levels = np.asarray(level, dtype=float)
    if levels.ndim == 0:
        return fmt(float(levels))
    finite = levels[np.isfinite(levels)]
    if finite.size and np.ptp(finite) == 0:
        return fmt(float(finite[0]))
    if not finite.size:
        return "n/a"
    return f"varies from {fmt(float(finite.min()))} to {fmt(float(finite.max()))}"


# --- capability histogram ----------------------------------------------------------------


def histogram_svg(
    values: Iterable[float] | np.ndarray,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    mean: float | None = None,
    sigma: float | None = None,
    width: int = 720,
    height: int = 380,
    title: str | None = None,
) -> str:
    """Histogram of `values` with the specification limits, target and a fitted normal curve.

    The curve uses `mean` and `sigma` when given (a capability report passes the within
    sigma), otherwise the sample mean and standard deviation.
    """
    data = np.asarray(values, dtype=float).ravel()
    data = data[np.isfinite(data)]
    if data.size == 0:
        raise StatsInputError("There are no values to draw a histogram of.")
    centre = float(np.mean(data)) if mean is None else float(mean)
    spread = float(np.std(data, ddof=1)) if sigma is None and data.size > 1 else sigma
    edges = np.histogram_bin_edges(data, bins="auto") if np.ptp(data) > 0 else np.array([data[0] - 0.5, data[0] + 0.5])
    counts, edges = np.histogram(data, bins=edges)
    markers = [
        ("LSL", lsl, SPEC, "6 4"),
        ("USL", usl, SPEC, "6 4"),
        ("Target", target, TARGET, "2 3"),
        ("Mean", centre, INK, None),
    ]
    markers = [(name, float(v), colour, dash) for name, v, colour, dash in markers if v is not None]
    x_span = [edges[0], edges[-1], *(v for _, v, _, _ in markers)]
    if spread and spread > 0:
        x_span += [centre - 3.5 * spread, centre + 3.5 * spread]
    x_ticks = nice_ticks(min(x_span), max(x_span), count=8)
    y_ticks = nice_ticks(0, max(float(counts.max()), _curve_peak(data.size, edges, spread)), count=6, integer=True)
    plot_width = width - MARGIN_LEFT - 40
    label_widths = [text_width(_marker_text(m), 11) for m in markers]
    centres = [
        min(max(MARGIN_LEFT + (v - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * plot_width, w / 2 + 2), width - w / 2 - 2)
        for (_, v, _, _), w in zip(markers, label_widths, strict=True)
    ]
    rows = label_rows(centres, label_widths)
    top = HEADER_HEIGHT + 12 + 13 * (max(rows, default=0) + 1)
    frame = _Frame(
        left=MARGIN_LEFT,
        top=top,
        width=plot_width,
        height=height - top - PANEL_BOTTOM,
        x_low=float(x_ticks[0]),
        x_high=float(x_ticks[-1]),
        y_low=0.0,
        y_high=float(y_ticks[-1]),
    )
    heading = title or "Capability histogram"
    ident = "qh-" + hashlib.sha256(np.ascontiguousarray(data).tobytes() + heading.encode()).hexdigest()[:10]
    description = _describe_histogram(data, markers, spread)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qualitas-chart histogram" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="{escape(FONT)}" font-size="12" fill="{INK}">',
        f'<title id="{ident}-title">{escape(heading)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<rect class="background" x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text class="heading" x="{MARGIN_LEFT}" y="24" font-size="16" font-weight="600">{escape(heading)}</text>',
        _histogram_axes(frame, x_ticks, y_ticks),
        _bars(frame, counts, edges),
        _normal_curve(frame, data.size, edges, centre, spread),
        _markers(frame, markers, centres, rows),
        "</svg>",
    ]
    return "\n".join(p for p in parts if p)


def _curve_peak(n: int, edges: np.ndarray, sigma: float | None) -> float:
    if not sigma or sigma <= 0:
        return 0.0
    return n * float(edges[1] - edges[0]) / (sigma * math.sqrt(2 * math.pi))


def _histogram_axes(frame: _Frame, x_ticks: np.ndarray, y_ticks: np.ndarray) -> str:
    x_step = float(x_ticks[1] - x_ticks[0])
    parts = ['<g class="axes" font-size="11">']
    for tick in y_ticks:
        y = _n(frame.y(tick))
        parts.append(f'<path class="grid" d="M{_n(frame.left)} {y} H{_n(frame.right)}" stroke="{GRID}"/>')
        parts.append(f'<text x="{_n(frame.left - 6)}" y="{y}" dy="0.32em" text-anchor="end">{int(tick)}</text>')
    for tick in x_ticks:
        x = _n(frame.x(tick))
        parts.append(f'<path d="M{x} {_n(frame.bottom)} v5" stroke="{INK}"/>')
        parts.append(
            f'<text x="{x}" y="{_n(frame.bottom + 18)}" text-anchor="middle">{escape(_tick_label(tick, x_step))}</text>'
        )
    parts.append(
        f'<path class="frame" d="M{_n(frame.left)} {_n(frame.top)} V{_n(frame.bottom)} H{_n(frame.right)}" '
        f'fill="none" stroke="{INK}"/>'
    )
    parts.append(
        f'<text x="{_n(frame.left + frame.width / 2)}" y="{_n(frame.bottom + 34)}" '
        'text-anchor="middle">Measurement</text>'
    )
    parts.append(
        f'<text x="14" y="{_n(frame.top + frame.height / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_n(frame.top + frame.height / 2)})">Count</text>'
    )
    parts.append("</g>")
    return "\n".join(parts)


def _bars(frame: _Frame, counts: np.ndarray, edges: np.ndarray) -> str:
    step = float(edges[1] - edges[0])
    parts = ['<g class="bars">']
    for count, low, high in zip(counts, edges[:-1], edges[1:], strict=True):
        x, right, top = frame.x(low), frame.x(high), frame.y(count)
        text = f"{_tick_label(low, step / 10)} to {_tick_label(high, step / 10)}: {int(count)} value(s)"
        parts.append(
            f'<rect class="bar" x="{_n(x)}" y="{_n(top)}" width="{_n(max(right - x - 1, 1))}" '
            f'height="{_n(frame.bottom - top)}" fill="{BAR}" stroke="#6baed6">'
            f"<title>{escape(text)}</title></rect>"
        )
    parts.append("</g>")
    return "\n".join(parts)


def _normal_curve(frame: _Frame, n: int, edges: np.ndarray, mean: float, sigma: float | None) -> str:
    if not sigma or sigma <= 0 or not np.isfinite(sigma):
        return ""
    xs = np.linspace(frame.x_low, frame.x_high, 241)
    density = np.exp(-0.5 * ((xs - mean) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    ys = n * float(edges[1] - edges[0]) * density
    return (
        f'<path class="normal-curve" d="{_polyline_path(frame.x(xs), frame.y(ys))}" fill="none" '
        f'stroke="{POINT}" stroke-width="2"><title>Normal curve, mean {escape(fmt(mean))}, '
        f"sigma {escape(fmt(sigma))}</title></path>"
    )


def _marker_text(marker: tuple[str, float, str, str | None]) -> str:
    return f"{marker[0]} {fmt(marker[1])}"


def _markers(
    frame: _Frame, markers: Sequence[tuple[str, float, str, str | None]], centres: list[float], rows: list[int]
) -> str:
    """The specification, target and mean lines, their labels above the plot in rows that never overlap."""
    parts = ['<g class="spec-lines" font-size="11">']
    for name, value, colour, dash in markers:
        x = _n(frame.x(value))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<path class="{name.lower()}" d="M{x} {_n(frame.top)} V{_n(frame.bottom)}" stroke="{colour}" '
            f'stroke-width="1.5"{dash_attr}><title>{escape(f"{name} = {fmt(value)}")}</title></path>'
        )
    for marker, x, row in zip(markers, centres, rows, strict=True):
        text, colour = _marker_text(marker), marker[2]
        y = frame.top - 8 - 13 * row
        parts.append(
            f'<text class="marker-label" x="{_n(x)}" y="{_n(y)}" text-anchor="middle" fill="{colour}">'
            f"{escape(text)}</text>"
        )
    parts.append("</g>")
    return "\n".join(parts)


def _describe_histogram(data: np.ndarray, markers: Sequence, sigma: float | None) -> str:
    marks = ", ".join(f"{name} {fmt(value)}" for name, value, _, _ in markers)
    curve = f"; normal curve with sigma {fmt(sigma)}" if sigma else ""
    return f"Histogram of {data.size} values from {fmt(float(data.min()))} to {fmt(float(data.max()))}; {marks}{curve}."
