import datetime as dt

from ninja import Field, Schema

from qualitas.core.api_types import BodySchema, Date, Id, PatchSchema
from qualitas.documents.models import Document, DocumentType, Revision


class DocumentTypeOut(Schema):
    id: int
    version: int
    code: str
    name: str
    revision_scheme: str
    review_interval_months: int
    reviewers_required: int
    allow_self_approval: bool
    external: bool


class RevisionOut(Schema):
    id: int
    document_id: int
    label: str
    status: str
    version: int
    author_id: int
    change_summary: str
    reason: str
    content_kind: str
    content: str
    file_id: int | None
    effective_date: dt.date | None
    approved_at: dt.datetime | None
    effective_at: dt.datetime | None
    superseded_at: dt.datetime | None
    obsoleted_at: dt.datetime | None


class DocumentOut(Schema):
    id: int
    number: str
    title: str
    doc_type: str
    owner_id: int
    site_id: int | None
    department_id: int | None
    process_id: int | None
    keywords: str
    status: str
    version: int
    next_review_date: dt.date | None
    clauses: list[str]
    effective_revision: str | None

    @staticmethod
    def resolve_doc_type(obj) -> str:
        return obj.doc_type.code

    @staticmethod
    def resolve_clauses(obj) -> list[str]:
        return [f"{c.edition} {c.number}" for c in obj.clauses.all()]

    @staticmethod
    def resolve_effective_revision(obj) -> str | None:
        effective = getattr(obj, "effective_revisions", None)
        if effective is None:
            effective = [r for r in obj.revisions.all() if r.status == "effective"]
        return effective[0].label if effective else None


class DistributionEntryIn(BodySchema):
    kind: str = Field(..., pattern="^(role|department|site|user)$", description="role, department, site or user")
    id: Id = Field(..., description="The id of the role, department, site or user")


class DistributionIn(PatchSchema):
    entries: list[DistributionEntryIn] = Field(..., max_length=500, description="The whole list; [] empties it")
    reason: str = Field("", max_length=2000)


class DistributionEntryOut(Schema):
    id: int
    kind: str
    target_id: int
    label: str
    people: list[int]


class DocumentIn(BodySchema):
    doc_type: str = Field(..., max_length=10, description="Document type code, e.g. SOP")
    title: str = Field(..., min_length=1, max_length=300)
    number: str = Field("", max_length=50, description="Empty: numbered by the type's scheme")
    owner_id: Id | None = None
    site_id: Id | None = None
    department_id: Id | None = None
    process_id: Id | None = None
    keywords: str = Field("", max_length=500)
    clause_ids: list[Id] = []
    content: str = Field("", max_length=2_000_000, description="Markdown")
    change_summary: str = Field("First issue", max_length=5000)
    reviewer_ids: list[Id] = []
    approver_ids: list[Id] = []
    distribution: list[DistributionEntryIn] = Field([], max_length=500, description="Who must read it")


class DocumentPatch(PatchSchema):
    model = Document

    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=2000)
    title: str | None = Field(None, min_length=1, max_length=300)
    keywords: str | None = Field(None, max_length=500)
    owner_id: Id | None = None
    process_id: Id | None = None


class RevisionPatch(PatchSchema):
    model = Revision

    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    change_summary: str | None = Field(None, max_length=5000)
    reason: str | None = Field(None, max_length=5000)
    content: str | None = Field(None, max_length=2_000_000)
    effective_date: Date | None = None


class RevisionNewIn(BodySchema):
    change_summary: str = Field(..., min_length=1, max_length=5000)
    reason: str = Field("", max_length=5000)


class RouteIn(PatchSchema):
    reviewer_ids: list[Id] = []
    approver_ids: list[Id] = []


class ApproveIn(BodySchema):
    version: int = Field(..., ge=1, le=2**31)
    password: str = Field(..., max_length=512)
    otp: str = Field("", max_length=8)
    comment: str = Field("", max_length=2000)
    effective_date: Date | None = None


class SignIn(BodySchema):
    password: str = Field(..., max_length=512)
    otp: str = Field("", max_length=8)
    comment: str = Field("", max_length=2000)


class AckOut(Schema):
    user_id: int
    name: str
    status: str = Field(..., description="acknowledged, pending, overdue or not assigned")
    due: dt.date | None
    signed_at: dt.datetime | None
    distributed: bool = Field(True, description="False: acknowledged while on the distribution, no longer on it")


class ChangeRequestIn(BodySchema):
    what: str = Field(..., min_length=1, max_length=5000)
    why: str = Field(..., min_length=1, max_length=5000)
    urgency: str = Field("normal", pattern="^(low|normal|high|urgent)$")


class ChangeRequestOut(Schema):
    id: int
    document_id: int
    what: str
    why: str
    urgency: str
    status: str
    decision_reason: str
    revision_id: int | None


class DecisionIn(BodySchema):
    accept: bool
    reason: str = Field("", max_length=5000)
    change_summary: str = Field("", max_length=5000)


class PeriodicReviewIn(SignIn):
    outcome: str = Field(..., pattern="^(valid|revise|withdraw)$")


class SearchHitOut(Schema):
    document_id: int
    revision_id: int = Field(..., description="The effective revision, else the latest revision in work")
    number: str
    title: str
    revision: str
    status: str
    in_force: bool = Field(..., description="False: no revision is effective; the hit is a revision in work")
    matched_revision_id: int = Field(..., description="The revision the words were found in")
    matched_revision: str
    score: float
    snippet: str = Field(..., description="Plain text around the first match (Markdown stripped)")


class DocumentTypeIn(BodySchema):
    code: str = Field(..., min_length=1, max_length=10, pattern=r"^[A-Z0-9]+$")
    name: str = Field(..., min_length=1, max_length=100)
    number_pattern: str = Field("{type}-{seq:04d}", max_length=100)
    revision_scheme: str = Field("numeric", pattern="^(numeric|alpha|padded)$")
    review_interval_months: int = Field(24, ge=1, le=120)
    reviewers_required: int = Field(1, ge=0, le=20)
    sequential_review: bool = False
    allow_self_approval: bool = False
    acknowledgment_days: int = Field(14, ge=1, le=365)
    external: bool = False


class DocumentTypePatch(PatchSchema):
    model = DocumentType

    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=2000)
    name: str | None = Field(None, min_length=1, max_length=100)
    number_pattern: str | None = Field(None, max_length=100)
    revision_scheme: str | None = Field(None, pattern="^(numeric|alpha|padded)$")
    review_interval_months: int | None = Field(None, ge=1, le=120)
    reviewers_required: int | None = Field(None, ge=0, le=20)
    sequential_review: bool | None = None
    allow_self_approval: bool | None = None
    acknowledgment_days: int | None = Field(None, ge=1, le=365)
    active: bool | None = None
    default_reviewer_ids: list[Id] | None = None
    default_approver_ids: list[Id] | None = None


class DistributionOut(Schema):
    entries: list[DistributionEntryOut]
    effective_revision_id: int | None
    effective_revision: str | None
    required: int
    acknowledged: int
    pending: int
    overdue: int
    people: list[AckOut]
    no_access: list[int]


# --- Review comments ----------------------------------------------------------------------------------


class ReviewReplyOut(Schema):
    id: int
    author_id: int
    author_name: str
    body: str
    created_at: dt.datetime


class ReviewCommentOut(Schema):
    id: int
    revision_id: int
    anchor: str = Field(description="Id of the heading or paragraph in the rendered text; empty: the whole revision.")
    anchor_label: str
    quote: str = Field(description="The anchored text when the comment was written.")
    author_id: int
    author_name: str
    body: str
    created_at: dt.datetime
    resolved: bool
    resolved_at: dt.datetime | None
    resolved_by_id: int | None
    replies: list[ReviewReplyOut]

    @staticmethod
    def resolve_resolved(obj) -> bool:
        return obj.resolved_at is not None

    @staticmethod
    def resolve_replies(obj) -> list:
        return list(obj.replies.all())


class ReviewCommentIn(BodySchema):
    body: str = Field(..., max_length=5000)
    anchor: str = Field("", max_length=120, description="An anchor id from /revisions/{id}/anchors; empty: general.")


class ReviewReplyIn(BodySchema):
    body: str = Field(..., max_length=5000)


class ReviewResolveIn(BodySchema):
    note: str = Field("", max_length=5000, description="An optional closing answer, kept as a reply.")


class ReviewReopenIn(BodySchema):
    reason: str = Field(..., max_length=5000)


class AnchorOut(Schema):
    id: str
    label: str
    text: str
    kind: str
