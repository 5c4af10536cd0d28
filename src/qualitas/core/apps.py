from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qualitas.core"
    label = "core"
    verbose_name = "Qualitas core"

    def ready(self) -> None:
        # Every app is imported and its models are loaded by now: install each app's module.py.
        from django.db.models.signals import post_migrate

        from qualitas.core import checks  # noqa: F401  (registers the module-spec system checks)
        from qualitas.core.modules import discover, resolve

        for spec in discover():
            for receiver in spec.on_migrate:
                from django.apps import apps

                post_migrate.connect(resolve(receiver), sender=apps.get_app_config(spec.app), weak=False)
