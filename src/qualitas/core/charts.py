"""Small server-rendered SVG charts (bar, Pareto, line) for dashboards and reports.

No JavaScript and no inline styles (the Content-Security-Policy forbids both): presentation
attributes only, a <title> on every bar or point for hover, role="img" with a description."""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

PALETTE = ("#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d")
FONT = 'font-family="system-ui, sans-serif"'


def nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    fraction = value / 10**exponent
    for step in (1, 2, 2.5, 5, 10):
        if fraction <= step:
            return step * 10**exponent
    return 10 ** (exponent + 1)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    label = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{label}" class="qualitas-chart"><title>{label}</title>{"".join(body)}</svg>'
    )


def axis_ticks(max_value: float, *, integer: bool = False, count: int = 4) -> list[float]:
    """Ticks from 0 covering `max_value` in at most `count` steps of 1, 2, 2.5 or 5 × 10^k.

    With `integer` (counts: nonconformities, CAPAs, complaints) every step is a whole number, so a
    count axis never reads 1.50 or 7.50."""
    top = max(float(max_value), 0.0) or 1.0
    raw = top / count
    exponent = math.floor(math.log10(raw))
    step = 0.0
    for power in (exponent, exponent + 1):
        for mantissa in (1, 2, 2.5, 5):
            candidate = mantissa * 10.0**power
            if integer and (candidate < 1 or not float(candidate).is_integer()):
                continue
            if candidate * count >= top - 1e-9:
                step = candidate
                break
        if step:
            break
    if not step:
        step = max(1.0, 10.0 ** (exponent + 1))
    steps = math.ceil(top / step - 1e-9)
    return [step * i for i in range(steps + 1)]


def _tick_text(value: float, step: float) -> str:
    if value == 0:
        return "0"
    if float(step).is_integer():
        return f"{value:,.0f}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (0 if float(step * 10).is_integer() else 1)
    return f"{value:,.{decimals}f}"


def _axis(left: int, top: int, plot_w: int, plot_h: int, ticks: Sequence[float], suffix: str = "") -> list[str]:
    parts = []
    top_value = ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for value in ticks:
        y = top + plot_h - plot_h * value / top_value
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#dee2e6"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#495057" {FONT}>'
            f"{_tick_text(value, step)}{suffix}</text>"
        )
    return parts


def _labels(left: int, top: int, plot_h: int, slot: float, labels: Sequence[str]) -> list[str]:
    parts = []
    for i, label in enumerate(labels):
        x = left + slot * (i + 0.5)
        text = escape(str(label)[:18])
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="end" font-size="11" fill="#495057" {FONT} '
            f'transform="rotate(-35 {x:.1f} {top + plot_h + 14})">{text}</text>'
        )
    return parts


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "", width: int = 640,
              height: int = 300, color: str = PALETTE[0], integer: bool = False) -> str:
    """Bars with a value axis from 0; `integer` for counts (whole-number ticks)."""
    left, top, bottom, right = 64, 16, 80, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = axis_ticks(max(values, default=0), integer=integer)
    top_value = ticks[-1]
    slot = plot_w / max(len(values), 1)
    body = _axis(left, top, plot_w, plot_h, ticks)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (value / top_value) if top_value else 0
        x = left + slot * i + slot * 0.15
        body.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{escape(str(label))}: {_fmt(value)}{escape(unit)}</title></rect>"
        )
    body += _labels(left, top, plot_h, slot, labels)
    if not values:
        body.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#6c757d" {FONT}>No data</text>')
    return _frame(width, height, title, body)


def pareto_chart(labels: Sequence[str], counts: Sequence[float], cumulative_percent: Sequence[float], *, title: str,
                 width: int = 640, height: int = 320, integer: bool = True) -> str:
    """Bars in descending order with the cumulative-percentage line on a 0–100 % right axis and the
    80 % line that separates the vital few. The bars are counts (whole-number ticks) unless `integer` is off."""
    left, top, bottom, right = 56, 16, 80, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = axis_ticks(max(counts, default=0), integer=integer)
    top_value = ticks[-1]
    slot = plot_w / max(len(counts), 1)
    body = _axis(left, top, plot_w, plot_h, ticks)
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        body.append(
            f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" font-size="11" fill="#dc3545" {FONT}>{25 * i}%</text>'
        )
    y80 = top + plot_h * 0.2
    body.append(
        f'<line x1="{left}" y1="{y80:.1f}" x2="{left + plot_w}" y2="{y80:.1f}" stroke="#dc3545" '
        'stroke-dasharray="4 3" stroke-width="1"/>'
    )
    points = []
    for i, (label, count, cum) in enumerate(zip(labels, counts, cumulative_percent, strict=True)):
        h = plot_h * (count / top_value) if top_value else 0
        x = left + slot * i + slot * 0.1
        body.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(str(label))}: {_fmt(count)} ({cum:.1f}% cumulative)</title></rect>'
        )
        points.append((left + slot * (i + 0.5), top + plot_h - plot_h * cum / 100))
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="#dc3545" stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#dc3545"/>' for x, y in points]
    body += _labels(left, top, plot_h, slot, labels)
    return _frame(width, height, title, body)


def line_chart(labels: Sequence[str], series: dict[str, Sequence[float | None]], *, title: str, unit: str = "",
               width: int = 640, height: int = 300, max_value: float | None = None) -> str:
    left, top, bottom, right = 56, 28, 80, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for values in series.values() for v in values if v is not None]
    ticks = [max_value * i / 4 for i in range(5)] if max_value else axis_ticks(max(values, default=0))
    top_value = ticks[-1]
    slot = plot_w / max(len(labels), 1)
    body = _axis(left, top, plot_w, plot_h, ticks, unit if unit == "%" else "")
    for n, (name, data) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = [
            (left + slot * (i + 0.5), top + plot_h - plot_h * (v / top_value), label, v)
            for i, (label, v) in enumerate(zip(labels, data, strict=True))
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y, label, v in points:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{escape(name)} {escape(str(label))}: '
                f"{_fmt(v)}{escape(unit)}</title></circle>"
            )
        body.append(
            f'<rect x="{left + n * 150}" y="6" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + n * 150 + 14}" y="15" font-size="11" fill="#212529" {FONT}>{escape(name)}</text>'
        )
    body += _labels(left, top, plot_h, slot, labels)
    return _frame(width, height, title, body)
