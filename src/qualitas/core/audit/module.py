"""The audit trail: history of every record, the trail page and its export."""

from datetime import timedelta

from qualitas.core.modules import Job, ModuleSpec, Nav, Panel, Permission

MODULE = ModuleSpec(
    key="audit",
    label="Audit trail",
    permissions=(
        Permission("audit", "Audit trail (read and export)", explicit=True,
                   grants={"quality-manager": ("view",), "auditor": ("view",)}),
    ),
    navigation=(
        Nav("audit-trail", "Audit trail", "audit:trail", icon="journal-check", order=990, permission="audit",
            section="admin"),
    ),
    # A signed checkpoint of the chain's head outside the database, so truncation is caught (P11-A).
    jobs=(Job("audit.checkpoint", "qualitas.core.audit.checkpoints:write_periodic", every=timedelta(minutes=15)),),
    api=("qualitas.core.audit.api:router",),
    urls=(("records/", "qualitas.core.audit.urls"),),
    panels=(Panel("history", "History", "audit:history", order=900),),
    export_sections=(
        ("signatures", "qualitas.core.audit.record_export:signatures_section"),
        ("history", "qualitas.core.audit.record_export:history_section"),
    ),
    audit_events=(
        "account.signed_in",
        "account.signed_out",
        "account.sign_in_failed",
        "security.permission_denied",
        "audit.trail_exported",
        "record.exported",
        "audit.row_sealed",
    ),
)
