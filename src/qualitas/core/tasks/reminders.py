"""Reminders before the due date and escalation of overdue tasks: the job and the two id-based services
it calls (each task in its own transaction, so one failure does not hold up the others).

- A reminder goes to the assignee QUALITAS_REMINDER_DAYS (default 2) days before the due date, once,
  for tasks assigned before today (a task assigned today was just notified).
- An overdue task is notified to the assignee and escalated once to the assignee's manager, or, when
  there is no active manager, to the users holding "administer" on the record's module. The escalation
  is recorded (escalated_at) and audited on the record.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qualitas.config.env import env_int
from qualitas.core.notifications.services import notify
from qualitas.core.permissions import has_perm
from qualitas.core.tasks.models import Task
from qualitas.core.tasks.services import audit_task, task_url

logger = logging.getLogger(__name__)


def reminder_days() -> int:
    return max(0, env_int("QUALITAS_REMINDER_DAYS", 2))


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def escalation_recipients(task: Task) -> list:
    assignee = task.assignee
    manager = assignee.manager
    if manager is not None and manager.is_active and manager.pk != assignee.pk:
        return [manager]
    module = task.module or "accounts"
    candidates = (get_user_model().objects.filter(is_active=True, role_assignments__role__active=True)
                  .exclude(pk=assignee.pk).distinct().order_by("pk"))
    return [user for user in candidates if has_perm(user, module, "administer")]


@transaction.atomic
def task_remind(*, task_id: int, now: dt.datetime | None = None) -> bool:
    """Send the due-date reminder of one task unless it was sent already or the task is closed."""
    now = now or timezone.now()
    task = (Task.objects.select_for_update(of=("self",)).select_related("assignee")
            .filter(pk=task_id, status=Task.OPEN, reminder_sent_at__isnull=True).first())
    if task is None or task.due is None:
        return False
    task.reminder_sent_at = now
    task.save(update_fields=["reminder_sent_at"])
    days = (task.due - timezone.localdate(now)).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    notify(task.assignee, f"Reminder: {task.title} is due {when}",
           f"Due {task.due:%d %b %Y}.{f' {task.record_label}.' if task.record_label else ''}",
           url=task_url(task), kind="reminder")
    return True


@transaction.atomic
def task_escalate(*, task_id: int, now: dt.datetime | None = None) -> list | None:
    """Notify the assignee that a task is overdue and escalate it once: the people escalated to, or None
    when there was nothing to do (closed, not overdue, escalated already)."""
    now = now or timezone.now()
    task = (Task.objects.select_for_update(of=("self",)).select_related("assignee", "assignee__manager")
            .filter(pk=task_id, status=Task.OPEN, escalated_at__isnull=True).first())
    if task is None or task.due is None or task.due >= timezone.localdate(now):
        return None
    recipients = escalation_recipients(task)
    task.escalated_at = now
    task.save(update_fields=["escalated_at"])
    assignee, url = task.assignee, task_url(task)
    due = f"{task.due:%d %b %Y}"
    about = f" ({task.record_label})" if task.record_label else ""
    notify(assignee, f"Overdue: {task.title}", f"This task was due {due}{about}. It has been escalated.",
           url=url, kind="overdue")
    for recipient in recipients:
        notify(recipient, f"Overdue task of {assignee.display_name}: {task.title}",
               f"{task.get_kind_display()} assigned to {assignee.display_name}, due {due}{about}.",
               url=task.record_url or f"{reverse('tasks:list')}?view=team", kind="escalation")
    names = [user.display_name for user in recipients] or ["nobody: no active manager or administrator"]
    audit_task(None, "update", "task.escalated", task,
           changes={"Escalated to": [None, names], "Assignee": [None, assignee.display_name], "Due": [None, due]})
    return recipients


def send_reminders_and_escalations(now: dt.datetime | None = None) -> str:
    """Remind assignees of tasks due soon and escalate overdue tasks (each once)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due_soon = Task.objects.filter(
        status=Task.OPEN, reminder_sent_at__isnull=True, due__gte=today,
        due__lte=today + dt.timedelta(days=reminder_days()), created_at__lt=_start_of(today),
    ).order_by("due", "id").values_list("pk", flat=True)
    overdue = Task.objects.filter(status=Task.OPEN, escalated_at__isnull=True, due__lt=today).order_by(
        "due", "id").values_list("pk", flat=True)
    reminded = escalated = failed = 0
    for task_id in list(due_soon):
        try:
            reminded += task_remind(task_id=task_id, now=now)
        except Exception:
            failed += 1
            logger.exception("Reminder for task %s failed", task_id)
    for task_id in list(overdue):
        try:
            escalated += task_escalate(task_id=task_id, now=now) is not None
        except Exception:
            failed += 1
            logger.exception("Escalation of task %s failed", task_id)
    summary = f"{reminded} reminders sent, {escalated} overdue tasks escalated"
    if failed:
        raise RuntimeError(f"{summary}; {failed} failed (see the log)")
    return summary
