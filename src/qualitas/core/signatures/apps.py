from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "qualitas.core.signatures"
    label = "signatures"
    verbose_name = "Electronic signatures"
