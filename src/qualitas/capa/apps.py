from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "qualitas.capa"
    label = "capa"
    verbose_name = "Nonconformance, CAPA and complaints"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from qualitas.capa import plugins

        plugins.register()
        post_migrate.connect(_ensure_severities, sender=self)


def _ensure_severities(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "capa_severity" in connections[using].introspection.table_names():
        from qualitas.capa.services import ensure_default_severities

        ensure_default_severities()
