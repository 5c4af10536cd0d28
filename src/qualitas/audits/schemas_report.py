"""API schemas of the audit report and the audits dashboard (input bounded; output mirrors
selectors_report.report_data and dashboard.summary)."""

from __future__ import annotations

from ninja import Field, Schema

from qualitas.audits.models import Audit
from qualitas.core.api_types import BodySchema, PatchSchema


class NamedOut(Schema):
    code: str
    title: str


class ClauseOut(Schema):
    clause: str
    title: str


class DocumentOut(Schema):
    number: str
    title: str


class AuditedOut(Schema):
    process: str
    site: str
    department: str
    supplier: str
    product: str


class DatesOut(Schema):
    planned_start: str | None
    planned_end: str | None
    actual_start: str | None
    actual_end: str | None
    reported_at: str | None
    reported_at_utc: str | None
    closed_at: str | None


class TeamMemberOut(Schema):
    name: str
    role: str
    role_label: str


class AuditeeOut(Schema):
    name: str
    function: str


class QuestionCountsOut(Schema):
    total: int
    answered: int
    conforming: int
    finding: int
    not_applicable: int
    unanswered: int


class ReportFindingOut(Schema):
    id: int
    number: str
    title: str
    grade: str
    grade_label: str
    grade_colour: str
    is_nonconformity: bool
    statement: str
    evidence: str
    clauses: list[str]
    clause_titles: list[str]
    process: str
    auditee: str
    response_due: str | None
    status: str
    status_label: str


class GradeCountOut(Schema):
    code: str
    label: str
    colour: str
    is_nonconformity: bool
    count: int


class ClauseCountOut(Schema):
    clause: str
    title: str
    standard: str
    count: int
    grades: dict[str, int]
    findings: list[str]


class SignatureOut(Schema):
    signer: str
    username: str
    meaning: str
    meaning_label: str
    signed_at: str
    signed_at_utc: str
    comment: str
    valid: bool
    invalid_reason: str


class RecipientOut(Schema):
    name: str
    reason: str
    sent_at: str
    sent_at_utc: str


class ReportOut(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    draft: bool = Field(..., description="True until the lead auditor signs the report (the report step).")
    kind: str
    kind_label: str
    subject: str
    subject_label: str
    programme: str
    audited: AuditedOut
    scope: str
    objectives: str
    criteria: str
    standards: list[NamedOut]
    combined: bool
    clauses: list[ClauseOut]
    documents: list[DocumentOut]
    method: str
    method_label: str
    dates: DatesOut
    dates_text: str
    lead_auditor: str
    team: list[TeamMemberOut]
    auditees: list[AuditeeOut]
    summary: str
    conclusion: str
    questions: QuestionCountsOut
    findings: list[ReportFindingOut]
    findings_by_grade: list[GradeCountOut]
    findings_by_clause: list[ClauseCountOut]
    nonconformities: int
    signature: SignatureOut | None
    recipients: list[RecipientOut]


class ReportTextIn(PatchSchema):
    model = Audit
    version: int = Field(..., ge=1, le=2**31, description="The audit's current version (optimistic locking).")
    summary: str | None = Field(None, max_length=20000)
    conclusion: str | None = Field(None, max_length=20000)


class ReportSignatureIn(BodySchema):
    password: str = Field(..., min_length=1, max_length=500)
    otp: str = Field("", max_length=20)
    comment: str = Field("", max_length=2000)


class ReportIssueIn(BodySchema):
    version: int = Field(..., ge=1, le=2**31)
    signature: ReportSignatureIn
