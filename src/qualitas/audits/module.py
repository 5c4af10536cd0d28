"""Audits (ISO 9001/14001/45001 clause 9.2, ISO 19011): what the audits app declares to the core.

The app has three parts, each declaring its share in its own file (module_*.py holds plain data):
the programme and the audit record, the checklists and findings, the report and the dashboard.
"""

from qualitas.audits.module_audits import PART as AUDITS
from qualitas.audits.module_checklists import PART as CHECKLISTS
from qualitas.audits.module_report import PART as REPORT
from qualitas.core.modules import ModuleSpec, Nav, Permission

ALL = ("view", "create", "edit", "approve", "administer")
PARTS = (AUDITS, CHECKLISTS, REPORT)


def _joined(name: str) -> tuple:
    return tuple(item for part in PARTS for item in part.get(name, ()))


MODULE = ModuleSpec(
    key="audits",
    label="Audits",
    permissions=(
        Permission(
            "audits",
            "Audit programme, audits, checklists and findings",
            grants={
                "quality-manager": ALL,
                "auditor": ("view", "create", "edit"),
                "reviewer-approver": ("view",),
                "author": ("view",),
                "employee": ("view",),
            },
        ),
    ),
    navigation=(Nav("audits", "Audits", "audits:home", icon="clipboard-check", order=40, permission="audits"),),
    record_types=_joined("record_types"),
    workflows=("qualitas.audits.states",),
    search=AUDITS.get("search"),
    tasks=AUDITS.get("tasks"),
    jobs=_joined("jobs"),
    numbering=_joined("numbering"),
    api=_joined("api"),
    urls=(("audits/", "qualitas.audits.urls"),),
    panels=_joined("panels"),
    export_sections=_joined("export_sections"),
    demo="qualitas.audits.demo:load",
    demo_after=("documents", "capa", "training"),
    audit_events=_joined("audit_events"),
    sources=_joined("sources"),
    on_migrate=_joined("on_migrate"),
    hooks=_joined("hooks"),
)
