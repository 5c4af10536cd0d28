from django.apps import AppConfig


class SampleConfig(AppConfig):
    name = "tests.sample"
    label = "sample"

    def ready(self) -> None:
        from tests.sample import states  # noqa: F401
