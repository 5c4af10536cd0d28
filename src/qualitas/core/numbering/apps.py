from django.apps import AppConfig


class NumberingConfig(AppConfig):
    name = "qualitas.core.numbering"
    label = "numbering"
