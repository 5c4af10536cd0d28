from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "qualitas.core.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from qualitas.core.audit import signals  # noqa: F401  (sign-in events)
        from qualitas.core.audit.api import router
        from qualitas.core.registry import Module, registry

        registry.add_api_router("", router)
        from qualitas.core.registry import RecordPanel

        registry.add_record_panel(RecordPanel("history", "History", "audit:history", order=900))
        from qualitas.core.audit.record_export import history_section, signatures_section

        registry.add_export_section("signatures", signatures_section)
        registry.add_export_section("history", history_section)
        registry.add_module(
            Module(
                "audit-trail",
                "Audit trail",
                "audit:trail",
                icon="journal-check",
                order=990,
                permission_module="audit",
                section="admin",
            )
        )
        from qualitas.core.permissions import register_permission_module

        register_permission_module("audit", "Audit trail (read and export)", explicit=True)
