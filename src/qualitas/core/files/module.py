"""Attachments on records of any module."""

from qualitas.core.modules import ModuleSpec, Panel

MODULE = ModuleSpec(
    key="files",
    label="Attachments",
    api=("qualitas.core.files.api:router",),
    urls=(("files/", "qualitas.core.files.urls"),),
    panels=(Panel("attachments", "Attachments", "files:panel", order=200),),
    export_sections=(("attachments", "qualitas.core.files.selectors:export_section"),),
    audit_events=(
        "files.attached",
        "files.attachment_saved",
        "files.withdrawn",
    ),
)
