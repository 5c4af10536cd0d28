from django.apps import AppConfig
from django.core import checks


class CapaConfig(AppConfig):
    name = "qualitas.capa"
    label = "capa"
    verbose_name = "Nonconformance, CAPA and complaints"

    def ready(self) -> None:
        checks.register(check_early_effectiveness)


def check_early_effectiveness(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """QUALITAS_EARLY_EFFECTIVENESS must be justify or refuse (an unknown value is treated as refuse)."""
    import os

    from qualitas.capa.services import EARLY_POLICIES

    value = os.environ.get("QUALITAS_EARLY_EFFECTIVENESS", "").strip().lower()
    if value and value not in EARLY_POLICIES:
        return [checks.Error(
            f"QUALITAS_EARLY_EFFECTIVENESS is {value!r}; use justify or refuse.",
            hint="Until it is fixed, effectiveness checks judged effective before their due date are refused.",
            id="qualitas.capa.E001",
        )]
    return []
