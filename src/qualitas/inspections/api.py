"""API of inspection: items, plans and their characteristics, lots (receipt with the plan per class,
results, verdict), the switching state with its history, the approval of reduced inspection and the
resumption after a supplier corrective action. Cancelling a lot uses the generic
/records/inspections.lot/{id}/transitions endpoint."""

from django.core.exceptions import ValidationError
from ninja import Router, Status
from ninja.pagination import paginate

from qualitas.accounts.models import Process, Site
from qualitas.core.api_types import Id, Pagination, PathId
from qualitas.core.api_types import referenced as _get
from qualitas.inspections import schemas, selectors, services
from qualitas.inspections.services import ResultEntry

router = Router(tags=["inspection"])


def _spc(actor, pk):
    if pk is None:
        return None
    from qualitas.measurements.selectors import characteristic_get

    return characteristic_get(actor, pk)


# --- Items ------------------------------------------------------------------------------------------------


@router.get("/inspection/items", response=list[schemas.ItemOut], summary="Inspected items")
@paginate(Pagination)
def list_items(request, q: str = "", active_only: bool = False):
    return selectors.item_list(request.auth, query=q[:200], active_only=active_only)


@router.get("/inspection/items/{item_id}", response=schemas.ItemOut, summary="One item")
def get_item(request, item_id: PathId):
    return selectors.item_get(request.auth, item_id)


@router.post("/inspection/items", response={201: schemas.ItemOut}, summary="Register an item")
def create_item(request, payload: schemas.ItemIn):
    data = payload.dict()
    data["process"] = _get(Process, data.pop("process_id"), "process_id")
    data["site"] = _get(Site, data.pop("site_id"), "site_id")
    return Status(201, services.item_create(actor=request.auth, **data))


@router.patch("/inspection/items/{item_id}", response=schemas.ItemOut, summary="Change an item (audited)")
def update_item(request, item_id: PathId, payload: schemas.ItemPatch):
    item = selectors.item_get(request.auth, item_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    if "process_id" in data:
        data["process"] = _get(Process, data.pop("process_id"), "process_id")
    if "site_id" in data:
        data["site"] = _get(Site, data.pop("site_id"), "site_id")
    return services.item_update(actor=request.auth, item=item, version=version, reason=reason, **data)


# --- Plans ------------------------------------------------------------------------------------------------


@router.get("/inspection/plans", response=list[schemas.PlanOut], summary="Inspection plans")
@paginate(Pagination)
def list_plans(request, item_id: Id | None = None, q: str = ""):
    return selectors.plan_list(request.auth, item_id=item_id, query=q[:200])


@router.get("/inspection/plans/{plan_id}", response=schemas.PlanOut, summary="One plan with its characteristics")
def get_plan(request, plan_id: PathId):
    return selectors.plan_get(request.auth, plan_id)


@router.post("/inspection/plans", response={201: schemas.PlanOut}, summary="Create the inspection plan of an item")
def create_plan(request, payload: schemas.PlanIn):
    data = payload.dict()
    item = selectors.item_get(request.auth, data.pop("item_id"))
    return Status(201, services.plan_create(actor=request.auth, item=item, **data))


@router.patch("/inspection/plans/{plan_id}", response=schemas.PlanOut, summary="Change a plan (a new version)")
def update_plan(request, plan_id: PathId, payload: schemas.PlanPatch):
    plan = selectors.plan_get(request.auth, plan_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    return services.plan_update(actor=request.auth, plan=plan, version=version, reason=reason, **data)


@router.post("/inspection/plans/{plan_id}/characteristics", response={201: schemas.CharacteristicOut},
             summary="Add a characteristic (a new version of the plan)")
def add_characteristic(request, plan_id: PathId, payload: schemas.CharacteristicIn):
    plan = selectors.plan_get(request.auth, plan_id)
    data = payload.dict()
    version, reason = data.pop("version"), data.pop("reason")
    data["spc_characteristic"] = _spc(request.auth, data.pop("spc_characteristic_id"))
    return Status(201, services.plan_characteristic_add(actor=request.auth, plan=plan, version=version,
                                                        reason=reason, **data))


@router.patch("/inspection/characteristics/{characteristic_id}", response=schemas.CharacteristicOut,
              summary="Change or retire a characteristic (a new version of its plan)")
def update_characteristic(request, characteristic_id: PathId, payload: schemas.CharacteristicPatch):
    characteristic = selectors.characteristic_get(request.auth, characteristic_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version"), data.pop("reason", "")
    if "spc_characteristic_id" in data:
        data["spc_characteristic"] = _spc(request.auth, data.pop("spc_characteristic_id"))
    return services.plan_characteristic_update(actor=request.auth, characteristic=characteristic, version=version,
                                               reason=reason, **data)


# --- Lots -------------------------------------------------------------------------------------------------


@router.get("/inspection/lots", response=list[schemas.LotOut], summary="Lots and their verdicts")
@paginate(Pagination)
def list_lots(request, item_id: Id | None = None, state_id: Id | None = None, status: str = "", q: str = ""):
    return selectors.lot_list(request.auth, item_id=item_id, state_id=state_id, status=status[:20],
                              query=q[:200]).prefetch_related("results__characteristic")


@router.get("/inspection/lots/{lot_id}", response=schemas.LotOut, summary="One lot: plan per class, results, verdict")
def get_lot(request, lot_id: PathId):
    return selectors.lot_get(request.auth, lot_id)


@router.post("/inspection/lots", response={201: schemas.LotOut},
             summary="Receive a lot: the code letter and the plan per class for the inspection in force")
def receive_lot(request, payload: schemas.LotIn):
    data = payload.dict()
    item = selectors.item_get(request.auth, data.pop("item_id"))
    if data["received_on"] is None:
        data.pop("received_on")
    return Status(201, services.lot_receive(actor=request.auth, item=item, **data))


@router.post("/inspection/lots/{lot_id}/results", response=schemas.LotOut,
             summary="Record results per characteristic (counts, or the sample's values for variables)")
def record_results(request, lot_id: PathId, payload: schemas.ResultsIn):
    lot = selectors.lot_get(request.auth, lot_id)
    entries = [ResultEntry(r.characteristic_id, nonconforming=r.nonconforming, values=r.values)
               for r in payload.results]
    services.lot_results_record(actor=request.auth, lot=lot, results=entries)
    return selectors.lot_get(request.auth, lot_id)


@router.post("/inspection/lots/{lot_id}/verdict", response=schemas.LotOut,
             summary="Judge the lot from Ac/Re; advances the switching rules, raises a nonconformity if rejected")
def judge_lot(request, lot_id: PathId):
    lot = selectors.lot_get(request.auth, lot_id)
    services.lot_judge(actor=request.auth, lot=lot)
    return selectors.lot_get(request.auth, lot_id)


# --- Switching --------------------------------------------------------------------------------------------


@router.get("/inspection/switching", response=list[schemas.StateOut], summary="Switching state per item and supplier")
@paginate(Pagination)
def list_states(request, item_id: Id | None = None, inspection: str = ""):
    return selectors.state_list(request.auth, item_id=item_id, inspection=inspection[:12])


@router.get("/inspection/switching/{state_id}", response=schemas.StateOut, summary="One switching state")
def get_state(request, state_id: PathId):
    return selectors.state_get(request.auth, state_id)


@router.get("/inspection/switching/{state_id}/history", response=schemas.StateHistoryOut,
            summary="The switches with their reasons and the lot history")
def state_history(request, state_id: PathId):
    state = selectors.state_get(request.auth, state_id)
    return {"state": state, "switches": selectors.switch_events(request.auth, state),
            "lots": selectors.lot_history(request.auth, state)}


@router.post("/inspection/switching/{state_id}/approve-reduced", response=schemas.StateOut,
             summary="Approve reduced inspection (the responsible person, ISO 2859-1 9.3.3 c)")
def approve_reduced(request, state_id: PathId, payload: schemas.ApprovalIn):
    state = selectors.state_get(request.auth, state_id)
    return services.reduced_approve(actor=request.auth, state=state, note=payload.note)


@router.post("/inspection/switching/{state_id}/resume", response=schemas.StateOut,
             summary="Record the supplier's corrective action and resume on tightened inspection (9.4)")
def resume(request, state_id: PathId, payload: schemas.ResumeIn):
    state = selectors.state_get(request.auth, state_id)
    if not payload.reference.strip():
        raise ValidationError({"reference": "Give the SCAR or CAPA reference."})
    return services.supplier_action_record(actor=request.auth, state=state, reference=payload.reference,
                                           note=payload.note)
