"""Running scheduled jobs: claim a job's lease with a conditional UPDATE, run it as the system actor,
record the run, release the lease and advance the schedule.

Safe with several workers on one database: the claim is a single UPDATE … WHERE name = ? AND (lease free
or expired or mine) AND (due), which the database applies atomically (PostgreSQL re-checks the WHERE
after waiting for a concurrent writer; SQLite serialises writers), so exactly one worker wins. A worker
that dies mid-run holds the lease until it expires (the job's timeout); then another worker takes the
job over and marks the abandoned run as failed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from qualitas.core.audit import context
from qualitas.core.jobs.models import JobLease, JobRun
from qualitas.core.jobs.registry import Job, all_jobs, get_job

logger = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = timedelta(minutes=5)
OUTPUT_LIMIT = 20_000


class JobBusy(Exception):
    """Another worker holds the job's lease."""


def worker_id() -> str:
    """Who claims a lease: host, process and thread (two threads of one process are two workers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:200]


def _ensure_lease(name: str) -> None:
    if JobLease.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            JobLease.objects.create(name=name)
    except IntegrityError:
        pass  # another worker created it at the same moment


def claim(job: Job, owner: str, now: datetime, *, force: bool = False) -> bool:
    """Take the job's lease if it is free (or expired, or already ours) and, unless forced, the job is due."""
    _ensure_lease(job.name)
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now) | Q(owner=owner)
    leases = JobLease.objects.filter(free, name=job.name)
    if not force:
        leases = leases.filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
    return leases.update(owner=owner, locked_until=now + job.timeout, last_started_at=now) == 1


def release(job: Job, owner: str, now: datetime, status: str, finished_at: datetime) -> None:
    """Free the lease and set the next run: one interval on after success, a short retry after failure."""
    delay = job.every if status == JobRun.OK else min(job.every, RETRY_AFTER_FAILURE)
    JobLease.objects.filter(name=job.name, owner=owner).update(
        owner="", locked_until=None, next_run_at=now + delay, last_finished_at=finished_at, last_status=status,
    )


def _trim(text: str) -> str:
    return text if len(text) <= OUTPUT_LIMIT else text[: OUTPUT_LIMIT - 20] + "\n… (truncated)"


def execute(job: Job, owner: str, now: datetime, *, forced: bool = False) -> JobRun:
    """Run a job whose lease `owner` holds, recording the run; never raises for the job's own errors."""
    run = JobRun.objects.create(
        name=job.name, started_at=timezone.now(), host=socket.gethostname()[:255], pid=os.getpid(), worker=owner,
        forced=forced,
    )
    # We hold the lease, so any other run still marked "running" belonged to a worker that died.
    JobRun.objects.filter(name=job.name, status=JobRun.RUNNING).exclude(pk=run.pk).update(
        status=JobRun.FAILED, finished_at=run.started_at,
        error="The worker stopped before the run finished; its lease expired and the job was taken over.",
    )
    try:
        with context.acting("job"):
            result = job.call(now)
    except Exception:
        logger.exception("Scheduled job %s failed", job.name)
        run.status, run.error = JobRun.FAILED, _trim(traceback.format_exc())
    else:
        run.status, run.output = JobRun.OK, _trim("" if result is None else str(result))
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "output", "error", "finished_at"])
    release(job, owner, now, run.status, run.finished_at)
    return run


def run_due_jobs(now: datetime | None = None, *, only: Iterable[str] | None = None,
                 owner: str | None = None) -> list[JobRun]:
    """Run every registered job that is due and not running elsewhere; the runs made, in name order.
    A failing job is recorded as failed and does not stop the others."""
    now = now or timezone.now()
    owner = owner or worker_id()
    names = set(only) if only is not None else None
    runs = []
    for job in all_jobs():
        if names is not None and job.name not in names:
            continue
        if claim(job, owner, now):
            runs.append(execute(job, owner, now))
    return runs


def run_job(name: str, now: datetime | None = None, *, owner: str | None = None) -> JobRun:
    """Run one job now, due or not (`qualitas jobs run --job NAME`). Raises KeyError for an unknown job
    and JobBusy when another worker is running it."""
    job = get_job(name)
    if job is None:
        raise KeyError(name)
    now = now or timezone.now()
    owner = owner or worker_id()
    if not claim(job, owner, now, force=True):
        raise JobBusy(f"Job {name!r} is running on another worker.")
    return execute(job, owner, now, forced=True)


def prune_runs(now: datetime | None = None) -> str:
    """Delete successful job runs older than QUALITAS_JOB_RUN_RETENTION_DAYS (default 90); failed runs stay."""
    from qualitas.config.env import env_int

    days = env_int("QUALITAS_JOB_RUN_RETENTION_DAYS", 90)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = JobRun.objects.filter(status=JobRun.OK, started_at__lt=cutoff).delete()
    return f"{deleted} successful runs older than {days} days deleted"
