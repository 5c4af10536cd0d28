"""Scheduled jobs: one lease row per job (who may run it now, when it is next due) and one run row per
execution, so every run leaves a record an administrator can read (STYLE rule 11)."""

from __future__ import annotations

from django.db import models


class JobLease(models.Model):
    """The claim on a job. A worker runs a job only after a conditional UPDATE of this row succeeded
    (free or expired lease, job due), so two workers sharing a database never run it at once."""

    name = models.CharField(max_length=100, unique=True)
    owner = models.CharField(max_length=200, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="Empty: due now.")
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_run_at or 'now'})"


class JobRun(models.Model):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    STATUS_CHOICES = [(RUNNING, "Running"), (OK, "Succeeded"), (FAILED, "Failed")]

    name = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=RUNNING)
    output = models.TextField(blank=True)
    error = models.TextField(blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    forced = models.BooleanField(default=False, help_text="Started on demand rather than by the schedule.")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["name", "-started_at"], name="jobs_run_name_started_idx")]

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None
