from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "qualitas.inspections"
    label = "inspections"
    verbose_name = "Inspection"
