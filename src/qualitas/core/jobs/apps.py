from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "qualitas.core.jobs"
    label = "jobs"
    verbose_name = "Scheduled jobs"

    def ready(self) -> None:
        from datetime import timedelta

        from qualitas.core.jobs.registry import register_job
        from qualitas.core.jobs.services import prune_runs

        register_job("jobs.prune_runs", prune_runs, every=timedelta(days=1))
