"""Controlled documents (ISO 9001/14001/45001 clause 7.5): types, documents, revisions, distribution,
change requests and periodic reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qualitas.core.regulated import RegulatedModel
from qualitas.core.workflow.choices import StateChoices

REVISION_SCHEMES = [("numeric", "1, 2, 3 …"), ("alpha", "A, B, C …"), ("padded", "00, 01, 02 …")]


class DocumentType(RegulatedModel):
    code = models.CharField(max_length=10, unique=True, help_text="Short code used in numbers, e.g. SOP.")
    name = models.CharField(max_length=100)
    number_pattern = models.CharField(
        max_length=100,
        default="{type}-{dept}-{seq:03d}",
        help_text="Tokens: {type} {dept} {site} {year} {seq:03d}.",
    )
    revision_scheme = models.CharField(max_length=10, choices=REVISION_SCHEMES, default="numeric")
    review_interval_months = models.PositiveSmallIntegerField(default=24, help_text="Periodic review interval.")
    reviewers_required = models.PositiveSmallIntegerField(default=1)
    sequential_review = models.BooleanField(default=False, help_text="Reviewers sign in the order assigned.")
    allow_self_approval = models.BooleanField(default=False, help_text="The author may approve their own revision.")
    acknowledgment_days = models.PositiveSmallIntegerField(default=14, help_text="Days to read and acknowledge.")
    external = models.BooleanField(default=False, help_text="Documents of external origin (standards, customer specs).")
    active = models.BooleanField(default=True)
    default_reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="The route a new revision starts with (reviewers in order).",
    )
    default_approvers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def revision_label(self, index: int) -> str:
        """The label of the index-th revision (0-based) under this type's scheme."""
        if self.revision_scheme == "alpha":
            label = ""
            index += 1
            while index:
                index, remainder = divmod(index - 1, 26)
                label = chr(65 + remainder) + label
            return label
        if self.revision_scheme == "padded":
            return f"{index:02d}"
        return str(index + 1)


class Document(RegulatedModel):
    number = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=300)
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="documents", verbose_name="document type"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_documents")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    process = models.ForeignKey(
        "accounts.Process", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    clauses = models.ManyToManyField("standards.Clause", blank=True, related_name="documents")
    keywords = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=StateChoices("documents.document"), default="active")
    next_review_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    REASON_REQUIRED_STATES = ("active", "withdrawn")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def change_requires_reason(self) -> bool:
        return self.revisions.filter(status__in=["effective", "superseded", "obsolete"]).exists()

    @property
    def effective_revision(self):
        return self.revisions.filter(status="effective").first()


class Revision(RegulatedModel):
    CONTENT_KINDS = [("markdown", "Written in Qualitas (Markdown)"), ("file", "Uploaded file")]

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="revisions")
    label = models.CharField(max_length=20, verbose_name="revision")
    status = models.CharField(max_length=20, choices=StateChoices("documents.revision"), default="draft")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_revisions")
    change_summary = models.TextField(blank=True)
    reason = models.TextField(blank=True, verbose_name="reason for the revision")
    content_kind = models.CharField(max_length=10, choices=CONTENT_KINDS, default="markdown")
    content = models.TextField(blank=True, help_text="Markdown: headings, lists, tables.")
    file = models.ForeignKey("files.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file_sha256 = models.CharField(max_length=64, blank=True)
    extracted_text = models.TextField(blank=True)
    review_comments = models.TextField(blank=True)
    effective_date = models.DateField(null=True, blank=True, help_text="Empty: effective as soon as approved.")
    approved_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    obsoleted_at = models.DateTimeField(null=True, blank=True)
    imported = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at", "extracted_text")
    REASON_REQUIRED_STATES = ("approved", "effective", "superseded", "obsolete")
    # Workflow bookkeeping does not invalidate signatures; the content and its identity do.
    SIGNATURE_EXCLUDE = (
        "review_comments",
        "effective_date",
        "approved_at",
        "effective_at",
        "superseded_at",
        "obsoleted_at",
    )

    class Meta:
        ordering = ["document", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "label"], name="documents_revision_label_unique"),
            models.UniqueConstraint(
                fields=["document"], condition=models.Q(status="effective"), name="documents_one_effective_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} rev {self.label}"

    @property
    def is_archived(self) -> bool:
        return self.status in ("superseded", "obsolete")

    @property
    def text(self) -> str:
        return self.content if self.content_kind == "markdown" else self.extracted_text


class ReviewAssignment(models.Model):
    ROLES = [("reviewer", "Reviewer"), ("approver", "Approver")]

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=ROLES)
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["role", "order"]
        constraints = [models.UniqueConstraint(fields=["revision", "user", "role"], name="documents_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} of {self.revision}"


class DistributionEntry(models.Model):
    """Who must read and acknowledge the document: a role, a department, a site or a person."""

    KINDS = [("role", "Role"), ("department", "Department"), ("site", "Site"), ("user", "User")]

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="distribution")
    kind = models.CharField(max_length=12, choices=KINDS)
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        target = self.role or self.department or self.site or self.user
        return f"{self.get_kind_display()}: {target}"


class ChangeRequest(RegulatedModel):
    URGENCIES = [("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent (safety/compliance)")]

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="change_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    what = models.TextField(verbose_name="what should change")
    why = models.TextField(verbose_name="why")
    urgency = models.CharField(max_length=10, choices=URGENCIES, default="normal")
    status = models.CharField(max_length=10, choices=StateChoices("documents.changerequest"), default="open")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    AUDIT_EXCLUDE = ("requested_at",)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Change request {self.pk} for {self.document.number}"


class PeriodicReview(models.Model):
    OUTCOMES = [("valid", "Still valid"), ("revise", "Revise"), ("withdraw", "Withdraw")]

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="periodic_reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=OUTCOMES)
    comment = models.TextField(blank=True)
    reviewed_at = models.DateTimeField()
    signature = models.ForeignKey("signatures.Signature", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.document.number} reviewed {self.reviewed_at:%Y-%m-%d}: {self.get_outcome_display()}"


class SearchEntry(models.Model):
    """What full-text search sees of a revision; indexed by SQLite FTS5 or PostgreSQL (see search.py)."""

    revision = models.OneToOneField(Revision, primary_key=True, on_delete=models.CASCADE, related_name="search_entry")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    keywords = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"index of {self.revision_id}"


class ReviewComment(models.Model):
    """A review comment on a revision, anchored to a heading or paragraph of its rendered text (the
    anchor is the element id, see rendering.anchored_html), answered by replies and resolved by the
    author; open comments block the approval (states.no_open_review_comments). Kept with the revision
    for good: nothing deletes them, and every change is in the revision's audit trail."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies", help_text="Empty: a thread."
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=200, help_text="The name as it was when the comment was written.")
    anchor = models.CharField(max_length=120, blank=True, help_text="Element id in the rendered text; empty: general.")
    anchor_label = models.CharField(max_length=200, blank=True)
    quote = models.TextField(blank=True, help_text="The anchored text when the comment was written.")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["revision", "parent", "resolved_at"], name="documents_comment_open_idx")]

    def __str__(self) -> str:
        where = f" on {self.anchor_label}" if self.anchor_label else ""
        return f"Comment {self.pk}{where} ({self.revision})"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
