"""Reads of the job schedule and run history (administrators only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from qualitas.core.jobs.models import JobLease, JobRun
from qualitas.core.jobs.registry import Job, all_jobs, describe_interval
from qualitas.core.permissions import authorize


@dataclass(frozen=True)
class JobStatus:
    name: str
    every: timedelta
    description: str
    last_run: JobRun | None
    next_run_at: datetime | None  # None: due now
    running: bool

    @property
    def every_label(self) -> str:
        return describe_interval(self.every)


def schedule() -> list[JobStatus]:
    """Every registered job with its last run and next due time (no permission check: for the CLI)."""
    leases = {lease.name: lease for lease in JobLease.objects.all()}
    jobs: list[Job] = all_jobs()
    last_runs: dict[str, JobRun] = {}
    for job in jobs:
        run = JobRun.objects.filter(name=job.name).order_by("-started_at", "-id").first()
        if run is not None:
            last_runs[job.name] = run
    statuses = []
    for job in jobs:
        lease = leases.get(job.name)
        statuses.append(JobStatus(
            name=job.name, every=job.every, description=job.description, last_run=last_runs.get(job.name),
            next_run_at=lease.next_run_at if lease else None,
            running=bool(lease and lease.locked_until and lease.owner),
        ))
    return statuses


def job_schedule(actor) -> list[JobStatus]:
    authorize(actor, "accounts", "administer")
    return schedule()


def job_runs(actor, *, name: str = "", status: str = "") -> QuerySet[JobRun]:
    authorize(actor, "accounts", "administer")
    runs = JobRun.objects.all()
    if name:
        runs = runs.filter(name=name)
    if status:
        runs = runs.filter(status=status)
    return runs
