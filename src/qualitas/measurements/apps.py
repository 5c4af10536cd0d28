from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    name = "qualitas.measurements"
    label = "measurements"
    verbose_name = "Measurements and SPC"

    def ready(self) -> None:
        from qualitas.measurements import plugins

        plugins.register()
