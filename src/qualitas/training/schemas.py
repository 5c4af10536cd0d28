"""API schemas of training (input is bounded; output mirrors the records)."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema

from qualitas.core.api_types import BodySchema, Date, Id, PatchSchema
from qualitas.training.models import Assignment, Curriculum, Position, PositionHolding, Requirement, TrainingRecord

Kind = Literal["document", "course", "qualification"]
Method = Literal["read-and-understood", "quiz", "classroom", "e-learning", "on-the-job", "qualification"]
Target = Literal["position", "department", "process", "person"]
Status = Literal["current", "due", "overdue", "expired", "in-progress", "not-required"]
Code = Field(..., min_length=1, max_length=30)
Version = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")


class AppliesOut(Schema):
    id: int
    kind: str
    target_id: int
    label: str

    @staticmethod
    def resolve_target_id(obj) -> int:
        return getattr(obj, f"{obj.kind}_id")

    @staticmethod
    def resolve_label(obj) -> str:
        return str(obj.target)


class AppliesIn(BodySchema):
    kind: Target
    target_id: Id


class RemoveIn(BodySchema):
    reason: str = Field("", max_length=2000)


class PositionOut(Schema):
    id: int
    code: str
    name: str
    site_id: int | None
    department_id: int | None
    process_ids: list[int]
    description: str
    active: bool
    version: int

    @staticmethod
    def resolve_process_ids(obj) -> list[int]:
        return sorted(p.pk for p in obj.processes.all())


class PositionIn(BodySchema):
    code: str = Code
    name: str = Field(..., min_length=1, max_length=200)
    site_id: Id | None = None
    department_id: Id | None = None
    process_ids: list[Id] = Field(default_factory=list, max_length=200)
    description: str = Field("", max_length=20000)


class PositionPatch(PatchSchema):
    model = Position

    version: int = Version
    reason: str = Field("", max_length=5000)
    code: str | None = Field(None, min_length=1, max_length=30)
    name: str | None = Field(None, min_length=1, max_length=200)
    site_id: Id | None = None
    department_id: Id | None = None
    process_ids: list[Id] | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20000)
    active: bool | None = None


class HoldingOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.display_name")
    position_id: int
    position_name: str = Field(..., alias="position.name")
    site_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    end_reason: str
    current: bool
    version: int

    @staticmethod
    def resolve_current(obj) -> bool:
        return obj.is_current(timezone.localdate())


class HoldingIn(BodySchema):
    person_id: Id
    position_id: Id
    start_date: Date
    site_id: Id | None = None


class HoldingPatch(PatchSchema):
    model = PositionHolding

    version: int = Version
    reason: str = Field("", max_length=5000)
    start_date: Date | None = None
    end_date: Date | None = Field(None, description="The day the person leaves the position (needs end_reason).")
    end_reason: str | None = Field(None, max_length=5000)


class RequirementOut(Schema):
    id: int
    code: str
    title: str
    kind: str
    method: str
    document_id: int | None
    document_number: str | None
    description: str
    site_id: int | None
    validity_months: int | None
    grace_days: int
    mandatory: bool
    min_level: int
    new_starter_days: int
    retraining_days: int
    active: bool
    applies_to: list[AppliesOut]
    version: int

    @staticmethod
    def resolve_document_number(obj) -> str | None:
        return obj.document.number if obj.document_id else None

    @staticmethod
    def resolve_applies_to(obj) -> list:
        return list(obj.applies_to.all())


class RequirementIn(BodySchema):
    code: str = Code
    title: str = Field(..., min_length=1, max_length=300)
    kind: Kind = "course"
    method: Method = "classroom"
    document_id: Id | None = None
    description: str = Field("", max_length=20000)
    site_id: Id | None = None
    validity_months: int | None = Field(None, ge=1, le=600)
    grace_days: int = Field(0, ge=0, le=3650)
    mandatory: bool = True
    min_level: int = Field(1, ge=1, le=4)
    new_starter_days: int = Field(30, ge=0, le=3650)
    retraining_days: int = Field(14, ge=0, le=3650)


class RequirementPatch(PatchSchema):
    model = Requirement

    version: int = Version
    reason: str = Field("", max_length=5000)
    code: str | None = Field(None, min_length=1, max_length=30)
    title: str | None = Field(None, min_length=1, max_length=300)
    kind: Kind | None = None
    method: Method | None = None
    document_id: Id | None = None
    description: str | None = Field(None, max_length=20000)
    site_id: Id | None = None
    validity_months: int | None = Field(None, ge=1, le=600)
    grace_days: int | None = Field(None, ge=0, le=3650)
    mandatory: bool | None = None
    min_level: int | None = Field(None, ge=1, le=4)
    new_starter_days: int | None = Field(None, ge=0, le=3650)
    retraining_days: int | None = Field(None, ge=0, le=3650)
    active: bool | None = None


class CurriculumOut(Schema):
    id: int
    code: str
    title: str
    description: str
    site_id: int | None
    requirement_ids: list[int]
    applies_to: list[AppliesOut]
    active: bool
    version: int

    @staticmethod
    def resolve_requirement_ids(obj) -> list[int]:
        return sorted(r.pk for r in obj.requirements.all())

    @staticmethod
    def resolve_applies_to(obj) -> list:
        return list(obj.applies_to.all())


class CurriculumIn(BodySchema):
    code: str = Code
    title: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=20000)
    site_id: Id | None = None
    requirement_ids: list[Id] = Field(default_factory=list, max_length=500)


class CurriculumPatch(PatchSchema):
    model = Curriculum

    version: int = Version
    reason: str = Field("", max_length=5000)
    code: str | None = Field(None, min_length=1, max_length=30)
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=20000)
    site_id: Id | None = None
    requirement_ids: list[Id] | None = Field(None, max_length=500)
    active: bool | None = None


class AssignmentOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.display_name")
    requirement_id: int
    requirement_code: str = Field(..., alias="requirement.code")
    method: str
    revision_id: int | None
    site_id: int | None
    status: str
    due: dt.date | None
    overdue: bool
    trigger: str
    trigger_label: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str
    version: int

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class AssignmentPatch(PatchSchema):
    model = Assignment

    version: int = Version
    reason: str = Field(..., min_length=1, max_length=5000)
    due: Date | None = None


class EndIn(BodySchema):
    version: int = Version
    reason: str = Field(..., min_length=1, max_length=5000)


class RecordOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.display_name")
    requirement_id: int
    requirement_code: str = Field(..., alias="requirement.code")
    assignment_id: int | None
    method: str
    revision_id: int | None
    site_id: int | None
    completed_on: dt.date
    expires_on: dt.date | None
    level: int
    trainer: str
    evidence: str
    notes: str
    source: str
    signature_id: int | None
    recorded_by_id: int
    recorded_at: dt.datetime
    version: int


class RecordIn(BodySchema):
    person_id: Id
    requirement_id: Id
    completed_on: Date
    level: int | None = Field(None, ge=1, le=4, description="Default: the requirement's minimum level.")
    expires_on: Date | None = Field(None, description="Default: the completion date plus the validity.")
    trainer: str = Field("", max_length=200)
    evidence: str = Field("", max_length=300)
    notes: str = Field("", max_length=20000)


class RecordPatch(PatchSchema):
    model = TrainingRecord

    version: int = Version
    reason: str = Field(..., min_length=1, max_length=5000)
    completed_on: Date | None = None
    expires_on: Date | None = None
    level: int | None = Field(None, ge=1, le=4)
    trainer: str | None = Field(None, max_length=200)
    evidence: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=20000)


class MatrixPosition(Schema):
    id: int
    code: str
    name: str


class MatrixPerson(Schema):
    id: int
    name: str
    positions: list[MatrixPosition]


class MatrixRequirement(Schema):
    id: int
    code: str
    title: str
    kind: str


class MatrixCell(Schema):
    person: int
    requirement: int
    status: Status
    due: dt.date | None
    completed: dt.date | None
    expires: dt.date | None


class MatrixOut(Schema):
    people: list[MatrixPerson]
    requirements: list[MatrixRequirement]
    cells: list[MatrixCell]
