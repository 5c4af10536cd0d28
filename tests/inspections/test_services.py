"""Inspection services: the plan per class for the inspection in force, results, the verdict, the
nonconformity of a rejected lot, SPC, and the switching steps (approval, discontinuation, resumption).

Plans from the ISO 2859-1 / MIL-STD-105E tables (../shared/reference-data/sampling): lot 500, level II
is code letter H. AQL 1.0: normal n 50 Ac 1 Re 2; tightened n 80 Ac 1 Re 2 (H's arrow to J); reduced
n 20 Ac 0 Re 2. AQL 4.0: normal n 50 Ac 5 Re 6; tightened n 50 Ac 3 Re 4; reduced n 20 Ac 2 Re 5.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.testing import factories
from qualitas.core.testing.audit import assert_audited
from qualitas.inspections import selectors, services
from qualitas.inspections.models import Lot
from qualitas.inspections.services import ResultEntry
from qualitas.inspections.testing import inspect, lot_factory
from tests.inspections.conftest import judge

pytestmark = pytest.mark.django_db


def plans_of(lot):
    return {c.severity_class: (c.code_letter, c.n, c.ac, c.re) for c in lot.classes.all()}


def test_a_received_lot_gets_the_code_letter_and_the_plan_of_each_class(qm, plan):
    lot = lot_factory(actor=qm, plan=plan, size=500, number="A-1")
    assert (lot.reference[:3], lot.code_letter, lot.inspection, lot.status) == ("IL-", "H", "normal", "received")
    assert plans_of(lot) == {"major": ("H", 50, 1, 2), "minor": ("H", 50, 5, 6)}
    assert lot.received_by == qm and lot.supplier == "Castings"
    assert_audited("inspections.lot_received", lot, actor=qm)
    assert_audited("inspections.switching_started", lot.switching_state, actor=qm)


def test_a_rejected_class_rejects_the_lot_and_raises_a_linked_nonconformity(qm, plan):
    from qualitas.core.links.selectors import linked

    lot = judge(qm, plan, {"Finish": 6})  # minor: 6 ≥ Re 6; the major class is accepted
    assert lot.status == "rejected"
    assert {c.severity_class: c.accepted for c in lot.classes.all()} == {"major": True, "minor": False}
    nc = lot.nonconformity
    assert nc.source == "inspection" and nc.severity.code == "minor" and nc.lot == lot.number
    assert nc.product.startswith("H-4711") and nc.quantity_affected == 500
    assert "Finish (minor): 6 nonconforming" in nc.description
    assert ("inspections.lot", str(lot.pk)) in {(key, str(pk)) for key, pk in linked(nc)}
    assert_audited("inspections.lot.reject", lot, actor=qm)
    # Only the major class drives switching: a minor rejection does not count towards tightened.
    lot = judge(qm, plan, {"Finish": 6})
    assert lot.next_inspection == "normal"


def test_the_major_class_sums_its_characteristics(qm, plan):
    lot = judge(qm, plan, {"Porosity": 1, "Cracks": 1})  # 2 ≥ Re 2
    assert lot.status == "rejected" and lot.nonconformity.severity.code == "major"
    assert [c.nonconforming for c in lot.classes.all()] == [2, 0]


def test_two_lots_not_accepted_within_five_tighten_and_five_accepted_return_to_normal(qm, plan):
    lots = [judge(qm, plan, counts) for counts in ({}, {"Porosity": 2}, {}, {"Cracks": 2})]
    assert [lot.status for lot in lots] == ["accepted", "rejected", "accepted", "rejected"]
    assert lots[-1].next_inspection == "tightened"
    state = selectors.state_get(qm, lots[-1].switching_state_id)
    assert state.inspection == "tightened"
    assert_audited("inspections.inspection_switched", state, actor=qm, inspection=("normal", "tightened"))
    tightened = lot_factory(actor=qm, plan=plan, size=500)
    assert plans_of(tightened) == {"major": ("H", 80, 1, 2), "minor": ("H", 50, 3, 4)}
    inspect(actor=qm, lot=tightened, counts={"Porosity": 1})
    for _ in range(4):
        last = judge(qm, plan)
    assert (last.inspection, last.next_inspection) == ("tightened", "normal")
    assert last.switch_reason == "5 consecutive lots accepted on tightened inspection"
    events = selectors.switch_events(qm, state)
    assert [e.reason for e in events[:2]] == [
        "tightened → normal: 5 consecutive lots accepted on tightened inspection",
        "normal → tightened: 2 lots not accepted within 5 consecutive lots",
    ]


def test_reduced_inspection_needs_the_responsible_person_s_approval(qm, inspector, plan):
    lots = [judge(qm, plan) for _ in range(15)]  # +2 per accepted lot (Ac 1): 30
    assert lots[-1].switching_score == 30 and lots[-1].next_inspection == "normal"
    state = selectors.state_get(qm, lots[-1].switching_state_id)
    with pytest.raises(PermissionDenied):
        services.reduced_approve(actor=inspector, state=state)
    services.reduced_approve(actor=qm, state=state, note="Capable supplier")
    assert_audited("inspections.reduced_approved", state, actor=qm)
    with pytest.raises(ValidationError, match="approved already"):
        services.reduced_approve(actor=qm, state=state)
    not_steady = judge(qm, plan, production_steady=False)
    assert (not_steady.switching_score, not_steady.next_inspection) == (32, "normal")
    switched = judge(qm, plan)
    assert (switched.switching_score, switched.next_inspection, switched.authority_approves) == (34, "reduced", True)
    reduced = lot_factory(actor=qm, plan=plan, size=500)
    assert plans_of(reduced) == {"major": ("H", 20, 0, 2), "minor": ("H", 20, 2, 5)}
    # A count between Ac and Re: accepted, and back to normal; the approval ended with reduced inspection.
    reduced = inspect(actor=qm, lot=reduced, counts={"Porosity": 1})
    assert (reduced.status, reduced.next_inspection) == ("accepted", "normal")
    assert reduced.switch_reason == "count between Ac and Re on reduced inspection"
    state.refresh_from_db()
    assert (state.inspection, state.reduced_approved, state.switching_score) == ("normal", False, 0)


def test_discontinued_inspection_refuses_lots_until_the_supplier_s_corrective_action(qm, inspector, plan):
    for counts in ({"Porosity": 2}, {"Porosity": 2}):  # two in a row: tightened
        judge(qm, plan, counts)
    for _ in range(5):
        last = judge(qm, plan, {"Cracks": 2})
    assert (last.next_inspection, last.switch_reason) == ("discontinued", "5 lots not accepted on tightened inspection")
    state = selectors.state_get(qm, last.switching_state_id)
    with pytest.raises(ValidationError, match=r"discontinued \(ISO 2859-1 9.4"):
        lot_factory(actor=qm, plan=plan)
    with pytest.raises(PermissionDenied):
        services.supplier_action_record(actor=inspector, state=state, reference="SCAR-17")
    with pytest.raises(ValidationError):
        services.supplier_action_record(actor=qm, state=state, reference="  ")
    state = services.supplier_action_record(actor=qm, state=state, reference="SCAR-17", note="New die, 8D closed")
    assert (state.inspection, state.corrective_action, state.tightened_not_accepted) == ("tightened", "SCAR-17", 0)
    assert_audited("inspections.corrective_action_recorded", state, actor=qm,
                   **{"supplier corrective action (SCAR / CAPA)": "SCAR-17"})
    assert_audited("inspections.inspection_switched", state, actor=qm, inspection=("discontinued", "tightened"))
    resumed = judge(qm, plan)
    assert (resumed.inspection, resumed.after_corrective_action, resumed.status) == ("tightened", True, "accepted")
    assert not judge(qm, plan).after_corrective_action


def test_results_are_checked_against_the_sample_and_corrected_until_the_verdict(qm, plan):
    lot = lot_factory(actor=qm, plan=plan, size=500)
    porosity, cracks, finish = plan.characteristics.order_by("position")
    with pytest.raises(ValidationError, match="from 0 to the sample size 50"):
        services.lot_results_record(actor=qm, lot=lot, results=[ResultEntry(porosity.pk, nonconforming=51)])
    with pytest.raises(ValidationError, match="takes the count"):
        services.lot_results_record(actor=qm, lot=lot, results=[ResultEntry(porosity.pk, values=[1.0])])
    services.lot_results_record(actor=qm, lot=lot, results=[ResultEntry(porosity.pk, nonconforming=3)])
    with pytest.raises(ValidationError, match="Cracks, Finish"):
        services.lot_judge(actor=qm, lot=lot)
    services.lot_results_record(actor=qm, lot=lot, results=[ResultEntry(porosity.pk, nonconforming=0),
                                                            ResultEntry(cracks.pk, nonconforming=0),
                                                            ResultEntry(finish.pk, nonconforming=0)])
    assert_audited("inspections.results_recorded", lot, actor=qm, Porosity=["3 nonconforming", "0 nonconforming"])
    lot = services.lot_judge(actor=qm, lot=lot)
    assert lot.status == "accepted"
    with pytest.raises(ValidationError, match="final"):
        services.lot_results_record(actor=qm, lot=lot, results=[ResultEntry(porosity.pk, nonconforming=1)])
    with pytest.raises(ValidationError, match="judged already"):
        services.lot_judge(actor=qm, lot=lot)


def test_a_failed_step_changes_nothing(qm, plan):
    lot = lot_factory(actor=qm, plan=plan, size=500)
    porosity = plan.characteristics.get(name="Porosity")
    with pytest.raises(ValidationError):
        services.lot_inspect(actor=qm, lot=lot, results=[ResultEntry(porosity.pk, nonconforming=1)], judge=True)
    assert not lot.results.exists()
    assert Lot.objects.get(pk=lot.pk).version == lot.version


def test_variables_count_values_outside_the_limits_and_go_to_spc(qm, site):
    from qualitas.inspections.testing import item_factory, plan_factory
    from qualitas.measurements.models import Subgroup

    chart = factories.characteristic(actor=qm, name="Bore", lsl=11.0, usl=13.0, target=12.0, site=site)
    item = item_factory(actor=qm, site=site)
    plan = plan_factory(actor=qm, item=item, characteristics=())
    services.plan_characteristic_add(actor=qm, plan=plan, name="Bore", kind="variable", severity_class="major",
                                     spc_characteristic=chart)
    bore = plan.characteristics.get()
    assert (bore.lsl, bore.usl) == (11.0, 13.0)  # taken from the SPC characteristic
    lot = lot_factory(actor=qm, plan=plan, size=100)  # F, AQL 1.0: 13 items, Ac 0 (F's own 0/1 cell)
    assert plans_of(lot) == {"major": ("F", 13, 0, 1)}
    with pytest.raises(ValidationError, match="12 values given; the sample holds 13"):
        services.lot_results_record(actor=qm, lot=lot, results=[ResultEntry(bore.pk, values=[12.0] * 12)])
    values = [12.0, 12.1, 11.9, 12.2, 11.8, 13.5] + [12.0] * 7
    lot = inspect(actor=qm, lot=lot, values={"Bore": values})
    assert lot.results.get().nonconforming == 1 and lot.status == "rejected"
    subgroup = Subgroup.objects.get(characteristic=chart, key=lot.reference)
    assert (subgroup.lot, list(subgroup.measurements.order_by("position").values_list("value", flat=True))) == (
        lot.number, values[:5])


def test_plan_and_characteristics_are_versioned_and_need_a_reason_once_used(qm, plan):
    version = plan.version
    services.plan_characteristic_add(actor=qm, plan=plan, name="Burrs", severity_class="minor")
    plan.refresh_from_db()
    assert plan.version == version + 1
    assert_audited("inspections.characteristic_added", plan, actor=qm)
    judge(qm, plan)
    with pytest.raises(ValidationError, match="reason"):
        services.plan_update(actor=qm, plan=plan, version=plan.version, aql_minor="2.5")
    plan = services.plan_update(actor=qm, plan=plan, version=plan.version, aql_minor="2.5", reason="Customer asks")
    assert_audited("inspections.plan_updated", plan, actor=qm, **{"AQL minor": ("4.0", "2.5")})
    burrs = plan.characteristics.get(name="Burrs")
    with pytest.raises(ValidationError, match="reason"):
        services.plan_characteristic_update(actor=qm, characteristic=burrs, version=plan.version, active=False)
    services.plan_characteristic_update(actor=qm, characteristic=burrs, version=plan.version, active=False,
                                        reason="Covered by Finish")
    assert not plan.characteristics.get(name="Burrs").active
    with pytest.raises(ValidationError, match="switching class"):
        services.plan_update(actor=qm, plan=plan, version=plan.version + 1, aql_major="", reason="x")


def test_lots_are_taken_in_order_and_once(qm, plan):
    lot_factory(actor=qm, plan=plan, number="L-1")
    with pytest.raises(ValidationError, match="awaits its verdict"):
        lot_factory(actor=qm, plan=plan, number="L-2")
    with pytest.raises(ValidationError, match="received already"):
        lot_factory(actor=qm, plan=plan, number="l-1")


def test_receiving_needs_a_usable_plan_and_the_right(qm, employee, site):
    from qualitas.inspections.testing import item_factory, plan_factory

    item = item_factory(actor=qm, site=site)
    with pytest.raises(ValidationError, match="no active inspection plan"):
        services.lot_receive(actor=qm, item=item, number="1", size=100)
    plan = plan_factory(actor=qm, item=item, characteristics=(("Finish", "attribute", "minor"),))
    with pytest.raises(ValidationError, match="switching class"):
        services.lot_receive(actor=qm, item=item, number="1", size=100)
    services.plan_characteristic_add(actor=qm, plan=plan, name="Fit", severity_class="critical")
    with pytest.raises(ValidationError, match="no AQL for it"):
        services.lot_receive(actor=qm, item=item, number="1", size=100)
    with pytest.raises(PermissionDenied):
        services.lot_receive(actor=employee, item=item, number="1", size=100)
    with pytest.raises(ValidationError):
        services.lot_receive(actor=qm, item=item, number="1", size=0)
