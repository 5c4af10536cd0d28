"""What a record's history, export and PDF tell about other records and people (issue 10): a linked
record the reader may not see is named only by its type; client addresses and API tokens are kept
for those who may read the audit trail."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from qualitas.core.links.services import link_create
from tests.throwaway.services import suggestion_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(make_user, site, other_site):
    manager = make_user("quality-manager", username="qm-history")
    local = make_user("employee", username="emp-history", site=site)
    mine = suggestion_create(actor=manager, title="Our own idea", site=site)
    secret = suggestion_create(actor=manager, title="Springfield customer Acme Corp", site=other_site)
    link_create(actor=manager, source=mine, target=secret, kind="relates_to", note="see Acme Corp")
    return manager, local, mine


def test_history_names_a_hidden_linked_record_only_by_type(linked, api_client):
    manager, local, mine = linked
    history = api_client.as_user(local).get(f"/records/throwaway.suggestion/{mine.pk}/history").json()
    text = str(history)
    assert "Acme Corp" not in text
    assert "relates to a record you cannot see (Suggestion)" in text
    for_manager = api_client.as_user(manager).get(f"/records/throwaway.suggestion/{mine.pk}/history").json()
    assert "Acme Corp" in str(for_manager)


def test_history_panel_export_and_pdf_do_not_name_the_hidden_record(linked):
    from pypdf import PdfReader

    _, local, mine = linked
    client = Client()
    client.force_login(local)
    panel = client.get(f"/records/throwaway.suggestion/{mine.pk}/history/").content.decode()
    exported = client.get(f"/records/throwaway.suggestion/{mine.pk}/export.json").content.decode()
    pdf = client.get(f"/records/throwaway.suggestion/{mine.pk}/export.pdf").content
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for shown in (panel, exported, pdf_text):
        assert "Acme Corp" not in shown
    assert "a record you cannot see" in exported and "a record you cannot see" in panel


def test_client_address_and_token_are_kept_for_trail_readers(linked, api_client, make_user, site):
    manager, local, mine = linked
    other = suggestion_create(actor=manager, title="Second idea", site=site)
    created = api_client.as_user(manager).post("/links", {
        "source_type": "throwaway.suggestion", "source_id": mine.pk, "target_type": "throwaway.suggestion",
        "target_id": other.pk, "kind": "relates_to"})
    assert created.status_code == 201, created.content
    auditor = make_user("auditor", username="aud-history")

    def linked_by_api(user):
        events = api_client.as_user(user).get(f"/records/throwaway.suggestion/{mine.pk}/history").json()
        return next(e for e in events if e["event"] == "links.linked" and "Second idea" in str(e["changes"]))

    for_auditor = linked_by_api(auditor)
    assert for_auditor["client_address"] == "127.0.0.1" and for_auditor["token_id"] is not None
    for_employee = linked_by_api(local)
    assert for_employee["client_address"] == "" and for_employee["token_id"] is None


@pytest.mark.parametrize("url", ["/documents/new/", "/quality/nonconformities/new/", "/quality/capas/new/",
                                 "/quality/complaints/new/", "/actions/new/"])
def test_forms_for_creating_records_are_not_offered_without_the_create_right(make_user, url):
    reader = make_user("auditor", username="reader-forms")  # views everything, creates no documents
    client = Client()
    client.force_login(reader)
    from qualitas.core.permissions import has_perm

    module = {"documents": "documents", "quality": "capa", "actions": "actions"}[url.split("/")[1]]
    expected = 200 if has_perm(reader, module, "create") else 403
    assert client.get(url).status_code == expected
    nobody = make_user(username="no-roles-forms")
    client.force_login(nobody)
    assert client.get(url).status_code == 403
