from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "qualitas.core.workflow"
    label = "workflow"
    verbose_name = "Workflows"

    def ready(self) -> None:
        from qualitas.core.registry import registry
        from qualitas.core.workflow.api import router

        registry.add_api_router("", router)
