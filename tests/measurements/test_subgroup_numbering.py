"""The control chart names its points by their subgroups, on the axis and in the hover, as the signal
table does (point 16 of a window is subgroup 331, and the chart says 331); the capability PDF places the
LSL, USL, target and mean labels so that none overlaps another."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from qualitas.core.signatures.services import Credentials
from qualitas.measurements import pdf as measurement_pdf
from qualitas.measurements import reports, services
from qualitas.measurements.services import SubgroupEntry
from tests.measurements.conftest import PASSWORD, START, entries, piston_rings

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbered(rows, first: int) -> list[SubgroupEntry]:
    import datetime as dt

    return [SubgroupEntry(values=tuple(row), key=str(first + i), taken_at=START + (first + i) * dt.timedelta(hours=1))
            for i, row in enumerate(rows)]


@pytest.fixture
def numbered_rings(rings, people):
    """The piston rings as production subgroups 291…330 (25 frozen, then 15 more)."""
    data = piston_rings()
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=numbered(data[:25], 291))
    services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=Credentials(PASSWORD), first=25)
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=numbered(data[25:], 316))
    return rings


def chart_svg(page: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg.*?</svg>", page, re.S).group(0))  # noqa: S314 - our own output


def signal_table_subgroups(page: str) -> list[str]:
    table = re.search(r'data-testid="signals".*?</table>', page, re.S).group(0)
    return re.findall(r'<td><a href="/measurements/subgroups/\d+/">([^<]+)</a></td>', table)


def test_axis_hover_and_signal_table_use_the_same_subgroup_numbers(numbered_rings, people):
    page = signed_in(people["quality"]).get(reverse("measurements:chart", args=[numbered_rings.pk]),
                                            {"last": 20}).content.decode()
    root = chart_svg(page)
    xbar = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "panel panel-xbar")
    ticks = [t.text for t in next(g for g in xbar.iter(f"{SVG}g") if g.get("class") == "axes").iter(f"{SVG}text")
             if t.get("text-anchor") == "middle" and t.text != "Subgroup"]
    assert ticks and all(311 <= int(t) <= 330 for t in ticks), ticks  # the window: subgroups 311…330
    hovered = {c.find(f"{SVG}title").text.split(":")[0].removeprefix("Subgroup ")
               for c in xbar.iter(f"{SVG}circle") if "signal" in (c.get("class") or "")}
    listed = signal_table_subgroups(page)
    # Points 37, 38, 39 of the series (nelson-1) are subgroups 327, 328, 329, in the table and on the chart.
    assert {"327", "328", "329"} <= set(listed)
    assert hovered == {key for key in listed}, (hovered, listed)
    assert "Subgroup 17: " not in page and "Subgroup 327: " in page
    assert ">Point<" not in page
    assert "Subgroups 311 to 330" in page


def test_text_subgroup_keys_name_the_points_too(rings, people):
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=entries(piston_rings()))
    page = signed_in(people["quality"]).get(reverse("measurements:chart", args=[rings.pk]),
                                            {"last": 15}).content.decode()
    root = chart_svg(page)
    ticks = {t.text for t in root.iter(f"{SVG}text") if re.fullmatch(r"S\d{3}", t.text or "")}
    assert ticks and ticks <= {f"S{n:03d}" for n in range(26, 41)}
    assert "Subgroup S037: " in page and "Subgroup 12: " not in page


def test_the_chart_pdf_names_subgroups_as_its_signal_table(numbered_rings, people):
    content = signed_in(people["quality"]).get(reverse("measurements:chart-pdf", args=[numbered_rings.pk]),
                                               {"last": 20}).content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Subgroups shown" in text and "311 to 330" in text
    assert re.search(r"\b3(15|20|25|30)\b", text), "round subgroup numbers on the chart axis"
    assert "Point" not in text.split("Out-of-control signals")[1]
    assert "327" in text.split("Out-of-control signals")[1]


def test_report_labels_follow_the_window(numbered_rings):
    report = reports.chart_report(numbered_rings, reports.Window(last=5))
    assert report.labels == ["326", "327", "328", "329", "330"]
    assert report.first_point == 36


def test_capability_labels_never_overlap(numbered_rings, people):
    report = reports.capability_report(numbered_rings, reports.Window(last=None))
    result = report.result
    assert abs(result.mean - result.target) < 0.01  # mean 74.0012 next to target 74.0: the labels used to collide
    markers = [(name, v, None) for name, v in (("LSL", result.lsl), ("USL", result.usl), ("Target", result.target),
                                               ("Mean", result.mean))]
    for span in ((73.95, 74.05), (73.99, 74.01), (74.0, 74.002)):  # wide, tight and degenerate scales
        scale = measurement_pdf._Scale(measurement_pdf.WIDTH, 200, span[0], span[1], 0, 10)
        centres, rows = measurement_pdf.marker_layout(markers, scale)
        boxes = [(c, r, stringWidth(f"{name} {value:.6g}", "Helvetica", measurement_pdf.LABEL_SIZE))
                 for (name, value, _), c, r in zip(markers, centres, rows, strict=True)]
        for i, (x1, r1, w1) in enumerate(boxes):
            for x2, r2, w2 in boxes[i + 1:]:
                assert r1 != r2 or abs(x1 - x2) >= (w1 + w2) / 2, (span, boxes)
            assert w1 / 2 <= x1 <= measurement_pdf.WIDTH - w1 / 2, "a label runs off the drawing"
    content = signed_in(people["quality"]).get(reverse("measurements:capability-pdf",
                                                       args=[numbered_rings.pk])).content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Target 74" in text and "Mean 74.00" in text
