"""Document control on its workflows only: the generic endpoint gives the same result as the module's
own approval (effective at once when the date is today), superseding is the system's follow-up,
withdrawing a document and deciding a change request are workflow steps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qualitas.core.audit.models import AuditEvent
from qualitas.core.regulated import record_update
from qualitas.core.signatures.selectors import signatures_of
from qualitas.core.tasks.models import Task
from qualitas.core.workflow import engine
from qualitas.documents import services
from qualitas.documents.models import Document, Revision
from tests.documents.test_documents import PASSWORD, issue, new_document, sign

pytestmark = pytest.mark.django_db




def _reviewed(people, revision):
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    return revision


def _approve_by_api(api_client, people, revision):
    api = api_client.as_user(people["approver"])
    return api.post(
        f"/records/documents.revision/{revision.pk}/transitions/approve",
        {"version": revision.version, "password": PASSWORD},
    )


def test_the_generic_approval_makes_the_revision_effective_like_the_module_approval(people, api_client):
    document = new_document(people)
    first = issue(people, document.revisions.get())  # the module's own approval (services.approve)
    assert first.status == "effective"
    draft = services.revision_new(actor=people["author"], document=document, change_summary="Add PPE step")
    services.revision_update(actor=people["author"], revision=draft, content="# Cleaning\n\nWear gloves.")
    draft = _reviewed(people, Revision.objects.get(pk=draft.pk))

    response = _approve_by_api(api_client, people, draft)

    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["state_label"]) == ("effective", "Effective")
    draft.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, draft.status) == ("superseded", "effective")
    assert draft.effective_date == timezone.localdate() and draft.effective_at and draft.approved_at
    assert [s.meaning for s in signatures_of(draft)] == ["reviewed", "approved"]
    assert Task.objects.filter(kind="acknowledge", record_id=str(draft.pk), assignee=people["employee"]).exists()
    assert not Task.objects.filter(kind="acknowledge", record_id=str(first.pk), status="open").exists()
    events = list(
        AuditEvent.objects.filter(record_type="documents.revision", record_id=str(draft.pk),
                                  event__startswith="documents.revision.")
        .order_by("pk").values_list("event", flat=True)
    )
    assert events[-2:] == ["documents.revision.approve", "documents.revision.make_effective"]
    assert AuditEvent.objects.filter(record_id=str(first.pk), event="documents.revision.supersede").exists()


def test_with_a_later_effective_date_the_generic_approval_waits_for_it(people, api_client):
    document = new_document(people)
    revision = document.revisions.get()
    later = timezone.localdate() + dt.timedelta(days=3)
    services.revision_update(actor=people["author"], revision=revision, effective_date=later)
    revision = _reviewed(people, Revision.objects.get(pk=revision.pk))

    response = _approve_by_api(api_client, people, revision)

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    revision.refresh_from_db()
    assert revision.status == "approved" and revision.effective_date == later


def test_people_cannot_supersede_an_effective_revision(people, api_client):
    document = new_document(people)
    revision = issue(people, document.revisions.get())
    api = api_client.as_user(people["quality"])

    response = api.post(
        f"/records/documents.revision/{revision.pk}/transitions/supersede", {"version": revision.version}
    )

    assert response.status_code == 403
    assert "not a step people perform" in response.json()["message"]
    assert document.revisions.filter(status="effective").get() == revision


def test_withdrawing_a_document_is_a_step_of_its_workflow(people, api_client):
    document = new_document(people)
    issue(people, document.revisions.get())
    document.refresh_from_db()
    refused = api_client.as_user(people["quality"]).post(
        f"/records/documents.document/{document.pk}/transitions/withdraw", {"version": document.version}
    )
    assert refused.status_code == 403
    with pytest.raises(ValidationError, match="status changes only through its workflow"):
        record_update(people["quality"], document, event="documents.document_updated",
                      changes={"status": "withdrawn"}, reason="Bypass")

    services.periodic_review(
        actor=people["quality"], document=document, outcome="withdraw", comment="Process retired", credentials=sign()
    )

    document.refresh_from_db()
    assert (document.status, document.get_status_display(), document.next_review_date) == (
        "withdrawn", "Withdrawn", None
    )
    event = AuditEvent.objects.get(record_type="documents.document", record_id=str(document.pk),
                                   event="documents.document.withdraw")
    assert event.actor_id == people["quality"].pk


def test_change_requests_are_decided_through_their_workflow(people, api_client):
    document = new_document(people)
    issue(people, document.revisions.get())
    document.refresh_from_db()
    accepted = services.change_request_create(actor=people["employee"], document=document, what="Drying", why="Rust")
    rejected = services.change_request_create(actor=people["employee"], document=document, what="x", why="y")
    refused = api_client.as_user(people["quality"]).post(
        f"/records/documents.changerequest/{accepted.pk}/transitions/accept", {"version": accepted.version}
    )
    assert refused.status_code == 403

    accepted = services.change_request_decide(actor=people["quality"], request=accepted, accept=True)
    with pytest.raises(ValidationError, match="reason"):
        services.change_request_decide(actor=people["quality"], request=rejected, accept=False)
    rejected = services.change_request_decide(
        actor=people["quality"], request=rejected, accept=False, reason="Out of scope"
    )

    assert (accepted.status, accepted.get_status_display()) == ("accepted", "Accepted")
    assert accepted.revision.status == "draft"
    assert (rejected.status, rejected.decision_reason) == ("rejected", "Out of scope")
    assert rejected.decided_by == people["quality"]
    reject = AuditEvent.objects.get(record_id=str(rejected.pk), event="documents.changerequest.reject")
    assert reject.reason == "Out of scope"
    assert AuditEvent.objects.filter(record_id=str(accepted.pk), event="documents.changerequest.accept").exists()
    with pytest.raises(ValidationError, match="already been decided"):
        services.change_request_decide(actor=people["quality"], request=accepted, accept=False, reason="No")
    assert Document.objects.get(pk=document.pk).status == "active"
