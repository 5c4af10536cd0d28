"""The workflow runner's generic endpoints (transitions of any record)."""

from qualitas.core.modules import ModuleSpec

MODULE = ModuleSpec(
    key="workflow",
    label="Workflows",
    api=("qualitas.core.workflow.api:router",),
    urls=(("workflow/", "qualitas.core.workflow.urls"),),
)
