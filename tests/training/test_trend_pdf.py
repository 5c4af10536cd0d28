"""The matrix as PDF and the compliance trend by month (issue 13): statuses as of each month end from
the records and assignments of that day; the trend on the matrix page and in the API."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from qualitas.core.testing import assert_audited
from qualitas.training import matrix, services, trend
from qualitas.training.models import Assignment
from tests.training.conftest import course, days

pytestmark = pytest.mark.django_db


def test_month_ends_are_the_last_days_up_to_today():
    assert trend.month_ends(dt.date(2026, 3, 15), 4) == [dt.date(2025, 12, 31), dt.date(2026, 1, 31),
                                                         dt.date(2026, 2, 28), dt.date(2026, 3, 15)]


@pytest.fixture
def history(people, operator_position, today):
    """op1 and op2 hold the position; op1 trained 40 days ago (valid 1 month, so it expired since), op2
    trained 10 days ago."""
    safety = course(people, "C-SAFETY", validity_months=1)
    services.applies_to_add(actor=people["quality"], requirement=safety, kind="position", target=operator_position)
    for name in ("op1", "op2"):
        services.holding_start(actor=people["quality"], person=people[name], position=operator_position,
                               start_date=today - days(300))
    services.training_record(actor=people["quality"], person=people["op1"], requirement=safety,
                             completed_on=today - days(40))
    services.training_record(actor=people["quality"], person=people["op2"], requirement=safety,
                             completed_on=today - days(10))
    return safety


def test_compliance_as_of_a_past_day_uses_the_records_and_assignments_of_that_day(people, history, today):
    population = [people["op1"], people["op2"]]
    assert trend.compliance_as_of(population, today - days(50))["overall"]["percent"] == 0.0
    assert trend.compliance_as_of(population, today - days(35))["overall"] == {"applicable": 2, "current": 1,
                                                                               "percent": 50.0}
    # Today the same computation gives what the matrix shows.
    grid = matrix.compute(people=[p.pk for p in population], today=today)
    assert trend.compliance_as_of(population, today)["overall"] == grid.compliance()
    # An assignment opened today was not open on a past day.
    assert Assignment.objects.filter(person=people["op1"], status="open").exists()


def test_trend_api_and_matrix_page_show_twelve_months(people, history, api_client, client, today):
    qm = api_client.as_user(people["quality"])
    response = qm.get("/training/compliance-trend")
    assert response.status_code == 200, response.content
    data = response.json()
    assert len(data["months"]) == len(data["overall"]) == 12
    assert data["months"][-1] == today.strftime("%Y-%m")
    assert data["departments"] and len(data["departments"][0]["percent"]) == 12
    assert qm.get("/training/compliance-trend", months=0).status_code in (400, 422)
    assert api_client.as_user(people["op1"]).get("/training/compliance-trend").status_code == 403
    client.force_login(people["quality"])
    page = client.get("/training/matrix/").content.decode()
    assert 'data-testid="compliance-trend"' in page and "<svg" in page


def test_trend_query_count_does_not_grow_with_people(people, history, django_assert_max_num_queries):
    from qualitas.core.testing import factories

    with django_assert_max_num_queries(200) as few:
        trend.compliance_trend(people["quality"])
    for n in range(6):
        factories.user("employee", username=f"extra{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        trend.compliance_trend(people["quality"])


def test_matrix_pdf_is_landscape_with_letters_and_a_legend_and_audited(people, history, client):
    from pypdf import PdfReader

    client.force_login(people["quality"])
    response = client.get("/training/matrix/?export=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in ("Training matrix", "Legend", "Olga Operator", "Compliance", "Overdue"):
        assert expected in text, expected
    assert "C-SAFETY" in text.replace("\n", "")  # the code wraps in its narrow column
    assert_audited("training.matrix_printed", actor=people["quality"])
