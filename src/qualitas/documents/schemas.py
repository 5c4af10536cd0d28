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
    status: str
    due: dt.date | None
    signed_at: dt.datetime | None


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
    revision_id: int
    number: str
    title: str
    revision: str
    status: str
    score: float
    snippet: str


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
