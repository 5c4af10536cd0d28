"""SVG rendering of control charts and capability histograms, on chart sets built by hand."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from qualitas.stats import svg
from qualitas.stats.results import Chart, ChartSet, Signal, StatsInputError

NS = "{http://www.w3.org/2000/svg}"


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own output, not untrusted XML


def elements(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(f"{NS}{tag}"))


def panels(root: ET.Element) -> list[ET.Element]:
    return [g for g in elements(root, "g") if "panel" in g.get("class", "").split()]


def with_class(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in elements(root, tag) if css in e.get("class", "").split()]


def child_title(element: ET.Element) -> str:
    return element.find(f"{NS}title").text


def path_ys(d: str) -> set[float]:
    """The y coordinates of a path made of M x y, H x and V y commands."""
    ys = {float(y) for y in re.findall(r"M[\d.]+ ([\d.]+)", d)}
    return ys | {float(y) for y in re.findall(r"V([\d.]+)", d)}


def xbar_r() -> ChartSet:
    """Piston-ring-like X̄-R pair: 6 subgroups, a signal at subgroup 5 on the X̄ chart."""
    means = np.array([74.001, 73.998, 74.0123, 74.004, 74.030, 73.995])
    ranges = np.array([0.021, 0.018, 0.030, 0.025, 0.012, 0.027])
    xbar = Chart("xbar", 74.001, 74.0144, 73.9876, means, [Signal(5, ("nelson-1", "nelson-5"))])
    r = Chart("r", 0.02324, 0.04914, 0.0, ranges)
    return ChartSet("xbar-r", [xbar, r], 0.00999)


def u_chart() -> ChartSet:
    """Dyed cloth u chart (Montgomery Example 7.8): limits vary with the inspection units."""
    units = np.array([10, 8, 13, 10, 9.5])
    counts = np.array([14, 12, 20, 11, 7])
    u_bar = 1.4232558
    half = 3 * np.sqrt(u_bar / units)
    return ChartSet("u", [Chart("u", u_bar, u_bar + half, u_bar - half, counts / units)], None)


def cusum() -> ChartSet:
    upper = np.array([0.0, 0.0, 1.2, 3.1, 5.4, 6.0])
    lower = np.array([0.5, 1.7, 0.0, 0.0, 0.0, 0.0])
    signals = [Signal(5, ("cusum-upper",)), Signal(6, ("cusum-upper",))]
    return ChartSet("cusum", [Chart("cusum", 0.0, 5.0, -5.0, upper, signals, {"lower": lower})], 1.0)


# --- document structure, accessibility and the content-security policy ---------------------


def test_document_is_accessible_with_title_and_description():
    root = parse(svg.chart_svg(xbar_r(), width=800))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 800 ")
    title_id, desc_id = root.get("aria-labelledby").split()
    title = next(e for e in root if e.get("id") == title_id)
    desc = next(e for e in root if e.get("id") == desc_id)
    assert title.tag == f"{NS}title" and title.text == "X̄-R chart"
    assert desc.tag == f"{NS}desc"
    assert "X̄ (subgroup mean) chart of 6 points; centre 74.001; UCL 74.0144; LCL 73.9876" in desc.text
    assert "1 out-of-control signal(s) at subgroup 5 (nelson-1, nelson-5)" in desc.text


@pytest.mark.parametrize("build", [xbar_r, u_chart, cusum])
def test_no_script_and_no_inline_style(build):
    text = svg.chart_svg(build())
    root = parse(text)
    assert not elements(root, "script") and not elements(root, "style")
    assert all("style" not in element.attrib for element in root.iter())
    assert all(not name.startswith("on") for element in root.iter() for name in element.attrib)
    assert "<script" not in text.lower() and "style=" not in text


def test_text_is_escaped():
    hostile = '<script>alert("x")</script> & <b>'
    root = parse(svg.chart_svg(xbar_r(), title=hostile))
    assert elements(root, "title")[0].text == hostile
    assert not elements(root, "script") and not elements(root, "b")


def test_output_is_deterministic():
    assert svg.chart_svg(xbar_r()) == svg.chart_svg(xbar_r())


def test_one_panel_per_chart_stacked_vertically():
    root = parse(svg.chart_svg(xbar_r()))
    found = panels(root)
    assert [p.get("class") for p in found] == ["panel panel-xbar", "panel panel-r"]
    first_y = min(float(c.get("cy")) for c in elements(found[0], "circle"))
    second_y = min(float(c.get("cy")) for c in elements(found[1], "circle"))
    assert second_y > first_y + svg.PANEL_HEIGHT / 2
    assert float(root.get("height")) == svg.HEADER_HEIGHT + 2 * svg.PANEL_HEIGHT


# --- points, lines and signals -------------------------------------------------------------


def test_each_point_has_a_hover_title_and_signals_are_red_with_their_rules():
    xbar_panel = panels(parse(svg.chart_svg(xbar_r())))[0]
    points = with_class(xbar_panel, "circle", "point")
    assert [child_title(p) for p in points] == [
        "Subgroup 1: 74.001",
        "Subgroup 2: 73.998",
        "Subgroup 3: 74.0123",
        "Subgroup 4: 74.004",
        "Subgroup 5: 74.03 — nelson-1, nelson-5",
        "Subgroup 6: 73.995",
    ]
    assert [p.get("fill") for p in points].count(svg.SIGNAL) == 1
    assert points[4].get("fill") == svg.SIGNAL and "signal" in points[4].get("class")
    assert points[0].get("fill") == svg.POINT


def test_centre_line_is_solid_and_limits_are_dashed_at_the_right_heights():
    xbar_panel = panels(parse(svg.chart_svg(xbar_r())))[0]
    centre = with_class(xbar_panel, "path", "center")[0]
    limits = with_class(xbar_panel, "path", "limit")
    assert "stroke-dasharray" not in centre.attrib
    assert len(limits) == 2 and all(limit.get("stroke-dasharray") for limit in limits)
    # a point at the centre value sits on the centre line; points above the centre are higher up
    point_1 = with_class(xbar_panel, "circle", "point")[0]
    assert path_ys(centre.get("d")) == {float(point_1.get("cy"))}
    ucl_y = path_ys(with_class(xbar_panel, "path", "ucl")[0].get("d")).pop()
    lcl_y = path_ys(with_class(xbar_panel, "path", "lcl")[0].get("d")).pop()
    signal_y = float(with_class(xbar_panel, "circle", "signal")[0].get("cy"))
    assert signal_y < ucl_y < float(point_1.get("cy")) < lcl_y


def test_point_heights_are_linear_in_the_values():
    xbar = xbar_r().charts[0]
    xbar_panel = panels(parse(svg.chart_svg(xbar_r())))[0]
    ys = np.array([float(c.get("cy")) for c in with_class(xbar_panel, "circle", "point")])
    slope, intercept = np.polyfit(xbar.values, ys, 1)
    assert slope < 0  # SVG y grows downwards
    np.testing.assert_allclose(ys, slope * xbar.values + intercept, atol=0.01)


def test_limit_labels_give_the_values():
    labels = [t.text for t in elements(panels(parse(svg.chart_svg(xbar_r())))[0], "text")]
    assert {"UCL = 74.0144", "CL = 74.001", "LCL = 73.9876"} <= set(labels)


def test_variable_limits_are_drawn_as_steps():
    chartset = u_chart()
    panel = panels(parse(svg.chart_svg(chartset)))[0]
    ucl = with_class(panel, "path", "ucl")[0].get("d")
    assert ucl.count("H") == 5  # one horizontal step per point
    assert ucl.count("V") == 4  # joined by vertical risers
    assert len(path_ys(ucl)) == len(np.unique(chartset.charts[0].ucl))
    labels = [t.text for t in elements(panel, "text")]
    assert "UCL varies" in labels and "LCL varies" in labels and "CL = 1.42326" in labels


def test_missing_values_leave_gaps():
    values = np.array([1.0, 2.0, np.nan, 2.5, 1.5])
    chartset = ChartSet("imr", [Chart("i", 2.0, 4.0, 0.0, values)], 0.6)
    panel = panels(parse(svg.chart_svg(chartset)))[0]
    assert len(with_class(panel, "circle", "point")) == 4
    series = next(g for g in elements(panel, "g") if g.get("class") == "series")
    assert elements(series, "path")[0].get("d").count("M") == 2


def test_axis_ticks_are_nice_numbers():
    xbar_panel = panels(parse(svg.chart_svg(xbar_r())))[0]
    axes = next(g for g in elements(xbar_panel, "g") if g.get("class") == "axes")
    labels = [t.text for t in elements(axes, "text")]
    assert labels[:6] == ["73.98", "73.99", "74.00", "74.01", "74.02", "74.03"]
    assert labels[6:-1] == ["1", "2", "3", "4", "5", "6"]


def test_cusum_shows_upper_and_lower_sums_and_the_decision_interval():
    panel = panels(parse(svg.chart_svg(cusum())))[0]
    series = [g for g in elements(panel, "g") if g.get("class", "").startswith("series")]
    assert len(series) == 2
    upper_titles = [child_title(c) for c in elements(series[0], "circle")]
    lower_titles = [child_title(c) for c in elements(series[1], "circle")]
    assert upper_titles[4] == "Subgroup 5: C+ 5.4 — cusum-upper"
    assert lower_titles[1] == "Subgroup 2: C− -1.7"  # C⁻ is drawn below zero
    assert [c.get("fill") for c in elements(series[1], "circle")].count(svg.SIGNAL) == 0
    labels = [t.text for t in elements(panel, "text")]
    assert {"+h·σ = 5", "−h·σ = -5", "CL = 0"} <= set(labels)
    centre_y = path_ys(with_class(panel, "path", "center")[0].get("d")).pop()
    lower_ys = [float(c.get("cy")) for c in elements(series[1], "circle")]
    assert lower_ys[1] > centre_y  # below the zero line on screen


def test_a_chart_set_without_charts_is_refused():
    with pytest.raises(StatsInputError):
        svg.chart_svg(ChartSet("imr", [], None))


# --- nice numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (73.9876, 74.03, [73.98, 73.99, 74.0, 74.01, 74.02, 74.03]),
        (0.0, 47.0, [0, 10, 20, 30, 40, 50]),
        (-5.0, 6.0, [-6, -4, -2, 0, 2, 4, 6]),
        (3.0, 3.0, [2.7, 2.8, 2.9, 3.0, 3.1, 3.2, 3.3]),  # a flat series still gets an axis
    ],
)
def test_nice_ticks(low, high, expected):
    np.testing.assert_allclose(svg.nice_ticks(low, high), expected, atol=1e-12)


def test_integer_ticks_never_step_below_one():
    np.testing.assert_array_equal(svg.nice_ticks(1, 3, integer=True), [1, 2, 3])


# --- capability histogram ------------------------------------------------------------------


def histogram(**options) -> ET.Element:
    values = np.random.default_rng(7).normal(74.0, 0.01, 125)
    return parse(svg.histogram_svg(values, **options))


def test_histogram_bars_hold_every_value():
    values = np.random.default_rng(7).normal(74.0, 0.01, 125)
    root = parse(svg.histogram_svg(values))
    bars = with_class(root, "rect", "bar")
    counts, _ = np.histogram(values, bins="auto")
    assert len(bars) == len(counts)
    assert sum(int(re.search(r": (\d+) value", child_title(b)).group(1)) for b in bars) == 125
    heights = np.array([float(b.get("height")) for b in bars])
    np.testing.assert_allclose(heights / heights.max(), counts / counts.max(), atol=0.01)


def test_histogram_draws_spec_limits_target_and_normal_curve_centred_on_the_mean():
    root = histogram(lsl=73.95, usl=74.05, target=74.0, mean=74.001, sigma=0.01)
    lines = {e.get("class"): e for e in elements(root, "path") if e.get("class") in {"lsl", "usl", "target", "mean"}}
    assert set(lines) == {"lsl", "usl", "target", "mean"}
    assert child_title(lines["lsl"]) == "LSL = 73.95" and child_title(lines["usl"]) == "USL = 74.05"
    assert lines["lsl"].get("stroke-dasharray") and lines["target"].get("stroke-dasharray")
    curve = with_class(root, "path", "normal-curve")[0]
    points = np.array(re.findall(r"[ML]([\d.]+) ([\d.]+)", curve.get("d")), dtype=float)
    peak_x = points[np.argmin(points[:, 1]), 0]
    mean_x = float(re.match(r"M([\d.]+)", lines["mean"].get("d")).group(1))
    lsl_x = float(re.match(r"M([\d.]+)", lines["lsl"].get("d")).group(1))
    usl_x = float(re.match(r"M([\d.]+)", lines["usl"].get("d")).group(1))
    assert abs(peak_x - mean_x) < 3
    assert lsl_x < mean_x < usl_x


def test_histogram_is_accessible_and_csp_safe():
    root = histogram(lsl=73.95, title="Bore <diameter>")
    assert root.get("role") == "img"
    assert elements(root, "title")[0].text == "Bore <diameter>"
    assert "Histogram of 125 values" in elements(root, "desc")[0].text
    assert not elements(root, "script") and not elements(root, "style")
    assert all("style" not in element.attrib for element in root.iter())


def test_histogram_of_nothing_is_refused():
    with pytest.raises(StatsInputError):
        svg.histogram_svg([np.nan])


def test_phase_one_boundary_is_marked_after_the_estimation_subgroups():
    chartset = xbar_r()
    chartset.parameters["phase1"] = 4
    root = parse(svg.chart_svg(chartset))
    boundaries = [g for g in elements(root, "g") if g.get("class") == "phase-boundary"]
    assert len(boundaries) == 2  # one per panel
    x = float(re.match(r"M([\d.]+)", elements(boundaries[0], "path")[0].get("d")).group(1))
    points = [float(c.get("cx")) for c in with_class(panels(root)[0], "circle", "point")]
    assert points[3] < x < points[4]
    assert not [g for g in elements(parse(svg.chart_svg(xbar_r())), "g") if g.get("class") == "phase-boundary"]


def test_narrow_chart_drops_the_legend_but_keeps_the_panels():
    root = parse(svg.chart_svg(xbar_r(), width=480))
    assert root.get("width") == "480"
    assert not [g for g in elements(root, "g") if g.get("class") == "legend"]
    assert len(panels(root)) == 2
