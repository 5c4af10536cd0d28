from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "qualitas.audits"
    label = "audits"
    verbose_name = "Audits"
