from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "qualitas.core.workflow"
    label = "workflow"
    verbose_name = "Workflows"
