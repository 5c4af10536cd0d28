"""Reads of tasks: your own, your team's (direct reports), a record's; and the "My tasks" provider."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from qualitas.core import records
from qualitas.core.permissions import has_perm
from qualitas.core.registry import TaskItem
from qualitas.core.tasks.models import Task

STATUSES = ("open", "done", "cancelled", "all")


def _by_due(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.order_by(F("due").asc(nulls_last=True), "created_at", "id")


def my_tasks(user, status: str = "open") -> QuerySet[Task]:
    """The user's tasks in `status` ("open", "done", "cancelled" or "all"), earliest due first."""
    if user is None or not user.is_authenticated:
        return Task.objects.none()
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    tasks = Task.objects.filter(assignee=user)
    if status != "all":
        tasks = tasks.filter(status=status)
    return _by_due(tasks.select_related("assignee", "completed_by"))


def team_tasks(user, status: str = "open") -> QuerySet[Task]:
    """Tasks of the user's direct reports (for a manager following up)."""
    if user is None or not user.is_authenticated:
        return Task.objects.none()
    tasks = Task.objects.filter(assignee__manager=user)
    if status != "all":
        tasks = tasks.filter(status=status)
    return _by_due(tasks.select_related("assignee", "completed_by"))


def tasks_for(instance) -> QuerySet[Task]:
    """Every task of a record (all statuses), for the module's record page; the caller has already
    checked that its user may see the record."""
    return _by_due(Task.objects.filter(record_type=records.key_for(instance), record_id=str(instance.pk))
                   .select_related("assignee", "completed_by", "cancelled_by"))


def task_get(actor, task_id: int) -> Task:
    """A task its assignee, its creator, the assignee's manager or an administrator of its module may see;
    404 for anyone else."""
    task = get_object_or_404(Task.objects.select_related("assignee", "created_by"), pk=task_id)
    if actor is None or not actor.is_authenticated:
        raise Http404("No such task.")
    if actor.pk in (task.assignee_id, task.created_by_id, task.assignee.manager_id):
        return task
    if has_perm(actor, task.module or "accounts", "administer"):
        return task
    raise Http404("No such task.")


def record_type_label(task: Task) -> str:
    if not task.record_type:
        return "Tasks"
    try:
        return records.get_type(task.record_type).label
    except Http404:
        return "Tasks"


def open_task_items(user) -> Iterator[TaskItem]:
    """The registry task provider: the user's open tasks on the home dashboard."""
    from qualitas.core.tasks.services import task_url

    today = timezone.localdate()
    for task in my_tasks(user):
        yield TaskItem(
            title=task.title, url=task_url(task), module=record_type_label(task), kind=task.get_kind_display(),
            due=task.due, record=task.record_label, overdue=task.is_overdue(today),
        )
