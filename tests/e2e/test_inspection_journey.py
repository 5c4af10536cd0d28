"""Lot inspection in the browser (issue 14): the quality manager receives and inspects lots of an item
until two lots not accepted within five switch it to tightened inspection, then five accepted lots
bring it back to normal; a rejected lot raises a nonconformity with a disposition prompt; the item
page shows the switches with their reasons, the lot history and the OC curve.

Lot 500, level II: code letter H. Major AQL 1.0: normal n 50, Ac 1, Re 2; tightened n 80 (plan J), Ac 1, Re 2.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, sign_in

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "inspection"  # gitignored


def _setup():
    from qualitas.accounts.models import Site, User
    from qualitas.capa.services import ensure_default_severities
    from qualitas.inspections import services

    ensure_default_severities()
    quality = User.objects.get(username="quality")
    item = services.item_create(actor=quality, part_number="H-4711", description="Pump housing",
                                supplier="Castings Ltd", site=Site.objects.get(code="SPR"))
    plan = services.plan_create(actor=quality, item=item, supplier="Castings Ltd", aql_major="1.0", aql_minor="4.0")
    services.plan_characteristic_add(actor=quality, plan=plan, name="Porosity", severity_class="major")
    plan.refresh_from_db()
    services.plan_characteristic_add(actor=quality, plan=plan, name="Finish", severity_class="minor")
    return item


def _shot(page, name: str) -> None:
    """The page at 1366 and 375 px (for the reviewer's eyes; not compared)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, f"{name} is wider than 375 px"
    page.screenshot(path=str(SHOTS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 860})


def _inspect(page, item, number: str, porosity: int, *, sample: int, verdict: str):
    page.goto(f"/inspection/items/{item.pk}/")
    page.get_by_test_id("receive-lot").first.click()
    form = page.get_by_test_id("lot-form")
    form.get_by_label("Lot number").fill(number)
    form.get_by_label("Lot size").fill("500")
    form.get_by_role("button", name="Receive and plan the inspection").click()
    expect(page.get_by_test_id("code-letter")).to_have_text("H")
    major = page.get_by_test_id("lot-plans").locator("tbody tr").first
    # The sample of the major class (on tightened inspection H's arrow leads to the plan of letter J).
    expect(major.locator("td").nth(2)).to_have_text(str(sample) + (" (plan J)" if sample == 80 else ""))
    expect(major.locator("td").nth(3)).to_have_text("1 / 2")
    results = page.get_by_test_id("results-form")
    results.get_by_label(re.compile(rf"^Porosity \(major, sample {sample}\)")).fill(str(porosity))
    results.get_by_label(re.compile(r"^Finish \(minor, sample")).fill("0")
    results.get_by_test_id("judge").click()
    expect(page.get_by_text(f"Lot {number} {verdict}.")).to_be_visible()
    expect(page.get_by_test_id("verdict")).to_contain_text(verdict.capitalize())


def test_lots_switch_to_tightened_and_back_and_a_rejected_lot_raises_a_nonconformity(page, organisation):
    item = _setup()
    sign_in(page, "quality")

    _inspect(page, item, "CL-001", 0, sample=50, verdict="accepted")
    _inspect(page, item, "CL-002", 2, sample=50, verdict="rejected")
    # The rejected lot raised a nonconformity; the lot page prompts for its disposition.
    expect(page.get_by_test_id("nonconformity")).to_contain_text("was raised")
    _shot(page, "lot-rejected")
    page.get_by_test_id("disposition-prompt").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lot CL-002 of H-4711 rejected at inspection")
    expect(page.get_by_test_id("disposition-form")).to_be_visible()
    page.go_back()

    _inspect(page, item, "CL-003", 2, sample=50, verdict="rejected")
    expect(page.get_by_test_id("switching-outcome")).to_contain_text(
        "Tightened — 2 lots not accepted within 5 consecutive lots")
    page.goto(f"/inspection/items/{item.pk}/")
    expect(page.get_by_test_id("switching-state")).to_contain_text("Tightened inspection")

    for number in ("CL-004", "CL-005", "CL-006", "CL-007"):
        _inspect(page, item, number, 1, sample=80, verdict="accepted")  # tightened: n 80, Ac 1
    _inspect(page, item, "CL-008", 0, sample=80, verdict="accepted")
    expect(page.get_by_test_id("switching-outcome")).to_contain_text(
        "Normal — 5 consecutive lots accepted on tightened inspection")

    page.goto(f"/inspection/items/{item.pk}/")
    state = page.get_by_test_id("switching-state")
    expect(state.get_by_test_id("inspection-state")).to_have_text("Normal")
    switches = page.get_by_test_id("switches")
    expect(switches).to_contain_text("Normal → tightened: 2 lots not accepted within 5 consecutive lots")
    expect(switches).to_contain_text("Tightened → normal: 5 consecutive lots accepted on tightened inspection")
    expect(switches).to_contain_text("Started on normal inspection, as the plan says")
    history = page.get_by_test_id("lot-history")
    expect(history.locator("tbody tr")).to_have_count(8)
    expect(history.locator("tr.table-warning")).to_have_count(2)
    expect(page.get_by_test_id("oc-in-force")).to_contain_text("In force: normal inspection, n 50, Ac 1, Re 2")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "inspection-item.png"), full_page=True)
    _shot(page, "item")
    page.goto("/inspection/lots/")
    expect(page.get_by_test_id("lots").locator("tbody tr")).to_have_count(8)
    _shot(page, "lots")
    assert page.console_errors == []

    from qualitas.capa.models import Nonconformity
    from qualitas.core.audit.models import AuditEvent

    assert list(Nonconformity.objects.filter(source="inspection").values_list("lot", flat=True).order_by("lot")) == [
        "CL-002", "CL-003"]
    assert AuditEvent.objects.filter(event="inspections.inspection_switched").count() == 2
