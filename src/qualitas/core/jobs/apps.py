from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "qualitas.core.jobs"
    label = "jobs"
    verbose_name = "Scheduled jobs"
