"""Browser: the lead auditor answers the checklist on a tablet (1024 px) and on a phone-sized screen
(375 px); each answer and note is saved as it is given, the progress follows, and answering
"finding" offers to record it. Screenshots go to QUALITAS_SHOTS (default test-results/shots)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, sign_in  # noqa: F401

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("QUALITAS_SHOTS", Path(__file__).resolve().parents[2] / "test-results" / "shots"))


@pytest.fixture
def started_audit(transactional_db):
    from qualitas.demo import load_organisation
    from qualitas.standards.models import Clause
    from qualitas.standards.services import load_catalogues

    if not Clause.objects.exists():
        load_catalogues()
    load_organisation()
    from qualitas.core.testing.organisation import Organisation
    from tests.audits import test_checklist_kit as kit

    org = Organisation()
    return kit.audit(org, status="in_progress", standards=("ISO 9001", "ISO 14001", "ISO 45001"),
                     clauses=[kit.clause("ISO 9001", "8.5"), kit.clause("ISO 9001", "7.1.5"),
                              kit.clause("ISO 14001", "8.1"), kit.clause("ISO 45001", "8.1.2")],
                     title="Combined audit of machining")


@pytest.mark.parametrize("width", [1024, 375])
def test_answering_the_checklist_on_a_tablet_and_a_narrow_screen(browser, live_server, started_audit, width):  # noqa: F811
    audit = started_audit
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900},
                                  has_touch=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        sign_in(page, "auditor")
        page.goto(f"/audits/{audit.pk}/checklist/")
        questions = page.get_by_test_id("question")
        total = questions.count()
        assert total == audit.questions.count() >= 5
        first = questions.nth(0)
        first.get_by_text("Conforming", exact=True).click()
        page.get_by_test_id("progress").get_by_text(f"1 of {total} answered").wait_for()
        first.get_by_label("Notes: what was seen").fill("Set-up sheets signed for batches 4410-4412.")
        second = questions.nth(1)
        second.get_by_text("Finding", exact=True).click()  # leaving the notes saves them first
        second.get_by_test_id("record-finding-from-question").wait_for()
        page.get_by_test_id("progress").get_by_text(f"2 of {total} answered").wait_for()
        questions.nth(2).get_by_text("Not applicable", exact=True).click()
        page.get_by_test_id("progress").get_by_text(f"3 of {total} answered").wait_for()
        first.get_by_text("Not applicable", exact=True).click()  # a changed answer, with the new version
        page.get_by_test_id("progress").get_by_text("2 not applicable").wait_for()
        page.wait_for_load_state("networkidle")
        answers = {q.order: (q.answer, q.notes, q.version) for q in audit.questions.all()}
        ordered = [answers[k] for k in sorted(answers)]
        assert ordered[0] == ("na", "Set-up sheets signed for batches 4410-4412.", 4)
        assert [a for a, _, _ in ordered[1:3]] == ["finding", "na"]
        # the answer buttons are at least 44 px high and nothing overflows the narrow screen
        box = first.locator("label[for$='-conforming']").bounding_box()
        assert box["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"checklist-{width}.png"), full_page=False)
        assert not [e for e in errors if "favicon" not in e], errors
    finally:
        context.close()
