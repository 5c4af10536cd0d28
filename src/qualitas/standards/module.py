"""The clause library of the standards (ISO 9001, 14001, 45001 and their editions)."""

from qualitas.core.modules import ModuleSpec, Nav, Permission

MODULE = ModuleSpec(
    key="standards",
    label="Standards",
    permissions=(
        Permission("standards", "Standards and clause library",
                   grants={"quality-manager": ("view", "create", "edit", "approve", "administer"),
                           "employee": ("view",)}),
    ),
    navigation=(Nav("standards", "Standards", "standards:index", icon="bookmarks", order=90, permission="standards"),),
    search="qualitas.standards.search:search_clauses",
    api=("qualitas.standards.api:router",),
    urls=(("standards/", "qualitas.standards.urls"),),
    on_migrate=("qualitas.standards.services:load_catalogues_after_migrate",),
)
