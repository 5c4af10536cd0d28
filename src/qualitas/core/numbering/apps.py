from django.apps import AppConfig


class NumberingConfig(AppConfig):
    name = "qualitas.core.numbering"
    label = "numbering"

    def ready(self) -> None:
        from qualitas.core.numbering.api import router
        from qualitas.core.registry import registry

        registry.add_api_router("", router)
