"""The write path for tasks. Every change is an audit event on the record the task belongs to (or on
the task itself when it belongs to none); the assignee is notified of new and cancelled tasks."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from qualitas.core import records
from qualitas.core.audit.services import record
from qualitas.core.notifications.services import notify
from qualitas.core.permissions import has_perm
from qualitas.core.tasks.models import Task

KINDS = dict(Task.KIND_CHOICES)
# Kinds whose evidence is the step itself (a signature, an acknowledgment record): the module closes the
# task when the step is done, there is no "mark done" button.
STEP_KINDS = {"approve", "acknowledge"}


def task_url(task: Task) -> str:
    return task.record_url or f"{reverse('tasks:list')}#task-{task.pk}"


def _record_ref(actor, instance, record_type: str, record_id) -> dict:
    if instance is None and not record_type:
        return {}
    if instance is None:
        try:
            instance = records.resolve(actor, record_type, record_id)
        except Http404:
            instance = None
        if instance is None:
            raise ValidationError({"record": f"No record {record_type} {record_id}."})
    elif records.type_for(instance) is not None:
        records.resolve(actor, records.key_for(instance), instance.pk)  # the actor must see the record
    record_kind = records.type_for(instance)
    return {
        "record_type": records.key_for(instance), "record_id": str(instance.pk), "record_label": str(instance)[:300],
        "record_url": records.url_for(instance)[:500], "module": record_kind.module if record_kind else "",
    }


def audit_task(actor, action: str, event: str, task: Task, *, changes: dict, reason: str = "") -> None:
    if task.record_type:
        record(actor, action, event, record_type=task.record_type, record_id=task.record_id,
               record_label=task.record_label, changes={"Task": [task.pk, task.title], **changes}, reason=reason)
    else:
        record(actor, action, event, record_type="tasks.task", record_id=task.pk, record_label=task.title[:300],
               changes=changes, reason=reason)


def _as_date(due) -> date | None:
    if due is None or due == "":
        return None
    if isinstance(due, datetime):
        return timezone.localdate(due) if timezone.is_aware(due) else due.date()
    if isinstance(due, date):
        return due
    raise ValidationError({"due": "The due date must be a date."})


def can_administer(actor, task: Task) -> bool:
    return has_perm(actor, task.module or "accounts", "administer")


@transaction.atomic
def task_create(
    *, actor, assignee, title: str, kind: str, instance=None, record_type: str = "", record_id="", due=None,
    description: str = "", key: str | None = None, manual_completion: bool | None = None,
) -> Task:
    """Assign a task. With `key`, an open task with that key is returned instead of making a second one.
    `manual_completion` defaults to True except for approvals and acknowledgments, which the module closes
    with `tasks_complete_for` when the step is done."""
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "A task needs a title."})
    if kind not in KINDS:
        raise ValidationError({"kind": f"Unknown task kind {kind!r}; use one of {', '.join(KINDS)}."})
    if assignee is None or not assignee.is_active or getattr(assignee, "is_system", False):
        raise ValidationError({"assignee": "Tasks can be assigned only to active users."})
    due = _as_date(due)
    if due is not None and due < timezone.localdate():
        raise ValidationError({"due": "The due date cannot be in the past."})
    key = (key or "").strip()[:200] or None
    if key:
        existing = Task.objects.filter(key=key, status=Task.OPEN).first()
        if existing is not None:
            return existing
    task = Task(
        title=title[:300], description=description or "", kind=kind, assignee=assignee, due=due, key=key,
        manual_completion=(kind not in STEP_KINDS) if manual_completion is None else manual_completion,
        created_by=actor, **_record_ref(actor, instance, record_type, record_id),
    )
    try:
        with transaction.atomic():
            task.save(force_insert=True)
    except IntegrityError:
        if key:  # created at the same moment by another request
            return Task.objects.get(key=key, status=Task.OPEN)
        raise
    audit_task(actor, "create", "task.created", task, changes={
        "Kind": [None, task.get_kind_display()], "Assignee": [None, assignee.display_name],
        "Due": [None, due.isoformat() if due else None],
    })
    if getattr(actor, "pk", None) != assignee.pk:
        body = f"{task.get_kind_display()}{f' of {task.record_label}' if task.record_label else ''}"
        body += f", due {due:%d %b %Y}." if due else "."
        if description:
            body += f"\n\n{description}"
        notify(assignee, f"New task: {title}", body, url=task_url(task), kind="task")
    return task


def _sync(task: Task, current: Task) -> Task:
    task.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


def _close_done(actor, task: Task, note: str) -> None:
    task.status, task.completed_by, task.completed_at = Task.DONE, actor, timezone.now()
    task.completion_note = note
    task.save(update_fields=["status", "completed_by", "completed_at", "completion_note"])
    changes = {"Status": [Task.OPEN, Task.DONE]}
    if note:
        changes["Note"] = [None, note]
    audit_task(actor, "transition", "task.completed", task, changes=changes)
    creator = task.created_by
    if creator is not None and creator.pk not in (getattr(actor, "pk", None), task.assignee_id):
        by = f" by {actor.display_name}" if actor is not None else ""
        notify(creator, f"Task done: {task.title}", f"Completed{by}.{f' Note: {note}' if note else ''}",
               url=task_url(task), kind="task")


@transaction.atomic
def task_complete(*, actor, task: Task, note: str = "") -> Task:
    """The assignee (or an administrator of the record's module) marks the task done."""
    current = Task.objects.select_for_update(of=("self",)).select_related("assignee", "created_by").get(pk=task.pk)
    if actor.pk != current.assignee_id and not can_administer(actor, current):
        raise PermissionDenied("Only the assignee or an administrator can complete this task.")
    if not current.manual_completion:
        raise ValidationError(
            f"This {current.get_kind_display().lower()} task closes when you do the step on the record itself.")
    if current.status != Task.OPEN:
        raise ValidationError(f"This task is already {current.get_status_display().lower()}.")
    _close_done(actor, current, (note or "").strip())
    return _sync(task, current)


@transaction.atomic
def task_cancel(*, actor, task: Task, reason: str) -> Task:
    """Withdraw a task that is no longer needed (its creator or an administrator); a reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "A reason is required to cancel a task."})
    current = Task.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=task.pk)
    if actor.pk != current.created_by_id and not can_administer(actor, current):
        raise PermissionDenied("Only the person who assigned the task or an administrator can cancel it.")
    if current.status != Task.OPEN:
        raise ValidationError(f"This task is already {current.get_status_display().lower()}.")
    _cancel(actor, current, reason)
    return _sync(task, current)


def _cancel(actor, current: Task, reason: str) -> None:
    current.status, current.cancelled_by, current.cancelled_at = Task.CANCELLED, actor, timezone.now()
    current.cancel_reason = reason
    current.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
    audit_task(actor, "transition", "task.cancelled", current, changes={"Status": [Task.OPEN, Task.CANCELLED]},
           reason=reason)
    if getattr(actor, "pk", None) != current.assignee_id:
        notify(current.assignee, f"Task cancelled: {current.title}", f"Reason: {reason}", url=task_url(current),
               kind="task")


def _open_for(instance, kind: str | None, assignee):
    tasks = Task.objects.select_for_update(of=("self",)).select_related("assignee", "created_by").filter(
        record_type=records.key_for(instance), record_id=str(instance.pk), status=Task.OPEN)
    if kind is not None:
        tasks = tasks.filter(kind=kind)
    if assignee is not None:
        tasks = tasks.filter(assignee=assignee)
    return list(tasks.order_by("id"))


@transaction.atomic
def tasks_complete_for(instance, kind: str, assignee=None, *, actor, note: str = "") -> list[Task]:
    """Close the open `kind` tasks of a record (of one assignee, or all) because `actor` did the step; for
    modules, called in the same transaction as the step, which authorised it. Returns the tasks closed."""
    tasks = _open_for(instance, kind, assignee)
    for task in tasks:
        _close_done(actor, task, (note or "").strip())
    return tasks


@transaction.atomic
def tasks_cancel_for(instance, *, actor, reason: str, kind: str | None = None, assignee=None) -> list[Task]:
    """Cancel a record's open tasks (of one assignee, or all) because `actor`'s step made them moot (the
    record was withdrawn, made obsolete, given a new owner, its distribution changed). The step authorised
    it: no per-task check of who assigned them."""
    reason = (reason or "").strip() or "No longer needed"
    tasks = _open_for(instance, kind, assignee)
    for task in tasks:
        _cancel(actor, task, reason)
    return tasks
