from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "qualitas.standards"
    label = "standards"
    verbose_name = "Standards and clause library"
