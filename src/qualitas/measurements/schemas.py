import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from qualitas.core.api_types import BodySchema, DateTime, Id, PatchSchema
from qualitas.measurements.models import MAX_ABS_VALUE, Characteristic, Measurement, Subgroup

# Measured values and limits: finite, and small enough that sums of squares cannot overflow.
Number = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=MAX_ABS_VALUE, allow_inf_nan=False)]
Text100 = Annotated[str, Field(max_length=100)]
CHART_TYPE = "^(xbar-r|xbar-s|imr|p|np|c|u|ewma|cusum)$"
RULES = "^(nelson|we|none)$"
KIND = "^(product|process)$"
Version = Annotated[int, Field(ge=1, le=2**31)]


class CharacteristicOut(Schema):
    id: int
    number: str
    name: str
    description: str
    kind: str
    unit: str
    lsl: float | None
    usl: float | None
    target: float | None
    subgroup_size: int
    chart_type: str
    rules: str
    ewma_lambda: float
    ewma_l: float
    cusum_k: float
    cusum_h: float
    owner_id: int
    process_id: int | None
    site_id: int | None
    active: bool
    raise_nonconformity: bool
    version: int
    frozen_limits_id: int | None

    @staticmethod
    def resolve_frozen_limits_id(obj) -> int | None:
        from qualitas.measurements.selectors import active_limits

        limits = active_limits(obj)
        return limits.pk if limits else None


class CharacteristicIn(BodySchema):
    name: str = Field(..., min_length=1, max_length=200)
    number: str = Field("", max_length=50, description="Empty: numbered CH-0001, CH-0002 …")
    description: str = Field("", max_length=5000)
    kind: str = Field("product", pattern=KIND)
    unit: str = Field("", max_length=30)
    lsl: Number | None = None
    usl: Number | None = None
    target: Number | None = None
    subgroup_size: int = Field(5, ge=1, le=100, description="1 for individual values; ignored by attribute charts")
    chart_type: str = Field("xbar-r", pattern=CHART_TYPE)
    rules: str = Field("nelson", pattern=RULES)
    ewma_lambda: Number = 0.2
    ewma_l: Number = 3.0
    cusum_k: Number = 0.5
    cusum_h: Number = 4.0
    owner_id: Id | None = None
    process_id: Id | None = None
    site_id: Id | None = None
    raise_nonconformity: bool = False


class CharacteristicPatch(PatchSchema):
    model = Characteristic

    version: Version = Field(..., description="The version you edited; 409 if it changed since.")
    reason: str = Field("", max_length=2000, description="Required while control limits are frozen")
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    kind: str | None = Field(None, pattern=KIND)
    unit: str | None = Field(None, max_length=30)
    lsl: Number | None = None
    usl: Number | None = None
    target: Number | None = None
    subgroup_size: int | None = Field(None, ge=1, le=100)
    chart_type: str | None = Field(None, pattern=CHART_TYPE)
    rules: str | None = Field(None, pattern=RULES)
    ewma_lambda: Number | None = None
    ewma_l: Number | None = None
    cusum_k: Number | None = None
    cusum_h: Number | None = None
    owner_id: Id | None = None
    process_id: Id | None = None
    site_id: Id | None = None
    active: bool | None = None
    raise_nonconformity: bool | None = None


class SubgroupIn(BodySchema):
    """One subgroup: its measured values (or one value), or an attribute sample's count and size."""

    subgroup: Text100 = Field("", description="Subgroup key; values posted under an existing key are added to it")
    taken_at: DateTime | None = Field(None, description="ISO 8601 with time zone; default: now")
    lot: Text100 = ""
    value: Number | None = None
    values: list[Number] = Field([], max_length=100)
    count: int | None = Field(None, ge=0, le=10**9, description="Nonconforming units or nonconformities")
    size: Positive | None = Field(None, description="Sample size (p, np) or inspection units (u)")


class MeasurementOut(Schema):
    id: int
    subgroup_id: int
    position: int
    value: float
    taken_at: dt.datetime
    source: str
    source_name: str
    api_token_id: int | None
    entered_by_id: int
    entered_at: dt.datetime
    version: int


class SubgroupOut(Schema):
    id: int
    characteristic_id: int
    subgroup: str = Field(..., alias="key")
    taken_at: dt.datetime
    lot: str
    count: int | None
    size: float | None = Field(None, alias="sample_size")
    source: str
    source_name: str
    api_token_id: int | None
    entered_by_id: int
    entered_at: dt.datetime
    excluded: bool
    exclusion_reason: str
    version: int
    measurements: list[MeasurementOut]

    @staticmethod
    def resolve_measurements(obj) -> list:
        return list(obj.measurements.all())


class SignalEventOut(Schema):
    id: int
    characteristic_id: int
    subgroup_id: int
    subgroup: str
    chart: str
    rules: list[str]
    value: float | None
    limits_id: int | None
    detected_at: dt.datetime
    acknowledged_by_id: int | None
    acknowledged_at: dt.datetime | None
    note: str
    version: int

    @staticmethod
    def resolve_subgroup(obj) -> str:
        return obj.subgroup.key


class MeasurementsRecordedOut(Schema):
    subgroups_created: int
    values_recorded: int
    completed: list[str]
    signals: list[SignalEventOut]


class MeasurementCorrectionIn(PatchSchema):
    model = Measurement

    value: Number
    reason: str = Field(..., min_length=1, max_length=2000)
    version: Version = Field(..., description="The version you edited; 409 if it changed since.")


class SubgroupPatch(PatchSchema):
    model = Subgroup

    reason: str = Field(..., min_length=1, max_length=2000)
    version: Version = Field(..., description="The version you edited; 409 if it changed since.")
    taken_at: DateTime | None = None
    lot: Text100 | None = None
    count: int | None = Field(None, ge=0, le=10**9)
    size: Positive | None = None


class SubgroupExclusionIn(BodySchema):
    excluded: bool
    reason: str = Field(..., min_length=1, max_length=2000)
    version: Version = Field(..., description="The version you edited; 409 if it changed since.")


class LimitsFreezeIn(BodySchema):
    first: int | None = Field(None, ge=2, le=100_000, description="Phase I: the first N complete subgroups")
    since: DateTime | None = Field(None, description="Phase I: subgroups taken from …")
    until: DateTime | None = Field(None, description="… to (inclusive)")
    reason: str = Field("", max_length=2000, description="Required when limits are frozen already")
    password: str = Field(..., max_length=512)
    otp: str = Field("", max_length=8)
    comment: str = Field("", max_length=2000)


class LimitsReleaseIn(BodySchema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ControlLimitsOut(Schema):
    id: int
    characteristic_id: int
    status: str
    chart_type: str
    subgroup_size: int
    limits: dict
    known: dict
    phase1_subgroups: int
    phase1_from: dt.datetime
    phase1_to: dt.datetime
    excluded: list[str]
    reason: str
    frozen_by_id: int
    frozen_at: dt.datetime
    ended_at: dt.datetime | None
    ended_reason: str
    version: int


class WindowQuery(Schema):
    last: int | None = Field(50, ge=1, le=5000, description="The last N subgroups (of those in the period)")
    since: DateTime | None = Field(None, description="Subgroups taken from …")
    until: DateTime | None = Field(None, description="… to (inclusive)")

    def window(self):
        from qualitas.measurements.reports import Window

        return Window(last=self.last, since=self.since, until=self.until)


class AllWindowQuery(WindowQuery):
    last: int | None = Field(None, ge=1, le=5000, description="The last N subgroups (default: all in the period)")


class SignalAcknowledgeIn(BodySchema):
    note: str = Field(..., min_length=1, max_length=2000)


# --- Stateless statistics ---------------------------------------------------------------------------------


class StatsChartOptions(BodySchema):
    phase1: int | None = Field(None, ge=1, le=100_000, description="Estimate the limits from the first N points")
    exclude: list[Annotated[int, Field(ge=1, le=100_000)]] = Field([], max_length=10_000)
    rules: str | None = Field(None, pattern=RULES, description="Default nelson (none for EWMA); not for CUSUM")
    lam: float | None = Field(None, gt=0, le=1, description="EWMA weight λ (default 0.2)")
    L: float | None = Field(None, gt=0, le=10, description="EWMA limit width (default 3)")
    k: float | None = Field(None, ge=0, le=10, description="CUSUM reference value in sigmas (default 0.5)")
    h: float | None = Field(None, gt=0, le=50, description="CUSUM decision interval in sigmas (default 4)")
    target: Number | None = Field(None, description="Known centre: mean, p̄ (p, np), c̄ (c) or ū (u)")
    sigma: Positive | None = Field(None, description="Known process standard deviation")


class StatsChartIn(BodySchema):
    kind: str = Field(..., pattern=CHART_TYPE)
    data: list[list[Number | None]] | list[Number] = Field(
        ..., min_length=1, max_length=10_000,
        description="Subgroups as rows (null for a missing value), or individual values / counts",
    )
    sizes: list[Positive] | None = Field(None, max_length=10_000, description="Sample sizes (p, np) or units (u)")
    options: StatsChartOptions = StatsChartOptions()


class StatsCapabilityIn(BodySchema):
    values: list[list[Number | None]] | list[Number] = Field(
        ..., min_length=1, max_length=100_000, description="Individual values, or subgroups as rows"
    )
    lsl: Number | None = None
    usl: Number | None = None
    target: Number | None = None
    within: str = Field("auto", pattern="^(auto|rbar|sbar|pooled|mrbar)$")
    confidence: float = Field(0.95, ge=0.5, le=0.999)
