from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qualitas.core"
    label = "core"
    verbose_name = "Qualitas core"

    def ready(self) -> None:
        from qualitas.core.registry import registry
        from qualitas.core.routes import router

        registry.add_api_router("", router)
