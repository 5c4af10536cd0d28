"""The scheduler's own housekeeping."""

from datetime import timedelta

from qualitas.core.modules import Job, ModuleSpec

MODULE = ModuleSpec(
    key="jobs",
    label="Scheduled jobs",
    jobs=(Job("jobs.prune_runs", "qualitas.core.jobs.services:prune_runs", every=timedelta(days=1)),),
)
