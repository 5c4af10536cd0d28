"""Tasks: assignment, completion, cancellation, "My tasks", the API, reminders and escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qualitas.accounts import services as accounts
from qualitas.core.audit.models import AuditEvent
from qualitas.core.jobs.services import run_due_jobs
from qualitas.core.notifications.models import Notification
from qualitas.core.tasks import reminders, selectors
from qualitas.core.tasks.models import Task
from qualitas.core.tasks.services import task_cancel, task_complete, task_create, tasks_complete_for
from qualitas.core.testing.factories import system

pytestmark = pytest.mark.django_db


@pytest.fixture
def process(db):
    return accounts.process_create(actor=system(), code="P-1", name="Machining")


def today():
    return timezone.localdate()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(event: str, process=None):
    found = AuditEvent.objects.filter(event=event)
    if process is not None:
        found = found.filter(record_type="accounts.process", record_id=str(process.pk))
    return list(found)


def backdate(task, *, due=None, created_days_ago=1):
    """Tasks cannot be created with a past due date; tests move them back in time."""
    fields = {"created_at": timezone.now() - timedelta(days=created_days_ago)}
    if due is not None:
        fields["due"] = due
    Task.objects.filter(pk=task.pk).update(**fields)
    task.refresh_from_db()
    return task


# --- Creating ------------------------------------------------------------------------------------------


def test_a_record_assigns_a_task_which_is_audited_on_the_record_and_notified(process, quality_manager, employee):
    due = today() + timedelta(days=5)
    task = task_create(actor=quality_manager, assignee=employee, title="Review the process map", instance=process,
                       kind="review", due=due, description="Check inputs and outputs.")
    assert (task.record_type, task.record_id, task.module) == ("accounts.process", str(process.pk), "organisation")
    assert task.record_label == str(process) and task.record_url == f"/organisation/processes/{process.pk}/"
    assert task.status == "open" and task.created_by == quality_manager and task.manual_completion
    [event] = events("task.created", process)
    assert event.action == "create" and event.actor_id == quality_manager.pk
    assert event.changes_dict["Assignee"] == [None, "Eve Employee"] and event.changes_dict["Due"] == [None, str(due)]
    notification = Notification.objects.get(recipient=employee)
    assert notification.subject == "New task: Review the process map" and notification.kind == "task"
    assert notification.url == task.record_url and "Check inputs and outputs." in notification.body


def test_a_task_by_record_type_and_id_needs_a_record_the_actor_can_see(process, quality_manager, make_user, employee):
    task = task_create(actor=quality_manager, assignee=employee, title="Act", record_type="accounts.process",
                       record_id=process.pk, kind="action")
    assert task.record_label == str(process)
    outsider = make_user()
    with pytest.raises((Http404, PermissionDenied)):
        task_create(actor=outsider, assignee=employee, title="Act", instance=process, kind="action")
    with pytest.raises(ValidationError):
        task_create(actor=system(), assignee=employee, title="Act", record_type="accounts.process", record_id=999999,
                    kind="action")
    assert Task.objects.count() == 1


def test_inactive_assignees_past_due_dates_and_unknown_kinds_are_refused(process, quality_manager, make_user):
    leaver = make_user("employee")
    accounts.user_deactivate(actor=system(), user=leaver, reason="Left the company")
    leaver.refresh_from_db()
    with pytest.raises(ValidationError, match="active users"):
        task_create(actor=quality_manager, assignee=leaver, title="Review", instance=process, kind="review")
    active = make_user("employee")
    with pytest.raises(ValidationError, match="past"):
        task_create(actor=quality_manager, assignee=active, title="Review", instance=process, kind="review",
                    due=today() - timedelta(days=1))
    with pytest.raises(ValidationError, match="kind"):
        task_create(actor=quality_manager, assignee=active, title="Review", instance=process, kind="sign")
    assert not Task.objects.exists() and not events("task.created")


def test_creation_with_a_key_is_idempotent_while_the_task_is_open(process, employee):
    first = task_create(actor=system(),
            assignee=employee, title="Acknowledge P-1", instance=process, kind="acknowledge",
                        key=f"ack:process:{process.pk}:user:{employee.pk}")
    again = task_create(actor=system(),
            assignee=employee, title="Acknowledge P-1", instance=process, kind="acknowledge",
                        key=f"ack:process:{process.pk}:user:{employee.pk}")
    assert again.pk == first.pk
    assert Task.objects.count() == 1 and Notification.objects.count() == 1 and len(events("task.created")) == 1
    tasks_complete_for(process, "acknowledge", employee, actor=employee)
    later = task_create(actor=system(), assignee=employee, title="Acknowledge P-1 rev B", instance=process,
                        kind="acknowledge", key=f"ack:process:{process.pk}:user:{employee.pk}")
    assert later.pk != first.pk and Task.objects.filter(status="open").count() == 1


def test_a_stand_alone_task_is_audited_on_itself(employee, admin_user):
    task = task_create(actor=admin_user, assignee=employee, title="Calibrate gauge G-7", kind="action")
    event = AuditEvent.objects.get(event="task.created")
    assert (event.record_type, event.record_id, event.record_label) == ("tasks.task", str(task.pk), task.title)
    assert task.record_url == "" and selectors.record_type_label(task) == "Tasks"


# --- Completing and cancelling -------------------------------------------------------------------------


def test_the_assignee_completes_with_a_note_and_the_creator_hears_of_it(process, quality_manager, employee):
    task = task_create(actor=quality_manager, assignee=employee, title="Update the flow chart", instance=process,
                       kind="action")
    task_complete(actor=employee, task=task, note="  Uploaded rev 3  ")
    assert task.status == "done" and task.completed_by == employee and task.completion_note == "Uploaded rev 3"
    assert task.completed_at is not None
    [event] = events("task.completed", process)
    assert event.action == "transition" and event.actor_id == employee.pk
    assert event.changes_dict["Status"] == ["open", "done"] and event.changes_dict["Note"] == [None, "Uploaded rev 3"]
    assert Notification.objects.get(recipient=quality_manager).subject == "Task done: Update the flow chart"
    with pytest.raises(ValidationError, match="already done"):
        task_complete(actor=employee, task=task)


def test_only_the_assignee_or_a_module_administrator_completes(process, employee, make_user, quality_manager):
    task = task_create(actor=system(), assignee=employee, title="Act", instance=process, kind="action")
    colleague = make_user("employee")
    with pytest.raises(PermissionDenied):
        task_complete(actor=colleague, task=task)
    task_complete(actor=quality_manager, task=task, note="Done on Eve's behalf after the meeting")
    assert task.completed_by == quality_manager


def test_approvals_close_only_when_the_module_records_the_step(process, employee, make_user):
    approver_b = make_user("employee")
    task = task_create(actor=system(), assignee=employee, title="Approve P-1", instance=process, kind="approve")
    other = task_create(actor=system(), assignee=approver_b, title="Approve P-1", instance=process, kind="approve")
    review = task_create(actor=system(), assignee=employee, title="Review P-1", instance=process, kind="review")
    assert not task.manual_completion
    with pytest.raises(ValidationError, match="step on the record"):
        task_complete(actor=employee, task=task)
    closed = tasks_complete_for(process, "approve", employee, actor=employee)
    assert [t.pk for t in closed] == [task.pk]
    assert Task.objects.get(pk=other.pk).status == "open" and Task.objects.get(pk=review.pk).status == "open"
    assert tasks_complete_for(process, "approve", actor=system()) and Task.objects.get(pk=other.pk).status == "done"
    assert len(events("task.completed", process)) == 2


def test_cancel_needs_a_reason_and_the_right_person(process, quality_manager, employee, make_user):
    task = task_create(actor=quality_manager, assignee=employee, title="Act", instance=process, kind="action")
    with pytest.raises(ValidationError, match="reason"):
        task_cancel(actor=quality_manager, task=task, reason=" ")
    with pytest.raises(PermissionDenied):
        task_cancel(actor=make_user("employee"), task=task, reason="Not needed")
    task_cancel(actor=quality_manager, task=task, reason="Superseded by CAPA-7")
    assert task.status == "cancelled" and task.cancel_reason == "Superseded by CAPA-7"
    [event] = events("task.cancelled", process)
    assert event.reason == "Superseded by CAPA-7" and event.changes_dict["Status"] == ["open", "cancelled"]
    assert Notification.objects.filter(recipient=employee, subject="Task cancelled: Act").exists()
    with pytest.raises(ValidationError, match="already cancelled"):
        task_complete(actor=employee, task=task)


# --- Reading ---------------------------------------------------------------------------------------------


def test_my_tasks_are_mine_in_due_order_with_undated_last(process, employee, make_user):
    other = make_user("employee")
    late = task_create(actor=system(), assignee=employee, title="Late", instance=process, kind="action",
                       due=today() + timedelta(days=9))
    undated = task_create(actor=system(), assignee=employee, title="Whenever", instance=process, kind="action")
    soon = task_create(actor=system(), assignee=employee, title="Soon", instance=process, kind="action", due=today())
    task_create(actor=system(), assignee=other, title="Not mine", instance=process, kind="action")
    assert [t.title for t in selectors.my_tasks(employee)] == ["Soon", "Late", "Whenever"]
    task_complete(actor=employee, task=soon)
    assert [t.pk for t in selectors.my_tasks(employee)] == [late.pk, undated.pk]
    assert [t.pk for t in selectors.my_tasks(employee, status="done")] == [soon.pk]
    assert len(selectors.tasks_for(process)) == 4


def test_open_tasks_reach_the_dashboard_with_overdue_flags(process, employee):
    task = task_create(actor=system(), assignee=employee, title="Review the risk register", instance=process,
                       kind="review", due=today())
    backdate(task, due=today() - timedelta(days=3))
    task_create(actor=system(), assignee=employee, title="Calibrate", instance=process, kind="action",
                due=today() + timedelta(days=3))
    items = list(selectors.open_task_items(employee))
    assert [(item.title, item.overdue, item.module, item.kind) for item in items] == [
        ("Review the risk register", True, "Process", "Review"), ("Calibrate", False, "Process", "Action")]
    page = signed_in(employee).get("/").content.decode()
    assert "Review the risk register" in page and "1 overdue" in page


# --- The page ----------------------------------------------------------------------------------------------


def test_the_tasks_page_lists_filters_and_highlights_overdue(process, employee):
    overdue = task_create(actor=system(), assignee=employee, title="Overdue one", instance=process, kind="review",
                          due=today())
    backdate(overdue, due=today() - timedelta(days=1))
    done = task_create(actor=system(), assignee=employee, title="Finished one", instance=process, kind="action")
    task_complete(actor=employee, task=done, note="all good")
    client = signed_in(employee)
    page = client.get(reverse("tasks:list")).content.decode()
    assert "Overdue one" in page and "Finished one" not in page
    assert 'class="table-danger"' in page and "1 overdue" in page
    done_page = client.get(reverse("tasks:list"), {"status": "done"}).content.decode()
    assert "Finished one" in done_page and "Overdue one" not in done_page and "Note: all good" in done_page


def test_completing_from_the_page_with_htmx_and_without(process, employee):
    first = task_create(actor=system(), assignee=employee, title="First", instance=process, kind="action")
    second = task_create(actor=system(), assignee=employee, title="Second", instance=process, kind="action")
    client = signed_in(employee)
    response = client.post(reverse("tasks:complete", args=[first.pk]), {"note": "checked"}, HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert response.status_code == 200 and "<html" not in row
    assert 'data-status="done"' in row and "Note: checked" in row
    response = client.post(reverse("tasks:complete", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("tasks:list")
    assert set(Task.objects.values_list("status", flat=True)) == {"done"}
    again = client.post(reverse("tasks:complete", args=[second.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "already done" in again


def test_someone_elses_task_is_not_found_and_completion_needs_post(process, employee, make_user):
    task = task_create(actor=system(), assignee=employee, title="Mine", instance=process, kind="action")
    stranger = signed_in(make_user("employee"))
    assert stranger.post(reverse("tasks:complete", args=[task.pk])).status_code == 404
    assert signed_in(employee).get(reverse("tasks:complete", args=[task.pk])).status_code == 405
    assert Task.objects.get(pk=task.pk).status == "open"


def test_the_page_shows_an_open_record_link_instead_of_done_for_approvals(process, employee):
    task_create(actor=system(), assignee=employee, title="Approve it", instance=process, kind="approve")
    page = signed_in(employee).get(reverse("tasks:list")).content.decode()
    assert "Open record" in page and 'name="note"' not in page


def test_managers_see_their_teams_tasks(process, make_user):
    manager = make_user("employee", first_name="Mia", last_name="Manager")
    report = make_user("employee", manager=manager, first_name="Rob", last_name="Report")
    task_create(actor=system(), assignee=report, title="Team task", instance=process, kind="action")
    client = signed_in(manager)
    assert "Team task" not in client.get(reverse("tasks:list")).content.decode()
    page = client.get(reverse("tasks:list"), {"view": "team"}).content.decode()
    assert "Team task" in page and "Rob Report" in page


def test_the_tasks_page_needs_a_constant_number_of_queries(process, employee, django_assert_max_num_queries):
    client = signed_in(employee)
    for n in range(3):
        task_create(actor=system(), assignee=employee, title=f"T{n}", instance=process, kind="action")
    client.get(reverse("tasks:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("tasks:list"))
    for n in range(3, 15):
        task_create(actor=system(), assignee=employee, title=f"T{n}", instance=process, kind="action")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("tasks:list"))


def test_the_tasks_page_needs_sign_in(client):
    response = client.get(reverse("tasks:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- API ------------------------------------------------------------------------------------------------------


def test_api_lists_my_tasks_and_completes_one(api_client, process, employee, make_user):
    mine = task_create(actor=system(), assignee=employee, title="API task", instance=process, kind="action",
                       due=today() + timedelta(days=1))
    task_create(actor=system(), assignee=make_user("employee"), title="Theirs", instance=process, kind="action")
    api = api_client.as_user(employee)
    body = api.get("/tasks").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["title"], item["status"], item["overdue"]) == (mine.pk, "API task", "open", False)
    assert item["record_type"] == "accounts.process" and item["url"] == mine.record_url
    response = api.post(f"/tasks/{mine.pk}/complete", {"note": "via API"})
    assert response.status_code == 200
    assert response.json()["status"] == "done" and response.json()["completion_note"] == "via API"
    assert api.get("/tasks").json()["count"] == 0
    assert api.get("/tasks", status="done").json()["items"][0]["id"] == mine.pk
    assert api.post(f"/tasks/{mine.pk}/complete").status_code == 400
    assert api.get("/tasks", status="bogus").status_code == 422
    [event] = events("task.completed", process)
    assert event.source == "api"


def test_api_hides_other_peoples_tasks_and_refuses_approvals(api_client, process, employee, make_user):
    theirs = task_create(actor=system(),
            assignee=make_user("employee"), title="Theirs", instance=process, kind="action")
    approval = task_create(actor=system(), assignee=employee, title="Approve", instance=process, kind="approve")
    api = api_client.as_user(employee)
    assert api.post(f"/tasks/{theirs.pk}/complete").status_code == 404
    response = api.post(f"/tasks/{approval.pk}/complete")
    assert response.status_code == 400 and "step on the record" in response.json()["message"]
    assert api.post("/tasks/999999/complete").status_code == 404


def test_api_needs_authentication(client):
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.post("/api/v1/tasks/1/complete").status_code == 401


# --- Reminders and escalation -------------------------------------------------------------------------------


def test_a_reminder_goes_out_before_the_due_date_once(process, employee, monkeypatch):
    monkeypatch.setenv("QUALITAS_REMINDER_DAYS", "2")
    due_soon = backdate(task_create(actor=system(), assignee=employee, title="Soon", instance=process, kind="review",
                                    due=today() + timedelta(days=2)))
    later = backdate(task_create(actor=system(), assignee=employee, title="Later", instance=process, kind="review",
                                 due=today() + timedelta(days=3)))
    fresh = task_create(actor=system(), assignee=employee, title="Assigned today", instance=process, kind="review",
                        due=today() + timedelta(days=1))
    Notification.objects.all().delete()

    assert reminders.send_reminders_and_escalations() == "1 reminders sent, 0 overdue tasks escalated"
    assert reminders.send_reminders_and_escalations() == "0 reminders sent, 0 overdue tasks escalated"
    [reminder] = Notification.objects.all()
    assert reminder.recipient == employee and reminder.kind == "reminder"
    assert reminder.subject == "Reminder: Soon is due in 2 days"
    due_soon.refresh_from_db()
    later.refresh_from_db()
    fresh.refresh_from_db()
    assert due_soon.reminder_sent_at is not None and later.reminder_sent_at is None and fresh.reminder_sent_at is None
    # A day later the next task is within reach.
    reminders.send_reminders_and_escalations(timezone.now() + timedelta(days=1))
    assert Notification.objects.filter(subject__startswith="Reminder: Later").count() == 1


def test_no_reminder_for_closed_tasks(process, employee):
    task = backdate(task_create(actor=system(), assignee=employee, title="Done early", instance=process, kind="action",
                                due=today() + timedelta(days=1)))
    task_complete(actor=employee, task=task)
    assert reminders.task_remind(task_id=task.pk) is False
    reminders.send_reminders_and_escalations()
    assert not Notification.objects.filter(kind="reminder").exists()


def test_an_overdue_task_is_escalated_to_the_manager_once_and_audited(process, make_user):
    manager = make_user("employee", first_name="Mia", last_name="Manager", email="mia@example.com")
    assignee = make_user("employee", first_name="Rob", last_name="Report", manager=manager)
    task = backdate(task_create(actor=system(), assignee=assignee, title="Review P-1", instance=process, kind="review",
                                due=today()), due=today() - timedelta(days=1))
    Notification.objects.all().delete()

    runs = run_due_jobs(only=["tasks.reminders"])
    assert [run.status for run in runs] == ["ok"]
    assert runs[0].output == "0 reminders sent, 1 overdue tasks escalated"
    task.refresh_from_db()
    assert task.escalated_at is not None
    assert Notification.objects.get(recipient=assignee).subject == "Overdue: Review P-1"
    escalation = Notification.objects.get(recipient=manager)
    assert escalation.kind == "escalation" and escalation.subject == "Overdue task of Rob Report: Review P-1"
    assert escalation.url == task.record_url
    [event] = events("task.escalated", process)
    assert event.source == "job" and event.actor_name == "System"
    assert event.changes_dict["Escalated to"] == [None, ["Mia Manager"]]

    run_due_jobs(timezone.now() + timedelta(hours=2), only=["tasks.reminders"])
    assert reminders.task_escalate(task_id=task.pk) is None
    assert Notification.objects.count() == 2 and len(events("task.escalated")) == 1


def test_without_a_manager_escalation_goes_to_module_administrators(process, employee, quality_manager, admin_user,
                                                                    make_user):
    inactive_manager = make_user("employee")
    assignee = make_user("employee", manager=inactive_manager)
    accounts.user_deactivate(actor=system(), user=inactive_manager, reason="Left")
    for user in (employee, assignee):
        backdate(task_create(actor=system(), assignee=user, title=f"Task of {user.username}", instance=process,
                             kind="review", due=today()), due=today() - timedelta(days=2))
    Notification.objects.all().delete()
    reminders.send_reminders_and_escalations()
    escalated_to = set(Notification.objects.filter(kind="escalation").values_list("recipient__username", flat=True))
    # The session organisation has more administrators than these two; each gets both escalations.
    assert {quality_manager.username, admin_user.username} <= escalated_to
    assert employee.username not in escalated_to
    assert Notification.objects.filter(kind="escalation").count() == 2 * len(escalated_to)
    standalone = backdate(task_create(actor=system(), assignee=employee, title="No record", kind="action", due=today()),
                          due=today() - timedelta(days=1))
    reminders.task_escalate(task_id=standalone.pk)
    # A task without a record falls back to the system administrators ("administer" on accounts).
    fallback = {n.recipient.username for n in Notification.objects.filter(kind="escalation", url="/tasks/?view=team")}
    assert admin_user.username in fallback and quality_manager.username not in fallback
    assert not Notification.objects.filter(kind="escalation", recipient=employee).exists()
