from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "qualitas.capa"
    label = "capa"
    verbose_name = "Nonconformance, CAPA and complaints"
