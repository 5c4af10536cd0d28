"""Numbering schemes (NC-2026-0001, SOP-QA-003)."""

from qualitas.core.modules import ModuleSpec

MODULE = ModuleSpec(
    key="numbering",
    label="Numbering",
    api=("qualitas.core.numbering.api:router",),
    audit_events=(
        "numbering.scheme_created",
        "numbering.scheme_updated",
    ),
)
