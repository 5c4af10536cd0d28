from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "qualitas.core.tasks"
    label = "tasks"
    verbose_name = "Tasks"
