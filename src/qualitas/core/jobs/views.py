"""The read-only page of scheduled jobs and their recent runs, for administrators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from qualitas.core.jobs import selectors
from qualitas.core.jobs.models import JobRun


@login_required
def runs(request):
    name = request.GET.get("job", "")[:100]
    status = request.GET.get("status", "")
    if status not in dict(JobRun.STATUS_CHOICES):
        status = ""
    schedule = selectors.job_schedule(request.user)
    return render(request, "jobs/runs.html", {
        "schedule": schedule, "runs": selectors.job_runs(request.user, name=name, status=status)[:200],
        "job": name, "status": status, "statuses": JobRun.STATUS_CHOICES,
    })
