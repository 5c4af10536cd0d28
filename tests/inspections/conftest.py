"""People and plans for the inspection tests (built through the services)."""

from __future__ import annotations

import pytest

from qualitas.inspections import services
from qualitas.inspections.testing import inspect, item_factory, lot_factory, plan_factory


@pytest.fixture
def qm(make_user, site):
    from qualitas.capa.services import ensure_default_severities

    ensure_default_severities()
    return make_user("quality-manager", username="qm-insp", first_name="Quinn", last_name="Harper")


@pytest.fixture
def inspector(make_user, site):
    return make_user("author", username="inspector", first_name="Ines", last_name="Pector", site=site)


@pytest.fixture
def plan(qm, site):
    """H-4711-like plan: major AQL 1.0 (two attribute characteristics), minor AQL 4.0 (one)."""
    item = item_factory(actor=qm, site=site, part_number="H-4711", description="Pump housing", supplier="Castings")
    return plan_factory(actor=qm, item=item, supplier="Castings",
                        characteristics=(("Porosity", "attribute", "major"), ("Cracks", "attribute", "major"),
                                         ("Finish", "attribute", "minor")))


def judge(actor, plan, counts=None, *, size=500, **fields):
    """Receive a lot on `plan` and judge it with `counts` ({characteristic: count})."""
    lot = lot_factory(actor=actor, plan=plan, size=size, **fields)
    return inspect(actor=actor, lot=lot, counts=counts or {})


__all__ = ["judge", "services"]
