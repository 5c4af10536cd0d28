"""The API of qualification gates (P11-I): /api/v1/training/gates. Gates are read with training
"view" and created, changed and withdrawn with training "administer". A step a gate refuses answers
403 with the reason wherever it is asked for (the signature and workflow endpoints)."""


import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qualitas.core.api_types import BodySchema, Date, Id, Pagination, PatchSchema, PathId, QueryId
from qualitas.training import gates, selectors, services_gates
from qualitas.training.models_gates import Gate

router = Router(tags=["training"])

Kind = Literal["sign", "transition", "duty", "position"]
Duty = Literal["approver", "reviewer", "auditor", "inspector", "assessor", ""]
Version = Field(..., ge=1, le=2**31, description="The version you edited; 409 if it changed since.")


class GateOut(Schema):
    id: int
    kind: str
    requirement_id: int
    requirement_code: str
    meaning: str
    record_type: str
    transition: str
    duty: str
    standard_id: int | None
    standard_code: str | None
    position_id: int | None
    active_from: dt.date
    active_to: dt.date | None
    active: bool
    in_force: bool
    rationale: str
    label: str
    version: int

    @staticmethod
    def resolve_requirement_code(obj) -> str:
        return obj.requirement.code

    @staticmethod
    def resolve_standard_code(obj) -> str | None:
        return obj.standard.code if obj.standard_id else None

    @staticmethod
    def resolve_in_force(obj) -> bool:
        from django.utils import timezone

        return obj.in_force(timezone.localdate())

    @staticmethod
    def resolve_label(obj) -> str:
        return str(obj)


class GateIn(BodySchema):
    kind: Kind
    requirement_id: Id
    meaning: str = Field("", max_length=30)
    record_type: str = Field("", max_length=100)
    transition: str = Field("", max_length=50)
    duty: Duty = ""
    standard_id: Id | None = Field(None, description="A duty: only on records in scope of this standard.")
    position_id: Id | None = None
    active_from: Date | None = Field(None, description="Empty: today.")
    active_to: Date | None = None
    rationale: str = Field(..., min_length=1, max_length=5000)


class GatePatch(PatchSchema):
    model = Gate

    version: int = Version
    reason: str = Field(..., min_length=1, max_length=5000, description="Why the gate changes.")
    meaning: str | None = Field(None, max_length=30)
    record_type: str | None = Field(None, max_length=100)
    transition: str | None = Field(None, max_length=50)
    duty: Duty | None = None
    standard_id: Id | None = Field(None, description="Null: every record.")
    active_from: Date | None = None
    active_to: Date | None = None
    rationale: str | None = Field(None, min_length=1, max_length=5000)


def _standard(pk):
    from qualitas.core.api_types import referenced
    from qualitas.standards.models import Standard

    return referenced(Standard, pk, "standard_id")


class WithdrawIn(BodySchema):
    version: int = Version
    reason: str = Field(..., min_length=1, max_length=5000)


@router.get("/training/gates", response=list[GateOut], summary="List qualification gates")
@paginate(Pagination)
def list_gates(request, kind: str = "", in_force: bool | None = None, requirement_id: QueryId = None):
    found = gates.gate_list(request.auth, kind=kind[:12], in_force=in_force)
    return found.filter(requirement_id=requirement_id) if requirement_id else found


@router.get("/training/gates/{gate_id}", response=GateOut, summary="One qualification gate")
def get_gate(request, gate_id: PathId):
    return gates.gate_get(request.auth, gate_id)


@router.post("/training/gates", response={201: GateOut},
             summary="Create a gate: a step needs current training (training administrators)")
def create_gate(request, payload: GateIn):
    from django.utils import timezone

    data = payload.dict()
    requirement = selectors.requirement_get(request.auth, data.pop("requirement_id"))
    position_id = data.pop("position_id")
    position = selectors.position_get(request.auth, position_id) if position_id else None
    data["active_from"] = data["active_from"] or timezone.localdate()
    data["standard"] = _standard(data.pop("standard_id"))
    gate = services_gates.gate_create(actor=request.auth, requirement=requirement, position=position, **data)
    return Status(201, gate)


@router.patch("/training/gates/{gate_id}", response=GateOut, summary="Change a gate (audited, with a reason)")
def update_gate(request, gate_id: PathId, payload: GatePatch):
    gate = gates.gate_get(request.auth, gate_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason")
    if "standard_id" in data:
        data["standard"] = _standard(data.pop("standard_id"))
    return services_gates.gate_update(actor=request.auth, gate=gate, version=version, reason=reason, **data)


@router.post("/training/gates/{gate_id}/withdraw", response=GateOut,
             summary="Withdraw a gate (no longer in force; kept with its history)")
def withdraw_gate(request, gate_id: PathId, payload: WithdrawIn):
    gate = gates.gate_get(request.auth, gate_id)
    return services_gates.gate_withdraw(actor=request.auth, gate=gate, reason=payload.reason,
                                        version=payload.version)
