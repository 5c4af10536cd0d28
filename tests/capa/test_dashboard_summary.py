"""The improvement dashboard's numbers against figures counted by hand (issue 12 moved them into the
database: per-month sums by plain date ranges, CAPA ages from values, not models)."""

import datetime as dt
from decimal import Decimal

from qualitas.capa import dashboard, services
from qualitas.capa.models import Severity


def test_cost_complaints_and_capa_ages_per_month(people):
    quality = people["quality"]
    today = dt.date(2026, 6, 15)
    severity = Severity.objects.filter(active=True).first()
    for detected, cost in ((dt.date(2026, 6, 1), "100.00"), (dt.date(2026, 5, 31), "40.50"),
                           (dt.date(2026, 5, 1), "9.50"), (dt.date(2025, 5, 31), "999")):
        services.nonconformity_create(actor=quality, title=f"NC {detected}", description="Found at inspection",
                                      severity=severity, detected_on=detected, cost_of_poor_quality=Decimal(cost))
    for received in (dt.date(2026, 6, 14), dt.date(2026, 6, 1), dt.date(2026, 1, 31)):
        services.complaint_create(actor=quality, customer="ACME", description="Late delivery", received_on=received)
    for opened in (dt.date(2026, 6, 10), dt.date(2026, 5, 1), dt.date(2026, 3, 1)):
        services.capa_create(actor=quality, title=f"CAPA {opened}", owner=quality, opened_on=opened,
                             due_date=opened + dt.timedelta(days=60))

    data = dashboard.summary(quality, today=today)

    assert data["months"][0] == "2025-07" and data["months"][-1] == "2026-06"
    cost = data["cost_of_poor_quality"]
    assert cost["2026-06"] == 100.0 and cost["2026-05"] == 50.0 and sum(cost.values()) == 150.0  # 2025-05: outside
    complaints = data["complaints_per_month"]
    assert complaints["2026-06"] == 2 and complaints["2026-01"] == 1 and sum(complaints.values()) == 3
    # Ages on 2026-06-15: 5, 45 and 106 days.
    assert data["capa"]["open"] == 3
    assert data["capa"]["ageing"] == {"0–30 days": 1, "31–60 days": 1, "61–90 days": 0, "over 90 days": 1}
