"""The SPC journey in the browser: the quality manager opens a characteristic of the demo, sees the
control chart judged against frozen limits with its signals, enters a subgroup by hand and sees it
appear, opens the capability report and downloads it as PDF."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, sign_in


@pytest.fixture
def spc_demo(transactional_db):
    """The demo organisation with the SPC demo data only (faster than every module's demo)."""
    from qualitas.demo import load_organisation
    from qualitas.measurements.demo import load

    load_organisation()
    load()


def test_chart_entry_capability_and_pdf(page, spc_demo):
    sign_in(page, "quality")
    page.get_by_role("navigation", name="Modules").get_by_role("link", name="SPC").click()
    expect(page.get_by_test_id("characteristics")).to_contain_text("CH-0001")
    page.get_by_role("link", name="Bore diameter Ø12 H7, housing H-4711").click()

    # The chart, judged against the frozen limits, with its signals and hover titles.
    chart = page.get_by_test_id("control-chart").locator("svg")
    expect(chart).to_be_visible()
    expect(page.get_by_test_id("chart-panel")).to_contain_text("Judged against the limits frozen")
    expect(page.get_by_test_id("limits")).to_contain_text("Approved by Quinn Harper")
    signals = page.get_by_test_id("signals")
    expect(signals).to_contain_text(re.compile(r"nelson-\d"))
    assert chart.locator("circle.signal").count() >= 1
    # Points are numbered by their subgroup, as in the signal table (not 1..n of the window shown).
    first_title = chart.locator("circle.point title").first.text_content()
    assert re.match(r"Subgroup \d+: ", first_title) and not first_title.startswith("Subgroup 1: "), first_title
    signal_title = chart.locator("circle.signal title").first.text_content()
    subgroup = re.match(r"Subgroup (\d+)", signal_title).group(1)
    expect(signals).to_contain_text(subgroup)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "measurements-chart.png"), full_page=True)

    # A subgroup entered by hand appears in the latest subgroups and on the chart.
    form = page.get_by_test_id("entry-form")
    for position, value in enumerate(("12.0091", "12.0085", "12.0102", "12.0079", "12.0094"), start=1):
        form.get_by_label(f"Value {position} (mm)").fill(value)
    form.get_by_label("Lot/batch").fill("L-E2E")
    form.get_by_label("Subgroup key").fill("E2E-1")
    form.get_by_role("button", name="Record").click()
    expect(page.get_by_role("alert").filter(has_text="Subgroup E2E-1 recorded.")).to_be_visible()
    latest = page.get_by_test_id("latest-subgroups")
    expect(latest).to_contain_text("E2E-1")
    expect(latest).to_contain_text("12.0102")
    last_title = page.get_by_test_id("control-chart").locator("svg g.series").first.locator("title").last
    expect(last_title).to_have_text(re.compile(r"^Subgroup E2E-1: 12\.009"))  # labelled by its key

    # The live panel polls every 30 seconds (on a fake clock here) and keeps showing the chart.
    page.clock.install()
    page.reload()
    with page.expect_response(re.compile(r"/measurements/\d+/chart/\?")):
        page.clock.run_for(31_000)
    expect(page.get_by_test_id("control-chart").locator("svg")).to_be_visible()

    # The capability report and its PDF.
    page.get_by_role("link", name="Capability").click()
    expect(page.get_by_test_id("indices")).to_contain_text("Cpk")
    expect(page.get_by_test_id("histogram").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("normality")).to_contain_text("p =")
    page.screenshot(path=str(SCREENSHOTS / "measurements-capability.png"), full_page=True)
    from pypdf import PdfReader

    href = page.get_by_test_id("capability-pdf").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Capability: CH-0001" in text and "Cpk" in text
    assert page.console_errors == []
