"""Attachments (checked by content, immutable, permission-checked), typed links and gap-free numbering."""

from __future__ import annotations

import io
import threading
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from qualitas.accounts import services as accounts
from qualitas.core.audit.models import AuditEvent
from qualitas.core.files import services as files
from qualitas.core.files import sniff
from qualitas.core.files.models import Attachment
from qualitas.core.links import selectors as link_selectors
from qualitas.core.links import services as links
from qualitas.core.links.models import Link
from qualitas.core.numbering import services as numbering
from qualitas.core.numbering.models import NumberingScheme

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind == "odt":
            archive.writestr("mimetype", sniff.ODT)
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr({"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind], "<x/>")
    return buffer.getvalue()


@pytest.fixture
def process(quality_manager):
    return accounts.process_create(actor=quality_manager, code="P-1", name="Machining")


@pytest.mark.parametrize(
    "data,name,expected",
    [
        (PDF, "a.pdf", sniff.PDF),
        (PNG, "a.png", sniff.PNG),
        (b"\xff\xd8\xff\xe0data", "a.jpg", sniff.JPEG),
        (office("docx"), "a.docx", sniff.DOCX),
        (office("xlsx"), "a.xlsx", sniff.XLSX),
        (office("odt"), "a.odt", sniff.ODT),
        (b"a,b\n1,2\n", "a.csv", sniff.CSV),
        (b"plain words", "notes.txt", sniff.TEXT),
    ],
)
def test_content_is_recognised_from_the_bytes(data, name, expected):
    assert sniff.detect(data, name) == expected


@pytest.mark.parametrize(
    "data,name",
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 60, "invoice.pdf"),  # a Windows executable renamed
        (b"<html><script>alert(1)</script></html>", "photo.png"),
        (b"PK\x03\x04not really a zip", "a.docx"),
        (b"", "empty.pdf"),
    ],
)
def test_dangerous_or_unknown_content_is_refused(data, name):
    assert sniff.detect(data, name) is None


@given(st.binary(max_size=200))
@settings(max_examples=200)
def test_sniffing_is_total_and_only_answers_with_allowed_types(data):
    assert sniff.detect(data, "x.bin") in (None, *sniff.ALLOWED)


def test_attach_store_hash_audit_and_download(client, quality_manager, process):
    attachment = files.attachment_add(
        actor=quality_manager,
        instance=process,
        uploaded_file=SimpleUploadedFile("../../etc/passwd.pdf", PDF),
        description="x",
    )
    assert attachment.original_name == "passwd.pdf" and attachment.content_type == sniff.PDF
    assert attachment.stored_name.startswith("attachments/") and "passwd" not in attachment.stored_name
    assert AuditEvent.objects.filter(action="attach", record_id=str(process.pk)).exists()
    client.force_login(quality_manager)
    response = client.get(f"/files/{attachment.pk}/download/")
    assert response.content == PDF and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


def test_refused_upload_writes_nothing(quality_manager, process, tmp_path):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="not accepted"):
        files.attachment_add(
            actor=quality_manager, instance=process, uploaded_file=SimpleUploadedFile("evil.pdf", b"MZ\x90\x00binary")
        )
    assert not Attachment.objects.exists() and AuditEvent.objects.count() == before


def test_oversized_upload_is_refused(quality_manager, process, monkeypatch):
    monkeypatch.setenv("QUALITAS_MAX_UPLOAD_MB", "1")
    with pytest.raises(ValidationError, match="larger than"):
        files.attachment_add(
            actor=quality_manager,
            instance=process,
            uploaded_file=SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1)),
        )


def test_attaching_needs_edit_and_downloading_needs_sight_of_the_record(
    client, quality_manager, employee, make_user, process
):
    with pytest.raises(PermissionDenied):
        files.attachment_add(actor=employee, instance=process, uploaded_file=SimpleUploadedFile("a.pdf", PDF))
    attachment = files.attachment_add(
        actor=quality_manager, instance=process, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(make_user())  # no roles
    assert client.get(f"/files/{attachment.pk}/download/").status_code in (403, 404)


def test_bytes_changed_in_storage_are_not_served(client, quality_manager, process):
    from django.core.files.storage import default_storage

    attachment = files.attachment_add(
        actor=quality_manager, instance=process, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
    )
    with default_storage.open(attachment.stored_name, "wb") as handle:
        handle.write(PDF + b"tampered")
    client.force_login(quality_manager)
    assert client.get(f"/files/{attachment.pk}/download/").status_code == 409


def test_attachment_api_upload_list_download(api_client, quality_manager, process):
    from django.test import Client

    from tests.conftest import bearer

    headers = bearer(quality_manager)
    raw = Client()
    response = raw.post(
        f"/api/v1/records/accounts.process/{process.pk}/attachments",
        {"file": SimpleUploadedFile("form.docx", office("docx")), "description": "form"},
        **headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == sniff.DOCX
    bad = raw.post(
        f"/api/v1/records/accounts.process/{process.pk}/attachments",
        {"file": SimpleUploadedFile("x.png", b"<html>")},
        **headers,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "file"
    listed = api_client.as_user(quality_manager).get(f"/records/accounts.process/{process.pk}/attachments").json()
    assert [a["original_name"] for a in listed] == ["form.docx"]
    download = raw.get(f"/api/v1/attachments/{listed[0]['id']}/download", **headers)
    assert download.content == office("docx") or download.content.startswith(b"PK")


def test_links_show_on_both_records_and_are_audited(quality_manager, process):
    other = accounts.process_create(actor=quality_manager, code="P-2", name="Inspection")
    link = links.link_create(actor=quality_manager, source=other, target=process, kind="caused_by", note="root cause")
    assert [r["phrase"] for r in link_selectors.related(quality_manager, process)["rows"]] == ["causes"]
    assert [r["phrase"] for r in link_selectors.related(quality_manager, other)["rows"]] == ["caused by"]
    assert link_selectors.ids_linked_to(process, "accounts.process", "caused_by") == [str(other.pk)]
    assert AuditEvent.objects.filter(action="link", event="links.linked").count() == 2
    # …and one on the link row itself, which `qualitas audit verify` checks the row against.
    assert AuditEvent.objects.get(event="links.link_saved").record_id == str(link.pk)
    with pytest.raises(ValidationError, match="already linked"):
        links.link_create(actor=quality_manager, source=other, target=process, kind="caused_by")
    with pytest.raises(ValidationError, match="itself"):
        links.link_create(actor=quality_manager, source=process, target=process, kind="relates_to")
    with pytest.raises(ValidationError, match="reason"):
        links.link_remove(actor=quality_manager, link=link, reason="")
    links.link_remove(actor=quality_manager, link=link, reason="wrong process")
    assert link_selectors.related(quality_manager, process)["rows"] == []
    assert Link.objects.get(pk=link.pk).removal_reason == "wrong process"


def test_links_need_edit_on_the_source(quality_manager, employee, process):
    other = accounts.process_create(actor=quality_manager, code="P-2", name="Inspection")
    with pytest.raises(PermissionDenied):
        links.link_create(actor=employee, source=other, target=process, kind="relates_to")


def test_link_api_and_panel(api_client, client, quality_manager, process):
    other = accounts.process_create(actor=quality_manager, code="P-2", name="Inspection")
    api = api_client.as_user(quality_manager)
    created = api.post(
        "/links",
        {
            "source_type": "accounts.process",
            "source_id": other.pk,
            "target_type": "accounts.process",
            "target_id": process.pk,
            "kind": "verifies",
        },
    )
    assert created.status_code == 201
    assert api.get(f"/records/accounts.process/{process.pk}/links").json()[0]["phrase"] == "verified by"
    assert (
        api.post(
            "/links",
            {
                "source_type": "accounts.process",
                "source_id": other.pk,
                "target_type": "nope.nope",
                "target_id": 1,
                "kind": "verifies",
            },
        ).status_code
        == 404
    )
    client.force_login(quality_manager)
    assert "verified by" in client.get(f"/links/accounts.process/{process.pk}/").content.decode()


def test_numbers_follow_the_pattern_and_reset_each_year():
    import datetime as dt

    numbering.ensure_scheme("test.nc", "NC-{year}-{seq:04d}", "organisation")
    with transaction.atomic():
        first = numbering.next_number("test.nc", when=dt.date(2026, 3, 1))
        second = numbering.next_number("test.nc", when=dt.date(2026, 3, 2))
        next_year = numbering.next_number("test.nc", when=dt.date(2027, 1, 1))
    assert (first, second, next_year) == ("NC-2026-0001", "NC-2026-0002", "NC-2027-0001")


def test_keyword_tokens_count_separately_and_rollback_gives_the_number_back():
    numbering.ensure_scheme("test.sop", "SOP-{dept}-{seq:03d}", "organisation", reset="never")
    with transaction.atomic():
        assert numbering.next_number("test.sop", dept="QA") == "SOP-QA-001"
        assert numbering.next_number("test.sop", dept="PR") == "SOP-PR-001"
    with pytest.raises(RuntimeError), transaction.atomic():
        assert numbering.next_number("test.sop", dept="QA") == "SOP-QA-002"
        raise RuntimeError("the record could not be saved")
    with transaction.atomic():
        assert numbering.next_number("test.sop", dept="QA") == "SOP-QA-002"


def test_scheme_changes_are_administered_and_audited(quality_manager, employee):
    numbering.ensure_scheme("test.cr", "CR-{seq:03d}", "organisation", reset="never")
    with transaction.atomic():
        numbering.next_number("test.cr")
    scheme = NumberingScheme.objects.get(key="test.cr")
    with pytest.raises(PermissionDenied):
        numbering.scheme_update(actor=employee, scheme=scheme, pattern="CR{seq:05d}", reason="longer")
    with pytest.raises(ValidationError, match="seq"):
        numbering.scheme_update(actor=quality_manager, scheme=scheme, pattern="CR-fixed", reason="x")
    numbering.scheme_update(actor=quality_manager, scheme=scheme, pattern="CR-{seq:05d}", reason="longer numbers")
    assert AuditEvent.objects.filter(event="numbering.scheme_updated", reason="longer numbers").exists()


@given(st.integers(1, 10**6), st.integers(1990, 2100), st.sampled_from(["QA", "PR", "X1"]))
def test_format_number_property(seq, year, dept):
    import datetime as dt

    text = numbering.format_number("DOC-{dept}-{year}-{seq:05d}", seq, dt.date(year, 1, 1), {"dept": dept})
    assert text == f"DOC-{dept}-{year}-{seq:05d}" and int(text.rsplit("-", 1)[1]) == seq


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_distinct_gap_free_numbers():
    numbering.ensure_scheme("test.race", "R-{seq:04d}", "organisation", reset="never")
    issued: list[str] = []
    lock = threading.Lock()

    def worker():
        from django.db import connection as thread_connection

        try:
            for _ in range(25):
                with transaction.atomic():
                    number = numbering.next_number("test.race")
                with lock:
                    issued.append(number)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(issued) == [f"R-{n:04d}" for n in range(1, 201)]
    connection.close()


def test_link_removal_and_scheme_changes_through_the_api_and_panel(api_client, client, quality_manager, employee,
                                                                   process):
    other = accounts.process_create(actor=quality_manager, code="P-2", name="Inspection")
    first = links.link_create(actor=quality_manager, source=other, target=process, kind="verifies")
    second = links.link_create(actor=quality_manager, source=process, target=other, kind="relates_to")
    api = api_client.as_user(quality_manager)
    assert api.post("/links/999999/remove", {"reason": "gone"}).status_code == 404
    response = api.post(f"/links/{first.pk}/remove", {"reason": "duplicate"})
    assert response.status_code == 200 and response.json() == {"id": first.pk, "kind": "verifies"}
    client.force_login(quality_manager)
    panel = f"/links/accounts.process/{process.pk}"
    assert client.post(f"{panel}/999999/remove/", {"reason": "gone"}).status_code == 404
    assert client.post(f"{panel}/{second.pk}/remove/", {"reason": "wrong"}).status_code == 200
    assert Link.objects.filter(removed_at__isnull=True).count() == 0

    numbering.ensure_scheme("test.api", "API-{seq:03d}", "organisation", reset="never")
    with transaction.atomic():
        numbering.next_number("test.api")  # the scheme's row is made with its first number
    patch = {"pattern": "API-{seq:05d}", "reason": "longer numbers", "version": 1}
    assert api.patch("/numbering/schemes/no.such.scheme", patch).status_code == 404
    assert api_client.as_user(employee).patch("/numbering/schemes/test.api", patch).status_code == 403
    response = api_client.as_user(quality_manager).patch("/numbering/schemes/test.api", patch)
    assert response.status_code == 200 and response.json()["pattern"] == "API-{seq:05d}"
