from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "qualitas.core.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from datetime import timedelta

        from qualitas.core.jobs.registry import register_job
        from qualitas.core.notifications import services
        from qualitas.core.notifications.api import router
        from qualitas.core.registry import registry

        registry.add_api_router("", router)
        register_job("notifications.digest", services.send_digests, every=timedelta(hours=1))
        register_job("notifications.email_retry", services.retry_failed_emails, every=timedelta(minutes=10))
