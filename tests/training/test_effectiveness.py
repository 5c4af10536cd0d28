"""Effectiveness of training (ISO 7.2 c, issue 13): a review N days after each completion, a task for
the manager, the manager's rating; the count of nonconformities with a training / human-error root
cause linked to the procedure or the person since the training. Real database, no mocks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.links.services import link_create
from qualitas.core.tasks.models import Task
from qualitas.core.testing import assert_audited, factories
from qualitas.training import effectiveness, services
from qualitas.training.models import EffectivenessReview
from tests.training.conftest import course, days, effective_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def safety(people, operator_position, today):
    requirement = course(people, "C-SAFETY")
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                            target=operator_position)
    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=today - days(100))
    return requirement


def test_a_review_is_opened_after_the_days_with_a_task_for_the_manager_who_rates_it(people, safety, today):
    # The setting counts trainings from 90 days ago.
    effectiveness.effectiveness_set(actor=people["quality"], requirement=safety, days=30, since=today - days(90))
    recent = services.training_record(actor=people["quality"], person=people["op2"], requirement=safety,
                                      completed_on=today - days(5))
    old = services.training_record(actor=people["quality"], person=people["op1"], requirement=safety,
                                   completed_on=today - days(40))
    assert effectiveness.open_reviews() == "1 effectiveness review(s) opened"
    review = EffectivenessReview.objects.get()
    assert (review.record, review.reviewer, review.due) == (old, people["reviewer"], old.completed_on + days(30))
    assert not EffectivenessReview.objects.filter(record=recent).exists()
    task = Task.objects.get(record_type="training.effectivenessreview", record_id=str(review.pk))
    assert (task.assignee, task.status) == (people["reviewer"], "open")
    assert effectiveness.open_reviews() == "0 effectiveness review(s) opened"  # once per record

    with pytest.raises(PermissionDenied):
        effectiveness.review_complete(actor=people["op2"], review=review, rating="effective", note="x")
    with pytest.raises(ValidationError, match="based on"):
        effectiveness.review_complete(actor=people["reviewer"], review=review, rating="effective", note=" ")
    review = effectiveness.review_complete(actor=people["reviewer"], review=review, rating="partly",
                                           note="Still asks for help with lock-out.")
    assert (review.status, review.rating, review.done_by) == ("done", "partly", people["reviewer"])
    task.refresh_from_db()
    assert task.status == "done"
    assert_audited("training.effectiveness_reviewed", review, actor=people["reviewer"], rating="partly")
    with pytest.raises(ValidationError, match="done"):
        effectiveness.review_complete(actor=people["reviewer"], review=review, rating="effective", note="x")


def test_human_error_nonconformities_linked_to_the_procedure_or_the_person_since_the_training(people, today):
    from qualitas.capa import services as capa_services

    document = effective_document(people)
    requirement = services.requirement_create(actor=people["quality"], code="D-COOL", title="Coolant check",
                                              kind="document", method="quiz", document=document)
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="person", target=people["op1"])
    services.training_record(actor=people["quality"], person=people["op1"], requirement=requirement,
                             completed_on=today - days(20))
    qm = people["quality"]
    by_category = factories.nonconformity(actor=qm, title="Wrong coolant mix", category="Human error")
    link_create(actor=qm, source=by_category, target=document, kind="relates_to")
    by_cause = factories.nonconformity(actor=qm, title="Concentration not logged", category="Documentation")
    link_create(actor=qm, source=by_cause, target=people["op1"], kind="relates_to")
    capa = factories.capa(actor=qm, nonconformities=[by_cause])
    capa_services.capa_analysis_update(actor=qm, capa=capa, root_causes=[
        {"statement": "Operator not trained on the log", "category": "man", "verified": True,
         "verification": "Interview"}])
    machine = factories.nonconformity(actor=qm, title="Pump failed", category="Equipment")
    link_create(actor=qm, source=machine, target=document, kind="relates_to")
    old = factories.nonconformity(actor=qm, title="Old human error", category="Human error",
                                  detected_on=today - days(60))
    link_create(actor=qm, source=old, target=document, kind="relates_to")

    found = effectiveness.human_error_nonconformities(requirement=requirement, person=people["op1"],
                                                      since=today - days(20))
    assert {nc.pk for nc in found} == {by_category.pk, by_cause.pk}
    procedure = effectiveness.human_error_nonconformities(requirement=requirement, since=today - days(20))
    assert {nc.pk for nc in procedure} == {by_category.pk}

    data = effectiveness.requirement_effectiveness(requirement)
    assert [nc.pk for nc in data["nonconformities"]] == [by_category.pk]


def test_effectiveness_through_the_api_and_on_the_requirement_page(people, safety, api_client, client):
    qm = api_client.as_user(people["quality"])
    response = qm.post(f"/training/requirements/{safety.pk}/effectiveness", {"review_after_days": 60})
    assert response.status_code == 200, response.content
    assert response.json()["review_after_days"] == 60
    assert qm.post(f"/training/requirements/{safety.pk}/effectiveness",
                  {"review_after_days": 0}).status_code in (400, 422)
    assert_audited("training.effectiveness_updated", safety.effectiveness, actor=people["quality"])
    client.force_login(people["quality"])
    page = client.get(f"/training/requirements/{safety.pk}/").content.decode()
    assert 'data-testid="effectiveness"' in page and "60 days" in page
    response = qm.post(f"/training/requirements/{safety.pk}/effectiveness", {"review_after_days": None})
    assert response.json()["review_after_days"] is None
