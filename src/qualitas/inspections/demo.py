"""Demo inspection for Acme Precision Parts: three items with plans and lot histories, built through the
services as the quality manager (lots judged exactly as in production):

* H-4711 pump housing from Castings Ltd: two lots not accepted within five (each raising a
  nonconformity) switch it to tightened inspection, five accepted lots bring it back to normal; the
  bore diameter is measured (variables) and its first five values per lot go to the SPC chart;
* S-2210 drive shaft from Precision Turning: reduced inspection approved by the quality manager, reached
  at a switching score of 30, two lots on reduced inspection since;
* V-0815 valve seal kit from Seals & Co: critical, major and minor classes, one rejected lot with its
  nonconformity, and the latest lot received and waiting for its results.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

HOUSING_BORE = "Bore diameter Ø12 H7, housing H-4711"


def load() -> None:
    from qualitas.accounts.models import Process, Site, User
    from qualitas.inspections.models import Item

    if Item.objects.exists():
        return
    quality = User.objects.filter(username="quality", is_active=True).first()
    site = Site.objects.filter(code="SPR").first()
    if quality is None or site is None:
        return
    processes = {p.code: p for p in Process.objects.filter(code__in=("CP-03", "CP-05"))}
    rng = random.Random(2859)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    _housing(quality, site, processes.get("CP-03"), rng, today)
    _shaft(quality, site, processes.get("CP-03"), today)
    _seals(quality, site, processes.get("CP-05"), today)


def _lots(actor, plan, history, today, *, size: int, prefix: str, values=None):
    """Receive and judge one lot per entry of `history` ({characteristic name: count}), a few days apart."""
    from qualitas.inspections.testing import inspect, lot_factory

    lots = []
    for index, counts in enumerate(history):
        day = today - dt.timedelta(days=3 * (len(history) - index))
        lot = lot_factory(actor=actor, plan=plan, size=size, number=f"{prefix}-{index + 1:03d}", received_on=day)
        sample = {c.severity_class: c.n for c in lot.classes.all()}
        lots.append(inspect(actor=actor, lot=lot, counts=counts,
                            values=values(lot, sample) if values else None))
    return lots


def _housing(actor, site, process, rng, today) -> None:
    from qualitas.inspections import services
    from qualitas.measurements.models import Characteristic

    item = services.item_create(actor=actor, part_number="H-4711", description="Pump housing, cast aluminium",
                                supplier="Castings Ltd", process=process, process_step="Incoming inspection",
                                site=site)
    plan = services.plan_create(actor=actor, item=item, supplier="Castings Ltd", level="II", aql_major="1.0",
                                aql_minor="4.0", notes="Drawing H-4711 rev C. Casting supplier under SCAR watch.")
    bore = Characteristic.objects.filter(name=HOUSING_BORE, active=True).first()
    services.plan_characteristic_add(actor=actor, plan=plan, name="Bore diameter Ø12 H7", kind="variable",
                                     severity_class="major", spc_characteristic=bore, lsl=12.000, usl=12.018,
                                     unit="mm")
    services.plan_characteristic_add(actor=actor, plan=plan, name="Porosity (X-ray)", severity_class="major")
    services.plan_characteristic_add(actor=actor, plan=plan, name="Surface finish, visual", severity_class="minor")
    plan.refresh_from_db()

    def bore_values(lot, sample):
        return {"Bore diameter Ø12 H7": [round(rng.gauss(12.0088, 0.0022), 4) for _ in range(sample["major"])]}

    porosity = "Porosity (X-ray)"
    # Lot 500, level II: code letter H. Normal, AQL 1.0: n 50, Ac 1, Re 2; tightened: n 80 (plan J), Ac 1, Re 2.
    history = [{}, {}, {}, {porosity: 2}, {}, {porosity: 3}]  # lots 4 and 6: 2 of 5 not accepted → tightened
    history += [{}, {"Surface finish, visual": 1}, {}, {porosity: 1}, {}]  # five accepted → normal
    history += [{}, {}]
    _lots(actor, plan, history, today, size=500, prefix="CL-24", values=bore_values)


def _shaft(actor, site, process, today) -> None:
    from qualitas.inspections import selectors, services

    item = services.item_create(actor=actor, part_number="S-2210", description="Drive shaft Ø20 h6",
                                supplier="Precision Turning GmbH", process=process,
                                process_step="Incoming inspection", site=site)
    plan = services.plan_create(actor=actor, item=item, supplier="", level="II", aql_major="0.65",
                                aql_minor="2.5", notes="Any supplier of the shaft.")
    for name, severity_class in (("Diameter Ø20 h6, go/no-go", "major"), ("Thread M8, gauge", "major"),
                                 ("Burrs, visual", "minor")):
        services.plan_characteristic_add(actor=actor, plan=plan, name=name, severity_class=severity_class)
    plan.refresh_from_db()
    # Lot 1,000, level II: code letter J. Normal, AQL 0.65: n 80, Ac 1, Re 2, so +2 per accepted lot.
    lots = _lots(actor, plan, [{}] * 5, today - dt.timedelta(days=60), size=1000, prefix="PT-7")
    state = selectors.state_get(actor, lots[0].switching_state_id)
    services.reduced_approve(actor=actor, state=state, note="Supplier certified to IATF 16949; capable process "
                                                             "(Cpk 1.9 on the diameter).")
    # Ten more accepted lots: a score of 30 with the approval switches to reduced (n 32, Ac 0, Re 2).
    _lots(actor, plan, [{}] * 12, today, size=1000, prefix="PT-8")


def _seals(actor, site, process, today) -> None:
    from qualitas.inspections import services
    from qualitas.inspections.testing import lot_factory

    item = services.item_create(actor=actor, part_number="V-0815", description="Valve seal kit, FKM",
                                supplier="Seals & Co", process=process, process_step="Incoming inspection",
                                site=site)
    plan = services.plan_create(actor=actor, item=item, supplier="Seals & Co", level="II", aql_critical="0.10",
                                aql_major="1.5", aql_minor="4.0")
    for name, severity_class in (("Compound per material certificate", "critical"), ("Lip diameter, gauge", "major"),
                                 ("Packaging and labelling", "minor")):
        services.plan_characteristic_add(actor=actor, plan=plan, name=name, severity_class=severity_class)
    plan.refresh_from_db()
    # Lot 200, level II: code letter G. Critical 0.10: n 125, Ac 0; major 1.5: n 32, Ac 1, Re 2; minor 4.0: n 32.
    _lots(actor, plan, [{}, {}, {"Lip diameter, gauge": 2}, {"Packaging and labelling": 2}], today - dt.timedelta(
        days=1), size=200, prefix="SC-31")
    lot_factory(actor=actor, plan=plan, size=200, number="SC-31-005", received_on=today)
