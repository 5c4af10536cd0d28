"""Issue 11 (document control, part 2): the redline of the rendered text with word-level changes,
review comments anchored to headings and paragraphs (answered, resolved, blocking the approval,
audited, exported, in the API), the editor's preview, and bold/italic kept in the controlled copy."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from qualitas.core.testing import factories
from qualitas.core.testing.audit import assert_audited
from qualitas.core.workflow import engine
from qualitas.core.workflow.engine import TransitionRefused
from qualitas.documents import selectors, services
from qualitas.documents.compare import redline_html
from qualitas.documents.models import DocumentType, ReviewComment, Revision
from qualitas.documents.rendering import anchored_html, to_flowables, to_html
from qualitas.documents.setup import ensure_document_types
from tests.conftest import bearer
from tests.documents.test_documents import issue, new_document, sign

pytestmark = pytest.mark.django_db



CONTENT = (
    "# Cleaning\n\nDrain the tank and wipe it.\n\n## Safety\n\nWear gloves.\n\n- Lock out the pump\n- Tag it\n"
)


def in_review(people, content=CONTENT):
    document = new_document(people, content=content)
    revision = document.revisions.get()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    return revision


def reviewed(people, content=CONTENT):
    revision = in_review(people, content)
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    return revision


# --- Redline --------------------------------------------------------------------------------------------


def test_the_redline_marks_changed_words_inside_a_paragraph_not_whole_lines():
    old = to_html("# Cleaning\n\nDrain the tank and wipe it.\n\nUnchanged paragraph.\n")
    new = to_html("# Cleaning\n\nDrain the tank fully and wipe it dry.\n\nUnchanged paragraph.\n")

    result = redline_html(old, new)

    html = result["html"]
    assert '<ins class="redline-ins"><span class="visually-hidden">Inserted: </span>fully</ins>' in html
    assert "<del" in html and "it.</del>" in html and "it dry.</ins>" in html
    assert "Drain the tank" in html  # the unchanged words are plain text, not deleted and re-added
    assert "<p>Unchanged paragraph.</p>" in html
    assert (result["blocks_changed"], result["blocks_added"], result["blocks_removed"]) == (1, 0, 0)
    assert (result["inserted"], result["deleted"]) == (3, 1)
    assert not result["identical"]


def test_the_redline_shows_added_and_removed_blocks_list_items_table_cells_and_formatting():
    old = to_html("- Wear gloves\n- Use a cloth\n\n| Machine | Target |\n|---|---|\n| Lathe | 6 % |\n\nGone.\n\n"
                  "Drain **the tank**.\n")
    new = to_html("- Wear nitrile gloves\n- Use a cloth\n- Dry the tank\n\n| Machine | Target |\n|---|---|\n"
                  "| Lathe | 7 % |\n\nDrain the tank.\n")

    result = redline_html(old, new)
    html = result["html"]

    assert "Wear <ins" in html and "nitrile</ins> gloves" in html
    assert '<li class="redline-block redline-added"><span class="visually-hidden">Added list item: </span>' in html
    assert "<td><del" in html and "6</del><ins" in html and "7</ins> %</td>" in html
    assert '<p class="redline-block redline-removed"><span class="visually-hidden">Removed paragraph: </span>' in html
    # bold became plain: the bold words are deleted and the plain ones inserted
    assert "Drain <del" in html and "<strong>the tank</strong>.</del> <ins" in html and "the tank.</ins></p>" in html
    assert html.count("<ul") == 1 and html.count("<table") == 1


def test_the_redline_is_sanitised_and_says_when_nothing_changed():
    old = to_html("Same text.")
    new = to_html("Same text.\n\n<script>alert(1)</script><img src=x onerror=alert(1)> [link](javascript:alert(1))")
    result = redline_html(old, new)
    assert "<script" not in result["html"] and "onerror" not in result["html"] and "javascript" not in result["html"]
    assert redline_html(old, old)["identical"]


def test_the_compare_page_shows_the_redline_and_keeps_the_source_diff_as_a_tab(people, client):
    document = new_document(people)
    first = issue(people, document.revisions.get())
    draft = services.revision_new(actor=people["author"], document=document, change_summary="Gloves")
    services.revision_update(actor=people["author"], revision=draft, content="# Cleaning\n\nDrain and dry the tank.")
    client.force_login(people["quality"])
    url = f"/documents/{document.pk}/compare/?old={first.pk}&new={draft.pk}"

    redline = client.get(url).content.decode()
    source = client.get(url + "&view=source").content.decode()

    assert 'data-testid="redline"' in redline and "dry</ins>" in redline and "wipe" in redline
    assert "1 block changed" in redline and 'aria-current="page" data-testid="view-redline"' in redline
    assert 'data-testid="diff-summary"' in source and "1 line changed" in source and "diff-table" in source
    assert 'data-testid="redline"' not in source


# --- Anchors --------------------------------------------------------------------------------------------


def test_headings_and_paragraphs_get_stable_ids():
    html, anchors = anchored_html(CONTENT + "\n## Safety\n\nAgain.\n")
    ids = [a["id"] for a in anchors]
    assert ids == ["doc-cleaning", "doc-cleaning--p1", "doc-safety", "doc-safety--p1", "doc-safety--p2",
                   "doc-safety--p3", "doc-safety-2", "doc-safety-2--p1"]
    assert '<h2 id="doc-safety" data-anchor>Safety</h2>' in html
    assert anchors[1] == {"id": "doc-cleaning--p1", "label": "Cleaning, paragraph 1",
                          "text": "Drain the tank and wipe it.", "kind": "p"}
    # an edit in one section leaves the anchors of the others as they were
    edited = anchored_html(CONTENT.replace("Wear gloves.", "Wear nitrile gloves.\n\nAnd goggles."))[1]
    assert [a["id"] for a in edited][:2] == ids[:2]


# --- Comments: services and the approval guard ----------------------------------------------------------


def test_a_reviewer_comments_on_a_paragraph_the_author_answers_and_resolves_and_all_is_audited(people):
    revision = in_review(people)

    comment = services.review_comment_add(
        actor=people["reviewer"], revision=revision, anchor="doc-safety--p1", body="Which gloves? Name the type."
    )
    reply = services.review_comment_reply(actor=people["author"], comment=comment, body="Nitrile, EN 374.")
    resolved = services.review_comment_resolve(actor=people["author"], comment=comment, note="Added to step 2.")

    comment.refresh_from_db()
    assert (comment.anchor_label, comment.quote) == ("Safety, paragraph 1", "Wear gloves.")
    assert comment.author_name == people["reviewer"].display_name
    assert resolved.resolved_at and resolved.resolved_by == people["author"]
    assert [r.body for r in comment.replies.all()] == ["Nitrile, EN 374.", "Added to step 2."]
    assert reply.parent == comment
    assert_audited("documents.review_comment_added", revision, people["reviewer"],
                   **{"review comment": f"#{comment.pk} on Safety, paragraph 1: Which gloves? Name the type."})
    assert_audited("documents.review_comment_replied", revision, people["author"])
    event = assert_audited("documents.review_comment_resolved", revision, people["author"],
                           **{"review comment": (f"#{comment.pk} open", f"#{comment.pk} resolved")})
    assert event.reason == "Added to step 2."
    from qualitas.core.notifications.models import Notification

    assert Notification.objects.filter(recipient=people["author"], kind="review-comment").exists()
    assert Notification.objects.filter(recipient=people["reviewer"], kind="review-comment").exists()


def test_open_comments_block_the_approval_with_a_clear_reason_and_resolving_them_allows_it(people):
    revision = reviewed(people)
    comment = services.review_comment_add(actor=people["approver"], revision=revision, body="Add the PPE section.")
    services.review_comment_add(actor=people["reviewer"], revision=revision, anchor="doc-cleaning", body="Title?")

    option = next(o for o in engine.options(people["approver"], revision) if o.transition.name == "approve")
    assert not option.allowed
    assert option.reason == (
        "2 review comments are still open: the author answers and resolves them before the approval."
    )
    with pytest.raises(TransitionRefused, match="2 review comments are still open"):
        services.approve(actor=people["approver"], revision=revision, credentials=sign())
    revision.refresh_from_db()
    assert revision.status == "in_review"

    services.review_comment_resolve(actor=people["author"], comment=comment)
    with pytest.raises(TransitionRefused, match="1 review comment is still open"):
        services.approve(actor=people["approver"], revision=revision, credentials=sign())
    for thread in ReviewComment.objects.filter(revision=revision, resolved_at__isnull=True):
        services.review_comment_resolve(actor=people["author"], comment=thread)

    approved = services.approve(actor=people["approver"], revision=Revision.objects.get(pk=revision.pk),
                                credentials=sign())
    assert approved.status == "effective"
    # the review is closed: the comments are kept, but nobody adds to them any more
    with pytest.raises(ValidationError, match="its review is closed"):
        services.review_comment_add(actor=people["reviewer"], revision=approved, body="Late remark")
    assert ReviewComment.objects.filter(revision=revision).count() == 2


def test_only_people_on_the_revision_comment_and_only_the_author_or_commenter_resolves(people):
    revision = in_review(people)
    for outsider in (people["employee"], people["quality"]):  # quality sees the draft but is not on its route
        with pytest.raises(PermissionDenied, match="take part in its review"):
            services.review_comment_add(actor=outsider, revision=revision, body="Drive-by")
    comment = services.review_comment_add(actor=people["reviewer"], revision=revision, body="Check step 1.")
    with pytest.raises(PermissionDenied, match="resolves or reopens"):
        services.review_comment_resolve(actor=people["approver"], comment=comment)
    services.review_comment_resolve(actor=people["reviewer"], comment=comment)  # the commenter withdraws it
    with pytest.raises(ValidationError, match="already resolved"):
        services.review_comment_resolve(actor=people["author"], comment=comment)
    with pytest.raises(ValidationError, match="reopen it"):
        services.review_comment_reply(actor=people["author"], comment=comment, body="more")
    services.review_comment_reopen(actor=people["reviewer"], comment=comment, reason="Step 1 still unclear.")
    assert selectors.open_review_comments(revision) == 1
    assert_audited("documents.review_comment_reopened", revision, people["reviewer"])


def test_bad_comments_are_refused_and_change_nothing(people):
    revision = in_review(people)
    before = ReviewComment.objects.count()
    with pytest.raises(ValidationError, match="not in the revision's text"):
        services.review_comment_add(actor=people["reviewer"], revision=revision, anchor="doc-nowhere", body="x")
    with pytest.raises(ValidationError, match="Write the comment"):
        services.review_comment_add(actor=people["reviewer"], revision=revision, body="   ")
    with pytest.raises(ValidationError, match="at most 5000"):
        services.review_comment_add(actor=people["reviewer"], revision=revision, body="x" * 5001)
    assert ReviewComment.objects.count() == before


def test_comments_are_in_the_record_export_and_the_revision_page(people, client):
    revision = in_review(people)
    comment = services.review_comment_add(actor=people["reviewer"], revision=revision, anchor="doc-safety--p1",
                                          body="Which gloves?")
    services.review_comment_reply(actor=people["author"], comment=comment, body="Nitrile.")
    client.force_login(people["author"])

    page = client.get(f"/documents/{revision.document_id}/revisions/{revision.pk}/").content.decode()
    export = client.get(f"/api/v1/records/documents.revision/{revision.pk}/export").json()

    assert f'id="comment-{comment.pk}"' in page and "Which gloves?" in page and "Nitrile." in page
    assert '<p id="doc-safety--p1" data-anchor class="has-comments">' in page  # the marker on the paragraph
    assert 'data-testid="open-comments">1 open' in page
    rows = export["review_comments"]
    assert [(r["comment"], r["where"], r["by"]) for r in rows] == [
        ("Which gloves?", "Safety, paragraph 1", people["reviewer"].display_name),
        ("Nitrile.", "Safety, paragraph 1", people["author"].display_name),
    ]
    assert rows[1]["thread"] == comment.pk
    # an employee reading the effective revision later does not get the review discussion
    assert selectors.review_comments_export_section(revision, people["employee"]) == []


def test_the_revision_page_forms_add_reply_and_resolve(people):
    revision = in_review(people)
    base = f"/documents/{revision.document_id}/revisions/{revision.pk}/"
    reviewer, author = Client(), Client()
    reviewer.force_login(people["reviewer"])
    author.force_login(people["author"])

    added = reviewer.post(base + "comments/", {"anchor": "doc-cleaning--p1", "body": "Say how to drain."})
    comment = ReviewComment.objects.get(revision=revision)
    assert added.status_code == 302 and added["Location"].endswith(f"#comment-{comment.pk}")
    refused = reviewer.post(base + "comments/", {"anchor": "doc-gone", "body": "x"}, follow=True)
    assert "not in the revision" in refused.content.decode() and ReviewComment.objects.count() == 1
    author.post(base + f"comments/{comment.pk}/", {"action": "reply", "body": "Open the valve."})
    author.post(base + f"comments/{comment.pk}/", {"action": "resolve", "body": ""})
    comment.refresh_from_db()
    assert comment.resolved_at and comment.replies.count() == 1
    assert reviewer.post(f"/documents/{revision.document_id}/revisions/{revision.pk + 999}/comments/"
                         f"{comment.pk}/", {"body": "x"}).status_code == 404


# --- Comments: API ----------------------------------------------------------------------------------------


def test_the_comment_api_lists_creates_replies_and_resolves(people, api_client):
    revision = in_review(people)
    reviewer = api_client.as_user(people["reviewer"])

    anchors = reviewer.get(f"/revisions/{revision.pk}/anchors").json()
    created = reviewer.post(
        f"/revisions/{revision.pk}/comments", {"body": "Tag with what?", "anchor": anchors[-1]["id"]}
    )
    assert created.status_code == 201, created.content
    thread = created.json()
    assert (thread["anchor"], thread["anchor_label"], thread["resolved"]) == ("doc-safety--p3", "Safety, item 3", False)

    author = api_client.as_user(people["author"])
    replied = author.post(f"/revisions/{revision.pk}/comments/{thread['id']}/replies", {"body": "A red tag."})
    assert replied.status_code == 201 and replied.json()["replies"][0]["body"] == "A red tag."
    resolved = author.post(f"/revisions/{revision.pk}/comments/{thread['id']}/resolve", {"note": ""})
    assert resolved.status_code == 200 and resolved.json()["resolved"] is True

    listed = api_client.as_user(people["approver"]).get(f"/revisions/{revision.pk}/comments")
    assert listed.status_code == 200
    assert [(c["id"], c["resolved"], len(c["replies"])) for c in listed.json()] == [(thread["id"], True, 1)]


def test_the_comment_api_refuses_with_reasons_and_respects_site_scope(people, api_client, site, other_site):
    revision = in_review(people)
    bad_anchor = api_client.as_user(people["reviewer"]).post(
        f"/revisions/{revision.pk}/comments", {"body": "x", "anchor": "doc-nowhere"})
    assert bad_anchor.status_code == 400 and "anchor" in bad_anchor.content.decode()
    outsider = api_client.as_user(people["quality"]).post(f"/revisions/{revision.pk}/comments", {"body": "x"})
    assert outsider.status_code == 403 and "take part in its review" in outsider.json()["message"]
    assert api_client.as_user(people["employee"]).get(f"/revisions/{revision.pk}/comments").status_code == 404

    # a document of site one: an approver of site two neither sees it nor its comments
    ensure_document_types()
    local_reviewer = factories.user("reviewer-approver", username="s1-reviewer", site=site)
    elsewhere = factories.user("reviewer-approver", username="s2-reviewer", site=other_site)
    document = services.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Site SOP", site=site,
        content="# Local\n\nText.", reviewers=[local_reviewer], approvers=[people["approver"]],
    )
    local = document.revisions.get()
    engine.perform(actor=people["author"], instance=local, transition="submit")
    ok = api_client.as_user(local_reviewer).post(f"/revisions/{local.pk}/comments", {"body": "Fine."})
    assert ok.status_code == 201
    client = Client()
    for path in (f"/api/v1/revisions/{local.pk}/comments",):
        assert client.get(path, **bearer(elsewhere)).status_code == 404
    reply = client.post(f"/api/v1/revisions/{local.pk}/comments/{ok.json()['id']}/replies", {"body": "x"},
                        content_type="application/json", **bearer(elsewhere))
    assert reply.status_code == 404
    # a comment addressed under another revision's id is not found either
    wrong = api_client.as_user(people["reviewer"]).post(
        f"/revisions/{revision.pk}/comments/{ok.json()['id']}/resolve", {})
    assert wrong.status_code == 404


# --- Editor preview and the controlled copy ---------------------------------------------------------------


def test_the_preview_renders_with_the_page_sanitiser(people, client):
    client.force_login(people["author"])
    response = client.post("/documents/preview/", {"content": "## Step\n\n**Bold** <script>x()</script>"})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<h2 id="doc-step" data-anchor>Step</h2>' in body and "<strong>Bold</strong>" in body
    assert "<script" not in body
    assert client.post("/documents/preview/", {"content": "x" * 200_001}).status_code == 413
    assert client.get("/documents/preview/").status_code == 405
    assert Client().post("/documents/preview/", {"content": "x"}).status_code == 302  # sign in first


def test_the_controlled_copy_keeps_bold_italic_and_code(people):
    from pypdf import PdfReader

    from qualitas.documents.pdf import controlled_copy

    markup = [getattr(f, "text", "") for f in to_flowables("Drain **the tank** and *wipe* `it`.\n\n- **Lock** out")]
    assert "Drain <b>the tank</b> and <i>wipe</i> <font face=\"Courier\">it</font>." in markup
    assert "• <b>Lock</b> out" in markup
    document = new_document(people, content="# Cleaning\n\nDrain **the tank** and *wipe* it.")
    body = controlled_copy(people["author"], document.revisions.get())
    drawn = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            drawn.append((text.strip(), str(font.get("/BaseFont"))))

    PdfReader(io.BytesIO(body)).pages[0].extract_text(visitor_text=visit)
    assert ("the tank", "/Helvetica-Bold") in drawn and ("wipe", "/Helvetica-Oblique") in drawn
    assert ("Drain", "/Helvetica") in drawn
