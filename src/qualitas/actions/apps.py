from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "qualitas.actions"
    label = "actions"
    verbose_name = "Actions"
