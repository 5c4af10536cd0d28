"""API for measurements and SPC: characteristics, bulk measurements from instruments (P11-H: each
value records the API token it came with), corrections, frozen limits, charts, capability, signals,
and stateless statistics on posted data (the `qualitas stats` command's JSON over HTTP)."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from qualitas.accounts.models import Process, Site, User
from qualitas.core.api_types import DateTime, Pagination, PathId, QueryId
from qualitas.core.api_types import referenced as _get
from qualitas.core.signatures.services import Credentials
from qualitas.measurements import reports, schemas, selectors, services
from qualitas.stats.results import StatsInputError

router = Router(tags=["measurements"])


@contextmanager
def stats_errors():
    """Bad input to the statistics library is the client's mistake: 400 with its one-line reason."""
    try:
        yield
    except StatsInputError as exc:
        raise ValidationError(str(exc)) from None


def _relations(data: dict) -> dict:
    for name, model in (("owner", User), ("process", Process), ("site", Site)):
        if f"{name}_id" in data:
            data[name] = _get(model, data.pop(f"{name}_id"), f"{name}_id")
    return data


# --- Characteristics -----------------------------------------------------------------------------------


@router.get("/characteristics", response=list[schemas.CharacteristicOut], summary="List SPC characteristics")
@paginate(Pagination)
def list_characteristics(
    request,
    q: str = "",
    chart_type: str = "",
    process_id: QueryId = None,
    site_id: QueryId = None,
    include_inactive: bool = False,
):
    return selectors.characteristic_list(
        request.auth, query=q[:200], chart_type=chart_type[:10], process_id=process_id, site_id=site_id,
        include_inactive=include_inactive,
    )


@router.post("/characteristics", response={201: schemas.CharacteristicOut}, summary="Create a characteristic")
def create_characteristic(request, payload: schemas.CharacteristicIn):
    data = _relations(payload.dict())
    characteristic = services.characteristic_create(actor=request.auth, **data)
    return Status(201, selectors.characteristic_get(request.auth, characteristic.pk))


@router.get("/characteristics/{characteristic_id}", response=schemas.CharacteristicOut, summary="Get a characteristic")
def get_characteristic(request, characteristic_id: PathId):
    return selectors.characteristic_get(request.auth, characteristic_id)


@router.patch(
    "/characteristics/{characteristic_id}",
    response=schemas.CharacteristicOut,
    summary="Change a characteristic (send the version you read; a reason is required while limits are frozen)",
)
def update_characteristic(request, characteristic_id: PathId, payload: schemas.CharacteristicPatch):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    data = _relations(payload.dict(exclude_unset=True))
    version, reason = data.pop("version", None), data.pop("reason", "")
    services.characteristic_update(
        actor=request.auth, characteristic=characteristic, version=version, reason=reason, **data
    )
    return selectors.characteristic_get(request.auth, characteristic_id)


# --- Measurements --------------------------------------------------------------------------------------


@router.get(
    "/characteristics/{characteristic_id}/measurements",
    response=list[schemas.SubgroupOut],
    summary="Subgroups with their values, oldest first (filter by time taken)",
)
@paginate(Pagination)
def list_measurements(
    request, characteristic_id: PathId, since: DateTime | None = None, until: DateTime | None = None
):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    return selectors.subgroups_of(request.auth, characteristic, since=since, until=until)


@router.post(
    "/characteristics/{characteristic_id}/measurements",
    response={201: schemas.MeasurementsRecordedOut},
    summary="Record measurements in bulk (instruments): all or nothing; new out-of-control signals are returned",
)
def record_measurements(request, characteristic_id: PathId, payload: list[schemas.SubgroupIn]):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    if len(payload) > services.MAX_BATCH:
        raise ValidationError(f"At most {services.MAX_BATCH} subgroups per request.")
    entries = [
        services.SubgroupEntry(
            values=tuple(([item.value] if item.value is not None else []) + list(item.values)),
            count=item.count, size=item.size, key=item.subgroup, taken_at=item.taken_at, lot=item.lot,
            where=f"Item {index}",
        )
        for index, item in enumerate(payload, start=1)
    ]
    token = getattr(request, "api_token", None)
    outcome = services.measurements_record(
        actor=request.auth, characteristic=characteristic, entries=entries, source="api", api_token=token,
        source_name=f"API token {token.name} ({token.prefix}…)" if token else "API (browser session)",
    )
    return Status(201, {
        "subgroups_created": outcome.subgroups_created,
        "values_recorded": outcome.values_recorded,
        "completed": [s.key for s in outcome.completed],
        "signals": outcome.signals,
    })


@router.patch(
    "/measurements/{measurement_id}", response=schemas.MeasurementOut, summary="Correct a measured value (reason)"
)
def correct_measurement(request, measurement_id: PathId, payload: schemas.MeasurementCorrectionIn):
    measurement = selectors.measurement_get(request.auth, measurement_id)
    return services.measurement_correct(
        actor=request.auth, measurement=measurement, value=payload.value, reason=payload.reason,
        version=payload.version,
    )


@router.get("/subgroups/{subgroup_id}", response=schemas.SubgroupOut, summary="Get a subgroup with its values")
def get_subgroup(request, subgroup_id: PathId):
    return selectors.subgroup_get(request.auth, subgroup_id)


@router.patch(
    "/subgroups/{subgroup_id}",
    response=schemas.SubgroupOut,
    summary="Correct a subgroup's time, lot, or an attribute sample's count and size (reason)",
)
def correct_subgroup(request, subgroup_id: PathId, payload: schemas.SubgroupPatch):
    subgroup = selectors.subgroup_get(request.auth, subgroup_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version", None), data.pop("reason")
    if "size" in data:
        data["sample_size"] = data.pop("size")
    services.subgroup_correct(actor=request.auth, subgroup=subgroup, reason=reason, version=version, **data)
    return selectors.subgroup_get(request.auth, subgroup_id)


@router.post(
    "/subgroups/{subgroup_id}/exclusion",
    response=schemas.SubgroupOut,
    summary="Leave a subgroup out of the limit calculation, or bring it back (reason; it stays on the chart)",
)
def exclude_subgroup(request, subgroup_id: PathId, payload: schemas.SubgroupExclusionIn):
    subgroup = selectors.subgroup_get(request.auth, subgroup_id)
    services.subgroup_exclude(
        actor=request.auth, subgroup=subgroup, excluded=payload.excluded, reason=payload.reason,
        version=payload.version,
    )
    return selectors.subgroup_get(request.auth, subgroup_id)


# --- Charts, capability, limits, signals ---------------------------------------------------------------


@router.get(
    "/characteristics/{characteristic_id}/chart",
    response=dict,
    summary="The control chart (JSON of `qualitas stats chart`) with points, signals and the limits' basis",
)
def characteristic_chart(request, characteristic_id: PathId, window: Query[schemas.WindowQuery]):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    return reports.chart_report(characteristic, window.window()).to_dict()


@router.get(
    "/characteristics/{characteristic_id}/capability",
    response=dict,
    summary="Capability indices with confidence intervals, ppm and normality (excluded subgroups left out)",
)
def characteristic_capability(request, characteristic_id: PathId, window: Query[schemas.AllWindowQuery]):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    return reports.capability_report(characteristic, window.window()).to_dict()


@router.get("/characteristics/{characteristic_id}/chart.pdf", summary="The control chart report as PDF")
def characteristic_chart_pdf(request, characteristic_id: PathId, window: Query[schemas.WindowQuery]):
    from qualitas.measurements.pdf import chart_pdf

    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    response = HttpResponse(chart_pdf(request.auth, characteristic, window.window()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{characteristic.number}-chart.pdf"'
    return response


@router.get(
    "/characteristics/{characteristic_id}/limits",
    response=list[schemas.ControlLimitsOut],
    summary="Frozen limits, newest first (superseded and released ones kept)",
)
def list_limits(request, characteristic_id: PathId):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    return selectors.limits_history(request.auth, characteristic)


@router.post(
    "/characteristics/{characteristic_id}/limits",
    response={201: schemas.ControlLimitsOut},
    summary="Freeze Phase I limits from the first N subgroups or a date range, approved by electronic signature",
)
def freeze_limits(request, characteristic_id: PathId, payload: schemas.LimitsFreezeIn):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    limits = services.limits_freeze(
        actor=request.auth, characteristic=characteristic, first=payload.first, since=payload.since,
        until=payload.until, reason=payload.reason,
        credentials=Credentials(payload.password, payload.otp, payload.comment),
    )
    return Status(201, limits)


@router.post(
    "/characteristics/{characteristic_id}/limits/release",
    response=schemas.ControlLimitsOut,
    summary="Release the frozen limits (back to trial limits), with a reason",
)
def release_limits(request, characteristic_id: PathId, payload: schemas.LimitsReleaseIn):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    return services.limits_release(actor=request.auth, characteristic=characteristic, reason=payload.reason)


@router.get(
    "/characteristics/{characteristic_id}/signals",
    response=list[schemas.SignalEventOut],
    summary="Reported out-of-control signals, newest first",
)
@paginate(Pagination)
def list_signals(request, characteristic_id: PathId, open_only: bool = False):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    return selectors.signal_events(request.auth, characteristic, open_only=open_only)


@router.post("/signals/{signal_id}/acknowledge", response=schemas.SignalEventOut, summary="Acknowledge a signal (note)")
def acknowledge_signal(request, signal_id: PathId, payload: schemas.SignalAcknowledgeIn):
    event = selectors.signal_get(request.auth, signal_id)
    return services.signal_acknowledge(actor=request.auth, event=event, note=payload.note)


# --- Stateless statistics on posted data ---------------------------------------------------------------


@router.post("/stats/chart", response=dict, summary="Control chart of posted data (JSON of `qualitas stats chart`)")
def stats_chart(request, payload: schemas.StatsChartIn):
    from qualitas.measurements.stateless import chart

    with stats_errors():
        return chart(payload.kind, payload.data, payload.sizes, payload.options.dict(exclude_none=True))


@router.post("/stats/capability", response=dict, summary="Capability of posted values (Cp, Cpk, Pp, Ppk, Cpm, ppm)")
def stats_capability(request, payload: schemas.StatsCapabilityIn):
    from qualitas.measurements.stateless import capability

    with stats_errors():
        return capability(payload.values, lsl=payload.lsl, usl=payload.usl, target=payload.target,
                          within=payload.within, confidence=payload.confidence)


@router.get("/stats/sampling", response=dict, summary="Single sampling plan (ISO 2859-1 / ANSI Z1.4)")
def stats_sampling(
    request,
    lot_size: int = Query(..., ge=1, le=10**9),
    aql: str = Query(..., max_length=10),
    level: str = Query("II", max_length=5),
    inspection: str = Query("normal", max_length=10),
):
    from qualitas.stats import sampling

    with stats_errors():
        return sampling.plan(lot_size, aql, level=level, inspection=inspection).to_dict()


@router.get("/stats/ap", response=dict, summary="AIAG-VDA FMEA action priority (H/M/L) and RPN")
def stats_action_priority(
    request,
    s: int = Query(..., ge=1, le=10, description="Severity"),
    o: int = Query(..., ge=1, le=10, description="Occurrence"),
    d: int = Query(..., ge=1, le=10, description="Detection"),
):
    from qualitas.stats import fmea

    with stats_errors():
        return {"ap": fmea.action_priority(s, o, d), "rpn": int(fmea.rpn(s, o, d))}
