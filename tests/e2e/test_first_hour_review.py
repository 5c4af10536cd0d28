"""The first hour of a review in the browser (issue 11, part 2):

the author edits the next revision with the live preview beside the editor and submits it; the
reviewer signs and comments on a paragraph ("comment here"); the approver is told the open comment
holds the approval; the author answers and resolves it; the approver approves; the compare page
shows the redline of the rendered text with the changed words marked, and the source diff as a tab.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_documents import sign_out

PASSWORD = "qualitas-demo"
CONTENT = (
    "# Coolant check\n\n## Sampling\n\nTake a sample from the tank.\n\n"
    "## Reading\n\nRead the refractometer and note the value.\n"
)


def _shoot(page, name: str) -> None:
    """Screenshots at desktop and phone width when QUALITAS_SHOTS names a folder (for looking at them)."""
    folder = os.environ.get("QUALITAS_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (1024, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def _documents(organisation):
    from qualitas.accounts.models import Role, User
    from qualitas.core.signatures import services as signing
    from qualitas.core.workflow import engine
    from qualitas.documents import services
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    users = {u.username: u for u in User.objects.all()}
    for name in ("reviewer", "approver", "author"):
        if not signing.has_acknowledged_policy(users[name]):
            signing.acknowledge_policy(actor=users[name], password=PASSWORD)
    ensure_document_types()
    document = services.document_create(
        actor=users["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Coolant concentration check",
        content=CONTENT, reviewers=[users["reviewer"]], approvers=[users["approver"]],
        distribution=[{"kind": "role", "role": Role.objects.get(code="employee")}],
    )
    first = document.revisions.get()
    engine.perform(actor=users["author"], instance=first, transition="submit")
    first.refresh_from_db()
    credentials = signing.Credentials(PASSWORD)
    engine.perform(actor=users["reviewer"], instance=first, transition="sign_review", credentials=credentials)
    first.refresh_from_db()
    services.approve(actor=users["approver"], revision=first, credentials=credentials)
    draft = services.revision_new(actor=users["author"], document=document, change_summary="Sample from the sump")
    return document, draft


def _sign_step(page, button: str):
    page.get_by_role("button", name=button).click()
    page.get_by_test_id("step-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("step-form").get_by_role("button", name=re.compile(r"^Sign")).click()


def test_review_comments_hold_the_approval_until_resolved_and_the_redline_shows_the_words(
    page, organisation, live_server
):
    document, draft = _documents(organisation)
    revision_url = f"/documents/{document.pk}/revisions/{draft.pk}/"

    # The author edits with the preview beside the editor: it follows the typing, bold included.
    sign_in(page, "author")
    page.goto(revision_url + "edit/")
    preview = page.get_by_test_id("editor-preview")
    expect(preview.get_by_role("heading", name="Sampling")).to_be_visible()  # rendered before any typing
    content = page.get_by_label("Content")
    content.fill(content.input_value().replace("Take a sample from the tank.",
                                               "Take a **fresh** sample from the sump."))
    expect(preview.locator("strong")).to_have_text("fresh")
    expect(preview).to_contain_text("Take a fresh sample from the sump.")
    _shoot(page, "editor")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_test_id("step-form").get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("status")).to_have_text("In review")
    sign_out(page)

    # The reviewer signs the review and comments on the sampling paragraph.
    sign_in(page, "reviewer")
    page.goto(revision_url)
    _sign_step(page, "Sign review")
    expect(page.get_by_text(re.compile(r"Sign review: done"))).to_be_visible()
    paragraph = page.get_by_test_id("content").locator("p", has_text="fresh sample")
    paragraph.hover()
    paragraph.get_by_role("button", name=re.compile("Comment on Sampling, paragraph 1")).click()
    expect(page.get_by_label("Section or paragraph")).to_have_value("doc-sampling--p1")
    expect(page.get_by_label("Comment", exact=True)).to_be_focused()
    page.get_by_label("Comment", exact=True).fill("Say how much to take: 50 ml?")
    page.get_by_role("button", name="Add comment").click()
    thread = page.get_by_test_id("comment-thread")
    expect(thread).to_contain_text("Sampling, paragraph 1")
    expect(thread).to_contain_text("Say how much to take: 50 ml?")
    expect(page.get_by_test_id("content").get_by_role("link", name="1 open review comment")).to_be_visible()
    sign_out(page)

    # The approver may not approve yet, and is told why.
    sign_in(page, "approver")
    page.goto(revision_url)
    expect(page.get_by_test_id("workflow")).to_contain_text(
        "Approve: 1 review comment is still open: the author answers and resolves them before the approval.")
    expect(page.get_by_test_id("workflow").get_by_role("button", name="Approve")).to_have_count(0)
    _shoot(page, "revision-open-comment")
    sign_out(page)

    # The author answers and resolves the comment.
    sign_in(page, "author")
    page.goto(revision_url)
    thread = page.get_by_test_id("comment-thread")
    thread.get_by_label(re.compile("Answer to comment")).fill("50 ml, added to the step.")
    thread.get_by_role("button", name="Reply").click()
    expect(page.get_by_test_id("comment-thread")).to_contain_text("50 ml, added to the step.")
    page.get_by_test_id("comment-thread").get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("comment-thread")).to_contain_text("Resolved by")
    expect(page.get_by_test_id("review-comments")).to_contain_text("All resolved")
    sign_out(page)

    # Now the approver approves (signed): effective at once.
    sign_in(page, "approver")
    page.goto(revision_url)
    page.get_by_test_id("workflow").get_by_role("button", name="Approve").click()
    page.get_by_test_id("sign-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("sign-form").get_by_role("button", name="Sign").click()
    expect(page.get_by_test_id("status")).to_have_text("Effective")
    expect(page.get_by_test_id("review-comments")).to_contain_text("kept with the revision")

    # The redline shows the changed words of the rendered text; the source diff is one tab away.
    page.get_by_role("link", name="Compare").click()
    redline = page.get_by_test_id("redline")
    expect(redline.locator("ins").filter(has_text="fresh")).to_have_count(1)
    expect(redline.locator("ins").filter(has_text="sump.")).to_have_count(1)
    expect(redline.locator("del").filter(has_text="tank.")).to_have_count(1)
    expect(redline.locator("strong")).to_have_text("fresh")
    expect(redline.get_by_role("heading", name="Reading")).to_be_visible()  # unchanged text is plain
    expect(redline.locator("ins, del").filter(has_text="Read the refractometer")).to_have_count(0)
    expect(page.get_by_test_id("redline-summary")).to_contain_text("1 block changed")
    _shoot(page, "compare-redline")
    page.get_by_role("link", name=re.compile("Source")).click()
    expect(page.get_by_test_id("diff-summary")).to_contain_text("1 line changed")
    expect(page.locator("table.diff-table")).to_contain_text("Take a **fresh** sample from the sump.")
    _shoot(page, "compare-source")
    assert not [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e]
