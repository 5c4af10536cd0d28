from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    name = "qualitas.measurements"
    label = "measurements"
    verbose_name = "Measurements and SPC"
