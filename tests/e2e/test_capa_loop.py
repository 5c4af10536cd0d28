"""The improvement loop in the browser (issue acceptance):

a complaint is logged → a nonconformity is raised from it with containment → a CAPA is opened with a
two-branch 5-Why and an Ishikawa → two actions are completed → the effectiveness check fails and the
CAPA reopens → a new action → the check passes → the CAPA closes with an approval signature; both
records show the chain of links; the 8D PDF contains all of it with signatures.

Everything is done through the pages by the demo quality manager; the CAPA is owned by the process
engineer (Avery Stone), so the quality manager may sign its closure (segregation of duties).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, sign_in

PASSWORD = "qualitas-demo"  # noqa: S105

CUSTOMER = "Nordwind Hydraulik GmbH"
NC_TITLE = "Customer complaint: valve bodies with burr in the bore"
CONTAINMENT = "Quarantine lot L-2417 in the warehouse and sort all stock at 100 %."
CONTAINMENT_ACTION = "Sort lot L-2417 at 100 %"
BRANCH_1 = (
    "Burr left in the cross bore",
    ["Deburring step skipped", "Work instruction does not show it", "Instruction not updated after the process change"],
    "Work instruction out of date",
)
BRANCH_2 = (
    "Burr not detected at final inspection",
    ["No bore check on the inspection plan", "Inspection plan copied from the old part"],
    "Inspection plan incomplete",
)
ISHIKAWA_METHOD = "Deburring missing from the work instruction"
ISHIKAWA_MACHINE = "Worn deburring tool on lathe 4"
ROOT_CAUSE = "Work instruction WI-114 lacks the deburring step"
VERIFICATION = "Reproduced on 20 parts: without deburring all had burrs"
ACTION_1 = "Revise WI-114 with the deburring step"
ACTION_2 = "Add the bore check to the inspection plan"
ACTION_3 = "Replace the deburring tool on a fixed interval"
FAILED_RESULT = "Two of 400 parts from the next lots still had a burr."
PASSED_RESULT = "No burr in 1200 parts over three lots; criterion met."


def today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def acknowledge_policy(page) -> None:
    """The demo users accept the electronic signature policy once before their first signature."""
    page.goto("/signatures/policy/")
    if page.get_by_test_id("policy-acknowledged").count() == 0:
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_label("I have read and accept").check()
        page.get_by_role("button", name="Acknowledge and enable signing").click()
        expect(page.get_by_text("electronic signing is now enabled")).to_be_visible()


def workflow_step(page, label: str, expected_status: str, *, password: bool = False) -> None:
    """Click a step button of the workflow panel, confirm it in the step form, wait for the new status."""
    page.get_by_test_id("workflow").get_by_role("button", name=label).click()
    form = page.get_by_test_id("step-form")
    expect(form).to_be_visible()
    if password:
        form.get_by_label("Your password").fill(PASSWORD)
        form.get_by_role("button", name=re.compile("^Sign and", re.I)).click()
    else:
        form.get_by_role("button", name=label).click()
    expect(page.get_by_test_id("workflow").get_by_test_id("status")).to_have_text(expected_status)


def add_action(page, title: str, kind: str | None = None) -> None:
    """Raise an action from the record page (owner: the signed-in user) and come back to the record."""
    record_url = page.url
    page.get_by_test_id("add-action").click()
    expect(page.get_by_role("heading", name="Raise an action")).to_be_visible()
    page.get_by_label("Title").fill(title)
    if kind:
        page.get_by_label("Kind").select_option(label=kind)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(record_url)
    expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()


def complete_action(page, title: str, evidence: str) -> None:
    """Open the action from the record page, mark it done with evidence and return to the record."""
    record_url = page.url
    page.get_by_role("link", name=title, exact=True).click()
    form = page.get_by_test_id("complete-form")
    expect(form, "the action page must offer its owner the 'Mark done' form").to_be_visible()
    form.get_by_label("Implementation evidence").fill(evidence)
    form.get_by_role("button", name="Mark done").click()
    expect(page.get_by_test_id("evidence")).to_have_text(evidence)
    expect(page.get_by_test_id("workflow").get_by_test_id("status")).to_have_text("Done")
    page.goto(record_url)


def record_check(page, *, passed: bool, result: str) -> None:
    page.get_by_test_id("record-check").click()
    form = page.get_by_test_id("effectiveness-form")
    form.get_by_label("Effective: the criterion is met" if passed else "Not effective").check()
    form.get_by_label("What was checked and found").fill(result)
    if passed:  # on the day of implementation, before the check is due: an "effective" verdict is justified
        form.get_by_label("Why the actions can be judged effective before the check is due").fill(
            "Gauge data of 2,000 parts since the change already show the criterion met."
        )
    form.get_by_label("Your password").fill(PASSWORD)
    form.get_by_role("button", name="Sign and record").click()
    expect(page.get_by_test_id("checks")).to_contain_text(result)


def test_complaint_to_closed_capa(page, demo_data, live_server):
    sign_in(page, "quality")
    acknowledge_policy(page)

    # 1. The complaint is logged …
    page.goto("/quality/complaints/new/")
    page.get_by_role("textbox", name="Customer", exact=True).fill(CUSTOMER)
    page.get_by_label("Customer reference").fill("PO-88121")
    page.get_by_label("Product").fill("Valve body VB-200")
    page.get_by_label("Lot / batch").fill("L-2417")
    page.get_by_label("Channel").select_option(label="E-mail")
    # The date inputs render their initial value in the en-GB format (dd/mm/yyyy), which <input type=date>
    # drops, so the prefilled "today" arrives empty; pick the date as a user would.
    page.get_by_label("Received on").fill(today())
    page.get_by_label("Description").fill("Burr in the cross bore of 12 valve bodies from lot L-2417.")
    page.get_by_label("Site").select_option(label="SPR – Springfield plant")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CUSTOMER)
    complaint_url = page.url
    complaint_number = page.locator("h1 code").inner_text()

    # … a nonconformity is raised from it (prefilled) with containment …
    page.get_by_test_id("raise-nc").click()
    expect(page.get_by_text(f"Raised from customer complaint {complaint_number}")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(re.compile(f"^Customer complaint {complaint_number}"))
    expect(page.get_by_label("Product")).to_have_value("Valve body VB-200")
    expect(page.get_by_label("Lot / batch")).to_have_value("L-2417")
    expect(page.get_by_label("Source")).to_have_value("complaint")
    page.get_by_label("Title").fill(NC_TITLE)
    page.get_by_label("Detected on").fill(today())  # see "Received on" above
    page.get_by_label("Category").fill("Burr")
    page.get_by_label("Quantity affected").fill("12")
    page.get_by_label("Immediate containment").fill(CONTAINMENT)
    page.get_by_test_id("nc-form").get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NC_TITLE)
    nc_url = page.url
    nc_number = page.locator("h1 code").inner_text()
    expect(page.get_by_text(CONTAINMENT)).to_be_visible()
    add_action(page, CONTAINMENT_ACTION)
    expect(page.get_by_test_id("actions-containment")).to_contain_text("Containment")
    complete_action(page, CONTAINMENT_ACTION, "1 840 parts sorted, 12 rejected; lot released.")
    expect(page.get_by_test_id("actions-containment")).to_contain_text("Done")

    # 2. … a CAPA is opened from the nonconformity, owned by the process engineer …
    page.get_by_test_id("raise-capa").click()
    form = page.get_by_test_id("capa-form")
    expect(page.get_by_text(f"Addresses {nc_number}")).to_be_visible()
    expect(form.get_by_label("Title")).to_have_value(NC_TITLE)
    expect(form.get_by_label("Containment summary (D3)")).to_have_value(CONTAINMENT)
    form.get_by_label("Owner").select_option(label="Avery Stone")
    form.get_by_label("Effectiveness criterion").fill("No burr in 1000 consecutive parts over three lots.")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NC_TITLE)
    capa_url = page.url
    capa_number = page.locator("h1 code").inner_text()
    assert capa_number.startswith("CAPA-")
    expect(page.get_by_test_id("capa-ncs")).to_contain_text(nc_number)
    workflow_step(page, "Start root cause analysis", "Root cause analysis")

    # … with a two-branch 5-Why, an Ishikawa diagram and a verified root cause.
    page.get_by_test_id("edit-analysis").click()
    analysis = page.get_by_test_id("analysis-form")
    for number, (problem, whys, cause) in enumerate((BRANCH_1, BRANCH_2), start=1):
        branch = analysis.get_by_role("group", name=f"Branch {number}")
        branch.get_by_label("Problem statement").fill(problem)
        branch.get_by_label("Why?").fill("\n".join(whys))
        branch.get_by_label("Conclusion").fill(cause)
    analysis.get_by_label("Method").fill(ISHIKAWA_METHOD)
    analysis.get_by_label("Machine").fill(ISHIKAWA_MACHINE + "\nNo tool-life limit set")
    cause = analysis.get_by_role("group", name="Root cause 1")
    cause.get_by_label("Root cause 1").fill(ROOT_CAUSE)
    cause.get_by_label("Category").select_option(label="Method")
    cause.get_by_label("Found by").fill("5-Why branch 1")
    cause.get_by_label("Verified", exact=True).check()
    cause.get_by_label("How verified").fill(VERIFICATION)
    analysis.get_by_role("button", name="Save analysis").click()
    page.wait_for_url(capa_url)
    chains = page.get_by_test_id("why-chains")
    expect(chains).to_contain_text(f"Branch 1: {BRANCH_1[0]}")
    expect(chains).to_contain_text(f"Branch 2: {BRANCH_2[0]}")
    for why in BRANCH_1[1] + BRANCH_2[1]:
        expect(chains).to_contain_text(why)
    fishbone = page.get_by_test_id("fishbone")
    expect(fishbone).to_contain_text(ISHIKAWA_METHOD)
    expect(fishbone).to_contain_text(ISHIKAWA_MACHINE)
    expect(page.get_by_test_id("root-causes")).to_contain_text("verified")
    expect(page.get_by_test_id("root-causes")).to_contain_text(VERIFICATION)

    # 3. Two actions are planned (the guard asks for them first), implemented and completed.
    workflow = page.get_by_test_id("workflow")
    expect(workflow.get_by_role("button", name="Root cause verified: implement actions")).to_be_disabled()
    expect(
        page.get_by_text(
            "Root cause verified: implement actions: Plan at least one corrective or preventive action first."
        )
    ).to_be_visible()
    add_action(page, ACTION_1)
    add_action(page, ACTION_2, kind="Preventive action")
    workflow_step(page, "Root cause verified: implement actions", "Implementation")
    expect(page.get_by_text("Actions implemented: schedule effectiveness check: Actions still open")).to_be_visible()
    complete_action(page, ACTION_1, "WI-114 revision B approved and trained.")
    complete_action(page, ACTION_2, "Inspection plan IP-200 revision C checks the bore.")
    workflow_step(page, "Actions implemented: schedule effectiveness check", "Effectiveness check")
    close_button = page.get_by_test_id("workflow").get_by_role("button", name="Close CAPA")
    expect(close_button).to_be_disabled()
    expect(page.get_by_text("Close CAPA: Closing needs a passed effectiveness check.")).to_be_visible()

    # 4. The effectiveness check fails: the CAPA is back in implementation; a third action follows.
    record_check(page, passed=False, result=FAILED_RESULT)
    expect(page.get_by_test_id("workflow").get_by_test_id("status")).to_have_text("Implementation")
    expect(page.get_by_test_id("checks")).to_contain_text("Failed")
    expect(page.get_by_test_id("record-check")).to_have_count(0)
    add_action(page, ACTION_3)
    complete_action(page, ACTION_3, "Tool change every 5000 parts added to the maintenance plan.")
    workflow_step(page, "Actions implemented: schedule effectiveness check", "Effectiveness check")
    expect(page.get_by_test_id("workflow").get_by_role("button", name="Close CAPA")).to_be_disabled()
    expect(page.get_by_text("Close CAPA: The latest effectiveness check failed.")).to_be_visible()
    record_check(page, passed=True, result=PASSED_RESULT)
    expect(page.get_by_test_id("checks")).to_contain_text("Passed")

    # 5. The quality manager (not the owner) closes the CAPA with an approval signature.
    workflow_step(page, "Close CAPA", "Closed", password=True)
    expect(page.get_by_text(re.compile(r"Quinn Harper · Approved"))).to_be_visible()
    expect(page.get_by_test_id("add-action")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "capa-detail.png"), full_page=True)

    # 6. The chain of links, both ways.
    expect(page.get_by_test_id("capa-ncs")).to_contain_text(nc_number)
    page.get_by_role("tab", name="Related").click()
    related = page.get_by_test_id("related")
    for text in (nc_number, ACTION_1, ACTION_2, ACTION_3):
        expect(related).to_contain_text(text)
    page.goto(nc_url)
    expect(page.get_by_test_id("linked-capas")).to_contain_text(capa_number)
    expect(page.get_by_test_id("linked-capas")).to_contain_text("Closed")
    page.goto(complaint_url)
    expect(page.get_by_test_id("complaint-ncs")).to_contain_text(nc_number)
    page.get_by_test_id("complaint-ncs").get_by_role("link", name=nc_number).click()
    page.get_by_test_id("linked-capas").get_by_role("link", name=capa_number).click()
    page.wait_for_url(capa_url)

    # 7. The 8D PDF carries all of it, with the signatures.
    from pypdf import PdfReader

    with page.expect_download() as download_info:
        page.get_by_test_id("8d-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"{capa_number}-8D.pdf"
    reader = PdfReader(Path(download.path()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    expected = [
        capa_number,
        nc_number,
        "Avery Stone",
        BRANCH_1[0],
        BRANCH_2[0],
        *BRANCH_1[1],
        *BRANCH_2[1],
        BRANCH_1[2],
        BRANCH_2[2],
        ISHIKAWA_METHOD,
        ISHIKAWA_MACHINE,
        ROOT_CAUSE,
        CONTAINMENT_ACTION,
        ACTION_1,
        ACTION_2,
        ACTION_3,
        "FAILED",
        "PASSED",
        "Electronic signatures",
        "Quinn Harper",
        "Approved",
        "Verified",
    ]
    missing = [item for item in expected if item not in text]
    assert not missing, f"missing in the 8D PDF: {missing}\n{text}"

    # 8. The improvement dashboard counts the closed CAPA and its checks.
    page.goto("/quality/")
    expect(page.get_by_role("heading", name="Improvement dashboard")).to_be_visible()
    expect(page.get_by_test_id("kpis")).to_contain_text("Effectiveness checks passed")
    page.screenshot(path=str(SCREENSHOTS / "improvement-dashboard.png"), full_page=True)

    # The records behind the pages agree.
    from qualitas.actions.models import Action
    from qualitas.capa.models import Capa
    from qualitas.core.signatures.selectors import signatures_of

    capa = Capa.objects.get(number=capa_number)
    assert capa.status == "closed" and capa.closed_at is not None
    assert capa.owner.username == "author"
    assert [c.passed for c in capa.effectiveness_checks.order_by("pk")] == [False, True]
    assert [(s.signer_name, s.meaning) for s in signatures_of(capa)] == [("Quinn Harper", "approved")]
    assert Action.objects.filter(title__in=[ACTION_1, ACTION_2, ACTION_3], status="done").count() == 3
    assert page.console_errors == []
