"""Control chart and capability reports as PDF. The pictures are drawn with reportlab.graphics from
the numbers of the chart (the same ChartSet the SVG shows), so no SVG converter is needed."""

from __future__ import annotations

import math

import numpy as np
from django.utils import timezone
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from qualitas.core import pdf
from qualitas.core.audit.services import record
from qualitas.core.signatures.selectors import signatures_of
from qualitas.measurements import reports
from qualitas.measurements.models import CHART_NAMES
from qualitas.stats.results import Chart
from qualitas.stats.svg import label_rows, nice_ticks, point_ticks

INK = colors.HexColor("#222222")
GRID = colors.HexColor("#e3e3e3")
POINT = colors.HexColor("#1f4e79")
LOWER = colors.HexColor("#6a3d9a")
SIGNAL = colors.HexColor("#c62828")
CENTRE = colors.HexColor("#2e7d32")
BAR = colors.HexColor("#9ecae1")
WIDTH = 180 * pdf.mm
LEFT, RIGHT, BOTTOM, TOP = 42.0, 58.0, 26.0, 18.0
LABEL_SIZE, LABEL_ROW = 6.5, 8.5


# The PDF's standard fonts (Helvetica, WinAnsi) have no Greek letters and no combining macron.
_PLAIN = str.maketrans({"σ": "sigma", "λ": "lambda", "χ": "chi", "≤": "<=", "≥": ">=", "\u0304": "-bar"})


def plain(text) -> str:
    """Text the standard PDF fonts can show: X̄ becomes X-bar, σ sigma."""
    return "" if text is None else str(text).translate(_PLAIN)


def _p(text, style=pdf.BODY):
    return pdf.p(plain(text), style)


def _table(header, rows, widths=None):
    return pdf.table([plain(h) for h in header], [[plain(cell) for cell in row] for row in rows], widths=widths)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.6g}"


def _level_text(level) -> str:
    array = np.atleast_1d(np.asarray(level, dtype=float))
    finite = array[np.isfinite(array)]
    if not finite.size:
        return "—"
    return _fmt(float(finite[0])) if np.ptp(finite) == 0 else f"{finite.min():.6g} … {finite.max():.6g} (varies)"


class _Scale:
    def __init__(self, width, height, x_low, x_high, y_low, y_high, top=TOP):
        self.width, self.height, self.top = width, height, top
        self.x_low, self.x_high, self.y_low, self.y_high = x_low, x_high, y_low, y_high

    def x(self, value):
        return LEFT + (value - self.x_low) / (self.x_high - self.x_low) * (self.width - LEFT - RIGHT)

    def y(self, value):
        return BOTTOM + (value - self.y_low) / (self.y_high - self.y_low) * (self.height - BOTTOM - self.top)


def _axes(drawing: Drawing, scale: _Scale, x_ticks, y_ticks, x_label: str) -> None:
    """Grid and axes; `x_ticks` are (position, text) pairs."""
    right, top = scale.width - RIGHT, scale.height - scale.top
    for tick in y_ticks:
        y = scale.y(tick)
        drawing.add(Line(LEFT, y, right, y, strokeColor=GRID, strokeWidth=0.4))
        drawing.add(String(LEFT - 4, y - 3, f"{tick:.6g}", fontSize=6.5, textAnchor="end", fillColor=INK))
    for tick, text in x_ticks:
        x = scale.x(tick)
        drawing.add(Line(x, BOTTOM, x, BOTTOM - 3, strokeColor=INK, strokeWidth=0.5))
        drawing.add(String(x, BOTTOM - 11, plain(text), fontSize=6.5, textAnchor="middle", fillColor=INK))
    drawing.add(Line(LEFT, BOTTOM, LEFT, top, strokeColor=INK, strokeWidth=0.6))
    drawing.add(Line(LEFT, BOTTOM, right, BOTTOM, strokeColor=INK, strokeWidth=0.6))
    drawing.add(String((LEFT + right) / 2, 2, x_label, fontSize=7, textAnchor="middle", fillColor=INK))


def _level_line(drawing: Drawing, scale: _Scale, level, count: int, colour, dash, label: str) -> None:
    levels = np.broadcast_to(np.asarray(level, dtype=float), (count,)) if np.ndim(level) == 0 else np.asarray(
        level, dtype=float)[:count]
    defined = np.flatnonzero(np.isfinite(levels))
    heights = scale.y(levels[defined])
    # A step line, one segment per point: the limits may vary with the subgroup size.
    points = np.column_stack([scale.x(defined + 0.5), heights, scale.x(defined + 1.5), heights]).ravel().tolist()
    if len(points) >= 4:
        drawing.add(PolyLine(points, strokeColor=colour, strokeWidth=0.8, strokeDashArray=dash))
        finite = levels[np.isfinite(levels)]
        drawing.add(String(scale.width - RIGHT + 3, scale.y(finite[-1]) - 2.5, f"{label} {_level_text(level)}",
                           fontSize=6.5, fillColor=colour))


def chart_drawing(chart: Chart, *, height: float = 62 * pdf.mm, labels=None) -> Drawing:
    """One chart of a set: the points joined, signals in red, centre line and control limits.

    `labels` (one per point) are the subgroups named on the x axis, as in the signal table."""
    values = np.asarray(chart.values, dtype=float)
    series = [(values, POINT)]
    if chart.name == "cusum" and "lower" in chart.extra:
        series.append((-np.abs(np.asarray(chart.extra["lower"], dtype=float)), LOWER))
    dash = [3, 2]
    limits = [("UCL", chart.ucl, SIGNAL, dash), ("CL", chart.center, CENTRE, None), ("LCL", chart.lcl, SIGNAL, dash)]
    count = len(values)
    everything = np.concatenate([s for s, _ in series] + [np.atleast_1d(np.asarray(v, dtype=float)).ravel()
                                                          for _, v, _, _ in limits])
    finite = everything[np.isfinite(everything)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    y_ticks = nice_ticks(low, high if high > low else low + 1)
    # point_ticks lays labels out for 11 px text; these are 6.5 pt.
    x_ticks = point_ticks(count, labels, room=(WIDTH - LEFT - RIGHT) * 11 / 6.5)
    drawing = Drawing(WIDTH, height)
    scale = _Scale(WIDTH, height, 0.5, count + 0.5, float(y_ticks[0]), float(y_ticks[-1]))
    drawing.add(String(LEFT, height - 10, plain(CHART_NAMES.get(chart.name, chart.name) + " chart"), fontSize=8.5,
                       fontName="Helvetica-Bold", fillColor=INK))
    _axes(drawing, scale, x_ticks, y_ticks, "Subgroup")
    for label, level, colour, dash in limits:
        _level_line(drawing, scale, level, count, colour, dash, label)
    signalling = {s.point for s in chart.signals}
    for points, colour in series:
        defined = np.flatnonzero(np.isfinite(points))
        if defined.size > 1:
            path = [coordinate for i in defined for coordinate in (scale.x(i + 1), scale.y(points[i]))]
            drawing.add(PolyLine(path, strokeColor=colour, strokeWidth=0.7))
        for index in defined:
            flagged = (index + 1) in signalling and colour is POINT
            drawing.add(Circle(scale.x(index + 1), scale.y(points[index]), 2.2 if flagged else 1.3,
                               fillColor=SIGNAL if flagged else colour, strokeColor=None))
    return drawing


def histogram_drawing(values, *, lsl, usl, target, mean, sigma, height: float = 80 * pdf.mm) -> Drawing:
    data = np.asarray(values, dtype=float)
    edges = np.histogram_bin_edges(data, bins="auto") if np.ptp(data) > 0 else np.array([data[0] - 0.5,
                                                                                          data[0] + 0.5])
    counts, edges = np.histogram(data, bins=edges)
    markers = [(name, v, colour) for name, v, colour in (("LSL", lsl, SIGNAL), ("USL", usl, SIGNAL),
                                                         ("Target", target, CENTRE), ("Mean", mean, INK))
               if v is not None]
    span = [edges[0], edges[-1], *(v for _, v, _ in markers)]
    if sigma:
        span += [mean - 3.5 * sigma, mean + 3.5 * sigma]
    x_ticks = nice_ticks(min(span), max(span), count=8)
    peak = len(data) * (edges[1] - edges[0]) / (sigma * math.sqrt(2 * math.pi)) if sigma else 0
    y_ticks = nice_ticks(0, max(float(counts.max()), peak), count=6, integer=True)
    drawing = Drawing(WIDTH, height)
    scale = _Scale(WIDTH, height, float(x_ticks[0]), float(x_ticks[-1]), 0.0, float(y_ticks[-1]))
    centres, rows = marker_layout(markers, scale)
    top_margin = TOP + LABEL_ROW * max(rows, default=0)
    scale = _Scale(WIDTH, height, float(x_ticks[0]), float(x_ticks[-1]), 0.0, float(y_ticks[-1]), top=top_margin)
    _axes(drawing, scale, [(t, f"{t:.6g}") for t in x_ticks], y_ticks, "Value")
    for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        if count:
            drawing.add(Rect(scale.x(left), scale.y(0), scale.x(right) - scale.x(left), scale.y(count) - scale.y(0),
                             fillColor=BAR, strokeColor=colors.white, strokeWidth=0.4))
    if sigma:
        xs = np.linspace(float(x_ticks[0]), float(x_ticks[-1]), 160)
        ys = len(data) * (edges[1] - edges[0]) * np.exp(-0.5 * ((xs - mean) / sigma) ** 2) / (sigma * math.sqrt(
            2 * math.pi))
        drawing.add(PolyLine([c for x, y in zip(xs, ys, strict=True) for c in (scale.x(x), scale.y(y))],
                             strokeColor=POINT, strokeWidth=1))
    for (name, value, colour), x_label, row in zip(markers, centres, rows, strict=True):
        x = scale.x(value)
        drawing.add(Line(x, BOTTOM, x, height - top_margin, strokeColor=colour, strokeWidth=0.9,
                         strokeDashArray=None if name == "Mean" else [3, 2]))
        drawing.add(String(x_label, height - top_margin + 3 + LABEL_ROW * row, _marker_text(name, value),
                           fontSize=LABEL_SIZE, textAnchor="middle", fillColor=colour))
    return drawing


def _marker_text(name: str, value: float) -> str:
    return f"{name} {value:.6g}"


def marker_layout(markers, scale: _Scale) -> tuple[list[float], list[int]]:
    """Where the LSL, USL, target and mean labels go: centred on their line (kept inside the drawing)
    and stacked in rows so that none overlaps another, whatever the values."""
    widths = [stringWidth(_marker_text(name, value), "Helvetica", LABEL_SIZE) for name, value, _ in markers]
    centres = [min(max(scale.x(value), w / 2 + 1), scale.width - w / 2 - 1)
               for (_, value, _), w in zip(markers, widths, strict=True)]
    return centres, label_rows(centres, widths, gap=3)


def _characteristic_rows(characteristic) -> list[list[str]]:
    spec = " · ".join(f"{name} {value:g}" for name, value in (("LSL", characteristic.lsl), ("target",
                      characteristic.target), ("USL", characteristic.usl)) if value is not None)
    return [
        ["Characteristic", f"{characteristic.number} {characteristic.name} ({characteristic.get_kind_display()})"],
        ["Process · site", f"{characteristic.process or '—'} · {characteristic.site or 'all sites'}"],
        ["Specification", f"{spec or '—'} {characteristic.unit}"],
        ["Chart", f"{characteristic.get_chart_type_display()}"
                  + ("" if characteristic.is_attribute else f", subgroups of {characteristic.subgroup_size}")],
        ["Run rules", characteristic.get_rules_display()],
        ["Owner", characteristic.owner.display_name],
    ]


def _frame(characteristic, title: str, actor) -> pdf.PageFrame:
    return pdf.PageFrame(
        title=f"{characteristic.number} {characteristic.name}",
        subtitle=title,
        footer_note=f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}.",
    )


def chart_pdf(actor, characteristic, window: reports.Window) -> bytes:
    report = reports.chart_report(characteristic, window)
    limits = report.limits
    basis = (f"Frozen {limits.frozen_at:%Y-%m-%d} by {limits.frozen_by.display_name} from {limits.phase1_subgroups} "
             f"subgroups ({limits.phase1_from:%Y-%m-%d} to {limits.phase1_to:%Y-%m-%d})" if limits
             else "Trial limits estimated from every complete subgroup not excluded")
    story = [
        pdf.Paragraph(pdf.escape(plain(f"Control chart: {characteristic.number} {characteristic.name}")), pdf.H1),
        _table(["", ""], [*_characteristic_rows(characteristic), ["Limits", basis],
                             ["Subgroups shown", _shown(report)]],
                  widths=[35 * pdf.mm, None]),
        pdf.spacer(3),
    ]
    if report.chartset is None:
        story.append(_p(report.message or "No data."))
    else:
        rows = [[CHART_NAMES.get(c.name, c.name), _level_text(c.lcl), _level_text(c.center), _level_text(c.ucl)]
                for c in report.chartset.charts]
        story += [_table(["Chart", "LCL", "Centre", "UCL"], rows), pdf.spacer(3)]
        if report.chartset.sigma:
            story.append(_p(f"σ within = {report.chartset.sigma:.6g}"))
        story += [chart_drawing(chart, labels=report.labels) for chart in report.chartset.charts]
        story.append(pdf.Paragraph("Out-of-control signals", pdf.H2))
        signal_rows = [
            [row.subgroup.key, timezone.localtime(row.subgroup.taken_at).strftime("%Y-%m-%d %H:%M"),
             row.chart_label, ", ".join(row.rules), _fmt(row.value),
             (f"acknowledged by {row.event.acknowledged_by.display_name}: {row.event.note}" if row.event and
              row.event.acknowledged else "open" if row.event else "")]
            for row in report.signals
        ]
        story.append(_table(["Subgroup", "Taken at", "Chart", "Rules", "Value", "Status"], signal_rows)
                     if signal_rows else _p("None: the points shown are in statistical control."))
    if limits:
        story += pdf.signature_block(signatures_of(limits))
    body = pdf.render(_frame(characteristic, "Control chart report", actor), story)
    record(actor, "export", "measurements.chart_printed", instance=characteristic)
    return body


def _shown(report) -> str:
    span = f"{report.subgroups[0].key} to {report.subgroups[-1].key}; " if report.subgroups else ""
    return f"{span}points {report.first_point}–{report.total} of the series ({report.window.describe()})"


def capability_pdf(actor, characteristic, window: reports.Window) -> bytes:
    report = reports.capability_report(characteristic, window)
    story = [
        pdf.Paragraph(pdf.escape(plain(f"Capability: {characteristic.number} {characteristic.name}")), pdf.H1),
        _table(["", ""], [*_characteristic_rows(characteristic), ["Data", report.window.describe()]],
                  widths=[35 * pdf.mm, None]),
        pdf.spacer(3),
    ]
    result = report.result
    if result is None:
        story.append(_p(report.message))
    else:
        story.append(histogram_drawing(report.values, lsl=result.lsl, usl=result.usl, target=result.target,
                                       mean=result.mean, sigma=result.sigma_within))
        story.append(_p(f"{report.subgroups} subgroups, {result.n} values; mean {result.mean:.6g}, σ within "
                           f"{_fmt(result.sigma_within)} ({result.within}), σ overall {result.sigma_overall:.6g}."))
        indices = [(label, key) for label, key in (("Cp", "cp"), ("Cpl", "cpl"), ("Cpu", "cpu"), ("Cpk", "cpk"),
                   ("Pp", "pp"), ("Ppl", "ppl"), ("Ppu", "ppu"), ("Ppk", "ppk"), ("Cpm", "cpm"))
                   if getattr(result, key) is not None]
        story += [
            pdf.Paragraph(f"Indices ({result.confidence * 100:g} % confidence intervals)", pdf.H2),
            _table(["Index", "Estimate", "Lower", "Upper"],
                      [[label, f"{getattr(result, key):.3f}", *(_fmt(v) for v in result.ci.get(key, (None, None)))]
                       for label, key in indices]),
            pdf.Paragraph("Parts per million outside the specification", pdf.H2),
            _table(["", "< LSL", "> USL", "Total"],
                      [[label, _fmt(result.ppm[key]["below_lsl"]), _fmt(result.ppm[key]["above_usl"]),
                        _fmt(result.ppm[key]["total"])]
                       for key, label in (("observed", "Observed"), ("expected_within", "Expected (within)"),
                                          ("expected_overall", "Expected (overall)"))]),
        ]
        normality = result.normality
        if normality.get("p_value") is not None:
            verdict = "normal" if normality["normal"] else "not normal"
            story.append(_p(f"Anderson-Darling normality test: A² = {normality['statistic']:.3f}, "
                               f"p = {normality['p_value']:.3g} ({verdict})."))
        for warning in result.warnings:
            story.append(_p(f"Warning: {warning}"))
    body = pdf.render(_frame(characteristic, "Capability report", actor), story)
    record(actor, "export", "measurements.capability_printed", instance=characteristic)
    return body
