"""API schemas of the improvement loop (input is bounded; output mirrors the records)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from ninja import Field, Schema

from qualitas.capa.models import Capa, Complaint, Nonconformity, Severity
from qualitas.core.api_types import BodySchema, Date, Id, PatchSchema

Text = Field("", max_length=20000)


class SeverityOut(Schema):
    id: int
    code: str
    name: str
    rank: int
    capa_expected: bool
    disposition_signature: bool
    active: bool
    version: int


class SeverityIn(BodySchema):
    code: str = Field(..., min_length=1, max_length=20, pattern=r"^[a-z0-9-]+$")
    name: str = Field(..., min_length=1, max_length=50)
    rank: int = Field(1, ge=1, le=100)
    capa_expected: bool = False
    disposition_signature: bool = True


class SeverityPatch(PatchSchema):
    model = Severity

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    name: str | None = Field(None, min_length=1, max_length=50)
    rank: int | None = Field(None, ge=1, le=100)
    capa_expected: bool | None = None
    disposition_signature: bool | None = None
    active: bool | None = None


class NonconformityOut(Schema):
    id: int
    number: str
    title: str
    description: str
    source: str
    nc_type: str
    severity: str = Field(..., alias="severity.code")
    category: str
    site_id: int | None
    process_id: int | None
    product: str
    lot: str
    quantity_affected: Decimal | None
    unit: str
    detected_by_id: int | None
    detected_on: dt.date
    owner_id: int
    status: str
    containment: str
    capa_required: bool | None
    evaluation: str
    evaluated_at: dt.datetime | None
    cost_of_poor_quality: Decimal
    currency: str = Field(description="ISO 4217 code of the money amounts (QUALITAS_CURRENCY)")
    closed_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_currency(obj) -> str:
        return settings.CURRENCY


class NonconformityIn(BodySchema):
    title: str = Field(..., min_length=1, max_length=300)
    description: str = Field(..., min_length=1, max_length=20000)
    severity: str = Field(..., max_length=20, description="Severity code, e.g. minor, major, critical")
    source: str = Field("internal", max_length=20)
    nc_type: str = Field("product", max_length=10)
    category: str = Field("", max_length=100)
    site_id: Id | None = None
    process_id: Id | None = None
    product: str = Field("", max_length=200)
    lot: str = Field("", max_length=100)
    quantity_affected: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=3)
    unit: str = Field("pcs", max_length=20)
    detected_on: Date | None = None
    owner_id: Id | None = None
    containment: str = Text
    cost_of_poor_quality: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    raised_from_type: str = Field("", max_length=100, description="Record type key, e.g. capa.complaint")
    raised_from_id: Id | None = None


class NonconformityPatch(PatchSchema):
    model = Nonconformity

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, min_length=1, max_length=20000)
    category: str | None = Field(None, max_length=100)
    product: str | None = Field(None, max_length=200)
    lot: str | None = Field(None, max_length=100)
    quantity_affected: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=3)
    containment: str | None = Field(None, max_length=20000)
    cost_of_poor_quality: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    owner_id: Id | None = None


class EvaluationIn(BodySchema):
    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    capa_required: bool
    evaluation: str = Field(..., min_length=1, max_length=20000)


class DispositionIn(BodySchema):
    decision: str = Field(..., max_length=30)
    justification: str = Text
    quantity: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=3)
    cost: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)


class DispositionOut(Schema):
    id: int
    nonconformity_id: int
    decision: str
    justification: str
    quantity: Decimal | None
    cost: Decimal
    currency: str = Field(description="ISO 4217 code of the cost (QUALITAS_CURRENCY)")
    proposed_by_id: int
    status: str
    version: int

    @staticmethod
    def resolve_currency(obj) -> str:
        return settings.CURRENCY


class SimilarOut(Schema):
    id: int
    number: str
    title: str
    status: str
    detected_on: dt.date
    score: float
    reasons: list[str]


class WhyChain(BodySchema):
    problem: str = Field(..., max_length=2000)
    whys: list[str] = Field(..., min_length=1, max_length=10)
    cause: str = Field("", max_length=2000)


class RootCause(BodySchema):
    statement: str = Field(..., max_length=2000)
    category: str = Field(..., max_length=20)
    origin: str = Field("", max_length=2000)
    verified: bool = False
    verification: str = Field("", max_length=2000)


class AnalysisIn(PatchSchema):
    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=5000)
    why_chains: list[WhyChain] | None = Field(None, max_length=10)
    fishbone: dict[str, list[str]] | None = None
    root_causes: list[RootCause] | None = Field(None, max_length=50)


class CapaOut(Schema):
    id: int
    number: str
    title: str
    kind: str
    source: str
    problem: str
    site_id: int | None
    process_id: int | None
    owner_id: int
    team_ids: list[int]
    containment: str
    why_chains: list[dict[str, Any]]
    fishbone: dict[str, Any]
    root_causes: list[dict[str, Any]]
    effectiveness_criterion: str
    effectiveness_days: int
    due_date: dt.date | None
    status: str
    implemented_on: dt.date | None
    effectiveness_due: dt.date | None
    closed_at: dt.datetime | None
    nonconformity_ids: list[int]
    version: int

    @staticmethod
    def resolve_team_ids(obj) -> list[int]:
        return [u.pk for u in obj.team.all()]

    @staticmethod
    def resolve_nonconformity_ids(obj) -> list[int]:
        from qualitas.core.links.selectors import linked

        if hasattr(obj, "linked_nonconformity_ids"):  # attached for a whole page by selectors.capa_list
            return obj.linked_nonconformity_ids

        return sorted(int(pk) for key, pk in linked(obj) if key == "capa.nonconformity")


class CapaIn(BodySchema):
    title: str = Field(..., min_length=1, max_length=300)
    kind: str = Field("corrective", max_length=20)
    source: str = Field("nonconformity", max_length=30)
    problem: str = Text
    site_id: Id | None = None
    process_id: Id | None = None
    owner_id: Id | None = None
    team_ids: list[Id] = Field(default_factory=list, max_length=50)
    containment: str = Text
    effectiveness_criterion: str = Text
    effectiveness_days: int | None = Field(None, ge=1, le=3650)
    due_date: Date | None = None
    nonconformity_ids: list[Id] = Field(default_factory=list, max_length=100)
    raised_from_type: str = Field("", max_length=100, description="e.g. a risk, audit finding or complaint record type")
    raised_from_id: Id | None = None


class CapaPatch(PatchSchema):
    model = Capa

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    title: str | None = Field(None, min_length=1, max_length=300)
    problem: str | None = Field(None, max_length=20000)
    containment: str | None = Field(None, max_length=20000)
    effectiveness_criterion: str | None = Field(None, max_length=20000)
    effectiveness_days: int | None = Field(None, ge=1, le=3650)
    due_date: Date | None = None
    owner_id: Id | None = None
    team_ids: list[Id] | None = Field(None, max_length=50)


class LinkNonconformityIn(BodySchema):
    nonconformity_id: Id


class SignatureIn(BodySchema):
    password: str = Field(..., min_length=1, max_length=500)
    otp: str = Field("", max_length=20)
    comment: str = Field("", max_length=2000)


class EffectivenessIn(BodySchema):
    passed: bool
    result: str = Field(..., min_length=1, max_length=20000)
    performed_on: Date | None = None
    early_justification: str = Field(
        "", max_length=1500,
        description="Why the actions are judged effective before the check is due: needed for passed=true before "
                    "the due date (unless the server refuses early verdicts: QUALITAS_EARLY_EFFECTIVENESS=refuse).",
    )
    signature: SignatureIn


class EffectivenessOut(Schema):
    id: int
    capa_id: int
    criterion: str
    result: str
    passed: bool
    performed_by_id: int
    performed_on: dt.date
    due_on: dt.date | None
    days_early: int
    early_justification: str
    version: int


class CloseIn(BodySchema):
    version: int = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=5000)
    signature: SignatureIn


class ComplaintOut(Schema):
    id: int
    number: str
    customer: str
    customer_reference: str
    contact: str
    product: str
    lot: str
    channel: str
    received_on: dt.date
    description: str
    site_id: int | None
    owner_id: int
    acknowledge_by: dt.date | None
    acknowledged_on: dt.date | None
    respond_by: dt.date | None
    investigation: str
    response: str
    responded_on: dt.date | None
    justified: bool | None
    status: str
    version: int


class ComplaintIn(BodySchema):
    customer: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=20000)
    customer_reference: str = Field("", max_length=100)
    contact: str = Field("", max_length=200)
    product: str = Field("", max_length=200)
    lot: str = Field("", max_length=100)
    channel: str = Field("email", max_length=10)
    received_on: Date | None = None
    site_id: Id | None = None
    owner_id: Id | None = None


class ComplaintPatch(PatchSchema):
    model = Complaint

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=5000)
    investigation: str | None = Field(None, max_length=20000)
    response: str | None = Field(None, max_length=20000)
    responded_on: Date | None = None
    justified: bool | None = None
    contact: str | None = Field(None, max_length=200)
    product: str | None = Field(None, max_length=200)
    lot: str | None = Field(None, max_length=100)


class SatisfactionIn(BodySchema):
    customer: str = Field(..., min_length=1, max_length=200)
    score: Decimal = Field(..., ge=0, max_digits=6, decimal_places=2)
    scale_max: Decimal = Field(Decimal(10), gt=0, max_digits=6, decimal_places=2)
    received_on: Date | None = None
    method: str = Field("survey", max_length=20)
    comment: str = Field("", max_length=5000)
    site_id: Id | None = None


class SatisfactionOut(Schema):
    id: int
    customer: str
    received_on: dt.date
    method: str
    score: Decimal
    scale_max: Decimal
    comment: str
    site_id: int | None
