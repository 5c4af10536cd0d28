"""Test factories of inspection, built through the real services (declared in module.py, so the
platform's query-count checks can add rows of every record type)."""

from __future__ import annotations

import itertools

_serial = itertools.count(1)


def item_factory(*, actor, site=None, **fields):
    from qualitas.inspections import services

    n = next(_serial)
    fields.setdefault("part_number", f"TP-{n:05d}")
    fields.setdefault("description", "Test part")
    fields.setdefault("supplier", "Test Supplier Ltd")
    return services.item_create(actor=actor, site=site, **fields)


def plan_factory(*, actor, site=None, item=None, characteristics=(("Visual defects", "attribute", "major"),),
                 **fields):
    """A plan (AQL 1.0 major, 4.0 minor by default) with attribute characteristics."""
    from qualitas.inspections import services

    item = item or item_factory(actor=actor, site=site)
    fields.setdefault("aql_major", "1.0")
    fields.setdefault("aql_minor", "4.0")
    plan = services.plan_create(actor=actor, item=item, supplier=fields.pop("supplier", ""), **fields)
    for name, kind, severity_class in characteristics:
        extra = {"usl": 10.0} if kind == "variable" else {}
        services.plan_characteristic_add(actor=actor, plan=plan, name=name, kind=kind,
                                         severity_class=severity_class, **extra)
        plan.refresh_from_db()
    return plan


def lot_factory(*, actor, site=None, plan=None, size: int = 500, number: str = "", **fields):
    from qualitas.inspections import services

    plan = plan or plan_factory(actor=actor, site=site)
    return services.lot_receive(actor=actor, item=plan.item, number=number or f"L{next(_serial):05d}", size=size,
                                **fields)


def state_factory(*, actor, site=None):
    return lot_factory(actor=actor, site=site).switching_state


def inspect(*, actor, lot, counts: dict[str, int] | None = None, values: dict[str, list[float]] | None = None):
    """Record a count (or values) for every characteristic of the lot and judge it; 0 by default."""
    from qualitas.inspections import services
    from qualitas.inspections.services import ResultEntry

    counts, values = counts or {}, values or {}
    entries = []
    for characteristic in lot.plan.characteristics.filter(active=True):
        if characteristic.kind == "variable":
            entries.append(ResultEntry(characteristic.pk, values=values[characteristic.name]))
        else:
            entries.append(ResultEntry(characteristic.pk, nonconforming=counts.get(characteristic.name, 0)))
    return services.lot_inspect(actor=actor, lot=lot, results=entries, judge=True)
