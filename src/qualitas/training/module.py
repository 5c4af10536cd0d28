"""Training and competence (ISO 7.2, 7.3; Part 11 §11.10(i)): what it declares to the core."""

from datetime import timedelta

from django.urls import reverse

from qualitas.core import hooks
from qualitas.core.modules import Job, ModuleSpec, Nav, Permission, RecordTypeSpec

ALL = ("view", "create", "edit", "approve", "administer")

MODULE = ModuleSpec(
    key="training",
    label="Training",
    permissions=(
        Permission(
            "training",
            "Training and competence (positions, requirements, everyone's training)",
            grants={"quality-manager": ALL},
        ),
        # The Training pages for one's own training (assignments, record): everyone with a role. A
        # person always sees their own training and their direct reports'; everyone else's needs "training".
        Permission(
            "training-self",
            "My training (own assignments and training record)",
            grants={role: ("view",) for role in ("quality-manager", "document-controller", "author",
                                                 "reviewer-approver", "auditor", "employee")},
        ),
    ),
    navigation=(
        Nav("training", "Training", "training:home", icon="mortarboard", order=30, permission="training-self"),
    ),
    record_types=(
        RecordTypeSpec("training.Position", "Position", "qualitas.training.selectors:position_get",
                       visible="qualitas.training.selectors:positions_visible",
                       url=lambda p: reverse("training:position", args=[p.pk]),
                       list_url_name="training:positions", api_list="/training/positions",
                       factory="qualitas.training.testing:position_for_tests"),
        RecordTypeSpec("training.PositionHolding", "Position held", "qualitas.training.selectors:holding_get",
                       visible="qualitas.training.selectors:holdings_visible",
                       url=lambda h: reverse("training:position", args=[h.position_id]),
                       api_list="/training/holdings",
                       factory="qualitas.training.testing:holding_for_tests"),
        RecordTypeSpec("training.Requirement", "Training requirement", "qualitas.training.selectors:requirement_get",
                       visible="qualitas.training.selectors:requirements_visible",
                       url=lambda r: reverse("training:requirement", args=[r.pk]),
                       list_url_name="training:requirements", api_list="/training/requirements",
                       factory="qualitas.training.testing:requirement_for_tests"),
        RecordTypeSpec("training.Curriculum", "Curriculum", "qualitas.training.selectors:curriculum_get",
                       visible="qualitas.training.selectors:curricula_visible",
                       url=lambda c: reverse("training:curriculum", args=[c.pk]),
                       list_url_name="training:curricula", api_list="/training/curricula",
                       factory="qualitas.training.testing:curriculum_for_tests"),
        RecordTypeSpec("training.Assignment", "Training assignment", "qualitas.training.selectors:assignment_get",
                       visible="qualitas.training.selectors:assignments_visible",
                       url=lambda a: reverse("training:assignment", args=[a.pk]),
                       list_url_name="training:assignments", api_list="/training/assignments",
                       factory="qualitas.training.testing:assignment_for_tests"),
        RecordTypeSpec("training.TrainingRecord", "Training record", "qualitas.training.selectors:record_get",
                       visible="qualitas.training.selectors:records_visible",
                       url=lambda r: reverse("training:record", args=[r.pk]),
                       list_url_name="training:records", api_list="/training/records",
                       factory="qualitas.training.testing:record_for_tests"),
    ),
    search="qualitas.training.selectors:search",
    hooks=(
        (hooks.TRANSITION, "qualitas.training.hooks:on_transition"),
        (hooks.SIGNATURE, "qualitas.training.hooks:on_signature"),
    ),
    jobs=(
        Job("training.renewals", "qualitas.training.services:renewals", every=timedelta(hours=6),
            description="Renewal assignments before trainings and qualifications expire"),
        Job("training.sync", "qualitas.training.services:sync_all", every=timedelta(hours=1),
            description="Training assignments follow positions left, departments and requirements changed"),
    ),
    api=("qualitas.training.api:router",),
    urls=(("training/", "qualitas.training.urls"),),
    demo="qualitas.training.demo:load",
    demo_after=("documents",),
    audit_events=(
        "training.applicability_added",
        "training.applicability_removed",
        "training.assignment_completed",
        "training.assignment_created",
        "training.assignment_ended",
        "training.assignment_started",
        "training.assignment_updated",
        "training.curriculum_created",
        "training.curriculum_updated",
        "training.holding_ended",
        "training.holding_started",
        "training.holding_updated",
        "training.position_created",
        "training.position_updated",
        "training.record_corrected",
        "training.record_created",
        "training.record_imported",
        "training.requirement_created",
        "training.requirement_updated",
    ),
)
