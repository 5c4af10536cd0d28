from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "qualitas.core.notifications"
    label = "notifications"
    verbose_name = "Notifications"
