"""The demo data: five characteristics with a year of daily subgroups whose engineered events (mean
shift, trend, variance increase, burst of rejects, drifting coolant) are caught; two frozen and signed."""

from __future__ import annotations

import pytest

from qualitas.core.signatures.selectors import signatures_of
from qualitas.measurements import reports
from qualitas.measurements.demo import DAYS, load
from qualitas.measurements.models import Characteristic, ControlLimits, SignalEvent, Subgroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_spc(db):
    from qualitas.demo import load_organisation

    load_organisation()
    load()
    return {c.chart_type: c for c in Characteristic.objects.all()}


def signalled(characteristic, chart: str, rule: str) -> set[int]:
    events = SignalEvent.objects.filter(characteristic=characteristic, chart=chart).select_related("subgroup")
    return {e.subgroup.sequence for e in events if rule in e.rules}


def test_five_characteristics_with_a_year_of_data_two_frozen_and_signed(demo_spc):
    assert sorted(demo_spc) == ["ewma", "imr", "p", "xbar-r", "xbar-s"]
    assert {c.subgroups.count() for c in demo_spc.values()} == {DAYS}
    load()  # idempotent
    assert Characteristic.objects.count() == 5 and Subgroup.objects.count() == 5 * DAYS
    frozen = ControlLimits.objects.filter(status="active").select_related("characteristic")
    assert sorted(limits.characteristic.chart_type for limits in frozen) == ["xbar-r", "xbar-s"]
    for limits in frozen:
        [signature] = signatures_of(limits)
        assert (signature.meaning, signature.signer.username, signature.is_valid) == ("approved", "quality", True)


def test_the_engineered_events_trigger_run_rules(demo_spc):
    # Mean shift on days 201–221 (1-based): the bore's X̄ chart finds runs on one side (test 2).
    assert signalled(demo_spc["xbar-r"], "xbar", "nelson-2") & set(range(201, 224))
    # Tool wear on days 281–290: six rising Ra values (test 3).
    assert signalled(demo_spc["imr"], "i", "nelson-3") & set(range(281, 292))
    # Doubled spread on days 301–330: the S chart goes beyond its upper limit (test 1).
    assert len(signalled(demo_spc["xbar-s"], "s", "nelson-1") & set(range(301, 331))) >= 5
    # Rejects burst on days 151–158 on the p chart with daily sample sizes of 80–200 (WE rule 1).
    assert signalled(demo_spc["p"], "p", "we-1") & set(range(151, 159))
    # Coolant 1 σ low for the last month: the EWMA crosses its lower limit.
    assert signalled(demo_spc["ewma"], "ewma", "nelson-1") & set(range(336, DAYS + 1))
    # The p chart's limits vary with the daily sample size.
    report = reports.chart_report(demo_spc["p"], reports.Window(last=30))
    assert len(report.chartset.charts[0].ucl) == 30
    # Signals older than a month were acknowledged; recent ones wait for the owner.
    assert SignalEvent.objects.filter(acknowledged_at__isnull=False).exists()
    assert SignalEvent.objects.filter(acknowledged_at__isnull=True, characteristic=demo_spc["ewma"]).exists()
