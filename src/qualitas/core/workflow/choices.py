"""The choices of a state field, taken from the record type's workflow (the one source of states).

    status = models.CharField(max_length=20, choices=StateChoices("documents.revision"), default="draft")

Django evaluates callable choices lazily, so the workflow (registered when the module's `states.py`
is imported) is read when the choices are first used, and migrations store the reference rather
than a copy of the list: a new state in `states.py` needs no migration.
"""

from __future__ import annotations

from django.utils.deconstruct import deconstructible


@deconstructible(path="qualitas.core.workflow.choices.StateChoices")
class StateChoices:
    def __init__(self, record_type: str):
        self.record_type = record_type

    def __call__(self) -> list[tuple[str, str]]:
        from qualitas.core.workflow.engine import state_choices

        return state_choices(self.record_type)

    def __eq__(self, other) -> bool:
        return isinstance(other, StateChoices) and other.record_type == self.record_type

    def __hash__(self) -> int:
        return hash(("StateChoices", self.record_type))

    def __repr__(self) -> str:
        return f"StateChoices({self.record_type!r})"
