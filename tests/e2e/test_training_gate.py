"""Qualification gate in the browser (P11-I): an approver whose training on the document-control
procedure expired opens a revision waiting for approval and sees why he cannot approve; signing
anyway is refused with the reason; a training manager records the renewal; the approver approves."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

PASSWORD = "qualitas-demo"  # noqa: S105 - the published demo password
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "training-gate"  # gitignored


def _setup():
    from django.utils import timezone

    from qualitas.accounts.models import User
    from qualitas.core.signatures import services as signing
    from qualitas.core.workflow import engine
    from qualitas.documents import services as documents
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types
    from qualitas.training import generation, services, services_gates

    people = {u.username: u for u in User.objects.filter(username__in=("author", "reviewer", "approver", "quality"))}
    for name in ("reviewer", "approver", "quality"):
        if not signing.has_acknowledged_policy(people[name]):
            signing.acknowledge_policy(actor=people[name], password=PASSWORD)
    today = timezone.localdate()
    requirement = services.requirement_create(
        actor=people["quality"], code="DOC-CTRL-01", title="Document control", kind="course", method="classroom",
        validity_months=24, grace_days=0)
    services.training_record(actor=people["quality"], person=people["approver"], requirement=requirement,
                             completed_on=generation.add_months(today, -24) - dt.timedelta(days=60))
    services_gates.gate_create(actor=people["quality"], kind="sign", requirement=requirement, meaning="approved",
                               record_type="documents.revision", active_from=today,
                               rationale="Approvers are trained on the document-control procedure.")
    ensure_document_types()
    document = documents.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Coolant concentration check",
        content="# Coolant\n\n1. Take a sample.", reviewers=[people["reviewer"]], approvers=[people["approver"]])
    revision = document.revisions.get()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review",
                   credentials=signing.Credentials(PASSWORD))
    return people, requirement, document, revision


def sign_out(page):
    page.goto("/")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/accounts/login/"))


def _shot(page, name: str) -> None:
    """The page at 1366 and 375 px (for the reviewer's eyes; not compared)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SHOTS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 860})


def test_an_expired_approver_is_refused_with_the_reason_and_approves_after_renewal(page, organisation):
    people, requirement, document, revision = _setup()
    revision_url = f"/documents/{document.pk}/revisions/{revision.pk}/"
    reason = re.compile(r"Signing as approver needs current training: DOC-CTRL-01 Document control "
                        r"\(expired on \d{4}-\d{2}-\d{2}\)\.")

    sign_in(page, "approver")
    page.goto(revision_url)
    expect(page.get_by_test_id("workflow")).to_contain_text(reason)
    expect(page.get_by_test_id("workflow").get_by_role("button", name="Approve")).to_have_count(0)
    _shot(page, "gate-revision")
    # Signing anyway (the approval page opened directly): refused, with the reason on the form.
    page.goto(f"/documents/{document.pk}/revisions/{revision.pk}/approve/")
    page.get_by_test_id("sign-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("sign-form").get_by_role("button", name="Sign").click()
    expect(page.get_by_test_id("sign-form")).to_contain_text(reason)
    _shot(page, "gate-refused")
    page.goto(f"/training/people/{people['approver'].pk}/")
    expect(page.get_by_test_id("not-qualified")).to_contain_text("DOC-CTRL-01 Document control (expired on")
    _shot(page, "gate-person")
    sign_out(page)

    # The training manager records the renewal.
    sign_in(page, "quality")
    page.goto(f"/training/records/new/?person={people['approver'].pk}&requirement={requirement.pk}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Training recorded for Morgan Price")).to_be_visible()
    page.goto("/training/gates/")
    _shot(page, "gates")
    page.goto("/training/gates/new/")
    expect(page.get_by_test_id("gate-form")).to_be_visible()
    _shot(page, "gate-form")
    assert page.console_errors == []
    sign_out(page)

    sign_in(page, "approver")
    page.goto(f"/training/people/{people['approver'].pk}/")
    expect(page.get_by_test_id("may-sign")).to_contain_text("“Approved” (documents.revision)")
    page.goto(revision_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_test_id("sign-form").get_by_label("Your password").fill(PASSWORD)
    page.get_by_test_id("sign-form").get_by_role("button", name="Sign").click()
    expect(page.get_by_test_id("status")).to_have_text("Effective")

    from qualitas.core.audit.models import AuditEvent

    assert AuditEvent.objects.filter(event="signature.refused", actor=people["approver"],
                                     record_id=str(revision.pk)).count() == 1
    assert AuditEvent.objects.filter(event="signature.approved", actor=people["approver"],
                                     record_id=str(revision.pk)).count() == 1
