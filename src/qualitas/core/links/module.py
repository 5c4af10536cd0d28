"""Links between records of any module (the Related panel)."""

from qualitas.core.modules import ModuleSpec, Panel

MODULE = ModuleSpec(
    key="links",
    label="Links",
    api=("qualitas.core.links.api:router",),
    urls=(("links/", "qualitas.core.links.urls"),),
    panels=(Panel("related", "Related", "links:panel", order=100),),
    export_sections=(("links", "qualitas.core.links.selectors:export_section"),),
    audit_events=(
        "links.linked",
        "links.link_saved",
        "links.unlinked",
    ),
)
