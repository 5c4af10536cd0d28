from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "qualitas.standards"
    label = "standards"
    verbose_name = "Standards and clause library"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from qualitas.core.registry import Module, registry
        from qualitas.standards import services
        from qualitas.standards.search import search_clauses

        registry.add_module(
            Module(
                "standards", "Standards", "standards:index", icon="bookmarks", order=90, permission_module="standards"
            )
        )
        registry.add_search_provider("standards", search_clauses)
        from qualitas.standards.api import router

        registry.add_api_router("", router)
        post_migrate.connect(services.load_catalogues_after_migrate, sender=self)
