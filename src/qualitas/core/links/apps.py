from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "qualitas.core.links"
    label = "links"
