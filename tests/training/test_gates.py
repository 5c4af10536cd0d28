"""Qualification gates (P11-I): a person whose training expired cannot sign the gated meaning (UI and
API, 403 with the reason) and can again after renewing it, both attempts audited; a gated workflow
step and a gated duty are refused the same way; the system is never gated; a gate not in force
refuses nothing; gates are managed by training administrators (API and UI)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from qualitas.core.audit.models import AuditEvent
from qualitas.core.testing import factories
from tests.training.conftest import PASSWORD, course, sign

pytestmark = pytest.mark.django_db


def months_ago(months: int, days: int = 0) -> dt.date:
    from django.utils import timezone

    from qualitas.training.generation import add_months

    return add_months(timezone.localdate(), -months) - dt.timedelta(days=days)


@pytest.fixture
def doc_control(people):
    """The course on the document-control procedure, renewed every 24 months; the approver's training
    expired about two months ago."""
    from qualitas.training import services

    requirement = course(people, code="DOC-CTRL-01", title="Document control", validity_months=24, grace_days=0)
    services.training_record(actor=people["quality"], person=people["approver"], requirement=requirement,
                             completed_on=months_ago(24, 60), level=1)
    return requirement


def gate(people, requirement, **fields):
    from django.utils import timezone

    from qualitas.training import services_gates

    values = {"kind": "sign", "meaning": "approved", "record_type": "documents.revision",
              "active_from": timezone.localdate(), "rationale": "SOP-001 section 5: approvers are trained."}
    return services_gates.gate_create(actor=people["quality"], requirement=requirement, **(values | fields))


def in_review(people, title="Coolant check"):
    """A new SOP revision, submitted and reviewed: waiting for the approver."""
    from qualitas.core.workflow import engine
    from qualitas.documents import services
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    ensure_document_types()
    document = services.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title=title,
        content="# Coolant\n\n1. Sample.", reviewers=[people["reviewer"]], approvers=[people["approver"]])
    revision = document.revisions.get()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    return revision


def expected_reason(requirement) -> str:
    expired = months_ago(24, 60)
    from qualitas.training.generation import add_months

    return (f"Signing as approver needs current training: {requirement.code} {requirement.title} "
            f"(expired on {add_months(expired, 24):%Y-%m-%d}).")


def test_an_expired_approver_cannot_sign_in_the_ui_or_the_api_and_can_after_renewal(people, doc_control,
                                                                                     api_client):
    from qualitas.training import services

    gate(people, doc_control)
    revision = in_review(people)
    reason = expected_reason(doc_control)
    approver = people["approver"]

    # The revision page shows why the step is not offered, before any password is asked for.
    client = Client()
    client.force_login(approver)
    page = client.get(reverse("documents:revision", args=[revision.document_id, revision.pk]))
    assert page.status_code == 200 and reason in page.content.decode()

    # UI: the signing form says why, nothing is signed.
    url = reverse("documents:approve", args=[revision.document_id, revision.pk])
    ui = client.post(url, {"version": revision.version, "password": PASSWORD}, HTTP_HX_REQUEST="true")
    assert ui.status_code == 200 and reason in ui.content.decode()

    # API: 403 with the reason.
    api = api_client.as_user(approver)
    refused = api.post(f"/revisions/{revision.pk}/approve", {"version": revision.version,
                                                                      "password": PASSWORD})
    assert refused.status_code == 403, refused.content
    assert refused.json()["message"] == reason
    revision.refresh_from_db()
    assert revision.status == "in_review"
    attempts = AuditEvent.objects.filter(event="signature.refused", actor=approver, record_id=str(revision.pk))
    assert attempts.count() == 2
    assert all(a.changes_dict["reason"][1] == reason for a in attempts)
    assert AuditEvent.objects.filter(event="documents.revision.approve_refused", actor=approver).count() == 2

    # Renewed (recorded by the training manager): the approver signs.
    from django.utils import timezone

    services.training_record(actor=people["quality"], person=approver, requirement=doc_control,
                             completed_on=timezone.localdate(), level=1, trainer="Quinn Harper")
    assert reason not in client.get(reverse("documents:revision", args=[revision.document_id, revision.pk])
                                    ).content.decode()
    approved = api.post(f"/revisions/{revision.pk}/approve", {"version": revision.version,
                                                                       "password": PASSWORD})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] in ("approved", "effective")
    assert AuditEvent.objects.filter(event="signature.approved", actor=approver, record_id=str(revision.pk)).exists()


def test_never_trained_in_progress_and_grace(people, doc_control):
    from django.utils import timezone

    from qualitas.training import gates, services

    gate(people, doc_control)
    revision = in_review(people)
    quality, reviewer = people["quality"], people["reviewer"]
    assert "(never completed)" in gates.may_sign(actor=reviewer, instance=revision, meaning="approved")
    # Within the grace period the earlier training still counts; with a renewal assigned it is current.
    graced = course(people, code="DOC-CTRL-02", title="Document control 2", validity_months=12, grace_days=30)
    services.training_record(actor=quality, person=reviewer, requirement=graced, completed_on=months_ago(12, 10))
    gate(people, graced)
    standing = gates.standings(reviewer, [graced])[graced.pk]
    assert standing.current
    # A level below the minimum is not current.
    leveled = course(people, code="DOC-CTRL-03", title="Approving", min_level=3)
    services.training_record(actor=quality, person=reviewer, requirement=leveled,
                             completed_on=timezone.localdate(), level=2)
    assert gates.standings(reviewer, [leveled])[leveled.pk].why == "level 2 reached, 3 required"
    # Another meaning and another record type are not gated.
    assert gates.may_sign(actor=reviewer, instance=revision, meaning="reviewed") is None
    assert gates.may_sign(actor=reviewer, instance=factories.capa(actor=quality), meaning="approved") is None


def test_a_gate_not_in_force_refuses_nothing(people, doc_control):
    from django.utils import timezone

    from qualitas.training import gates, services_gates

    today = timezone.localdate()
    revision = in_review(people)
    approver = people["approver"]
    planned = gate(people, doc_control, active_from=today + dt.timedelta(days=1))
    ended = gate(people, doc_control, active_from=today - dt.timedelta(days=30), active_to=today - dt.timedelta(days=1))
    assert gates.may_sign(actor=approver, instance=revision, meaning="approved") is None
    running = gate(people, doc_control, active_from=today, active_to=today)
    assert gates.may_sign(actor=approver, instance=revision, meaning="approved")
    services_gates.gate_withdraw(actor=people["quality"], gate=running, reason="Replaced by the new SOP.")
    assert gates.may_sign(actor=approver, instance=revision, meaning="approved") is None
    from qualitas.documents import services

    revision.refresh_from_db()
    services.approve(actor=approver, revision=revision, credentials=sign(), expected_version=revision.version)
    assert planned.pk and ended.pk


def test_the_system_actor_is_never_gated(people, doc_control):
    from qualitas.accounts.services import system_actor
    from qualitas.training import gates

    gate(people, doc_control)
    gate(people, doc_control, kind="transition", meaning="", transition="make_effective")
    revision = in_review(people)
    assert gates.may_sign(actor=system_actor(), instance=revision, meaning="approved") is None
    assert gates.may_transition(actor=system_actor(), instance=revision, record_type="documents.revision",
                                transition="make_effective") is None
    assert gates.may_assign(person=system_actor(), instance=revision, duty="approver") is None


def test_a_gated_workflow_step_is_refused_with_403_and_audited(people, doc_control, api_client):
    from qualitas.documents import services
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    writing = course(people, code="DOC-AUTH", title="Writing procedures")
    gate(people, writing, kind="transition", meaning="", transition="submit")
    ensure_document_types()
    document = services.document_create(actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"),
                                        title="Deburring", content="# Deburr", approvers=[people["approver"]],
                                        reviewers=[people["reviewer"]])
    revision = document.revisions.get()
    api = api_client.as_user(people["author"])
    steps = api.get(f"/records/documents.revision/{revision.pk}/transitions").json()
    submit = next(s for s in steps["transitions"] if s["name"] == "submit")
    reason = "“Submit for review” needs current training: DOC-AUTH Writing procedures (never completed)."
    assert submit["allowed"] is False and submit["reason"] == reason
    refused = api.post(f"/records/documents.revision/{revision.pk}/transitions/submit", {"version": revision.version})
    assert refused.status_code == 403 and refused.json()["message"] == reason
    assert AuditEvent.objects.filter(event="documents.revision.submit_refused", actor=people["author"]).exists()
    from django.utils import timezone

    from qualitas.training import services as training

    training.training_record(actor=people["quality"], person=people["author"], requirement=writing,
                             completed_on=timezone.localdate())
    done = api.post(f"/records/documents.revision/{revision.pk}/transitions/submit", {"version": revision.version})
    assert done.status_code == 200, done.content


def test_a_gated_duty_refuses_the_unqualified_approver_on_the_route(people, doc_control):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from qualitas.documents import services
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types
    from qualitas.training import services as training

    gate(people, doc_control, kind="duty", meaning="", duty="approver")
    ensure_document_types()
    sop = DocumentType.objects.get(code="SOP")
    with pytest.raises(ValidationError, match="Morgan Price cannot be assigned as approver: it needs current "
                                              "training: DOC-CTRL-01 Document control \\(expired on"):
        services.document_create(actor=people["author"], doc_type=sop, title="Honing", content="# Hone",
                                 approvers=[people["approver"]])
    # a reviewer is another duty
    document = services.document_create(actor=people["author"], doc_type=sop, title="Honing", content="# Hone",
                                        reviewers=[people["approver"]])
    assert [a.role for a in document.revisions.get().assignments.all()] == ["reviewer"]
    training.training_record(actor=people["quality"], person=people["approver"], requirement=doc_control,
                             completed_on=timezone.localdate())
    services.revision_set_route(actor=people["author"], revision=document.revisions.get(),
                                approvers=[people["approver"]])


def test_gates_are_managed_by_training_administrators_through_the_api(people, doc_control, api_client):
    admin = api_client.as_user(people["quality"])
    created = admin.post("/training/gates", {"kind": "sign", "requirement_id": doc_control.pk, "meaning": "approved",
                                             "record_type": "documents.revision", "rationale": "SOP-001 §5"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["in_force"] is True and body["requirement_code"] == "DOC-CTRL-01"
    assert admin.get("/training/gates").json()["count"] == 1
    bad = admin.post("/training/gates", {"kind": "transition", "requirement_id": doc_control.pk,
                                         "record_type": "documents.revision", "transition": "aprove",
                                         "rationale": "typo"})
    assert bad.status_code == 400 and "not a step" in bad.json()["message"]
    assert admin.post("/training/gates", {"kind": "sign", "requirement_id": doc_control.pk,
                                          "rationale": "x"}).status_code == 400
    assert admin.post("/training/gates", {"kind": "sign", "requirement_id": doc_control.pk, "meaning": "approved",
                                          "record_type": "nope.nope", "rationale": "x"}).status_code == 400
    patched = admin.patch(f"/training/gates/{body['id']}", {"version": body["version"], "reason": "Ends with SOP rev C",
                                                            "active_to": "2099-01-01"})
    assert patched.status_code == 200, patched.content
    assert patched.json()["active_to"] == "2099-01-01"
    assert admin.patch(f"/training/gates/{body['id']}", {"version": 2, "active_to": None}).status_code == 422
    assert admin.post(f"/training/gates/{body['id']}/withdraw", {"reason": "Superseded"}).status_code == 422
    withdrawn = admin.post(f"/training/gates/{body['id']}/withdraw",
                           {"version": patched.json()["version"], "reason": "Superseded"})
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    events = list(AuditEvent.objects.filter(record_type="training.gate").values_list("event", flat=True))
    assert events == ["training.gate_created", "training.gate_updated", "training.gate_withdrawn"]
    # Others may not manage gates; employees do not see them.
    reviewer = api_client.as_user(people["reviewer"])
    assert reviewer.post("/training/gates", {"kind": "sign", "requirement_id": doc_control.pk,
                                             "meaning": "approved", "rationale": "x"}).status_code in (403, 404)
    assert api_client.as_user(people["employee"]).get("/training/gates").status_code == 403


def test_the_gate_pages_and_the_person_page(people, doc_control):
    gate_ = gate(people, doc_control)
    client = Client()
    client.force_login(people["quality"])
    listing = client.get(reverse("training:gates")).content.decode()
    assert "DOC-CTRL-01" in listing
    assert "Signing “Approved” (documents.revision)" in listing
    assert client.get(reverse("training:gate", args=[gate_.pk])).status_code == 200
    response = client.post(reverse("training:gate-new"), {
        "kind": "duty", "requirement": doc_control.pk, "duty": "auditor", "active_from": "2026-01-01",
        "rationale": "Auditors are qualified."})
    assert response.status_code == 302, response.content.decode()[:2000]
    edit = client.post(reverse("training:gate-edit", args=[gate_.pk]), {
        "version": gate_.version, "meaning": "approved", "record_type": "documents.revision",
        "active_from": "2026-01-01", "rationale": "SOP-001 section 5.", "reason": "Backdated"})
    assert edit.status_code == 302
    person = client.get(reverse("training:person", args=[people["approver"].pk])).content.decode()
    assert "Not qualified for:" in person and "DOC-CTRL-01 Document control (expired on" in person
    # the approver sees their own page
    own = Client()
    own.force_login(people["approver"])
    assert "Not qualified for:" in own.get(reverse("training:person", args=[people["approver"].pk])).content.decode()
    assert own.get(reverse("training:gate-new")).status_code == 403


def test_a_position_gate_flags_a_holder_who_is_not_current(people, operator_position):
    from django.utils import timezone

    from qualitas.training import gates, services

    forklift = course(people, code="Q-FORK", title="Forklift licence", kind="qualification", method="qualification",
                      validity_months=12)
    gate(people, forklift, kind="position", meaning="", record_type="", position=operator_position)
    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=timezone.localdate())
    flagged = gates.qualifications_of(people["op1"])
    assert [(p.pk, lacking) for p, lacking in flagged["positions"]] == [
        (operator_position.pk, "Q-FORK Forklift licence (never completed)")]
    assert gates.qualifications_of(people["op2"])["positions"] == []  # not a holder
    services.training_record(actor=people["quality"], person=people["op1"], requirement=forklift,
                             completed_on=timezone.localdate(), level=3)
    assert gates.qualifications_of(people["op1"])["positions"] == []
