from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "qualitas.core.tasks"
    label = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from datetime import timedelta

        from qualitas.core.jobs.registry import register_job
        from qualitas.core.registry import registry
        from qualitas.core.tasks import reminders
        from qualitas.core.tasks.api import router
        from qualitas.core.tasks.selectors import open_task_items

        registry.add_task_provider("tasks", open_task_items)
        registry.add_api_router("", router)
        register_job("tasks.reminders", reminders.send_reminders_and_escalations, every=timedelta(minutes=15))
