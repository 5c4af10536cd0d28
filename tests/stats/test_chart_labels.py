"""Subgroup labels on control charts (x axis and hover name the subgroups as the data do) and marker
labels of capability histograms that never overlap."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from qualitas.stats import charts, io, svg
from qualitas.stats.results import StatsInputError

DATA = Path(__file__).parent / "data"
NS = {"s": "http://www.w3.org/2000/svg"}


def rings() -> np.ndarray:
    lines = (DATA / "pistonrings_40x5.csv").read_text(encoding="utf-8").splitlines()[1:]
    return np.array([[float(v) for v in line.split(",")[1:6]] for line in lines])


def wide_file(tmp_path, labels, name="wide.csv") -> Path:
    path = tmp_path / name
    rows = ["subgroup,x1,x2,x3,x4,x5", *(f"{label}," + ",".join(f"{v:.3f}" for v in row)
                                        for label, row in zip(labels, rings(), strict=False))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own output


def axis_labels(root: ET.Element) -> list[str]:
    panel = root.find("s:g[@class='panel panel-xbar']", NS)
    axes = panel.find("s:g[@class='axes']", NS)
    return [t.text for t in axes.findall("s:text[@text-anchor='middle']", NS) if t.text != "Subgroup"]


def test_a_wide_file_with_a_subgroup_column_keeps_its_labels(tmp_path):
    path = wide_file(tmp_path, range(311, 351))
    data = io.read_measurements(path, subgroup_col="subgroup")
    assert data.layout == "wide" and data.values.shape == (40, 5)
    assert data.labels[:3] == ("311", "312", "313") and data.labels[-1] == "350"
    assert np.allclose(data.values, rings())
    # Without the option the subgroup column is ignored, as before.
    assert io.read_measurements(path).labels[:2] == ("1", "2")


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["311", "312", "311", *map(str, range(314, 351))],
         r"row 4, column 'subgroup': subgroup '311' is also on row 2"),
        (["311", "", *map(str, range(313, 351))], r"row 3, column 'subgroup': the subgroup is empty"),
    ],
)
def test_wide_labels_must_be_present_and_unique(tmp_path, labels, message):
    with pytest.raises(StatsInputError, match=message):
        io.read_measurements(wide_file(tmp_path, labels), subgroup_col="subgroup")


def test_the_label_column_cannot_be_a_measurement_column(tmp_path):
    with pytest.raises(StatsInputError, match="one of the x1..xn measurement columns"):
        io.read_measurements(wide_file(tmp_path, range(1, 41)), subgroup_col="x2")


def test_chart_axis_and_hover_use_the_subgroup_numbers():
    chartset = charts.chart("xbar-r", rings(), phase1=25)
    labels = [str(n) for n in range(311, 351)]
    root = parse(svg.chart_svg(chartset, labels=labels))
    ticks = axis_labels(root)
    assert ticks and all(311 <= int(t) <= 350 for t in ticks)
    assert all(int(t) % 5 == 0 for t in ticks), "round subgroup numbers on the axis"
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    # Point 37 is the first nelson-1 signal of the X̄ chart: subgroup 347.
    assert any(t.startswith("Subgroup 347: ") and "nelson-1" in t for t in titles)
    assert not any(re.match(r"Subgroup (1|37): ", t or "") for t in titles)
    description = root.find("s:desc", NS).text
    assert "at subgroup 345 (nelson-5, nelson-6), 347 (nelson-1, nelson-5)" in description
    # The tick stands under the point of that subgroup.
    panel = root.find("s:g[@class='panel panel-xbar']", NS)
    tick = next(t for t in panel.find("s:g[@class='axes']", NS).findall("s:text", NS) if t.text == "340")
    point = next(c for c in panel.iter("{http://www.w3.org/2000/svg}circle")
                 if c.find("s:title", NS).text.startswith("Subgroup 340: "))
    assert float(tick.get("x")) == pytest.approx(float(point.get("cx")), abs=0.01)


def test_text_labels_and_unnumbered_charts():
    chartset = charts.chart("xbar-r", rings()[:12])
    labels = [f"2026-01-{day:02d}-A" for day in range(1, 13)]
    root = parse(svg.chart_svg(chartset, labels=labels))
    assert set(axis_labels(root)) <= set(labels) and len(axis_labels(root)) >= 2
    titles = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(t.startswith("Subgroup 2026-01-05-A: ") for t in titles)
    plain = parse(svg.chart_svg(chartset))
    assert axis_labels(plain)[:3] == ["1", "2", "3"], "without labels the points are numbered from 1"
    with pytest.raises(StatsInputError, match="11 subgroup labels were given for 12 points"):
        svg.chart_svg(chartset, labels=labels[:11])


def test_label_rows_never_overlap():
    centres = [100.0, 104.0, 108.0, 300.0, 112.0]
    widths = [60.0, 60.0, 60.0, 60.0, 60.0]
    rows = svg.label_rows(centres, widths, gap=4)
    assert rows[3] == 0, "a label far from the others stays on the first row"
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            if rows[i] == rows[j]:
                apart = abs(centres[i] - centres[j])
                assert apart >= (widths[i] + widths[j]) / 2 + 4, (i, j)
    assert svg.label_rows([10.0, 200.0], [20.0, 20.0]) == [0, 0]


def test_histogram_mean_and_target_labels_do_not_overlap():
    values = np.random.default_rng(7).normal(10.0005, 0.01, 125)
    root = parse(svg.histogram_svg(values, lsl=9.97, usl=10.03, target=10.0))
    labels = root.findall(".//s:text[@class='marker-label']", NS)
    assert {t.text.split()[0] for t in labels} == {"LSL", "USL", "Target", "Mean"}
    boxes = [(float(t.get("x")), float(t.get("y")), svg.text_width(t.text, 11)) for t in labels]
    for i, (x1, y1, w1) in enumerate(boxes):
        for x2, y2, w2 in boxes[i + 1:]:
            assert y1 != y2 or abs(x1 - x2) >= (w1 + w2) / 2, "two marker labels overlap"
