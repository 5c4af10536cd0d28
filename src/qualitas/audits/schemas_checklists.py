"""API schemas of question templates, finding grades, checklists and findings (input bounded)."""


import datetime as dt

from ninja import Field, Schema

from qualitas.audits.models import Finding, FindingGrade, QuestionTemplate
from qualitas.core.api_types import BodySchema, Id, PatchSchema

Text = Field("", max_length=20000)


class ClauseRef(Schema):
    id: int
    standard: str = Field(..., alias="edition.standard.code")
    number: str
    title: str


class QuestionTemplateOut(Schema):
    id: int
    clause: ClauseRef
    text: str
    guidance: str
    order: int
    active: bool
    version: int


class QuestionTemplateIn(BodySchema):
    clause_id: Id
    text: str = Field(..., min_length=1, max_length=5000)
    guidance: str = Field("", max_length=5000)
    order: int = Field(0, ge=0, le=32767)
    active: bool = True


class QuestionTemplatePatch(PatchSchema):
    model = QuestionTemplate

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    clause_id: Id | None = None
    text: str | None = Field(None, min_length=1, max_length=5000)
    guidance: str | None = Field(None, max_length=5000)
    order: int | None = Field(None, ge=0, le=32767)
    active: bool | None = None


class GradeOut(Schema):
    id: int
    code: str
    label: str
    is_nonconformity: bool
    raises_nonconformity: bool
    needs_response: bool
    schedules_reaudit: bool
    reaudit_days: int
    severity: str
    order: int
    colour: str
    active: bool
    version: int


class GradeIn(BodySchema):
    code: str = Field(..., min_length=1, max_length=30, pattern=r"^[a-z0-9-]+$")
    label: str = Field(..., min_length=1, max_length=100)
    is_nonconformity: bool = False
    raises_nonconformity: bool = False
    needs_response: bool = False
    schedules_reaudit: bool = False
    reaudit_days: int = Field(90, ge=1, le=3650)
    severity: str = Field("", max_length=50)
    order: int = Field(0, ge=0, le=32767)
    colour: str = Field("secondary", max_length=20, pattern=r"^[a-z-]+$")
    active: bool = True


class GradePatch(PatchSchema):
    model = FindingGrade

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    label: str | None = Field(None, min_length=1, max_length=100)
    is_nonconformity: bool | None = None
    raises_nonconformity: bool | None = None
    needs_response: bool | None = None
    schedules_reaudit: bool | None = None
    reaudit_days: int | None = Field(None, ge=1, le=3650)
    severity: str | None = Field(None, max_length=50)
    order: int | None = Field(None, ge=0, le=32767)
    colour: str | None = Field(None, max_length=20, pattern=r"^[a-z-]+$")
    active: bool | None = None


class QuestionOut(Schema):
    id: int
    audit_id: int
    order: int
    origin: str
    template_id: int | None
    clause: ClauseRef | None
    document_id: int | None
    carried_from_id: int | None
    text: str
    guidance: str
    answer: str
    notes: str
    answered_by_id: int | None
    answered_at: dt.datetime | None
    version: int


class ChecklistOut(Schema):
    audit_id: int
    total: int
    answered: int
    conforming: int
    finding: int
    na: int
    questions: list[QuestionOut]


class GenerateOut(Schema):
    added: int
    removed: int
    kept: int


class QuestionIn(BodySchema):
    text: str = Field(..., min_length=1, max_length=5000)
    guidance: str = Field("", max_length=5000)
    clause_id: Id | None = None


class AnswerIn(BodySchema):
    version: int = Field(..., ge=1)
    answer: str | None = Field(None, pattern=r"^(conforming|finding|na)$",
                               description="conforming, finding or na; omit to leave it unchanged")
    notes: str | None = Field(None, max_length=20000, description="omit to leave the notes unchanged")


class MoveIn(BodySchema):
    position: int = Field(..., ge=0, le=100000, description="0 = first")


class FindingOut(Schema):
    id: int
    number: str
    audit_id: int
    grade: str = Field(..., alias="grade.code")
    question_id: int | None
    title: str
    statement: str
    evidence: str
    clauses: list[ClauseRef]
    process_id: int | None
    auditee_id: int | None
    response_due: dt.date | None
    response: str
    responded_by_id: int | None
    responded_at: dt.datetime | None
    verification: str
    verified_by_id: int | None
    verified_at: dt.datetime | None
    reaudit_id: int | None
    status: str
    created_at: dt.datetime
    version: int

    @staticmethod
    def resolve_clauses(obj) -> list:
        return list(obj.clauses.all())


class FindingIn(BodySchema):
    audit_id: Id
    grade: str = Field(..., min_length=1, max_length=30)
    title: str = Field(..., min_length=1, max_length=300)
    statement: str = Field(..., min_length=1, max_length=20000)
    evidence: str = Text
    clause_ids: list[Id] = Field(default_factory=list, max_length=50)
    process_id: Id | None = None
    auditee_id: Id | None = None
    question_id: Id | None = None


class FindingPatch(PatchSchema):
    model = Finding

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    grade: str | None = Field(None, min_length=1, max_length=30)
    title: str | None = Field(None, min_length=1, max_length=300)
    statement: str | None = Field(None, min_length=1, max_length=20000)
    evidence: str | None = Field(None, max_length=20000)
    clause_ids: list[Id] | None = Field(None, max_length=50)
    process_id: Id | None = None
    auditee_id: Id | None = None


class RespondIn(BodySchema):
    version: int = Field(..., ge=1)
    response: str = Field(..., min_length=1, max_length=20000)


class VerifyIn(BodySchema):
    version: int = Field(..., ge=1)
    verification: str = Field(..., min_length=1, max_length=20000)


class FindingStepIn(BodySchema):
    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
