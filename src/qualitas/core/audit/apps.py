from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qualitas.core.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from qualitas.core.audit import signals  # noqa: F401  (sign-in events)
