"""The proposed audit frequency per process (ISO 9001 9.2.2): the pure computation (worked examples
and properties), the basis read from the records, the manager accepting or overriding it (audited),
through the services, the API and the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from qualitas.audits import programme as proposal
from qualitas.core.testing import assert_audited
from tests.audits.test_audit_record_kit import audit, process, programme, today

counts = st.one_of(st.none(), st.integers(min_value=0, max_value=50))
importance = st.sampled_from(list(proposal.IMPORTANCE_POINTS))


# --- The computation ---------------------------------------------------------------------------------------


def test_worked_examples():
    # A core process never audited: importance 2×2 + previous (never) 2×2 = 8 → every 12 months.
    offer = proposal.propose(proposal.Inputs(importance="high"))
    assert (offer.score, offer.months) == (8, 12)
    assert [f.contribution for f in offer.factors] == [4, 0, 4, 0, 0]
    # A support process of low importance, audited without findings, nothing changed: every 36 months.
    assert proposal.propose(proposal.Inputs(importance="low", previous_nonconformities=0)).months == 36
    # Critical, two NCs last time, one open, three revisions since: 6 + 4 + 1 + 3 = 14 → every 6 months.
    offer = proposal.propose(proposal.Inputs(importance="critical", previous_nonconformities=2,
                                             open_nonconformities=1, changes=3))
    assert (offer.score, offer.months) == (14, 6)
    # Medium, audited clean, two changes: 2 + 2 = 4 → 24 months.
    assert proposal.propose(proposal.Inputs(importance="medium", previous_nonconformities=0, changes=2)).months == 24


def test_each_factor_is_capped_at_three_points_and_the_basis_names_value_points_and_weight():
    offer = proposal.propose(proposal.Inputs(importance="medium", risks=9, previous_nonconformities=7,
                                             open_nonconformities=12, changes=40,
                                             notes={"risks": "From the risk register."}))
    basis = {f["key"]: f for f in offer.basis}
    assert basis["risks"] == {"key": "risks", "label": "Risks linked to the process", "value": 9, "points": 3,
                              "weight": 1, "contribution": 3, "note": "From the risk register."}
    assert (basis["previous"]["value"], basis["previous"]["points"], basis["previous"]["weight"]) == (7, 3, 2)
    assert offer.score == 2 + 3 + 6 + 3 + 3


def test_an_unknown_importance_is_refused():
    with pytest.raises(ValueError, match="importance"):
        proposal.propose(proposal.Inputs(importance="huge"))


@given(importance, counts, counts, counts, counts)
def test_the_interval_is_one_of_the_intervals_and_the_score_within_bounds(level, risks, previous, open_ncs, changes):
    offer = proposal.propose(proposal.Inputs(level, risks, previous, open_ncs, changes))
    assert offer.months in proposal.INTERVALS
    assert 0 <= offer.score <= proposal.MAX_SCORE
    assert offer.score == sum(f.contribution for f in offer.factors)


FACTORS = st.sampled_from(["risks", "previous", "open", "changes"])


@given(importance, counts, st.integers(0, 50), counts, counts, FACTORS)
def test_more_risk_never_lengthens_the_interval(level, risks, previous, open_ncs, changes, which):
    base = proposal.Inputs(level, risks, previous, open_ncs, changes)
    more = {"risks": proposal.Inputs(level, (risks or 0) + 1, previous, open_ncs, changes),
            "previous": proposal.Inputs(level, risks, previous + 1, open_ncs, changes),
            "open": proposal.Inputs(level, risks, previous, (open_ncs or 0) + 1, changes),
            "changes": proposal.Inputs(level, risks, previous, open_ncs, (changes or 0) + 1)}[which]
    assert proposal.propose(more).months <= proposal.propose(base).months


@given(counts, counts, counts, counts)
def test_higher_importance_never_lengthens_the_interval(risks, previous, open_ncs, changes):
    months = [proposal.propose(proposal.Inputs(level, risks, previous, open_ncs, changes)).months
              for level in ("low", "medium", "high", "critical")]
    assert months == sorted(months, reverse=True)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(0, 120))
def test_add_months_keeps_the_day_or_the_month_end(day, months):
    moved = proposal.add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or moved.day < day.day and (moved + dt.timedelta(days=1)).day == 1


# --- From the records --------------------------------------------------------------------------------------

def _row(org, prog, code: str):
    from qualitas.audits import selectors

    return next(r for r in selectors.frequencies(org.user("quality"), prog) if r.process.code == code)


@pytest.mark.django_db
def test_the_basis_reads_the_previous_audit_open_nonconformities_and_changes(organisation):
    from qualitas.core.testing import factories

    prog = programme(organisation)
    first = _row(organisation, prog, "CP-04")
    factors = {f.key: f for f in first.proposal.factors}
    assert factors["previous"].value is None and factors["previous"].note == "Never audited."
    assert factors["importance"].value == "high"  # a core process
    assert factors["risks"].note == "No risk register is installed yet."
    assert first.last_audit is None and first.next_due == today()

    quality = organisation.user("quality")
    for title in ("Bore diameter above tolerance", "Burr on the housing"):
        factories.nonconformity(actor=quality, title=title, process=process("CP-04"))
    planned = audit(organisation, start=today() + dt.timedelta(days=20))
    row = _row(organisation, prog, "CP-04")
    assert {f.key: f.value for f in row.proposal.factors}["open_ncs"] == 2
    assert row.next_planned == planned and not row.overdue

    # An earlier audit reported and closed: the previous results count its nonconformity findings.
    done = audit(organisation, start=dt.date(today().year - 1, 3, 1), title="Last year's audit",
                 actual_start=dt.date(today().year - 1, 3, 1), actual_end=dt.date(today().year - 1, 3, 2))
    from qualitas.audits.models import Audit

    Audit.objects.filter(pk=done.pk).update(status="closed")  # the workflow's other parts are tested elsewhere
    row = _row(organisation, prog, "CP-04")
    assert row.last_audit.pk == done.pk and row.last_audited == dt.date(today().year - 1, 3, 2)
    assert {f.key: f.value for f in row.proposal.factors}["previous"] == 0


@pytest.mark.django_db
def test_the_manager_sets_the_importance_accepts_and_overrides_each_audited_on_the_programme(organisation):
    from qualitas.audits import services

    quality = organisation.user("quality")
    prog = programme(organisation)
    support = process("SP-01")
    assert _row(organisation, prog, "SP-01").importance == "low"
    services.frequency_set_importance(actor=quality, programme=prog, process=support, importance="critical")
    assert_audited("audits.frequency_importance_set", prog, quality, **{"SP-01 importance": [None, "critical"]})
    row = _row(organisation, prog, "SP-01")
    assert row.importance == "critical" and row.months is None and not row.decided

    frequency = services.frequency_accept(actor=quality, programme=prog, process=support)
    assert (frequency.decision, frequency.months, frequency.proposed_months) == ("accepted", row.proposal.months,
                                                                                 row.proposal.months)
    assert [f["key"] for f in frequency.basis] == ["importance", "risks", "previous", "open_ncs", "changes"]
    assert_audited("audits.frequency_accepted", prog, quality, **{"SP-01 interval (months)": [None, 12]})

    with pytest.raises(ValidationError, match="Say why"):
        services.frequency_override(actor=quality, programme=prog, process=support, months=24, reason=" ")
    services.frequency_override(actor=quality, programme=prog, process=support, months=24,
                                reason="Stable process, audited by the customer this year.")
    event = assert_audited("audits.frequency_overridden", prog, quality,
                           **{"SP-01 interval (months)": [12, 24], "SP-01 decision": ["accepted", "overridden"]})
    assert event.reason == "Stable process, audited by the customer this year."
    row = _row(organisation, prog, "SP-01")
    assert (row.months, row.interval, row.row.reason) == (24, 24, "Stable process, audited by the customer this year.")

    with pytest.raises(ValidationError, match="1 and 36"):
        services.frequency_override(actor=quality, programme=prog, process=support, months=48, reason="Too long")
    with pytest.raises(PermissionDenied):
        services.frequency_accept(actor=organisation.user("auditor"), programme=prog, process=support)


@pytest.mark.django_db
def test_a_process_outside_the_programmes_site_is_not_in_its_scope(organisation):
    from qualitas.accounts.services import system_actor
    from qualitas.audits import selectors, services
    from qualitas.core.testing import factories

    rvd = organisation.site("RVD")
    elsewhere = factories.process(actor=system_actor(), code="RV-01", name="Riverside casting", site=rvd)
    prog = programme(organisation, site=organisation.site("SPR"))
    codes = [r.process.code for r in selectors.frequencies(organisation.user("quality"), prog)]
    assert "RV-01" not in codes and "CP-04" in codes
    with pytest.raises(ValidationError, match="scope"):
        services.frequency_accept(actor=organisation.user("quality"), programme=prog, process=elsewhere)


@pytest.mark.django_db
def test_frequencies_through_the_api(organisation, api_client):
    prog = programme(organisation)
    qm = api_client.as_user(organisation.user("quality"))
    listed = qm.get(f"/audits/programmes/{prog.pk}/frequencies").json()
    cp04 = next(r for r in listed if r["process_code"] == "CP-04")
    assert (cp04["proposed_months"], cp04["decision"], cp04["months"]) == (12, "", None)
    assert {f["key"]: f["weight"] for f in cp04["basis"]} == proposal.WEIGHTS
    pk = cp04["process_id"]
    response = qm.post(f"/audits/programmes/{prog.pk}/frequencies/{pk}/accept")
    assert response.status_code == 200, response.content
    assert (response.json()["decision"], response.json()["months"]) == ("accepted", 12)
    response = qm.post(f"/audits/programmes/{prog.pk}/frequencies/{pk}/override", {"months": 6, "reason": ""})
    assert response.status_code == 422
    response = qm.post(f"/audits/programmes/{prog.pk}/frequencies/{pk}/override",
                       {"months": 6, "reason": "Customer requirement"})
    assert response.json()["months"] == 6 and response.json()["reason"] == "Customer requirement"
    response = qm.client.post(f"/api/v1/audits/programmes/{prog.pk}/frequencies/{pk}/importance",
                             {"importance": "critical"}, content_type="application/json", **qm.headers)
    assert response.status_code == 200 and response.json()["importance"] == "critical"
    auditor = api_client.as_user(organisation.user("auditor"))
    assert auditor.post(f"/audits/programmes/{prog.pk}/frequencies/{pk}/accept").status_code == 403


@pytest.mark.django_db
def test_the_frequencies_page_shows_the_basis_and_takes_the_decision(organisation):
    prog = programme(organisation)
    browser = Client()
    browser.force_login(organisation.user("quality"))
    page = browser.get(f"/audits/programmes/{prog.pk}/frequencies/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nonconformities found at the previous audit" in text and "No risk register is installed yet." in text
    assert 'data-testid="frequency-CP-04"' in text
    response = browser.post(f"/audits/programmes/{prog.pk}/frequencies/decide/",
                            {"process": process("CP-04").pk, "action": "override", "months": "6",
                             "reason": "Customer agreement"})
    assert response.status_code == 302
    text = browser.get(f"/audits/programmes/{prog.pk}/frequencies/").content.decode()
    assert "Overridden: 6 months" in text and "Customer agreement" in text


@pytest.mark.django_db
def test_programmes_are_created_once_per_year_and_site_and_listed(organisation, api_client):
    from qualitas.audits import services

    prog = programme(organisation)
    with pytest.raises(ValidationError, match="already"):
        services.programme_create(actor=organisation.user("quality"), year=prog.year)
    assert_audited("audits.programme_created", prog, organisation.user("quality"))
    qm = api_client.as_user(organisation.user("quality"))
    body = qm.get("/audits/programmes", year=prog.year).json()
    assert [p["id"] for p in body["items"]] == [prog.pk]
    assert body["items"][0]["standards"] == ["ISO 14001", "ISO 45001", "ISO 9001"]
    response = qm.post("/audits/programmes", {"year": prog.year, "site_id": organisation.site("RVD").pk})
    assert response.status_code == 201, response.content
    response = qm.patch(f"/audits/programmes/{prog.pk}", {"version": prog.version, "title": "Programme 2026 v2"})
    assert response.status_code == 200 and response.json()["title"] == "Programme 2026 v2"
    assert api_client.as_user(organisation.user("employee")).post(
        "/audits/programmes", {"year": 2031}).status_code == 403
    browser = Client()
    browser.force_login(organisation.user("quality"))
    home = browser.get("/audits/")
    assert home.status_code == 200 and "Programme 2026 v2" in home.content.decode()
