"""Document control: what it declares to the core."""

from datetime import timedelta

from django.urls import reverse

from qualitas.core.modules import Job, ModuleSpec, Nav, Permission, RecordTypeSpec

ALL = ("view", "create", "edit", "approve", "administer")

MODULE = ModuleSpec(
    key="documents",
    label="Documents",
    permissions=(
        Permission(
            "documents",
            "Document control",
            grants={
                "quality-manager": ALL,
                "document-controller": ("view", "create", "edit", "administer"),
                "author": ("view", "create", "edit"),
                "reviewer-approver": ("view", "approve"),
                "employee": ("view",),
            },
        ),
        Permission(
            "documents-archive",
            "Document archive (superseded and obsolete revisions)",
            explicit=True,
            grants={role: ("view",) for role in
                    ("quality-manager", "document-controller", "author", "reviewer-approver", "auditor")},
        ),
    ),
    navigation=(
        Nav("documents", "Documents", "documents:list", icon="file-earmark-text", order=10, permission="documents"),
    ),
    record_types=(
        RecordTypeSpec("documents.Document", "Document", "qualitas.documents.selectors:document_get",
                       visible="qualitas.documents.selectors:documents_visible",
                       url=lambda d: reverse("documents:detail", args=[d.pk]),
                       list_url_name="documents:list", api_list="/documents"),
        RecordTypeSpec("documents.Revision", "Document revision", "qualitas.documents.selectors:revision_get",
                       visible="qualitas.documents.selectors:revisions_visible",
                       url=lambda r: reverse("documents:revision", args=[r.document_id, r.pk])),
        RecordTypeSpec("documents.ChangeRequest", "Change request",
                       "qualitas.documents.selectors:change_request_get",
                       url=lambda c: reverse("documents:detail", args=[c.document_id])),
    ),
    workflows=("qualitas.documents.states",),
    search="qualitas.documents.search_provider:search_documents",
    jobs=(
        Job("documents.effective_dates", "qualitas.documents.services:make_due_revisions_effective",
            every=timedelta(minutes=15)),
        Job("documents.periodic_review", "qualitas.documents.services:periodic_review_reminders",
            every=timedelta(hours=6)),
        Job("documents.acknowledgments", "qualitas.documents.services:acknowledgment_tasks_sync_all",
            every=timedelta(hours=1),
            description="Read-and-understand tasks follow changes of roles, departments and sites"),
    ),
    api=("qualitas.documents.api:router",),
    urls=(("documents/", "qualitas.documents.urls"),),
    demo="qualitas.documents.demo:load",
    on_migrate=("qualitas.documents.setup:ensure_after_migrate",),
    export_sections=(("review_comments", "qualitas.documents.selectors:review_comments_export_section"),),
    audit_events=(
        "documents.change_requested",
        "documents.controlled_copy_printed",
        "documents.distribution_added",
        "documents.distribution_changed",
        "documents.distribution_removed",
        "documents.document_created",
        "documents.document_imported",
        "documents.document_revised",
        "documents.document_updated",
        "documents.master_list_exported",
        "documents.periodic_review",
        "documents.review_date_moved",
        "documents.review_comment_added",
        "documents.review_comment_reopened",
        "documents.review_comment_replied",
        "documents.review_comment_resolved",
        "documents.revision_created",
        "documents.revision_file_uploaded",
        "documents.revision_imported",
        "documents.revision_updated",
        "documents.route_set",
        "documents.type_created",
        "documents.type_updated",
    ),
)
