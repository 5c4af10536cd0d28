"""Assignments are generated, never typed (issue 13): on taking a position, on applying a requirement
or curriculum, on a document revision becoming effective and before a qualification expires; leaving
a position ends them with a reason; the document acknowledgment completes read-and-understood
training. Real database, real services, no mocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.tasks.models import Task
from qualitas.core.testing import PASSWORD, assert_audited
from qualitas.training import generation, selectors, services
from qualitas.training.models import Assignment, TrainingRecord
from tests.training.conftest import course, days, effective_document, next_revision, sign

pytestmark = pytest.mark.django_db


def open_assignments(person):
    return {a.requirement.code: a for a in Assignment.objects.filter(person=person, status__in=("open", "in_progress"))}


def task_of(assignment):
    return Task.objects.filter(record_type="training.assignment", record_id=str(assignment.pk)).order_by("-pk").first()


def cell(person, requirement, today=None):
    from qualitas.training import matrix

    grid = matrix.compute(people=[person.pk], today=today or dt.date.today())
    return grid.cell(person.pk, requirement.pk)


# --- Taking and leaving a position ------------------------------------------------------------------------


def test_taking_a_position_assigns_its_training_as_tasks_due_after_the_new_starter_days(
        people, operator_position, today):
    safety = course(people, "C-SAFETY", new_starter_days=10)
    forklift = course(people, "Q-FORKLIFT", kind="qualification", method="qualification", validity_months=36,
                      new_starter_days=45)
    for requirement in (safety, forklift):
        services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                                target=operator_position)
    assert open_assignments(people["op1"]) == {}

    start = today + days(3)
    holding = services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                                     start_date=start)

    found = open_assignments(people["op1"])
    assert set(found) == {"C-SAFETY", "Q-FORKLIFT"}
    assert found["C-SAFETY"].due == start + days(10) and found["Q-FORKLIFT"].due == start + days(45)
    assert found["C-SAFETY"].trigger == "position"
    assert "took the position CNC operator" in found["C-SAFETY"].trigger_label
    task = task_of(found["C-SAFETY"])
    assert (task.assignee, task.status, task.due, task.manual_completion) == (people["op1"], "open", start + days(10),
                                                                             False)
    assert_audited("training.holding_started", holding, actor=people["quality"])
    assert_audited("training.assignment_created", found["C-SAFETY"], actor=None)
    assert cell(people["op1"], safety).status == "due"
    assert cell(people["op2"], safety).status == "not-required"


def test_leaving_a_position_ends_its_assignments_with_the_reason_and_keeps_what_still_applies(
        people, operator_position, today):
    from qualitas.accounts.models import Department

    safety, lathe = course(people, "C-SAFETY"), course(people, "C-LATHE")
    services.applies_to_add(actor=people["quality"], requirement=safety, kind="position", target=operator_position)
    services.applies_to_add(actor=people["quality"], requirement=lathe, kind="position", target=operator_position)
    # Safety also applies to the whole production department, which op1 belongs to.
    services.applies_to_add(actor=people["quality"], requirement=safety, kind="department",
                            target=Department.objects.get(site__code="SPR", code="PROD"))
    holding = services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                                     start_date=today - days(5))
    lathe_assignment = open_assignments(people["op1"])["C-LATHE"]

    with pytest.raises(ValidationError):
        services.holding_end(actor=people["quality"], holding=holding, end_date=today, reason="")
    services.holding_end(actor=people["quality"], holding=holding, end_date=today, reason="Moved to inspection")

    assert set(open_assignments(people["op1"])) == {"C-SAFETY"}
    lathe_assignment.refresh_from_db()
    assert lathe_assignment.status == "ended"
    assert "left the position CNC operator" in lathe_assignment.end_reason
    assert "Moved to inspection" in lathe_assignment.end_reason
    assert task_of(lathe_assignment).status == "cancelled"
    assert_audited("training.assignment_ended", lathe_assignment, actor=None)
    assert cell(people["op1"], lathe).status == "not-required"


def test_a_planned_leaving_date_ends_the_assignments_when_the_day_comes(people, operator_position, today):
    lathe = course(people, "C-LATHE")
    services.applies_to_add(actor=people["quality"], requirement=lathe, kind="position", target=operator_position)
    holding = services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                                     start_date=today - days(30))
    services.holding_end(actor=people["quality"], holding=holding, end_date=today + days(7), reason="Retires")
    assert set(open_assignments(people["op1"])) == {"C-LATHE"}

    import datetime

    later = datetime.datetime.combine(today + days(8), datetime.time(9), tzinfo=datetime.UTC)
    services.sync_all(now=later)
    assert open_assignments(people["op1"]) == {}


# --- Applying requirements and curricula -----------------------------------------------------------------------


def test_applying_a_requirement_or_a_curriculum_assigns_it_to_everyone_it_reaches(people, operator_position, today):
    from qualitas.accounts.models import Department

    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=today - days(200))
    ppe = course(people, "C-PPE", retraining_days=21)
    services.applies_to_add(actor=people["quality"], requirement=ppe, kind="position", target=operator_position)
    assignment = open_assignments(people["op1"])["C-PPE"]
    assert assignment.due == today + days(21) and assignment.trigger == "requirement"
    assert "op2" not in {a.person.username for a in Assignment.objects.filter(requirement=ppe)}
    assert_audited("training.applicability_added", ppe, actor=people["quality"])

    five_s, kaizen = course(people, "C-5S"), course(people, "C-KAIZEN", mandatory=False)
    lean = services.curriculum_create(actor=people["quality"], code="CUR-LEAN", title="Lean basics",
                                      requirements=[five_s, kaizen])
    services.applies_to_add(actor=people["quality"], curriculum=lean, kind="department",
                            target=Department.objects.get(site__code="SPR", code="PROD"))
    for username in ("op1", "op2", "employee", "reviewer"):  # the production department's members
        assert {"C-5S", "C-KAIZEN"} <= set(open_assignments(people[username])), username
    assert open_assignments(people["op2"])["C-KAIZEN"].due is None  # optional: no due date, no escalation
    assert "C-5S" not in open_assignments(people["author"])

    with pytest.raises(ValidationError, match="already applies"):
        services.applies_to_add(actor=people["quality"], requirement=ppe, kind="position", target=operator_position)


def test_applying_needs_the_edit_right(people, operator_position):
    ppe = course(people, "C-PPE")
    with pytest.raises(PermissionDenied):
        services.applies_to_add(actor=people["employee"], requirement=ppe, kind="position", target=operator_position)
    assert not Assignment.objects.filter(requirement=ppe).exists()


def test_removing_what_a_requirement_applies_to_ends_the_open_assignments(people, operator_position, today):
    services.holding_start(actor=people["quality"], person=people["op1"], position=operator_position,
                           start_date=today)
    ppe = course(people, "C-PPE")
    entry = services.applies_to_add(actor=people["quality"], requirement=ppe, kind="position",
                                    target=operator_position)
    assignment = open_assignments(people["op1"])["C-PPE"]
    services.applies_to_remove(actor=people["quality"], entry=entry, reason="Covered by the induction")
    assignment.refresh_from_db()
    assert assignment.status == "ended" and "Covered by the induction" in assignment.end_reason
    assert_audited("training.applicability_removed", ppe, actor=people["quality"])


# --- Documents: effective revisions and acknowledgments ------------------------------------------------------


def test_an_effective_revision_assigns_read_and_understood_to_exactly_the_holders_and_acknowledging_completes_it(
        people, operator_position, today):
    from qualitas.documents import services as documents

    document = effective_document(people)
    requirement = services.requirement_create(
        actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP", kind="document",
        method="read-and-understood", document=document, retraining_days=10)
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                            target=operator_position)
    for username in ("op1", "op2"):
        services.holding_start(actor=people["quality"], person=people[username], position=operator_position,
                               start_date=today)
    first = {a.person.username: a for a in Assignment.objects.filter(requirement=requirement, status="open")}
    assert set(first) == {"op1", "op2"}
    assert first["op1"].method == "read-and-understood" and first["op1"].revision == document.effective_revision

    revision_b = next_revision(people, document)
    assert revision_b.status == "effective"
    second = {a.person.username: a for a in Assignment.objects.filter(requirement=requirement, status="open")}
    assert set(second) == {"op1", "op2"}  # exactly the holders: nobody else, nobody twice
    assert {a.revision_id for a in second.values()} == {revision_b.pk}
    assert second["op1"].due == today + days(10) and second["op1"].trigger == "revision"
    assert "rev 2 became effective" in second["op1"].trigger_label
    first["op1"].refresh_from_db()
    assert first["op1"].status == "ended" and "Superseded" in first["op1"].end_reason
    task = task_of(second["op1"])
    assert (task.kind, task.status, task.title) == ("acknowledge", "open",
                                                    f"Read and acknowledge {document.number} rev 2: {document.title}")
    assert cell(people["op1"], requirement).status == "due"

    signature = documents.acknowledge(actor=people["op1"], revision=revision_b, credentials=sign(PASSWORD))

    second["op1"].refresh_from_db()
    assert second["op1"].status == "completed"
    record = TrainingRecord.objects.get(person=people["op1"], requirement=requirement)
    assert (record.signature, record.revision, record.source, record.level, record.recorded_by) == (
        signature, revision_b, "acknowledgment", 1, people["op1"])
    assert task_of(second["op1"]).status == "done"
    assert cell(people["op1"], requirement).status == "current"
    assert cell(people["op2"], requirement).status == "due"
    assert_audited("training.assignment_completed", second["op1"], actor=people["op1"])
    assert_audited("training.record_created", record, actor=people["op1"])


def test_one_acknowledgment_task_when_the_distribution_already_asks_for_it(people, operator_position, today):
    from qualitas.accounts.models import Role, Site
    from qualitas.documents import services as documents

    document = effective_document(people, site=Site.objects.get(code="SPR"),
                                  distribution=[{"kind": "role", "role": Role.objects.get(code="employee")}])
    revision = document.effective_revision
    requirement = services.requirement_create(
        actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP", kind="document",
        method="read-and-understood", document=document)
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="person", target=people["op1"])
    assignment = open_assignments(people["op1"])["TR-COOLANT"]
    inbox = Task.objects.filter(assignee=people["op1"], status="open", kind="acknowledge")
    assert [(t.record_type, t.record_id) for t in inbox] == [("documents.revision", str(revision.pk))]
    assert task_of(assignment) is None

    documents.acknowledge(actor=people["op1"], revision=revision, credentials=sign(PASSWORD))
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    assert not inbox.all().exists()  # a fresh query: the document's task is done too


def test_the_synchronisation_gives_the_assignment_its_own_task_when_the_document_withdraws_its_own(people, today):
    from qualitas.accounts.models import Role, Site
    from qualitas.documents import services as documents

    document = effective_document(people, site=Site.objects.get(code="SPR"),
                                  distribution=[{"kind": "role", "role": Role.objects.get(code="employee")}])
    requirement = services.requirement_create(
        actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP", kind="document",
        method="read-and-understood", document=document)
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="person", target=people["op1"])
    assignment = open_assignments(people["op1"])["TR-COOLANT"]
    documents.distribution_set(actor=people["author"], document=document, entries=[], reason="Only by training now")
    services.sync_all()
    task = task_of(assignment)
    assert (task.status, task.kind, task.assignee) == ("open", "acknowledge", people["op1"])


def test_an_acknowledgment_given_before_the_requirement_applied_counts(people, operator_position, today):
    from qualitas.documents import services as documents

    document = effective_document(people)
    documents.acknowledge(actor=people["op1"], revision=document.effective_revision, credentials=sign(PASSWORD))
    requirement = services.requirement_create(
        actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP", kind="document",
        method="read-and-understood", document=document)
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="person", target=people["op1"])
    assert open_assignments(people["op1"]) == {}
    assert cell(people["op1"], requirement).status == "current"


def test_read_and_understood_is_not_recorded_for_someone_else(people, today):
    document = effective_document(people)
    requirement = services.requirement_create(
        actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP", kind="document",
        method="read-and-understood", document=document)
    with pytest.raises(ValidationError, match="acknowledging the document"):
        services.training_record(actor=people["quality"], person=people["op1"], requirement=requirement,
                                 completed_on=today)
    assert not TrainingRecord.objects.exists()


def test_making_the_document_obsolete_ends_the_assignments_to_read_it(people, today):
    from qualitas.core.workflow import engine

    document = effective_document(people)
    requirement = services.requirement_create(
        actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP", kind="document",
        method="read-and-understood", document=document)
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="person", target=people["op1"])
    assignment = open_assignments(people["op1"])["TR-COOLANT"]
    engine.perform(actor=people["approver"], instance=document.effective_revision, transition="make_obsolete",
                   reason="Replaced by the CMM instruction")
    assignment.refresh_from_db()
    assert assignment.status == "ended" and "withdrawn" in assignment.end_reason


# --- Records, levels, expiry and renewal -----------------------------------------------------------------------


def test_a_record_completes_the_assignment_and_computes_the_expiry(people, operator_position, today):
    forklift = course(people, "Q-FORKLIFT", kind="qualification", method="qualification", validity_months=12,
                      grace_days=30, min_level=3)
    services.applies_to_add(actor=people["quality"], requirement=forklift, kind="person", target=people["op1"])
    assignment = open_assignments(people["op1"])["Q-FORKLIFT"]

    services.training_record(actor=people["quality"], person=people["op1"], requirement=forklift,
                             completed_on=today, level=2, trainer="Acme Safety Ltd")
    assignment.refresh_from_db()
    assert assignment.status == "in_progress"  # supervised only: not yet competent
    assert cell(people["op1"], forklift).status == "in-progress"

    record = services.training_record(actor=people["quality"], person=people["op1"], requirement=forklift,
                                      completed_on=today, level=3, evidence="Certificate 4711")
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    assert record.expires_on == generation.add_months(today, 12)
    assert cell(people["op1"], forklift).status == "current"

    with pytest.raises(PermissionDenied):
        services.training_record(actor=people["op2"], person=people["op1"], requirement=forklift, completed_on=today)
    with pytest.raises(ValidationError, match="future"):
        services.training_record(actor=people["quality"], person=people["op1"], requirement=forklift,
                                 completed_on=today + days(1))


def test_a_qualification_close_to_its_expiry_is_renewed_and_expires_after_the_grace_period(people, today):
    import datetime

    forklift = course(people, "Q-FORKLIFT", kind="qualification", method="qualification", validity_months=12,
                      grace_days=10, retraining_days=20)
    services.applies_to_add(actor=people["quality"], requirement=forklift, kind="person", target=people["op1"])
    completed = generation.add_months(today, -12) + days(15)  # expires in 15 days
    services.training_record(actor=people["quality"], person=people["op1"], requirement=forklift,
                             completed_on=completed)
    record = TrainingRecord.objects.get(person=people["op1"])
    assert record.expires_on == today + days(15)
    assert open_assignments(people["op1"]) == {}
    assert cell(people["op1"], forklift).status == "current"

    services.renewals()

    renewal = open_assignments(people["op1"])["Q-FORKLIFT"]
    assert (renewal.trigger, renewal.due) == ("renewal", record.expires_on)
    assert "expires on" in renewal.trigger_label
    assert cell(people["op1"], forklift).status == "due"
    assert cell(people["op1"], forklift, today + days(20)).status == "overdue"  # past due, within the grace period
    assert cell(people["op1"], forklift, today + days(26)).status == "expired"  # past the grace period
    services.renewals(now=datetime.datetime.combine(today, datetime.time(10), tzinfo=datetime.UTC))
    statuses = sorted(Assignment.objects.filter(person=people["op1"], requirement=forklift).values_list(
        "status", flat=True))
    assert statuses == ["completed", "open"]  # the first one, and one renewal however often the job runs


def test_the_matrix_refuses_people_without_the_view_right(people):
    with pytest.raises(PermissionDenied):
        selectors.training_matrix(people["employee"])
