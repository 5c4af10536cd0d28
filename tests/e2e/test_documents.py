"""The document-control journey in the browser (issue acceptance):

an author drafts an SOP in Markdown and attaches a form; submits; the reviewer signs; the approver
signs with an effective date of today; an employee in the distribution sees the acknowledgment task
and acknowledges; the author revises it; the diff shows the change; on approval the old revision is
superseded; the controlled PDF contains the signature page.
"""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, sign_in

PASSWORD = "qualitas-demo"


def acknowledge_policy(page, username):
    sign_in(page, username)
    page.goto("/signatures/policy/")
    if page.get_by_test_id("policy-acknowledged").count() == 0:
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_label("I have read and accept").check()
        page.get_by_role("button", name="Acknowledge and enable signing").click()


def sign_out(page):
    """Sign out through the user menu, as a person would."""
    page.goto("/")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/accounts/login/"))


def test_sop_from_draft_to_superseded(page, organisation, live_server):
    for user in ("reviewer", "approver", "employee"):
        acknowledge_policy(page, user)
        sign_out(page)

    # The author drafts the SOP in Markdown with a review route and the employees in the distribution.
    sign_in(page, "author")
    page.goto("/documents/new/")
    page.get_by_label("Document type").select_option(label="SOP – Procedure (SOP)")
    page.get_by_label("Title").fill("Coolant concentration check")
    page.get_by_label("Content").fill("# Coolant check\n\n1. Take a sample.\n2. Read the refractometer.\n\n"
                                      "| Machine | Target |\n|---|---|\n| Lathe | 6 % |\n")
    # Reviewers is a searchable multi-select (Tom Select): type, pick, close.
    page.get_by_role("combobox", name="Reviewers").fill("Riley")
    page.locator(".ts-dropdown [role=option]", has_text="Riley Brooks").click()
    page.keyboard.press("Escape")
    page.get_by_label("Approver").select_option(label="Morgan Price")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    revision_url = page.url
    document_url = re.sub(r"revisions/\d+/$", "", revision_url)
    page.goto(document_url)
    page.get_by_label("Kind").select_option("role")
    page.get_by_label("Role").select_option(label="Employee")
    page.get_by_role("button", name="Add", exact=True).click()
    page.goto(revision_url)
    # Attach the related form to the revision.
    page.get_by_role("tab", name="Attachments").click()
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "coolant-log.csv", "mimeType": "text/csv", "buffer": b"date,machine,concentration\n"}])
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_test_id("attachments")).to_contain_text("coolant-log.csv")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_test_id("step-form").get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("status")).to_have_text("In review")
    sign_out(page)

    # The reviewer signs the review.
    sign_in(page, "reviewer")
    page.goto(revision_url)
    page.get_by_role("button", name="Sign review").click()
    page.get_by_test_id("step-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("step-form").get_by_role("button", name="Sign review").click()
    # The status stays "In review": wait for the page the step redirects to, not for the badge.
    expect(page.get_by_text(re.compile(r"Sign review: done"))).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("In review")
    sign_out(page)

    # The approver approves (signed) with today's effective date: effective at once.
    sign_in(page, "approver")
    page.goto(revision_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_test_id("sign-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("sign-form").get_by_role("button", name="Sign").click()
    expect(page.get_by_test_id("status")).to_have_text("Effective")
    page.get_by_role("tab", name="Signatures").click()
    expect(page.get_by_test_id("signatures")).to_contain_text("Morgan Price")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "document-revision.png"), full_page=True)
    sign_out(page)

    # The employee sees the acknowledgment task and signs "read and understood".
    sign_in(page, "employee")
    task = page.get_by_role("link", name=re.compile("Read and acknowledge .*Coolant concentration check"))
    expect(task).to_be_visible()
    task.click()
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_test_id("sign-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("sign-form").get_by_role("button", name="Sign").click()
    expect(page.get_by_test_id("acknowledgments")).to_contain_text("Acknowledged")
    sign_out(page)

    # The author revises; the approver approves; the first revision is superseded; the diff shows it.
    sign_in(page, "author")
    page.goto(document_url)
    page.get_by_role("link", name="New revision").click()
    page.get_by_label("What will change").fill("Add the correction step")
    page.get_by_role("button", name="Save").click()
    content = page.get_by_label("Content")
    content.fill(content.input_value().replace("2. Read the refractometer.",
                                               "2. Read the refractometer.\n3. Add concentrate when below target."))
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_test_id("step-form").get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("status")).to_have_text("In review")
    second_url = page.url
    sign_out(page)
    sign_in(page, "reviewer")
    page.goto(second_url)
    page.get_by_role("button", name="Sign review").click()
    page.get_by_test_id("step-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("step-form").get_by_role("button", name="Sign review").click()
    expect(page.get_by_text(re.compile(r"Sign review: done"))).to_be_visible()
    sign_out(page)
    sign_in(page, "approver")
    page.goto(second_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_test_id("sign-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("sign-form").get_by_role("button", name="Sign").click()
    expect(page.get_by_test_id("status")).to_have_text("Effective")
    page.goto(revision_url)
    expect(page.get_by_test_id("status")).to_have_text("Superseded")
    expect(page.get_by_test_id("archived-banner")).to_be_visible()
    page.goto(document_url + "compare/")
    expect(page.get_by_test_id("diff")).to_contain_text("Add concentrate when below target.")
    page.screenshot(path=str(SCREENSHOTS / "document-compare.png"), full_page=True)

    # The controlled copy carries the signature page.
    from pypdf import PdfReader

    pdf = page.request.get(second_url + "pdf/")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Signature manifestation" in text and "Morgan Price" in text and "Riley Brooks" in text
    sign_out(page)

    # The superseded revision is not served to an employee.
    sign_in(page, "employee")
    response = page.goto(revision_url)
    assert response.status == 404


def test_document_list_and_search_in_the_browser(page, demo_data):
    sign_in(page, "quality")
    page.get_by_role("navigation", name="Modules").get_by_role("link", name="Documents").click()
    expect(page.get_by_test_id("master-list")).to_contain_text("Quality manual")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "documents.png"), full_page=True)
    page.get_by_label("Search", exact=True).fill("refractometer hazards")
    page.get_by_label("Search content").check()
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_test_id("search-hits")).to_be_visible()
