"""Issue 11 (CAPA): an effectiveness check judged "effective" before it is due needs a justification
(kept on the check, with its signature and in the audit trail) or is refused (QUALITAS_EARLY_EFFECTIVENESS);
the 8D PDF prints no stray "None."; dashboard count axes have whole-number ticks; money carries the
configured currency (QUALITAS_CURRENCY) on pages, PDFs, API and exports."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from qualitas.capa import dashboard, services
from qualitas.capa.apps import check_early_effectiveness
from qualitas.capa.models import EffectivenessCheck
from qualitas.core.audit.models import AuditEvent
from qualitas.core.signatures import services as signing
from qualitas.core.signatures.models import Signature
from qualitas.core.testing import assert_audited
from tests.capa.test_capa import PASSWORD, SIGN, _capa_in_verification, _nc

pytestmark = pytest.mark.django_db
JUSTIFICATION = "Capability study of 500 parts after the change: Cpk 1.67, no oversize bore."


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def later(monkeypatch, days: int) -> dt.date:
    """Let `days` pass: Django's local date moves on (the services read it for today)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    return day


# --- early effectiveness checks: service -----------------------------------------------------------------


def test_an_early_effective_verdict_needs_a_justification(people):
    quality = people["quality"]
    _, capa = _capa_in_verification(people)
    assert capa.effectiveness_due == timezone.localdate() + dt.timedelta(days=capa.effectiveness_days)
    signatures = Signature.objects.count()

    with pytest.raises(ValidationError) as refused:
        services.effectiveness_check_record(actor=quality, capa=capa, passed=True, result="No recurrence",
                                            credentials=SIGN)
    message = refused.value.message_dict["early_justification"][0]
    assert f"due on {capa.effectiveness_due}" in message and f"{capa.effectiveness_days} day(s)" in message
    assert not capa.effectiveness_checks.exists() and Signature.objects.count() == signatures
    blank = "   \n "
    with pytest.raises(ValidationError, match="say why"):
        services.effectiveness_check_record(actor=quality, capa=capa, passed=True, result="No recurrence",
                                            credentials=SIGN, early_justification=blank)

    check = services.effectiveness_check_record(
        actor=quality, capa=capa, passed=True, result="No recurrence", early_justification=JUSTIFICATION,
        credentials=signing.Credentials(PASSWORD, comment="Reviewed with production"),
    )
    check.refresh_from_db()
    assert (check.due_on, check.early_justification) == (capa.effectiveness_due, JUSTIFICATION)
    assert check.days_early == capa.effectiveness_days
    signature = Signature.objects.get(record_type="capa.effectivenesscheck", record_id=str(check.pk))
    assert signature.meaning == "verified"
    assert JUSTIFICATION in signature.comment and "Reviewed with production" in signature.comment
    assert f"{capa.effectiveness_days} day(s) before the check was due" in signature.comment
    event = assert_audited("capa.effectiveness_checked", check, quality,
                           **{"justification for an early verdict": JUSTIFICATION,
                              "check was due": capa.effectiveness_due.isoformat()})
    assert JUSTIFICATION in event.reason
    signed = AuditEvent.objects.filter(record_type="capa.effectivenesscheck", record_id=str(check.pk),
                                       event="signature.verified").get()
    assert JUSTIFICATION in signed.reason
    capa.refresh_from_db()
    assert capa.status == "verification"  # passed: ready to close


def test_a_check_on_or_after_its_due_date_needs_no_justification(people, monkeypatch):
    _, capa = _capa_in_verification(people)
    later(monkeypatch, capa.effectiveness_days)
    check = services.effectiveness_check_record(actor=people["quality"], capa=capa, passed=True,
                                                result="No recurrence in 3 months", credentials=SIGN,
                                                early_justification="ignored: not early")
    assert check.early_justification == "" and check.days_early == 0 and check.due_on == capa.effectiveness_due
    assert services.early_check(capa) == 0


def test_a_not_effective_verdict_is_recorded_at_any_time(people, monkeypatch):
    monkeypatch.setenv("QUALITAS_EARLY_EFFECTIVENESS", "refuse")
    _, capa = _capa_in_verification(people)
    check = services.effectiveness_check_record(actor=people["quality"], capa=capa, passed=False,
                                                result="Recurred on day 3", credentials=SIGN)
    assert check.early_justification == ""
    capa.refresh_from_db()
    assert capa.status == "implementation"


def test_refuse_policy_refuses_an_early_effective_verdict(people, monkeypatch):
    monkeypatch.setenv("QUALITAS_EARLY_EFFECTIVENESS", "refuse")
    _, capa = _capa_in_verification(people)
    with pytest.raises(ValidationError) as refused:
        services.effectiveness_check_record(actor=people["quality"], capa=capa, passed=True, result="ok",
                                            credentials=SIGN, early_justification=JUSTIFICATION)
    assert "cannot be judged effective before then" in refused.value.message_dict["passed"][0]
    assert not capa.effectiveness_checks.exists()
    # Backdating the check does not help: it would be even earlier.
    with pytest.raises(ValidationError, match="cannot be judged effective"):
        services.effectiveness_check_record(actor=people["quality"], capa=capa, passed=True, result="ok",
                                            credentials=SIGN, performed_on=timezone.localdate() - dt.timedelta(1))
    later(monkeypatch, capa.effectiveness_days)
    check = services.effectiveness_check_record(actor=people["quality"], capa=capa, passed=True, result="ok",
                                                credentials=SIGN)
    assert check.passed


def test_an_unknown_policy_is_reported_and_read_as_refuse(people, monkeypatch):
    monkeypatch.setenv("QUALITAS_EARLY_EFFECTIVENESS", "sometimes")
    assert services.early_effectiveness_policy() == "refuse"
    errors = check_early_effectiveness()
    assert [e.id for e in errors] == ["qualitas.capa.E001"] and "sometimes" in errors[0].msg
    monkeypatch.setenv("QUALITAS_EARLY_EFFECTIVENESS", " Justify ")
    assert services.early_effectiveness_policy() == "justify" and check_early_effectiveness() == []


# --- early effectiveness checks: API and browser form ------------------------------------------------------


def test_api_asks_for_the_justification_and_returns_it(people, api_client, monkeypatch):
    _, capa = _capa_in_verification(people)
    client = api_client.as_user(people["quality"])
    path = f"/capas/{capa.pk}/effectiveness-checks"
    refused = client.post(path, {"passed": True, "result": "ok", "signature": {"password": PASSWORD}})
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert "due on" in body["message"] or any(e["field"] == "early_justification" for e in body.get("errors", []))
    too_long = client.post(path, {"passed": True, "result": "ok", "early_justification": "x" * 1501,
                                  "signature": {"password": PASSWORD}})
    assert too_long.status_code == 422
    assert not capa.effectiveness_checks.exists()

    created = client.post(path, {"passed": True, "result": "ok", "early_justification": JUSTIFICATION,
                                 "signature": {"password": PASSWORD}})
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["early_justification"] == JUSTIFICATION
    assert data["due_on"] == capa.effectiveness_due.isoformat() and data["days_early"] == capa.effectiveness_days
    listed = client.get(path).json()
    assert listed[0]["early_justification"] == JUSTIFICATION


def test_api_refuses_with_the_refuse_policy(people, api_client, monkeypatch):
    monkeypatch.setenv("QUALITAS_EARLY_EFFECTIVENESS", "refuse")
    _, capa = _capa_in_verification(people)
    response = api_client.as_user(people["quality"]).post(
        f"/capas/{capa.pk}/effectiveness-checks",
        {"passed": True, "result": "ok", "early_justification": JUSTIFICATION, "signature": {"password": PASSWORD}},
    )
    assert response.status_code == 400 and "before then" in response.content.decode()
    assert not EffectivenessCheck.objects.filter(capa=capa).exists()


def test_the_form_warns_and_keeps_the_justification(people):
    _, capa = _capa_in_verification(people)
    client = signed_in(people["quality"])
    url = reverse("capa:capa-effectiveness", args=[capa.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="early-warning"' in page
    assert f"{capa.effectiveness_days} days before its due date" in page
    assert 'name="early_justification"' in page

    answer = client.post(url, {"passed": "yes", "result": "No recurrence", "password": PASSWORD})
    assert answer.status_code == 200
    assert "say why the actions can be judged effective" in answer.content.decode()
    assert not capa.effectiveness_checks.exists()

    done = client.post(url, {"passed": "yes", "result": "No recurrence", "password": PASSWORD,
                             "early_justification": JUSTIFICATION})
    assert done.status_code == 302
    detail = client.get(reverse("capa:capa-detail", args=[capa.pk])).content.decode()
    assert 'data-testid="early-justification"' in detail and JUSTIFICATION in detail
    eight_d = client.get(reverse("capa:capa-8d", args=[capa.pk]), {"format": "pdf"}).content
    assert "justification: Capability study of 500 parts" in " ".join(pdf_text(eight_d).split())


def test_the_form_offers_only_not_effective_when_early_verdicts_are_refused(people, monkeypatch):
    monkeypatch.setenv("QUALITAS_EARLY_EFFECTIVENESS", "refuse")
    _, capa = _capa_in_verification(people)
    client = signed_in(people["quality"])
    url = reverse("capa:capa-effectiveness", args=[capa.pk])
    page = client.get(url).content.decode()
    assert "cannot be signed before the due date" in page
    assert 'value="yes"' not in page and 'value="no"' in page and 'name="early_justification"' not in page
    forged = client.post(url, {"passed": "yes", "result": "ok", "password": PASSWORD})
    assert forged.status_code == 200 and not capa.effectiveness_checks.exists()


def test_the_form_shows_no_warning_once_the_check_is_due(people, monkeypatch):
    _, capa = _capa_in_verification(people)
    later(monkeypatch, capa.effectiveness_days + 3)
    page = signed_in(people["quality"]).get(reverse("capa:capa-effectiveness", args=[capa.pk])).content.decode()
    assert 'data-testid="early-warning"' not in page and 'name="early_justification"' not in page


# --- 8D PDF, dashboard axes, currency ----------------------------------------------------------------------


def test_the_8d_pdf_has_no_stray_none_under_containment(people):
    _, capa = _capa_in_verification(people)
    capa = services.capa_update(actor=people["quality"], capa=capa, containment="Quarantine of lot L-2417")
    client = signed_in(people["quality"])
    text = pdf_text(client.get(reverse("capa:capa-8d", args=[capa.pk]), {"format": "pdf"}).content)
    d3 = text[text.index("D3 Containment"):text.index("D4 Root cause")]
    assert "Quarantine of lot L-2417" in d3 and "None" not in d3
    bare = services.capa_create(actor=people["quality"], title="Bare", problem="p", effectiveness_criterion="c")
    text = pdf_text(client.get(reverse("capa:capa-8d", args=[bare.pk]), {"format": "pdf"}).content)
    d3 = text[text.index("D3 Containment"):text.index("D4 Root cause")]
    assert "No containment recorded." in d3 and "None." not in d3
    assert "No corrective action recorded." in text and "No preventive action recorded." in text


def _y_ticks(svg: str) -> list[str]:
    return re.findall(r'<text x="\d+" y="[\d.]+" text-anchor="end"[^>]*>([^<]*)</text>', svg)


def test_dashboard_count_axes_have_whole_number_ticks():
    data = {
        "months": [f"2026-{m:02d}" for m in range(1, 13)],
        "pareto_categories": {"categories": ["Dimensional", "Surface"], "counts": [2, 1],
                              "cumulative_percent": [66.7, 100.0]},
        "pareto_causes": {"categories": ["Method"], "counts": [3], "cumulative_percent": [100.0]},
        "capa": {"ageing": {"0–30 days": 3, "31–60 days": 1, "61–90 days": 0, "over 90 days": 7}},
        "cost_of_poor_quality": {f"2026-{m:02d}": 125.5 * m for m in range(1, 13)},
        "currency": "EUR",
        "complaints_per_month": {f"2026-{m:02d}": m % 3 for m in range(1, 13)},
        "satisfaction_percent": {f"2026-{m:02d}": 80.0 for m in range(1, 13)},
    }
    charts = dashboard.charts(data)
    for name in ("ageing", "complaints", "pareto_categories", "pareto_causes"):
        ticks = _y_ticks(charts[name])
        assert ticks and all(re.fullmatch(r"[\d,]+", t) for t in ticks), (name, ticks)
        assert len(set(ticks)) == len(ticks), (name, ticks)
    assert _y_ticks(charts["complaints"]) == ["0", "1", "2"]
    assert "Cost of poor quality by month (EUR)" in charts["copq"] and " EUR</title>" in charts["copq"]


def test_money_carries_the_currency(people, api_client):
    nc = _nc(people, cost_of_poor_quality=Decimal("1234.5"))
    client = signed_in(people["quality"])
    page = client.get(reverse("capa:nc-detail", args=[nc.pk])).content.decode()
    assert "1,234.50 EUR" in page and "Cost (EUR)" in page
    assert "Cost of poor quality (EUR)" in client.get(reverse("capa:nc-edit", args=[nc.pk])).content.decode()
    api = api_client.as_user(people["quality"])
    data = api.get(f"/nonconformities/{nc.pk}").json()
    assert (Decimal(data["cost_of_poor_quality"]), data["currency"]) == (Decimal("1234.50"), "EUR")
    assert api.get("/improvement/dashboard").json()["currency"] == "EUR"
    csv = client.get(reverse("capa:nc-list"), {"export": "csv"}).content.decode("utf-8-sig")
    header, *rows = csv.splitlines()
    assert header.endswith("Cost of poor quality,Currency")
    assert any(row.endswith("1234.50,EUR") for row in rows)
    dashboard_pdf = pdf_text(client.get(reverse("capa:dashboard"), {"format": "pdf"}).content)
    assert "Cost of poor quality by month (EUR)" in dashboard_pdf and "EUR." in dashboard_pdf

    with override_settings(CURRENCY="CHF"):
        assert api.get(f"/nonconformities/{nc.pk}").json()["currency"] == "CHF"
        assert "1,234.50 CHF" in client.get(reverse("capa:nc-detail", args=[nc.pk])).content.decode()
        page = client.get(reverse("capa:dashboard")).content.decode()
        assert "Cost of poor quality (CHF)" in page


def test_disposition_costs_carry_the_currency(people, api_client):
    nc = _nc(people)
    api = api_client.as_user(people["quality"])
    response = api.post(f"/nonconformities/{nc.pk}/dispositions", {"decision": "scrap", "cost": "80.00",
                                                                    "justification": "Bore cannot be reworked"})
    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "EUR"
    page = signed_in(people["quality"]).get(reverse("capa:nc-detail", args=[nc.pk])).content.decode()
    assert "cost 80.00 EUR" in page


@pytest.mark.parametrize(("value", "expected"), [("", "EUR"), (" usd ", "USD"), ("EURO", None), ("€", None)])
def test_the_currency_setting(tmp_path, value, expected):
    import subprocess
    import sys

    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='qualitas.config.settings'; django.setup(); "
            "from django.conf import settings; print(settings.CURRENCY)")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "QUALITAS_DATA_DIR": str(tmp_path), "QUALITAS_CURRENCY": value},
    )
    if expected:
        assert result.stdout.strip() == expected, result.stderr
    else:
        assert result.returncode != 0 and "QUALITAS_CURRENCY must be a three-letter ISO 4217 code" in result.stderr
