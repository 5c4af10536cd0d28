"""The "My tasks" page (open or done, earliest due first, overdue highlighted) and completing a task."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.core.tasks import selectors, services
from qualitas.core.tasks.forms import CompleteForm

FILTERS = {"open": "Open", "done": "Done", "cancelled": "Cancelled"}


@login_required
def task_list(request):
    status = request.GET.get("status", "open")
    if status not in FILTERS:
        status = "open"
    team = request.GET.get("view") == "team"
    tasks = (selectors.team_tasks if team else selectors.my_tasks)(request.user, status=status)
    tasks = list(tasks[:500])
    today = timezone.localdate()
    return render(request, "tasks/list.html", {
        "tasks": tasks, "status": status, "filters": FILTERS, "team": team, "today": today,
        "overdue_count": sum(1 for task in tasks if task.is_overdue(today)),
        "has_team": request.user.reports.exists(),
    })


@login_required
@require_POST
def task_complete(request, task_id: int):
    task = selectors.task_get(request.user, task_id)
    form = CompleteForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.task_complete(actor=request.user, task=task, note=form.cleaned_data["note"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
    if request.headers.get("HX-Request"):
        return render(request, "tasks/_task_row.html", {
            "task": task, "today": timezone.localdate(), "error": error, "team": False,
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Done: {task.title}")
    return redirect("tasks:list")
