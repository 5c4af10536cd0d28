from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "qualitas.documents"
    label = "documents"
    verbose_name = "Document control"

    def ready(self) -> None:
        from qualitas.documents import plugins

        plugins.register()
        from django.db.models.signals import post_migrate

        from qualitas.documents.setup import ensure_after_migrate

        post_migrate.connect(ensure_after_migrate, sender=self)
