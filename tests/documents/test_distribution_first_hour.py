"""Distribution and read-and-understand from the first hour: settable when the document is created,
editable at any time, and the acknowledgment tasks always follow it (issue 11, part 1); a past
effective date is refused where it is entered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from qualitas.accounts.models import Department, Role, Site, User
from qualitas.core.signatures import services as signing
from qualitas.core.tasks.models import Task
from qualitas.core.testing import assert_audited, factories
from qualitas.core.workflow import engine
from qualitas.documents import selectors, services
from qualitas.documents.models import DocumentType
from qualitas.documents.setup import ensure_document_types
from tests.conftest import bearer

pytestmark = pytest.mark.django_db
PASSWORD = "qualitas-demo"




def sign():
    return signing.Credentials(PASSWORD)


def employee_role():
    return Role.objects.get(code="employee")


def new_document(people, distribution=(), **fields):
    ensure_document_types()
    return services.document_create(
        actor=people["author"],
        doc_type=DocumentType.objects.get(code="SOP"),
        title=fields.pop("title", "Coolant concentration check"),
        content=fields.pop("content", "# Coolant check\n\n1. Take a sample.\n2. Read the refractometer."),
        reviewers=[people["reviewer"]],
        approvers=[people["approver"]],
        distribution=list(distribution),
        **fields,
    )


def issue(people, revision):
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    return services.approve(actor=people["approver"], revision=revision, credentials=sign())


def open_ack_assignees(revision) -> set[str]:
    return set(
        Task.objects.filter(
            record_type="documents.revision", record_id=str(revision.pk), kind="acknowledge", status="open"
        ).values_list("assignee__username", flat=True)
    )


def panel(document) -> dict[str, str]:
    overview = selectors.acknowledgment_overview(document)
    return {row["user"].username: row["status"] for row in overview["rows"]}


def assert_panel_agrees_with_tasks(document):
    """Whoever the panel lists as pending or overdue has exactly one open task, and nobody else has one."""
    overview = selectors.acknowledgment_overview(document)
    revision = overview["revision"]
    waiting = {row["user"].username for row in overview["rows"] if row["status"] in ("pending", "overdue")}
    assert waiting == open_ack_assignees(revision)
    assert not [row for row in overview["rows"] if row["status"] == "not assigned"]
    assert overview["stray_tasks"] == []
    outstanding = {person.username for person in selectors.acknowledgments_outstanding(revision)}
    assert outstanding == waiting


# --- Services -------------------------------------------------------------------------------------------


def test_distribution_given_at_creation_is_kept_and_audited(people):
    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    assert [str(e) for e in document.distribution.all()] == ["Role: Employee"]
    assert_audited("documents.distribution_changed", document, people["author"],
                   distribution=([], ["Role: Employee"]))
    # Before any revision is effective, nobody has a task, but the panel already says who will be asked.
    overview = selectors.acknowledgment_overview(document)
    assert overview["revision"] is None and overview["counts"]["required"] == 1
    assert not Task.objects.filter(kind="acknowledge").exists()


def test_a_distribution_added_after_the_revision_is_effective_assigns_the_tasks(people):
    document = new_document(people)
    revision = issue(people, document.revisions.get())
    assert revision.status == "effective" and open_ack_assignees(revision) == set()
    services.distribution_add(actor=people["author"], document=document, kind="role", role=employee_role())
    assert open_ack_assignees(revision) == {"employee"}
    task = Task.objects.get(kind="acknowledge", status="open")
    assert task.due == timezone.localdate() + dt.timedelta(days=document.doc_type.acknowledgment_days)
    assert_audited("documents.distribution_added", document, people["author"],
                   **{"acknowledgment tasks assigned": [None, ["Sam Taylor"]]})
    assert_audited("task.created", revision, people["author"])
    assert panel(document) == {"employee": "pending"}
    assert_panel_agrees_with_tasks(document)
    # The employee acknowledges: the task closes, the panel says so.
    services.acknowledge(actor=people["employee"], revision=revision, credentials=sign())
    assert open_ack_assignees(revision) == set() and panel(document) == {"employee": "acknowledged"}
    assert_panel_agrees_with_tasks(document)


def test_changing_the_distribution_assigns_and_withdraws_tasks_and_keeps_signed_acknowledgments(people):
    production = Department.objects.get(site__code="SPR", code="PROD")
    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    revision = issue(people, document.revisions.get())
    assert open_ack_assignees(revision) == {"employee"}
    services.acknowledge(actor=people["employee"], revision=revision, credentials=sign())

    # Production now reads it (the employee, the reviewer, the approver); the role entry goes.
    services.distribution_set(
        actor=people["author"], document=document, entries=[{"kind": "department", "department": production}],
        reason="Production owns the check",
    )
    assert open_ack_assignees(revision) == {"reviewer", "approver"}
    assert panel(document) == {"employee": "acknowledged", "reviewer": "pending", "approver": "pending"}
    assert_panel_agrees_with_tasks(document)
    event = assert_audited("documents.distribution_changed", document, people["author"],
                           distribution=(["Role: Employee"], ["Department: PROD – Production"]))
    assert event.reason == "Production owns the check"
    assert sorted(event.changes_dict["acknowledgment tasks assigned"][1]) == ["Morgan Price", "Riley Brooks"]

    # Only the approver stays: the reviewer's task is withdrawn (audited, with the reason), the
    # employee's signed acknowledgment stays on record as someone no longer on the distribution.
    services.distribution_set(actor=people["author"], document=document,
                              entries=[{"kind": "user", "user": people["approver"]}])
    assert open_ack_assignees(revision) == {"approver"}
    withdrawn = Task.objects.get(kind="acknowledge", assignee=people["reviewer"])
    assert withdrawn.status == "cancelled" and "No longer on the distribution" in withdrawn.cancel_reason
    assert_audited("task.cancelled", revision, people["author"])
    overview = selectors.acknowledgment_overview(document)
    assert panel(document) == {"approver": "pending"}
    assert [(row["user"].username, row["status"]) for row in overview["former"]] == [("employee", "acknowledged")]
    assert_panel_agrees_with_tasks(document)

    # Back on the list: a new task (the cancelled one is not reused); an empty list withdraws all.
    services.distribution_set(actor=people["author"], document=document,
                              entries=[{"kind": "user", "user": people["approver"]},
                                       {"kind": "user", "user": people["reviewer"]}])
    assert open_ack_assignees(revision) == {"approver", "reviewer"}
    services.distribution_set(actor=people["author"], document=document, entries=[])
    assert open_ack_assignees(revision) == set()
    assert_panel_agrees_with_tasks(document)


def test_removing_an_entry_withdraws_only_the_tasks_nobody_else_keeps(people):
    document = new_document(people, [{"kind": "role", "role": employee_role()},
                                     {"kind": "user", "user": people["employee"]}])
    revision = issue(people, document.revisions.get())
    role_entry = document.distribution.get(kind="role")
    services.distribution_remove(actor=people["author"], entry=role_entry)
    assert open_ack_assignees(revision) == {"employee"}  # still named in person
    services.distribution_remove(actor=people["author"], entry=document.distribution.get())
    assert open_ack_assignees(revision) == set()
    assert_audited("documents.distribution_removed", document, people["author"],
                   **{"acknowledgment tasks withdrawn": [["Sam Taylor"], None]})


def test_a_new_revision_moves_the_tasks_to_it(people):
    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    first = issue(people, document.revisions.get())
    second = services.revision_new(actor=people["author"], document=document, change_summary="Add a step")
    services.revision_update(actor=people["author"], revision=second, content=first.content + "\n3. Log it.")
    second = issue(people, second)
    first.refresh_from_db()
    assert first.status == "superseded" and open_ack_assignees(first) == set()
    assert open_ack_assignees(second) == {"employee"}
    assert_panel_agrees_with_tasks(document)


def test_a_role_reaches_its_holders_at_the_documents_site_only(people):
    riverside = Site.objects.get(code="RVD")
    springfield = Site.objects.get(code="SPR")
    at_riverside = factories.user("employee", username="rvd-operator", site=riverside, first_name="Rae",
                                  last_name="River")
    factories.user("employee", username="spr-operator", site=springfield, first_name="Sol", last_name="Spring")
    document = new_document(people, [{"kind": "role", "role": employee_role()}], site=riverside,
                            title="Riverside coolant check")
    reached = {u.username for u in selectors.distribution_recipients(document)}
    assert at_riverside.username in reached and "spr-operator" not in reached
    assert "employee" in reached  # the demo employee holds the role at every site


def test_people_reached_who_may_not_open_documents_are_not_asked(people):
    outsider = factories.user(None, username="visitor", first_name="Val", last_name="Visitor")
    document = new_document(people, [{"kind": "user", "user": outsider}])
    overview = selectors.acknowledgment_overview(document)
    assert overview["recipients"] == [] and [u.username for u in overview["no_access"]] == ["visitor"]
    revision = issue(people, document.revisions.get())
    assert open_ack_assignees(revision) == set()


def test_bad_distribution_entries_are_refused_and_change_nothing(people):
    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    with pytest.raises(ValidationError, match="Unknown kind"):
        services.distribution_set(actor=people["author"], document=document, entries=[{"kind": "team"}])
    with pytest.raises(ValidationError, match="Choose the role"):
        services.distribution_add(actor=people["author"], document=document, kind="role")
    with pytest.raises(ValidationError, match="already on the distribution"):
        services.distribution_add(actor=people["author"], document=document, kind="role", role=employee_role())
    gone = factories.user("employee", username="leaver", first_name="Lee", last_name="Ver")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    with pytest.raises(ValidationError, match="deactivated"):
        services.distribution_set(actor=people["author"], document=document, entries=[{"kind": "user", "user": gone}])
    assert [str(e) for e in document.distribution.all()] == ["Role: Employee"]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.distribution_set(actor=people["employee"], document=document, entries=[])


def test_the_scheduled_sync_follows_role_changes(people):
    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    revision = issue(people, document.revisions.get())
    factories.user("employee", username="newcomer", first_name="Nia", last_name="Newcomer")
    # Until the job runs, the panel says the newcomer has no task yet (it does not pretend otherwise).
    assert panel(document)["newcomer"] == "not assigned"
    result = services.acknowledgment_tasks_sync_all()
    assert result == "acknowledgment tasks: 1 assigned, 0 withdrawn"
    assert open_ack_assignees(revision) == {"employee", "newcomer"}
    assert_audited("task.created", revision, None)
    assert_panel_agrees_with_tasks(document)
    assert services.acknowledgment_tasks_sync_all() == "acknowledgment tasks: 0 assigned, 0 withdrawn"


# --- Effective date -------------------------------------------------------------------------------------


def test_a_past_effective_date_is_refused_where_it_is_entered(people, client):
    document = new_document(people)
    revision = document.revisions.get()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="is in the past"):
        services.revision_update(actor=people["author"], revision=revision, effective_date=yesterday)
    revision.refresh_from_db()
    assert revision.effective_date is None
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    services.revision_update(actor=people["author"], revision=revision, effective_date=tomorrow)
    revision.refresh_from_db()
    assert revision.effective_date == tomorrow

    client.force_login(people["author"])
    url = f"/documents/{document.pk}/revisions/{revision.pk}/edit/"
    response = client.post(url, {"version": revision.version, "change_summary": "First issue",
                                 "content": revision.content, "effective_date": yesterday.isoformat()})
    assert response.status_code == 200
    assert "is in the past" in response.content.decode()
    revision.refresh_from_db()
    assert revision.effective_date == tomorrow
    assert f'min="{timezone.localdate().isoformat()}"' in client.get(url).content.decode()

    api = Client()
    response = api.patch(f"/api/v1/revisions/{revision.pk}", {"version": revision.version,
                                                             "effective_date": yesterday.isoformat()},
                         content_type="application/json", **bearer(people["author"]))
    assert response.status_code == 400 and "is in the past" in response.content.decode()
    revision.refresh_from_db()
    assert revision.effective_date == tomorrow


def test_a_planned_date_that_has_passed_is_shown_as_such_and_effective_uses_the_real_day(people, client):
    document = new_document(people)
    revision = document.revisions.get()
    long_ago = dt.date(2026, 1, 1)
    # A date entered before this check existed (or one that passed while the draft was in review).
    type(revision).objects.filter(pk=revision.pk).update(effective_date=long_ago)
    client.force_login(people["author"])
    page = client.get(f"/documents/{document.pk}/revisions/{revision.pk}/").content.decode()
    assert "to be effective 2026-01-01 (this date has passed" in page
    assert "· effective 2026-01-01" not in page
    revision.refresh_from_db()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    with pytest.raises(ValidationError, match="is in the past"):
        services.approve(actor=people["approver"], revision=revision, credentials=sign(), effective_date=long_ago)
    revision = services.approve(actor=people["approver"], revision=revision, credentials=sign())
    assert revision.status == "effective" and revision.effective_date == timezone.localdate()


# --- Views ----------------------------------------------------------------------------------------------


def test_the_new_document_form_takes_the_distribution(people, client):
    ensure_document_types()
    client.force_login(people["author"])
    form = client.get("/documents/new/").content.decode()
    assert 'name="distribute_roles"' in form and 'name="distribute_people"' in form
    response = client.post("/documents/new/", {
        "doc_type": DocumentType.objects.get(code="SOP").pk, "title": "Chip disposal", "change_summary": "First issue",
        "content": "# Chips\n\nSweep daily.", "reviewers": [people["reviewer"].pk], "approver": people["approver"].pk,
        "distribute_roles": [employee_role().pk], "distribute_people": [people["reviewer"].pk],
    })
    assert response.status_code == 302
    document = selectors.document_list(people["author"], query="Chip disposal").get()
    assert sorted(str(e) for e in document.distribution.all()) == ["Role: Employee", "User: Riley Brooks"]


def test_detail_panel_and_tasks_agree_and_the_empty_states_do_not_contradict(people, client):
    document = new_document(people)
    revision = issue(people, document.revisions.get())
    client.force_login(people["author"])
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Nobody is on the distribution list" in page  # and the panel says the same: nobody yet
    assert "Role: Employee" not in page

    # A role nobody holds: the panel says it reaches nobody, instead of "nobody is on the list".
    empty_role = Role.objects.create(code="visitor-guide", name="Visitor guide")
    services.distribution_add(actor=people["author"], document=document, kind="role", role=empty_role)
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Nobody is on the distribution list" not in page
    assert "reaches nobody" in page and "Role: Visitor guide" in page

    # Through the edit form: the employee role; the task appears and the panel lists the employee.
    edit = f"/documents/{document.pk}/distribution/edit/"
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"distribute_roles": [employee_role().pk], "reason": "Operators use it"})
    assert response.status_code == 302
    assert open_ack_assignees(revision) == {"employee"}
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "1 must acknowledge" in page and "Sam Taylor" in page and "Pending" in page
    assert "Nobody is on the distribution list" not in page
    assert_panel_agrees_with_tasks(document)

    # The quick add/remove on the panel syncs as well.
    client.post(f"/documents/{document.pk}/distribution/", {"kind": "user", "user": people["reviewer"].pk})
    assert open_ack_assignees(revision) == {"employee", "reviewer"}
    entry = document.distribution.get(kind="user")
    client.post(f"/documents/{document.pk}/distribution/{entry.pk}/remove/")
    assert open_ack_assignees(revision) == {"employee"}
    assert_panel_agrees_with_tasks(document)


def test_only_editors_change_the_distribution(people, client):
    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    issue(people, document.revisions.get())
    client.force_login(people["employee"])
    edit = f"/documents/{document.pk}/distribution/edit/"
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"distribute_roles": []}).status_code == 403
    assert [str(e) for e in document.distribution.all()] == ["Role: Employee"]
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert edit not in page


# --- API ------------------------------------------------------------------------------------------------


def test_api_creates_with_a_distribution_and_replaces_it(people, api_client):
    ensure_document_types()
    api = api_client.as_user(people["author"])
    response = api.post("/documents", {
        "doc_type": "SOP", "title": "Torque check", "content": "# Torque\n\nUse the calibrated wrench.",
        "reviewer_ids": [people["reviewer"].pk], "approver_ids": [people["approver"].pk],
        "distribution": [{"kind": "role", "id": employee_role().pk}],
    })
    assert response.status_code == 201, response.content
    document_id = response.json()["id"]
    distribution = api.get(f"/documents/{document_id}/distribution").json()
    assert [e["label"] for e in distribution["entries"]] == ["Role: Employee"]
    assert distribution["effective_revision"] is None and distribution["required"] == 1

    document = selectors.document_get(people["author"], document_id)
    revision = issue(people, document.revisions.get())
    distribution = api.get(f"/documents/{document_id}/distribution").json()
    assert distribution["effective_revision_id"] == revision.pk and distribution["pending"] == 1
    assert [(p["name"], p["status"]) for p in distribution["people"]] == [("Sam Taylor", "pending")]

    response = api_client.client.put(
        f"/api/v1/documents/{document_id}/distribution",
        {"entries": [{"kind": "user", "id": people["reviewer"].pk}], "reason": "Only the supervisor"},
        content_type="application/json", **bearer(people["author"]),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [e["label"] for e in body["entries"]] == ["User: Riley Brooks"]
    assert [(p["name"], p["status"]) for p in body["people"]] == [("Riley Brooks", "pending")]
    assert open_ack_assignees(revision) == {"reviewer"}
    acks = api.get(f"/revisions/{revision.pk}/acknowledgments").json()
    assert [(a["name"], a["status"]) for a in acks] == [("Riley Brooks", "pending")]


def test_api_refuses_bad_distribution_input_with_a_reason(people, api_client):
    ensure_document_types()
    api = api_client.as_user(people["author"])
    response = api.post("/documents", {"doc_type": "SOP", "title": "X",
                                       "distribution": [{"kind": "role", "id": 99999}]})
    assert response.status_code == 400 and "99999" in response.content.decode()
    assert not selectors.document_list(people["author"], query="X", include_withdrawn=True).filter(title="X").exists()
    response = api.post("/documents", {"doc_type": "SOP", "title": "Y", "distribution": [{"kind": "team", "id": 1}]})
    assert response.status_code == 422
    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    put = api_client.client.put
    response = put(f"/api/v1/documents/{document.pk}/distribution", {"entries": []},
                   content_type="application/json", **bearer(people["employee"]))
    assert response.status_code == 404  # a draft: the employee does not even see it
    issue(people, document.revisions.get())
    response = put(f"/api/v1/documents/{document.pk}/distribution", {"entries": []},
                   content_type="application/json", **bearer(people["employee"]))
    assert response.status_code == 403
    response = put(f"/api/v1/documents/{document.pk}/distribution", {"entries": [{"kind": "user", "id": 99999}]},
                   content_type="application/json", **bearer(people["author"]))
    assert response.status_code == 400 and "No active user" in response.content.decode()
    assert [str(e) for e in document.distribution.all()] == ["Role: Employee"]


def test_the_panel_does_not_ask_the_database_once_per_person(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    document = new_document(people, [{"kind": "role", "role": employee_role()}])
    issue(people, document.revisions.get())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.acknowledgment_overview(document)
        return len(captured)

    few = queries()
    for n in range(12):
        factories.user("employee", username=f"operator{n}", first_name="Op", last_name=f"Erator {n:02d}")
    services.acknowledgment_tasks_sync_all()
    assert panel(document)["operator11"] == "pending"
    assert queries() <= few + 1
