"""Reads of inspection, always scoped to what the actor may see (inspections "view", by site)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from qualitas.core.permissions import visible_to
from qualitas.inspections.models import InspectionPlan, Item, Lot, LotClass, PlanCharacteristic, SwitchingState

MODULE = "inspections"
SWITCH_EVENTS = ("inspections.switching_started", "inspections.inspection_switched", "inspections.reduced_approved",
                 "inspections.corrective_action_recorded")


def _one(queryset: QuerySet, pk, what: str):
    found = queryset.filter(pk=pk).first() if str(pk).isdigit() and len(str(pk)) < 19 else None
    if found is None:
        raise Http404(f"No such {what}.")
    return found


# --- Items ------------------------------------------------------------------------------------------------


def items_visible(actor) -> QuerySet[Item]:
    return visible_to(actor, Item.objects.select_related("process", "site"), MODULE)


def item_list(actor, *, query: str = "", active_only: bool = False) -> QuerySet[Item]:
    items = items_visible(actor).prefetch_related(
        Prefetch("switching_states", queryset=SwitchingState.objects.order_by("supplier")))
    if query:
        items = items.filter(Q(part_number__icontains=query) | Q(description__icontains=query)
                             | Q(supplier__icontains=query))
    if active_only:
        items = items.filter(active=True)
    return items


def item_get(actor, pk) -> Item:
    return _one(items_visible(actor), pk, "item")


# --- Plans ------------------------------------------------------------------------------------------------


def plans_visible(actor) -> QuerySet[InspectionPlan]:
    return visible_to(actor, InspectionPlan.objects.select_related("item", "site"), MODULE)


def plan_list(actor, *, item_id=None, query: str = "") -> QuerySet[InspectionPlan]:
    plans = plans_visible(actor).prefetch_related(
        Prefetch("characteristics", queryset=PlanCharacteristic.objects.filter(active=True)))
    if item_id:
        plans = plans.filter(item_id=item_id)
    if query:
        plans = plans.filter(Q(item__part_number__icontains=query) | Q(item__description__icontains=query)
                             | Q(supplier__icontains=query))
    return plans


def plan_get(actor, pk) -> InspectionPlan:
    return _one(plans_visible(actor), pk, "inspection plan")


def plan_characteristics(plan: InspectionPlan, *, active_only: bool = False) -> QuerySet[PlanCharacteristic]:
    characteristics = plan.characteristics.select_related("spc_characteristic")
    return characteristics.filter(active=True) if active_only else characteristics


def characteristic_get(actor, pk) -> PlanCharacteristic:
    characteristic = _one(PlanCharacteristic.objects.select_related("plan"), pk, "characteristic")
    plan_get(actor, characteristic.plan_id)
    return characteristic


# --- Switching states -----------------------------------------------------------------------------------


def states_visible(actor) -> QuerySet[SwitchingState]:
    return visible_to(actor, SwitchingState.objects.select_related("item", "site", "reduced_approved_by"), MODULE)


def state_list(actor, *, item_id=None, inspection: str = "") -> QuerySet[SwitchingState]:
    states = states_visible(actor)
    if item_id:
        states = states.filter(item_id=item_id)
    if inspection:
        states = states.filter(inspection=inspection)
    return states


def state_get(actor, pk) -> SwitchingState:
    return _one(states_visible(actor), pk, "switching state")


def switch_events(actor, state: SwitchingState, *, limit: int = 50) -> list:
    """The switches of a state with their reasons, newest first (from the audit trail)."""
    from qualitas.core.audit.selectors import history

    return [e for e in history(actor, "inspections.switchingstate", state.pk, limit=500)
            if e.event in SWITCH_EVENTS][:limit]


# --- Lots -------------------------------------------------------------------------------------------------


def lots_visible(actor) -> QuerySet[Lot]:
    return visible_to(actor, Lot.objects.select_related("item", "received_by", "site", "nonconformity"), MODULE)


def lot_list(actor, *, item_id=None, state_id=None, status: str = "", query: str = "") -> QuerySet[Lot]:
    lots = lots_visible(actor).prefetch_related(Prefetch("classes", queryset=LotClass.objects.order_by("pk")))
    if item_id:
        lots = lots.filter(item_id=item_id)
    if state_id:
        lots = lots.filter(switching_state_id=state_id)
    if status:
        lots = lots.filter(status=status)
    if query:
        lots = lots.filter(Q(reference__icontains=query) | Q(number__icontains=query)
                           | Q(item__part_number__icontains=query) | Q(supplier__icontains=query))
    return lots


def lot_get(actor, pk) -> Lot:
    lots = lots_visible(actor).select_related("plan", "switching_state", "judged_by").prefetch_related(
        Prefetch("classes", queryset=LotClass.objects.order_by("pk")), "results__characteristic")
    return _one(lots, pk, "lot")


def lot_history(actor, state: SwitchingState, *, limit: int = 200) -> list[Lot]:
    """The lots of an item and supplier in the order the switching rules took them, newest first."""
    return list(lot_list(actor, state_id=state.pk).order_by("-pk")[:limit])


def lot_classes(lot: Lot) -> list[LotClass]:
    return list(lot.classes.all())


def lot_results(lot: Lot) -> dict[int, object]:
    return {r.characteristic_id: r for r in lot.results.all()}


def plan_for_lot(actor, item: Item, supplier: str) -> InspectionPlan | None:
    """The plan a new lot of `item` from `supplier` would be inspected on."""
    from qualitas.inspections.services import plan_for

    item_get(actor, item.pk)
    return plan_for(item, supplier)


# --- Search -----------------------------------------------------------------------------------------------


def search(actor, query: str, limit: int):
    from django.urls import reverse

    from qualitas.core.permissions import has_perm
    from qualitas.core.registry import SearchHit

    if not has_perm(actor, MODULE, "view"):
        return []
    hits = [
        SearchHit(f"{item.part_number} {item.description}", reverse("inspections:item", args=[item.pk]),
                  MODULE, "Inspected item", item.supplier, 1.0)
        for item in items_visible(actor).filter(
            Q(part_number__icontains=query) | Q(description__icontains=query) | Q(supplier__icontains=query))[:limit]
    ]
    hits += [
        SearchHit(f"{lot.reference} lot {lot.number}", reverse("inspections:lot", args=[lot.pk]), MODULE,
                  "Inspection lot", f"{lot.item.part_number} · {lot.get_status_display()}", 0.9)
        for lot in lots_visible(actor).filter(Q(reference__icontains=query) | Q(number__icontains=query))[:limit]
    ]
    return hits[:limit]
