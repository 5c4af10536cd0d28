"""API schemas of inspection (input is bounded; output mirrors the records)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from qualitas.core.api_types import BodySchema, Date, Id, PatchSchema
from qualitas.inspections.models import InspectionPlan, Item, PlanCharacteristic
from qualitas.stats.sampling import AQLS, LEVELS

Class = Literal["critical", "major", "minor"]
Start = Literal["normal", "tightened", "reduced"]
Aql = Literal[("",) + AQLS]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]


class ItemOut(Schema):
    id: int
    part_number: str
    description: str
    supplier: str
    process_id: int | None
    process_step: str
    site_id: int | None
    active: bool
    version: int


class ItemIn(BodySchema):
    part_number: str = Field(..., min_length=1, max_length=100)
    description: str = Field(..., min_length=1, max_length=300)
    supplier: str = Field("", max_length=200)
    process_id: Id | None = None
    process_step: str = Field("", max_length=200)
    site_id: Id | None = None


class ItemPatch(PatchSchema):
    model = Item

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=2000)
    part_number: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, min_length=1, max_length=300)
    supplier: str | None = Field(None, max_length=200)
    process_id: Id | None = None
    process_step: str | None = Field(None, max_length=200)
    site_id: Id | None = None
    active: bool | None = None


class CharacteristicOut(Schema):
    id: int
    name: str
    kind: str
    severity_class: str
    spc_characteristic_id: int | None
    lsl: float | None
    usl: float | None
    unit: str
    position: int
    active: bool


class CharacteristicIn(BodySchema):
    version: int = Field(..., ge=1, description="The plan's version the change is made on")
    reason: str = Field("", max_length=2000)
    name: str = Field(..., min_length=1, max_length=200)
    kind: Literal["attribute", "variable"] = "attribute"
    severity_class: Class = "major"
    spc_characteristic_id: Id | None = None
    lsl: float | None = None
    usl: float | None = None
    unit: str = Field("", max_length=30)


class CharacteristicPatch(PatchSchema):
    model = PlanCharacteristic

    version: int = Field(..., ge=1, description="The plan's version the change is made on")
    reason: str = Field("", max_length=2000)
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Literal["attribute", "variable"] | None = None
    severity_class: Class | None = None
    spc_characteristic_id: Id | None = None
    lsl: float | None = None
    usl: float | None = None
    unit: str | None = Field(None, max_length=30)
    position: int | None = Field(None, ge=1, le=1000)
    active: bool | None = None


class PlanOut(Schema):
    id: int
    item_id: int
    part_number: str = Field(..., alias="item.part_number")
    supplier: str
    level: str
    aql_critical: str
    aql_major: str
    aql_minor: str
    switching_class: str
    start_inspection: str
    notes: str
    site_id: int | None
    active: bool
    version: int
    characteristics: list[CharacteristicOut]

    @staticmethod
    def resolve_characteristics(obj) -> list:
        return list(obj.characteristics.all())


class PlanIn(BodySchema):
    item_id: Id
    supplier: str = Field("", max_length=200)
    level: Level = "II"
    aql_critical: Aql = ""
    aql_major: Aql = ""
    aql_minor: Aql = ""
    switching_class: Class = "major"
    start_inspection: Start = "normal"
    notes: str = Field("", max_length=5000)


class PlanPatch(PatchSchema):
    model = InspectionPlan

    version: int = Field(..., ge=1)
    reason: str = Field("", max_length=2000)
    supplier: str | None = Field(None, max_length=200)
    level: Level | None = None
    aql_critical: Aql | None = None
    aql_major: Aql | None = None
    aql_minor: Aql | None = None
    switching_class: Class | None = None
    start_inspection: Start | None = None
    notes: str | None = Field(None, max_length=5000)
    active: bool | None = None


class LotClassOut(Schema):
    severity_class: str
    aql: str
    code_letter: str
    plan_code_letter: str
    n: int
    ac: int
    re: int
    inspect_all: bool
    nonconforming: int | None
    accepted: bool | None


class ResultOut(Schema):
    characteristic_id: int
    characteristic: str = Field(..., alias="characteristic.name")
    nonconforming: int
    values: list[float]
    recorded_at: dt.datetime


class LotOut(Schema):
    id: int
    reference: str
    number: str
    item_id: int
    part_number: str = Field(..., alias="item.part_number")
    plan_id: int
    plan_version: int
    switching_state_id: int
    supplier: str
    size: int
    received_on: dt.date
    received_by_id: int
    site_id: int | None
    inspection: str
    code_letter: str
    production_steady: bool
    after_corrective_action: bool
    status: str
    authority_approves: bool
    switching_score: int | None
    next_inspection: str
    switch_reason: str
    judged_at: dt.datetime | None
    nonconformity_id: int | None
    version: int
    classes: list[LotClassOut]
    results: list[ResultOut]

    @staticmethod
    def resolve_classes(obj) -> list:
        return list(obj.classes.all())

    @staticmethod
    def resolve_results(obj) -> list:
        return list(obj.results.all())


class LotIn(BodySchema):
    item_id: Id
    number: str = Field(..., min_length=1, max_length=100)
    size: int = Field(..., ge=1, le=10**9)
    supplier: str | None = Field(None, max_length=200, description="Default: the item's usual supplier")
    received_on: Date | None = None
    production_steady: bool = True


class ResultIn(BodySchema):
    characteristic_id: Id
    nonconforming: int | None = Field(None, ge=0, le=10**9, description="Attributes: nonconforming items found")
    values: list[float] | None = Field(None, max_length=5000, description="Variables: the sample's measured values")


class ResultsIn(BodySchema):
    results: list[ResultIn] = Field(..., min_length=1, max_length=500)


class StateOut(Schema):
    id: int
    item_id: int
    part_number: str = Field(..., alias="item.part_number")
    supplier: str
    site_id: int | None
    inspection: str
    switching_score: int
    normal_window: list[bool]
    tightened_accepted_run: int
    tightened_not_accepted: int
    lots_judged: int
    reason: str
    switched_at: dt.datetime | None
    reduced_approved_by_id: int | None
    reduced_approved_at: dt.datetime | None
    reduced_approval_note: str
    corrective_action: str
    corrective_action_at: dt.datetime | None
    version: int


class SwitchOut(Schema):
    event: str
    occurred_at: dt.datetime
    actor: str = Field(..., alias="actor_name")
    reason: str


class HistoryLotOut(Schema):
    id: int
    reference: str
    number: str
    received_on: dt.date
    size: int
    inspection: str
    code_letter: str
    status: str
    switching_score: int | None
    next_inspection: str
    switch_reason: str


class StateHistoryOut(Schema):
    state: StateOut
    switches: list[SwitchOut]
    lots: list[HistoryLotOut]


class ApprovalIn(BodySchema):
    note: str = Field("", max_length=2000)


class ResumeIn(BodySchema):
    reference: str = Field(..., min_length=1, max_length=200, description="SCAR / CAPA reference")
    note: str = Field("", max_length=5000)
