"""The report-and-dashboard part of the audits module's declaration (merged in module.py)."""

PART = dict(
    api=("qualitas.audits.api_report:router",),
    export_sections=(("audit_report", "qualitas.audits.selectors_report:export_section"),),
    audit_events=(
        "audits.report_distributed",
        "audits.report_printed",
        "audits.report_updated",
    ),
)
