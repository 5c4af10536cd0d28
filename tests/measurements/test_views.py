"""Measurements pages: render for permitted users, 403 without the module, 404 outside their sites;
entry by hand, upload, freeze with signature, corrections and acknowledgments through the forms."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qualitas.core.signatures.selectors import signatures_of
from qualitas.core.signatures.services import Credentials
from qualitas.measurements import services
from qualitas.measurements.models import ControlLimits, Measurement, SignalEvent, Subgroup
from tests.measurements.conftest import PASSWORD, entries, piston_rings

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def charted(rings, people):
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=entries(piston_rings()[:25]))
    services.limits_freeze(actor=people["quality"], characteristic=rings, credentials=Credentials(PASSWORD), first=25)
    services.measurements_record(actor=people["quality"], characteristic=rings,
                                 entries=entries(piston_rings()[25:], first=26))
    return rings


def test_pages_render_for_a_permitted_user(charted, people):
    client = signed_in(people["quality"])
    listing = client.get(reverse("measurements:list")).content.decode()
    assert "CH-0001" in listing and "Frozen" in listing
    page = client.get(reverse("measurements:detail", args=[charted.pk])).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="w-100 h-auto qualitas-chart' in page
    assert 'hx-trigger="every 30s"' in page and "nelson-1" in page and "Quinn Harper" in page
    assert 'data-testid="open-signals"' in page and "record-panels" in page
    partial = client.get(reverse("measurements:chart", args=[charted.pk]), {"last": 15}).content.decode()
    # The last 15 of 40 subgroups are S026…S040: the 12th point is named by its subgroup, S037.
    assert "<html" not in partial and "Subgroup S037: " in partial and "Subgroup 12: " not in partial
    capability = client.get(reverse("measurements:capability", args=[charted.pk])).content.decode()
    assert "Cpk" in capability and "Anderson-Darling" in capability and "histogram" in capability
    subgroup = Subgroup.objects.get(key="S038")
    assert "Measured values" in client.get(reverse("measurements:subgroup", args=[subgroup.pk])).content.decode()
    for name in ("chart-pdf", "capability-pdf"):
        response = client.get(reverse(f"measurements:{name}", args=[charted.pk]))
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_the_pdfs_carry_the_numbers_and_the_signature(charted, people):
    import io

    from pypdf import PdfReader

    client = signed_in(people["quality"])
    pdf = client.get(reverse("measurements:chart-pdf", args=[charted.pk]), {"last": 40}).content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "74.0143" in text and "S038" in text and "Quinn Harper" in text and "Approved" in text
    pdf = client.get(reverse("measurements:capability-pdf", args=[charted.pk])).content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Cpk" in text and "Anderson-Darling" in text


def test_a_characteristic_without_data_says_so(rings, make_characteristic, people):
    client = signed_in(people["quality"])
    page = client.get(reverse("measurements:detail", args=[rings.pk])).content.decode()
    assert "No complete subgroup has been recorded yet." in page and "Nothing recorded yet." in page
    assert "Set a specification limit" in client.get(reverse("measurements:capability", args=[
        make_characteristic(name="No spec", lsl=None, usl=None, target=None).pk])).content.decode()
    assert client.get(reverse("measurements:chart-pdf", args=[rings.pk])).content.startswith(b"%PDF")


def test_403_without_the_module_and_404_outside_the_sites(rings, make_user, other_site):
    outsider = signed_in(make_user())
    assert outsider.get(reverse("measurements:list")).status_code == 403
    assert outsider.get(reverse("measurements:detail", args=[rings.pk])).status_code == 403
    elsewhere = signed_in(make_user("quality-manager", site=other_site))
    assert elsewhere.get(reverse("measurements:detail", args=[rings.pk])).status_code == 404
    assert elsewhere.get(reverse("measurements:capability", args=[rings.pk])).status_code == 404
    assert signed_in(make_user("quality-manager")).get(reverse("measurements:detail", args=[999])).status_code == 404
    assert Client().get(reverse("measurements:list")).status_code == 302


def test_readers_see_the_chart_but_no_entry_form(charted, people):
    page = signed_in(people["author"]).get(reverse("measurements:detail", args=[charted.pk])).content.decode()
    assert "qualitas-chart" in page and 'data-testid="entry-form"' not in page
    assert signed_in(people["author"]).get(reverse("measurements:freeze", args=[charted.pk])).status_code == 403


def test_a_subgroup_entered_by_hand_appears(rings, people):
    client = signed_in(people["quality"])
    values = {f"x{i}": v for i, v in enumerate(piston_rings()[0], start=1)}
    response = client.post(reverse("measurements:entry", args=[rings.pk]), {**values, "lot": "L-1"}, follow=True)
    page = response.content.decode()
    assert "Subgroup 1 recorded." in page
    subgroup = Subgroup.objects.get()
    assert (subgroup.source, subgroup.entered_by, subgroup.lot) == ("manual", people["quality"], "L-1")
    bad = client.post(reverse("measurements:entry", args=[rings.pk]), {"x1": "abc"}, follow=True).content.decode()
    assert "Nothing was recorded." in bad and Subgroup.objects.count() == 1


def test_an_upload_through_the_page(rings, people):
    client = signed_in(people["quality"])
    rows = "\n".join(f"2026-02-{d:02d} 08:00,{','.join(map(str, r))}" for d, r in enumerate(piston_rings()[:3], 1))
    upload = SimpleUploadedFile("rings.csv", f"taken_at,x1,x2,x3,x4,x5\n{rows}\n".encode())
    page = client.post(reverse("measurements:upload", args=[rings.pk]), {"file": upload}, follow=True)
    assert "rings.csv: 15 value(s) recorded" in page.content.decode()
    broken = SimpleUploadedFile("broken.csv", b"taken_at,x1,x2,x3,x4,x5\n2026-02-09 08:00,1,2,3,4,x\n")
    page = client.post(reverse("measurements:upload", args=[rings.pk]), {"file": broken}, follow=True)
    assert "Row 2: column &#x27;x5&#x27;: &#x27;x&#x27; is not a number." in page.content.decode()
    assert Subgroup.objects.count() == 3


def test_freeze_correct_exclude_and_acknowledge_through_the_forms(rings, people):
    client = signed_in(people["quality"])
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=entries(piston_rings()))
    refused = client.post(reverse("measurements:freeze", args=[rings.pk]),
                          {"phase": "first", "first": 25, "password": "wrong"})
    assert "The password is not correct" in refused.content.decode()
    response = client.post(reverse("measurements:freeze", args=[rings.pk]),
                           {"phase": "first", "first": 25, "password": PASSWORD})
    assert response.status_code == 302
    limits = ControlLimits.objects.get()
    assert signatures_of(limits)[0].signer == people["quality"]
    value = Measurement.objects.get(subgroup__key="S002", position=1)
    client.post(reverse("measurements:value-correct", args=[value.pk]),
                {f"m{value.pk}-value": "73.996", f"m{value.pk}-reason": "Misread", f"m{value.pk}-version": 1})
    value.refresh_from_db()
    assert value.value == 73.996
    subgroup = value.subgroup
    client.post(reverse("measurements:subgroup-exclusion", args=[subgroup.pk]),
                {"excluded": "True", "reason": "Setup piece", "version": subgroup.version})
    subgroup.refresh_from_db()
    assert subgroup.excluded and subgroup.exclusion_reason == "Setup piece"
    services.measurements_record(actor=people["quality"], characteristic=rings,
                                 entries=[services.SubgroupEntry(values=(74.05,) * 5, key="S041")])
    event = SignalEvent.objects.get(subgroup__key="S041", chart="xbar")
    client.post(reverse("measurements:signal-acknowledge", args=[event.pk]), {"note": "Gauge dropped"})
    event.refresh_from_db()
    assert event.acknowledged_by == people["quality"]


def test_the_list_page_query_count_does_not_grow_with_rows(make_characteristic, people,
                                                           django_assert_max_num_queries):
    for number in range(6):
        make_characteristic(name=f"Feature {number}")
    client = signed_in(people["quality"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("measurements:list")).status_code == 200


def test_new_and_edit_characteristic_pages(rings, people):
    client = signed_in(people["quality"])
    response = client.post(reverse("measurements:new"), {
        "name": "Ring width", "kind": "product", "unit": "mm", "lsl": "1.2", "usl": "1.4", "chart_type": "imr",
        "subgroup_size": "1", "rules": "we", "ewma_lambda": "0.2", "ewma_l": "3", "cusum_k": "0.5", "cusum_h": "4",
    })
    assert response.status_code == 302
    created = rings.__class__.objects.get(name="Ring width")
    assert created.owner == people["quality"] and created.rules == "we"
    edit = client.post(reverse("measurements:edit", args=[created.pk]), {
        "name": "Ring width", "kind": "product", "unit": "mm", "lsl": "1.2", "usl": "1.5", "chart_type": "imr",
        "subgroup_size": "1", "rules": "we", "ewma_lambda": "0.2", "ewma_l": "3", "cusum_k": "0.5", "cusum_h": "4",
        "active": "on", "version": "1", "owner": people["quality"].pk,
    })
    assert edit.status_code == 302
    created.refresh_from_db()
    assert (created.usl, created.version) == (1.5, 2)


def test_global_search_and_my_tasks_show_characteristics_and_open_signals(charted, people, make_user):
    client = signed_in(people["quality"])
    hits = client.get(reverse("search"), {"q": "piston"}).content.decode()
    assert "CH-0001 Piston ring inside diameter" in hits
    home = client.get("/").content.decode()
    assert "out-of-control signals on CH-0001" in home
    assert "CH-0001" not in signed_in(make_user()).get(reverse("search"), {"q": "piston"}).content.decode()
