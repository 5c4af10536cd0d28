"""API schemas of the audit programme and the audit record."""


import datetime as dt
from typing import Literal

from ninja import Field, Schema

from qualitas.audits.models import Audit, Programme
from qualitas.core.api_types import BodySchema, Date, Id, PatchSchema

Kind = Literal["internal", "supplier", "customer", "certification"]
Subject = Literal["process", "clause", "site", "supplier", "product"]
Method = Literal["on_site", "remote", "hybrid"]
Role = Literal["lead", "auditor", "expert", "observer", "trainee"]
Importance = Literal["low", "medium", "high", "critical"]
Version = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
Ids = list[Id]


class ProgrammeOut(Schema):
    id: int
    year: int
    site_id: int | None
    title: str
    objectives: str
    manager_id: int
    manager: str
    standards: list[str]
    version: int

    @staticmethod
    def resolve_manager(obj) -> str:
        return obj.manager.display_name

    @staticmethod
    def resolve_standards(obj) -> list[str]:
        return [s.code for s in obj.standards.all()]


class ProgrammeIn(BodySchema):
    year: int = Field(..., ge=2000, le=2999)
    site_id: Id | None = Field(None, description="Empty: the whole organisation.")
    title: str = Field("", max_length=200)
    objectives: str = Field("", max_length=5000)
    standard_ids: Ids = Field(default_factory=list)
    manager_id: Id | None = Field(None, description="Empty: you.")


class ProgrammePatch(PatchSchema):
    model = Programme
    nullable = frozenset()

    version: int = Version
    reason: str | None = Field(None, max_length=2000)
    title: str | None = Field(None, max_length=200)
    objectives: str | None = Field(None, max_length=5000)
    standard_ids: Ids | None = None
    manager_id: Id | None = None


class FactorOut(Schema):
    key: str
    label: str
    value: int | str | None
    points: int
    weight: int
    contribution: int
    note: str


class FrequencyOut(Schema):
    process_id: int
    process_code: str
    process_name: str
    importance: str
    proposed_months: int
    score: int
    basis: list[FactorOut]
    decision: str
    months: int | None = Field(description="The interval in force (decided); null: not decided yet.")
    decided_proposal_months: int | None
    reason: str
    decided_by: str | None
    decided_at: dt.datetime | None
    last_audit_id: int | None
    last_audited: dt.date | None
    next_planned_audit_id: int | None
    next_due: dt.date


class ImportanceIn(BodySchema):
    importance: Importance
    reason: str = Field("", max_length=2000)


class OverrideIn(BodySchema):
    months: int = Field(..., ge=1, le=36)
    reason: str = Field(..., min_length=1, max_length=2000)


class ClauseCoverageOut(Schema):
    clause_id: int
    number: str
    title: str
    depth: int
    last_audited: dt.date | None
    last_audit_id: int | None
    next_planned: dt.date | None
    next_audit_id: int | None
    state: Literal["audited", "planned", "gap"]


class StandardCoverageOut(Schema):
    standard: str
    edition: str
    audited: int
    gaps: int
    clauses: list[ClauseCoverageOut]


class MemberOut(Schema):
    id: int
    person_id: int
    person: str
    role: str


class AuditeeOut(Schema):
    id: int
    person_id: int
    person: str
    function: str


class ExceptionOut(Schema):
    id: int
    person_id: int
    person: str
    reason: str
    requested_by_id: int
    requested_at: dt.datetime
    approved_by_id: int | None
    approved_at: dt.datetime | None


class AuditOut(Schema):
    id: int
    number: str
    title: str
    programme_id: int | None
    kind: str
    subject: str
    process_id: int | None
    site_id: int | None
    department_id: int | None
    supplier: str
    product: str
    standards: list[str]
    clause_ids: list[int]
    document_ids: list[int]
    scope: str
    criteria: str
    objectives: str
    method: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    lead_auditor_id: int | None
    agenda: str
    response_days: int
    status: str
    version: int

    @staticmethod
    def resolve_standards(obj) -> list[str]:
        return [s.code for s in obj.standards.all()]

    @staticmethod
    def resolve_clause_ids(obj) -> list[int]:
        return [c.pk for c in obj.clauses.all()]

    @staticmethod
    def resolve_document_ids(obj) -> list[int]:
        return [d.pk for d in obj.documents.all()]


class AuditDetailOut(AuditOut):
    """One audit with its team (auditees and impartiality exceptions: their own endpoints)."""

    team: list[MemberOut]

    @staticmethod
    def resolve_team(obj) -> list[dict]:
        return [{"id": m.pk, "person_id": m.person_id, "person": m.person.display_name, "role": m.role}
                for m in obj.team.select_related("person").order_by("pk")]


class AuditIn(BodySchema):
    title: str = Field(..., min_length=1, max_length=300)
    programme_id: Id | None = None
    kind: Kind = "internal"
    subject: Subject = "process"
    process_id: Id | None = None
    site_id: Id | None = None
    department_id: Id | None = None
    supplier: str = Field("", max_length=200)
    product: str = Field("", max_length=200)
    standard_ids: Ids = Field(default_factory=list, description="Empty: the programme's standards.")
    clause_ids: Ids | None = Field(None, description="Null: the process's clauses of the standards.")
    document_ids: Ids = Field(default_factory=list)
    scope: str = Field(..., min_length=1, max_length=10000)
    criteria: str = Field("", max_length=10000)
    objectives: str = Field("", max_length=10000)
    method: Method = "on_site"
    planned_start: Date
    planned_end: Date
    agenda: str = Field("", max_length=10000)
    response_days: int = Field(30, ge=1, le=365)
    lead_auditor_id: Id | None = Field(None, description="Checked: qualified and impartial (400 with the reason).")


class AuditPatch(PatchSchema):
    model = Audit

    version: int = Version
    reason: str | None = Field(None, max_length=2000)
    title: str | None = Field(None, min_length=1, max_length=300)
    programme_id: Id | None = None
    kind: Kind | None = None
    subject: Subject | None = None
    process_id: Id | None = None
    site_id: Id | None = None
    department_id: Id | None = None
    supplier: str | None = Field(None, max_length=200)
    product: str | None = Field(None, max_length=200)
    standard_ids: Ids | None = None
    clause_ids: Ids | None = None
    document_ids: Ids | None = None
    scope: str | None = Field(None, min_length=1, max_length=10000)
    criteria: str | None = Field(None, max_length=10000)
    objectives: str | None = Field(None, max_length=10000)
    method: Method | None = None
    planned_start: Date | None = None
    planned_end: Date | None = None
    actual_start: Date | None = None
    actual_end: Date | None = None
    agenda: str | None = Field(None, max_length=10000)
    response_days: int | None = Field(None, ge=1, le=365)


class MemberIn(BodySchema):
    person_id: Id
    role: Role = "auditor"


class AuditeeIn(BodySchema):
    person_id: Id
    function: str = Field("", max_length=200)


class RemoveIn(BodySchema):
    reason: str = Field("", max_length=2000)


class ExceptionIn(BodySchema):
    person_id: Id
    reason: str = Field(..., min_length=1, max_length=5000)


class ApproveIn(BodySchema):
    comment: str = Field("", max_length=2000)


class PlanSentOut(Schema):
    sent_to: list[str]


class StepIn(BodySchema):
    version: int = Version
    reason: str = Field("", max_length=2000)
    password: str = Field("", max_length=512, description="Required when the step needs a signature.")
    otp: str = Field("", max_length=8)
    comment: str = Field("", max_length=2000, description="Signature comment.")
