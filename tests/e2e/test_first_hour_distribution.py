"""Read-and-understood from the first hour, in the browser (issue 11, part 1): the author gives the
distribution on the new-document form; once the revision is effective the employee has the
acknowledgment task; changing the distribution moves the tasks and the panel says the same as the
tasks. Content search leads to the effective revision, not to a superseded one."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

PASSWORD = "qualitas-demo"
SHOTS = os.environ.get("QUALITAS_SHOTS")  # a folder: also take 1024 px and 375 px screenshots there


def shoot(page, name):
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1024, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 860})


def choose(page, name, labels):
    """Pick options of a select by their labels (works with or without the searchable-select widget)."""
    page.locator(f"select[name={name}]").select_option(label=labels, force=True)


def clear(page, name):
    page.locator(f"select[name={name}]").select_option([], force=True)


def sign_out(page):
    page.goto("/")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/accounts/login/"))


def acknowledged_policies():
    from qualitas.accounts.models import User
    from qualitas.core.testing import factories

    for username in ("author", "reviewer", "approver", "employee"):
        factories.acknowledged(User.objects.get(username=username))


def my_tasks(page):
    page.goto("/")
    return page.locator("#my-tasks")


def test_distribution_from_creation_to_a_changed_list(page, organisation):
    acknowledged_policies()
    title = "Coolant concentration check"

    # The author gives the distribution on the new-document form.
    sign_in(page, "author")
    page.goto("/documents/new/")
    page.get_by_label("Document type").select_option(label="SOP – Procedure (SOP)")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Content").fill("# Coolant check\n\n1. Take a sample.\n2. Read the refractometer.\n")
    choose(page, "reviewers", ["Riley Brooks"])
    page.locator("select[name=approver]").select_option(label="Morgan Price", force=True)
    choose(page, "distribute_roles", ["Employee"])
    shoot(page, "new-document-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    revision_url = page.url
    document_url = re.sub(r"revisions/\d+/$", "", revision_url)
    page.goto(document_url)
    distribution = page.get_by_test_id("distribution")
    expect(distribution).to_contain_text("Role: Employee")
    expect(distribution).to_contain_text("will be asked to read and acknowledge the revision once it is effective")
    page.goto(revision_url)
    page.get_by_test_id("workflow").get_by_role("button", name="Submit for review").click()
    page.get_by_test_id("step-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("In review")
    sign_out(page)

    # Review and approval, as in the document-control journey.
    sign_in(page, "reviewer")
    page.goto(revision_url)
    page.get_by_test_id("workflow").get_by_role("button", name="Sign review").click()
    step = page.get_by_test_id("step-form")
    step.get_by_label("Your password").fill(PASSWORD)
    step.locator("button[type=submit]").click()
    expect(step).to_have_count(0)  # the signed step redirects back to the revision
    expect(page.get_by_test_id("status")).to_have_text("In review")
    sign_out(page)
    sign_in(page, "approver")
    page.goto(revision_url)
    page.get_by_test_id("workflow").get_by_role("button", name="Approve").click()
    page.get_by_test_id("sign-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("sign-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("Effective")
    sign_out(page)

    # The employee, reached through the role, has the acknowledgment task.
    sign_in(page, "employee")
    expect(my_tasks(page).get_by_role("link", name=re.compile(f"Read and acknowledge .*{title}"))).to_be_visible()
    sign_out(page)

    # The author sees the same on the panel: one must acknowledge, pending.
    sign_in(page, "author")
    page.goto(document_url)
    expect(page.get_by_test_id("distribution-summary")).to_contain_text("1 must acknowledge revision 1")
    acknowledgments = page.get_by_test_id("acknowledgments")
    expect(acknowledgments).to_contain_text("Sam Taylor")
    expect(acknowledgments).to_contain_text("Pending")
    expect(page.get_by_text("Nobody is on the distribution list")).to_have_count(0)
    shoot(page, "document-distribution-panel")

    # The distribution changes: the role goes, the production manager is named in person.
    page.get_by_test_id("distribution").get_by_role("link", name="Edit").click()
    expect(page.get_by_test_id("distribution-form")).to_be_visible()
    clear(page, "distribute_roles")
    choose(page, "distribute_people", ["Riley Brooks"])
    page.get_by_label("Reason for the change").fill("The supervisor briefs the operators")
    shoot(page, "distribution-form")
    page.get_by_role("button", name="Save distribution").click()
    expect(page.get_by_test_id("distribution")).to_contain_text("User: Riley Brooks")
    expect(page.get_by_test_id("distribution")).not_to_contain_text("Role: Employee")
    expect(acknowledgments).to_contain_text("Riley Brooks")
    expect(acknowledgments).not_to_contain_text("Sam Taylor")
    expect(page.get_by_test_id("distribution-summary")).to_contain_text(
        "1 must acknowledge revision 1: 0 acknowledged, 1 pending")
    sign_out(page)

    # The tasks agree with the panel: the reviewer has one, the employee's was withdrawn.
    sign_in(page, "reviewer")
    expect(my_tasks(page).get_by_role("link", name=re.compile(f"Read and acknowledge .*{title}"))).to_be_visible()
    sign_out(page)
    sign_in(page, "employee")
    expect(my_tasks(page).get_by_role("link", name=re.compile(f"Read and acknowledge .*{title}"))).to_have_count(0)


def test_content_search_leads_to_the_effective_revision(page, organisation):
    from qualitas.accounts.models import User
    from qualitas.core.signatures.services import Credentials
    from qualitas.core.workflow import engine
    from qualitas.documents import services
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    acknowledged_policies()
    users = {u.username: u for u in User.objects.filter(username__in=("author", "reviewer", "approver"))}

    def issue(revision):
        engine.perform(actor=users["author"], instance=revision, transition="submit")
        revision.refresh_from_db()
        engine.perform(actor=users["reviewer"], instance=revision, transition="sign_review",
                       credentials=Credentials(PASSWORD))
        revision.refresh_from_db()
        return services.approve(actor=users["approver"], revision=revision, credentials=Credentials(PASSWORD))

    ensure_document_types()
    document = services.document_create(
        actor=users["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Coolant check",
        content="# Refractometer\n\nThe **refractometer**, refractometer, refractometer.",
        reviewers=[users["reviewer"]], approvers=[users["approver"]],
    )
    issue(document.revisions.get())
    draft = services.revision_new(actor=users["author"], document=document, change_summary="Table of targets")
    services.revision_update(actor=users["author"], revision=draft,
                             content="# Coolant check\n\n| Machine | Tool |\n|---|---|\n| Lathe | refractometer |\n")
    draft.refresh_from_db()
    effective = issue(draft)

    sign_in(page, "quality")
    page.goto("/documents/")
    page.get_by_label("Search", exact=True).fill("refractometer")
    page.get_by_label("Search content").check()
    page.get_by_role("button", name="Go").click()
    hit = page.get_by_test_id("search-hit").filter(has_text="Coolant check")
    expect(hit).to_contain_text("rev 2 · Effective")
    expect(hit.locator("mark")).to_have_text("refractometer")
    expect(hit).not_to_contain_text("|---|")
    shoot(page, "document-search")
    hit.click()
    expect(page.get_by_test_id("status")).to_have_text("Effective")
    assert page.url.endswith(f"/documents/{document.pk}/revisions/{effective.pk}/")

    # The global search labels it by module and record type and leads to the same revision.
    page.goto("/search/?q=refractometer")
    result = page.locator("#search-results a").filter(has_text="Coolant check")
    expect(result.get_by_test_id("search-label")).to_have_text("Documents · Document")
    shoot(page, "global-search")
    result.click()
    expect(page.get_by_test_id("status")).to_have_text("Effective")
