from django.apps import AppConfig


class ThrowawayConfig(AppConfig):
    """A module added the way every new module is: this folder, its module.py, one INSTALLED_APPS line."""

    name = "tests.throwaway"
    label = "throwaway"
