from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "qualitas.core.signatures"
    label = "signatures"
    verbose_name = "Electronic signatures"

    def ready(self) -> None:
        from qualitas.core.registry import RecordPanel, registry
        from qualitas.core.signatures.api import router

        registry.add_record_panel(RecordPanel("signatures", "Signatures", "signatures:panel", order=300))
        registry.add_api_router("", router)
