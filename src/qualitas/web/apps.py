from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "qualitas.web"
    label = "web"
    verbose_name = "Web shell"
