"""The only write path of inspection: items, plans and their characteristics, lots (receipt,
results, verdict) and the switching state.

Lots: receipt (code letter and plan per class for the inspection in force), results per
characteristic, the verdict (Ac/Re, the switching rules advanced once, a nonconformity for a rejected
lot, variables to SPC), and the switching state's own steps: the approval of reduced inspection and
the resumption after the supplier's corrective action. Every switch is an audited event with its reason.

Switching is driven by the plan's switching class (the major class by default): the count of that
class (the sum over its characteristics) and its plan feed `SwitchingRules`, and every class is
sampled on the inspection the rules put the item and supplier on. The lot is rejected when any
class is rejected. The switching rules take lots in order, so one lot of an item and supplier at a
time awaits its verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from qualitas.core.permissions import authorize
from qualitas.core.regulated import clean_text, record_create, record_update, refuse_unknown_fields
from qualitas.core.workflow import engine
from qualitas.inspections import switching
from qualitas.inspections.models import (
    CLASSES,
    InspectionPlan,
    Item,
    Lot,
    LotClass,
    LotResult,
    PlanCharacteristic,
    SwitchingState,
)
from qualitas.inspections.states import results_complete
from qualitas.stats import sampling

MODULE = "inspections"
ITEM_FIELDS = ("part_number", "description", "supplier", "process", "process_step", "site", "active")
PLAN_FIELDS = ("supplier", "level", "aql_critical", "aql_major", "aql_minor", "switching_class", "start_inspection",
               "notes", "active")
CHARACTERISTIC_FIELDS = ("name", "kind", "severity_class", "spc_characteristic", "lsl", "usl", "unit", "position",
                         "active")
MAX_ABS = 1e12




# --- Items ------------------------------------------------------------------------------------------------


@transaction.atomic
def item_create(*, actor, part_number: str, description: str, **fields) -> Item:
    """Register an item (part) inspected in lots."""
    refuse_unknown_fields(fields, ITEM_FIELDS)
    authorize(actor, MODULE, "create", getattr(fields.get("site"), "pk", None))
    part_number = clean_text(part_number)
    if Item.objects.filter(part_number__iexact=part_number).exists():
        raise ValidationError({"part_number": f"Item {part_number} exists already."})
    fields["supplier"] = clean_text(fields.get("supplier"))
    return record_create(actor, Item(part_number=part_number, description=clean_text(description), **fields),
                         event="inspections.item_created")


@transaction.atomic
def item_update(*, actor, item: Item, version=None, reason: str = "", **fields) -> Item:
    refuse_unknown_fields(fields, ITEM_FIELDS)
    authorize(actor, MODULE, "edit", item.site_id)
    if "site" in fields:
        authorize(actor, MODULE, "edit", getattr(fields["site"], "pk", None))
    if "part_number" in fields:
        fields["part_number"] = clean_text(fields["part_number"])
        if Item.objects.filter(part_number__iexact=fields["part_number"]).exclude(pk=item.pk).exists():
            raise ValidationError({"part_number": f"Item {fields['part_number']} exists already."})
    if "supplier" in fields:
        fields["supplier"] = clean_text(fields["supplier"])
    item = record_update(actor, item, event="inspections.item_updated", changes=fields, expected_version=version,
                         reason=reason)
    # Plans, switching states and lots carry the item's site for scoping: they follow it.
    if "site" in fields:
        for plan in item.plans.exclude(site_id=item.site_id):
            record_update(actor, plan, event="inspections.plan_updated", changes={"site": item.site},
                          reason="The item moved to another site.", require_reason=False)
        for state in item.switching_states.exclude(site_id=item.site_id):
            record_update(actor, state, event="inspections.switching_advanced", changes={"site": item.site},
                          reason="The item moved to another site.", require_reason=False)
    return item


# --- Plans ------------------------------------------------------------------------------------------------


def _in_use(plan: InspectionPlan) -> bool:
    """A plan lots were inspected on changes only with a reason."""
    return plan.lots.exists()


def _check_plan(plan: InspectionPlan) -> None:
    errors = {}
    for name in ("aql_critical", "aql_major", "aql_minor"):
        value = getattr(plan, name)
        if value:
            try:
                sampling.aql_index(value)
            except sampling.StatsInputError as exc:
                errors[name] = str(exc)
    if not plan.aql_for(plan.switching_class):
        errors["switching_class"] = (f"The switching class ({plan.switching_class}) needs an AQL: it drives the "
                                     "switching rules.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(*, actor, item: Item, **fields) -> InspectionPlan:
    """The inspection plan of an item (for one supplier, or for any supplier when `supplier` is empty)."""
    refuse_unknown_fields(fields, PLAN_FIELDS)
    authorize(actor, MODULE, "create", item.site_id)
    fields["supplier"] = clean_text(fields.get("supplier"))
    if InspectionPlan.objects.filter(item=item, supplier__iexact=fields["supplier"]).exists():
        raise ValidationError({"supplier": f"{item.part_number} has a plan for "
                                           f"{fields['supplier'] or 'any supplier'} already: edit it."})
    plan = InspectionPlan(item=item, site=item.site, **fields)
    _check_plan(plan)
    return record_create(actor, plan, event="inspections.plan_created")


@transaction.atomic
def plan_update(*, actor, plan: InspectionPlan, version=None, reason: str = "", **fields) -> InspectionPlan:
    """Change the plan (a new version, audited). Lots already received keep the plan they were given."""
    refuse_unknown_fields(fields, PLAN_FIELDS)
    authorize(actor, MODULE, "edit", plan.site_id)
    if "supplier" in fields:
        fields["supplier"] = clean_text(fields["supplier"])
        if InspectionPlan.objects.filter(item_id=plan.item_id, supplier__iexact=fields["supplier"]).exclude(
                pk=plan.pk).exists():
            raise ValidationError({"supplier": "The item has a plan for this supplier already."})
    for name, value in fields.items():
        setattr(plan, name, value)
    _check_plan(plan)
    return record_update(actor, plan, event="inspections.plan_updated", changes=fields, expected_version=version,
                         reason=reason, require_reason=_in_use(plan))


def _check_characteristic(characteristic: PlanCharacteristic) -> None:
    errors = {}
    characteristic.name = clean_text(characteristic.name)
    if not characteristic.name:
        errors["name"] = "Name the characteristic."
    if characteristic.severity_class not in dict(CLASSES):
        errors["severity_class"] = "Choose critical, major or minor."
    for name in ("lsl", "usl"):
        value = getattr(characteristic, name)
        if value is not None and (not math.isfinite(value) or abs(value) > MAX_ABS):
            errors[name] = "Enter a finite number."
    spc = characteristic.spc_characteristic
    if characteristic.kind == "variable":
        if spc is not None and characteristic.lsl is None and characteristic.usl is None:
            characteristic.lsl, characteristic.usl = spc.lsl, spc.usl
        if characteristic.lsl is None and characteristic.usl is None:
            errors["usl"] = "A variable characteristic needs a specification limit (LSL, USL or both)."
        elif None not in (characteristic.lsl, characteristic.usl) and characteristic.lsl >= characteristic.usl:
            errors["usl"] = "The upper specification limit must be above the lower one."
        if spc is not None and spc.is_attribute:
            errors["spc_characteristic"] = f"{spc.number} is an attribute chart: link a variables chart."
    else:
        characteristic.lsl = characteristic.usl = None
        if spc is not None and not spc.is_attribute:
            errors["spc_characteristic"] = (f"{spc.number} charts measured values: an attribute characteristic "
                                            "links a p, np, c or u chart.")
    if spc is not None and not spc.active:
        errors["spc_characteristic"] = f"{spc.number} is inactive: it accepts no measurements."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_characteristic_add(*, actor, plan: InspectionPlan, name: str, version=None, reason: str = "", **fields):
    """Add a characteristic to the plan: a new version of the plan, audited with the characteristic."""
    refuse_unknown_fields(fields, CHARACTERISTIC_FIELDS)
    authorize(actor, MODULE, "edit", plan.site_id)
    if fields.get("spc_characteristic") is not None:
        from qualitas.measurements.selectors import characteristic_get

        characteristic_get(actor, fields["spc_characteristic"].pk)  # the actor sees the chart linked
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    fields.setdefault("position", (plan.characteristics.count() or 0) + 1)
    characteristic = PlanCharacteristic(plan=plan, name=name, **fields)
    _check_characteristic(characteristic)
    if plan.characteristics.filter(name__iexact=characteristic.name).exists():
        raise ValidationError({"name": f"The plan has a characteristic {characteristic.name} already."})
    characteristic.save()
    added = {f"characteristic {characteristic.name}": [None, characteristic.snapshot()]}
    record_update(actor, plan, event="inspections.characteristic_added", changes={}, expected_version=version,
                  reason=reason, require_reason=_in_use(plan), extra_changes=added)
    return characteristic


@transaction.atomic
def plan_characteristic_update(*, actor, characteristic: PlanCharacteristic, version=None, reason: str = "",
                               **fields) -> PlanCharacteristic:
    """Change (or retire, active=False) a characteristic: a new version of its plan, with a reason."""
    refuse_unknown_fields(fields, CHARACTERISTIC_FIELDS)
    plan = InspectionPlan.objects.select_for_update().get(pk=characteristic.plan_id)
    authorize(actor, MODULE, "edit", plan.site_id)
    if fields.get("spc_characteristic") is not None:
        from qualitas.measurements.selectors import characteristic_get

        characteristic_get(actor, fields["spc_characteristic"].pk)
    current = PlanCharacteristic.objects.select_for_update().get(pk=characteristic.pk)
    before, position = current.snapshot(), current.position
    if current.results.exists() and ({"kind", "severity_class"} & set(fields)) and any(
            fields[name] != getattr(current, name) for name in {"kind", "severity_class"} & set(fields)):
        raise ValidationError("Lots were judged on this characteristic: its kind and class stay; retire it and "
                              "add a new one instead.")
    for name, value in fields.items():
        setattr(current, name, value)
    _check_characteristic(current)
    if plan.characteristics.filter(name__iexact=current.name).exclude(pk=current.pk).exists():
        raise ValidationError({"name": f"The plan has a characteristic {current.name} already."})
    after = current.snapshot()
    if after == before and current.position == position:
        return current
    current.save()
    record_update(actor, plan, event="inspections.characteristic_updated", changes={}, expected_version=version,
                  reason=reason, require_reason=_in_use(plan),
                  extra_changes={f"characteristic {current.name}": [before, after]})
    characteristic.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


# --- Lots -----------------------------------------------------------------------------------------------

CLASS_ORDER = [code for code, _ in CLASSES]
MAX_LOT = 10**9
MAX_VALUES = 5000


def _number() -> str:
    from qualitas.core.numbering.services import ensure_scheme, next_number

    ensure_scheme("inspections.lot", "IL-{year}-{seq:04d}", MODULE, description="Inspection lots")
    return next_number("inspections.lot")


def plan_for(item: Item, supplier: str) -> InspectionPlan | None:
    """The item's active plan for the supplier, else its plan for any supplier."""
    plans = {p.supplier.casefold(): p for p in item.plans.filter(active=True)}
    return plans.get(supplier.casefold()) or plans.get("")


def _classes_in_use(plan: InspectionPlan) -> list[str]:
    used = set(plan.characteristics.filter(active=True).values_list("severity_class", flat=True))
    return [code for code in CLASS_ORDER if code in used]


def _check_usable(plan: InspectionPlan) -> list[str]:
    classes = _classes_in_use(plan)
    if not classes:
        raise ValidationError(f"{plan} has no characteristics to inspect.")
    missing = [code for code in classes if not plan.aql_for(code)]
    if missing:
        raise ValidationError(f"{plan} has characteristics of class {', '.join(missing)} but no AQL for it.")
    if plan.switching_class not in classes:
        raise ValidationError(f"{plan}: the switching class ({plan.switching_class}) has no characteristic; "
                              "the switching rules need its verdict.")
    return classes


def _state_for(actor, item: Item, supplier: str, plan: InspectionPlan) -> SwitchingState:
    states = SwitchingState.objects.filter(item=item, supplier__iexact=supplier)
    state = states.select_for_update().order_by("pk").first()
    if state is None:
        reason = f"started on {plan.start_inspection} inspection, as the plan says"
        state = record_create(
            actor,
            SwitchingState(item=item, supplier=supplier, site=item.site, inspection=plan.start_inspection,
                           reason=reason),
            event="inspections.switching_started", reason=reason,
        )
    return state


@transaction.atomic
def lot_receive(*, actor, item: Item, number: str, size: int, supplier: str | None = None, received_on=None,
                production_steady: bool = True) -> Lot:
    """Enter a received lot: its code letter and the plan of each class for the inspection in force."""
    authorize(actor, MODULE, "create", item.site_id)
    item = Item.objects.select_for_update().get(pk=item.pk)
    number = " ".join(str(number or "").split())
    supplier = " ".join(str(item.supplier if supplier is None else supplier).split())
    received_on = received_on or timezone.localdate()
    errors = {}
    if not number:
        errors["number"] = "Give the lot number."
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_LOT:
        errors["size"] = "The lot size is a whole number of at least 1."
    if received_on > timezone.localdate():
        errors["received_on"] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    if not item.active:
        raise ValidationError(f"{item.part_number} is inactive: no lots are received.")
    plan = plan_for(item, supplier)
    if plan is None:
        raise ValidationError(f"{item.part_number} has no active inspection plan for {supplier or 'any supplier'}.")
    classes = _check_usable(plan)
    if Lot.objects.filter(item=item, supplier__iexact=supplier, number__iexact=number).exists():
        raise ValidationError({"number": f"Lot {number} of {item.part_number} from {supplier or 'no supplier'} was "
                                         "received already."})
    state = _state_for(actor, item, supplier, plan)
    if state.inspection == sampling.DISCONTINUED:
        raise ValidationError(
            f"Acceptance inspection of {item.part_number} from {supplier or 'this supplier'} is discontinued "
            f"(ISO 2859-1 9.4: {state.reason}). Record the supplier's corrective action to resume on tightened "
            "inspection; until then no lot is accepted for inspection."
        )
    waiting = Lot.objects.filter(switching_state=state, status="received").first()
    if waiting is not None:
        raise ValidationError(f"Lot {waiting.number} ({waiting.reference}) awaits its verdict: the switching rules "
                              "take lots in order, so judge or cancel it first.")
    letter = sampling.code_letter(size, plan.level)
    lot = record_create(
        actor,
        Lot(reference=_number(), number=number, item=item, plan=plan, plan_version=plan.version,
            switching_state=state, supplier=supplier, size=size, received_on=received_on, received_by=actor,
            site=item.site, inspection=state.inspection, code_letter=letter, production_steady=production_steady,
            after_corrective_action=state.resumed),
        event="inspections.lot_received",
        extra_changes={"plan per class": [None, _plans_text(plan, classes, size, state.inspection)]},
    )
    LotClass.objects.bulk_create([
        _lot_class(lot, code, plan.aql_for(code), sampling.plan(size, plan.aql_for(code), level=plan.level,
                                                                 inspection=state.inspection))
        for code in classes
    ])
    return lot


def _lot_class(lot: Lot, code: str, aql: str, chosen: sampling.SamplingPlan) -> LotClass:
    return LotClass(lot=lot, severity_class=code, aql=aql, code_letter=chosen.code_letter,
                    plan_code_letter=chosen.plan_code_letter, n=chosen.n, ac=chosen.ac, re=chosen.re,
                    inspect_all=chosen.inspect_all)


def _plans_text(plan: InspectionPlan, classes: list[str], size: int, inspection: str) -> str:
    parts = []
    for code in classes:
        chosen = sampling.plan(size, plan.aql_for(code), level=plan.level, inspection=inspection)
        parts.append(f"{code} AQL {plan.aql_for(code)}: n {chosen.n}, Ac {chosen.ac}, Re {chosen.re}")
    return f"{inspection}; " + "; ".join(parts)


# --- Results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultEntry:
    """The inspector's finding on one characteristic: a count (attributes) or the sample's values (variables)."""

    characteristic_id: int
    nonconforming: int | None = None
    values: Sequence[float] | None = None


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (
        abs(value) <= 1e12)


def _outside(characteristic, value: float) -> bool:
    return (characteristic.lsl is not None and value < characteristic.lsl) or (
        characteristic.usl is not None and value > characteristic.usl)


@transaction.atomic
def lot_results_record(*, actor, lot: Lot, results: Sequence[ResultEntry]) -> Lot:
    """Record (or correct, before the verdict) the results of some or all characteristics of a lot.
    A variable characteristic takes the sample's values, one per item sampled; its count of
    nonconforming items is the number of values outside the specification limits."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    authorize(actor, MODULE, "edit", lot.site_id)
    if lot.status != "received":
        raise ValidationError(f"Lot {lot.reference} is {lot.get_status_display().lower()}: its results are final.")
    if not results:
        raise ValidationError("There are no results to record.")
    characteristics = {c.pk: c for c in lot.plan.characteristics.filter(active=True)}
    sizes = {c.severity_class: c.n for c in lot.classes.all()}
    errors, rows = [], []
    for entry in results:
        characteristic = characteristics.get(entry.characteristic_id)
        if characteristic is None:
            errors.append(f"Characteristic {entry.characteristic_id} is not one of this lot's plan.")
            continue
        n = sizes[characteristic.severity_class]
        count, values = _result(characteristic, entry, n, errors)
        if count is not None:
            rows.append((characteristic, count, values))
    if len({c.pk for c, _, _ in rows}) != len(rows):
        errors.append("A characteristic is given twice.")
    if errors:
        raise ValidationError(errors)
    changes = {}
    now = timezone.now()
    for characteristic, count, values in rows:
        previous = LotResult.objects.filter(lot=lot, characteristic=characteristic).first()
        old = None if previous is None else previous.nonconforming
        LotResult.objects.update_or_create(lot=lot, characteristic=characteristic, defaults={
            "nonconforming": count, "values": values, "recorded_by": actor, "recorded_at": now})
        shown = f"{count} nonconforming" + (f" in {len(values)} values" if values else "")
        changes[characteristic.name] = [None if old is None else f"{old} nonconforming", shown]
    return record_update(actor, lot, event="inspections.results_recorded", changes={}, extra_changes=changes,
                         require_reason=False)


def _result(characteristic, entry: ResultEntry, n: int, errors: list[str]) -> tuple[int | None, list[float]]:
    name = characteristic.name
    if characteristic.kind == "variable":
        values = list(entry.values or [])
        if entry.nonconforming is not None and not values:
            errors.append(f"{name}: a variable characteristic takes the measured values of the sample.")
            return None, []
        if len(values) != n:
            errors.append(f"{name}: {len(values)} values given; the sample holds {n} items.")
            return None, []
        if len(values) > MAX_VALUES or not all(_finite(v) for v in values):
            errors.append(f"{name}: every value must be a finite number.")
            return None, []
        values = [float(v) for v in values]
        return sum(_outside(characteristic, v) for v in values), values
    if entry.values:
        errors.append(f"{name}: an attribute characteristic takes the count of nonconforming items.")
        return None, []
    count = entry.nonconforming
    if count is None or isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= n:
        errors.append(f"{name}: the count of nonconforming items is a whole number from 0 to the sample size {n}.")
        return None, []
    return count, []


@transaction.atomic
def lot_inspect(*, actor, lot: Lot, results: Sequence[ResultEntry] = (), judge: bool = False) -> Lot:
    """Record results and, when asked, the verdict, in one step: all of it or nothing."""
    if not results and not judge:
        raise ValidationError("Enter the results of at least one characteristic.")
    if results:
        lot = lot_results_record(actor=actor, lot=lot, results=results)
    if judge:
        lot = lot_judge(actor=actor, lot=lot)
    return lot


# --- The verdict ----------------------------------------------------------------------------------------


@transaction.atomic
def lot_judge(*, actor, lot: Lot) -> Lot:
    """The verdict from Ac/Re of every class; the switching rules advanced once, on the switching class."""
    lot = Lot.objects.select_for_update().select_related("plan", "item").get(pk=lot.pk)
    authorize(actor, MODULE, "edit", lot.site_id)
    if lot.status != "received":
        raise ValidationError(f"Lot {lot.reference} was judged already ({lot.get_status_display().lower()}).")
    plan = lot.plan
    state = SwitchingState.objects.select_for_update().get(pk=lot.switching_state_id)
    if state.inspection != lot.inspection:
        raise ValidationError(f"Inspection of {lot.item.part_number} is {state.inspection} now, not "
                              f"{lot.inspection} as when lot {lot.number} was received: cancel and enter it again.")
    results = list(lot.results.select_related("characteristic"))
    refusal = results_complete(actor, lot)
    if refusal:
        raise ValidationError(refusal)
    classes = list(lot.classes.all())
    counts = {c.severity_class: 0 for c in classes}
    for result in results:
        if result.characteristic.active:
            counts[result.characteristic.severity_class] += result.nonconforming
    for lot_class in classes:
        lot_class.nonconforming = counts[lot_class.severity_class]
        lot_class.accepted = lot_class.nonconforming <= lot_class.ac or (
            lot.inspection == sampling.REDUCED and lot_class.nonconforming < lot_class.re)
    driving = next(c for c in classes if c.severity_class == plan.switching_class)
    rules = switching.rules_for(state, aql=driving.aql, level=plan.level)
    approves = state.reduced_approved
    decision = rules.record(lot.size, driving.nonconforming, production_steady=lot.production_steady,
                            authority_approves=approves)
    if (decision.plan.n, decision.plan.ac, decision.plan.re, decision.accepted) != (
            driving.n, driving.ac, driving.re, driving.accepted):
        raise ValidationError(f"The plan of lot {lot.reference} no longer matches the sampling tables; cancel it "
                              "and enter it again.")
    LotClass.objects.bulk_update(classes, ["nonconforming", "accepted"])
    accepted = all(c.accepted for c in classes)
    _to_spc(actor, lot, results, {c.severity_class: c for c in classes})
    nonconformity = None if accepted else _raise_nonconformity(actor, lot, classes, results)
    now = timezone.now()
    engine.perform(
        actor=actor, instance=lot, transition="accept" if accepted else "reject", by_service=True,
        changes={"switching_score": decision.switching_score, "next_inspection": decision.next_inspection,
                 "switch_reason": decision.reason, "authority_approves": approves, "judged_by": actor,
                 "judged_at": now, "nonconformity": nonconformity},
        reason=_verdict_text(classes),
    )
    _advance(actor, state, rules, decision, lot, now)
    return lot


def _verdict_text(classes: list[LotClass]) -> str:
    return "; ".join(
        f"{c.get_severity_class_display()}: {c.nonconforming} found, Ac {c.ac} Re {c.re}: "
        f"{'accepted' if c.accepted else 'rejected'}" for c in classes)


def _advance(actor, state: SwitchingState, rules, decision, lot: Lot, now) -> None:
    fields = switching.fields_of(rules)
    fields.update(lots_judged=state.lots_judged + 1, resumed=False)
    switched = decision.next_inspection != decision.inspection
    if switched:
        fields.update(reason=f"{decision.reason} (after lot {lot.number}, {lot.reference})", switched_at=now)
        # An approval of reduced inspection holds for this spell of normal inspection and the reduced
        # inspection it led to; tightened inspection, or the return from reduced, ends it.
        if decision.next_inspection == sampling.TIGHTENED or decision.inspection == sampling.REDUCED:
            fields.update(reduced_approved_by=None, reduced_approved_at=None, reduced_approval_note="")
    record_update(
        actor, state, event="inspections.inspection_switched" if switched else "inspections.switching_advanced",
        changes=fields, require_reason=False,
        reason=(f"{decision.inspection} → {decision.next_inspection}: {decision.reason}" if switched
                else f"lot {lot.reference} {'accepted' if decision.accepted else 'not accepted'}"),
    )


def _to_spc(actor, lot: Lot, results: list[LotResult], classes: dict[str, LotClass]) -> None:
    """One subgroup per lot on each linked SPC characteristic: the sample's first values (as many as
    the chart's subgroup holds) for variables, the count in the sample for attribute charts."""
    linked = [r for r in results if r.characteristic.spc_characteristic_id]
    if not linked:
        return
    from qualitas.measurements.selectors import characteristic_get
    from qualitas.measurements.services import SubgroupEntry, measurements_record

    for result in linked:
        spc = characteristic_get(actor, result.characteristic.spc_characteristic_id)
        n = classes[result.characteristic.severity_class].n
        if spc.is_attribute:
            size = None if spc.chart_type == "c" else float(n)
            entry = SubgroupEntry(count=result.nonconforming, size=size, key=lot.reference, lot=lot.number,
                                  where=result.characteristic.name)
        else:
            entry = SubgroupEntry(values=tuple(result.values[:spc.subgroup_size]), key=lot.reference,
                                  lot=lot.number, where=result.characteristic.name)
        measurements_record(actor=actor, characteristic=spc, entries=[entry], source="manual",
                            source_name=f"Inspection {lot.reference}")


def _raise_nonconformity(actor, lot: Lot, classes: list[LotClass], results: list[LotResult]):
    from qualitas.capa.selectors import severities
    from qualitas.core.raising import raise_from

    rejected = [c for c in classes if not c.accepted]
    worst = rejected[0].severity_class  # CLASS_ORDER: critical before major before minor
    found = "\n".join(
        f"- {r.characteristic.name} ({r.characteristic.get_severity_class_display().lower()}): "
        f"{r.nonconforming} nonconforming" for r in results)
    description = (
        f"Lot {lot.number} ({lot.reference}) of {lot.item.part_number} {lot.item.description}, "
        f"{lot.size} pieces from {lot.supplier or 'no supplier named'}, received {lot.received_on:%Y-%m-%d}, "
        f"rejected on {lot.inspection} inspection (code letter {lot.code_letter}).\n"
        + "\n".join(f"{c.get_severity_class_display()} AQL {c.aql}: sample {c.n}, {c.nonconforming} found, "
                    f"Ac {c.ac} Re {c.re}: {'accepted' if c.accepted else 'rejected'}" for c in classes)
        + f"\n\nResults:\n{found}"
    )
    return raise_from(
        actor=actor, record=lot, raising="nonconformity",
        title=f"Lot {lot.number} of {lot.item.part_number} rejected at inspection",
        description=description, severity=severities(actor).filter(code=worst).first(), nc_type="product",
        category="Inspection", site=lot.site, process=lot.item.process,
        product=f"{lot.item.part_number} {lot.item.description}"[:200], lot=lot.number[:100],
        quantity_affected=lot.size, detected_on=lot.received_on,
        containment="Lot on hold pending its disposition.",
    )


# --- The switching state's own steps -------------------------------------------------------------------


@transaction.atomic
def reduced_approve(*, actor, state: SwitchingState, note: str = "") -> SwitchingState:
    """The responsible person's approval of reduced inspection (ISO 2859-1 9.3.3 c). Without it the
    switching score keeps counting; with it the next lot judged with a score of 30 or more and steady
    production switches to reduced inspection."""
    state = SwitchingState.objects.select_for_update().get(pk=state.pk)
    authorize(actor, MODULE, "approve", state.site_id)
    if state.inspection != sampling.NORMAL:
        raise ValidationError(f"Reduced inspection is approved on normal inspection; this is {state.inspection}.")
    if state.reduced_approved:
        raise ValidationError("Reduced inspection is approved already.")
    note = (note or "").strip()
    return record_update(
        actor, state, event="inspections.reduced_approved", require_reason=False,
        changes={"reduced_approved_by": actor, "reduced_approved_at": timezone.now(), "reduced_approval_note": note},
        reason=f"reduced inspection approved at a switching score of {state.switching_score}"
               + (f": {note}" if note else ""),
    )


@transaction.atomic
def supplier_action_record(*, actor, state: SwitchingState, reference: str, note: str = "") -> SwitchingState:
    """Record the supplier's corrective action (SCAR or CAPA reference) on discontinued inspection and
    resume on tightened inspection (ISO 2859-1 9.4)."""
    state = SwitchingState.objects.select_for_update().get(pk=state.pk)
    authorize(actor, MODULE, "approve", state.site_id)
    reference = " ".join((reference or "").split())
    if state.inspection != sampling.DISCONTINUED:
        raise ValidationError(f"Inspection is {state.inspection}, not discontinued: there is nothing to resume.")
    if not reference:
        raise ValidationError({"reference": "Give the reference of the supplier's corrective action (SCAR, CAPA)."})
    now = timezone.now()
    note = (note or "").strip()
    state = record_update(
        actor, state, event="inspections.corrective_action_recorded", require_reason=False,
        changes={"corrective_action": reference[:200], "corrective_action_note": note, "corrective_action_by": actor,
                 "corrective_action_at": now},
        reason=f"supplier corrective action {reference} recorded" + (f": {note}" if note else ""),
    )
    rules = switching.rules_for(state, aql="1.0", level="II")  # the AQL and level do not matter to resume()
    rules.resume()
    fields = switching.fields_of(rules)
    reason = f"resumed on tightened inspection after the supplier's corrective action {reference}"
    fields.update(reason=reason, switched_at=now, resumed=True)
    return record_update(actor, state, event="inspections.inspection_switched", changes=fields,
                         require_reason=False, reason=f"discontinued → tightened: {reason}")
