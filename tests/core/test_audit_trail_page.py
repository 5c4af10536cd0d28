"""The audit trail page: paging through the whole trail, finding a record by its number or title,
the record-type list, and exports that say what they exported."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from qualitas.accounts import services as accounts
from qualitas.core.audit.models import AuditEvent
from qualitas.core.audit.selectors import PAGE_SIZE

pytestmark = pytest.mark.django_db

TRAIL = "/records/audit-trail/"


def sequences(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tr data-sequence="(\d+)">', html)]


def pager_links(html: str) -> dict[str, str]:
    """{"Older": "?record=…&before=…", …} from the trail's pager."""
    pager = html.split('data-testid="trail-pager"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a class="page-link"[^>]*href="([^"]*)">(\w+)</a>', pager)
    return {text: href.replace("&amp;", "&") for href, text in links}


@pytest.fixture
def processes(quality_manager):
    """Processes PG-001 … PG-120 (one creation event each), created in that order."""
    return [
        accounts.process_create(actor=quality_manager, code=f"PG-{n:03d}", name=f"Paged {n}") for n in range(1, 121)
    ]


@pytest.fixture
def reader(client, quality_manager):
    client.force_login(quality_manager)
    return client


def test_the_trail_is_paged_newest_first_and_the_links_keep_the_filter(
    reader, processes, django_assert_max_num_queries
):
    created = list(
        AuditEvent.objects.filter(event="organisation.process_created", record_label__startswith="PG-")
        .order_by("-sequence").values_list("sequence", flat=True)
    )
    assert len(created) == 120

    with django_assert_max_num_queries(60):  # the record-type list reads one short query per kind
        first = reader.get(TRAIL, {"record_type": "accounts.process", "record": "pg-"})
    html = first.content.decode()
    assert first.status_code == 200
    assert sequences(html) == created[:PAGE_SIZE]
    assert "120 events match the filter" in html
    assert 'value="pg-"' in html and 'name="q"' in html and "record_type=" not in html.split('name="q"', 1)[1][:200]
    links = pager_links(html)
    assert set(links) == {"Older", "Oldest"}  # the newest page has nothing newer

    second = reader.get(TRAIL + links["Older"]).content.decode()
    params = parse_qs(urlsplit(links["Older"]).query)
    assert params["record_type"] == ["accounts.process"] and params["record"] == ["pg-"]
    assert sequences(second) == created[PAGE_SIZE : 2 * PAGE_SIZE]

    third = reader.get(TRAIL + pager_links(second)["Older"]).content.decode()
    assert sequences(third) == created[2 * PAGE_SIZE :]
    assert set(pager_links(third)) == {"Newest", "Newer"}  # the oldest page has nothing older

    back = reader.get(TRAIL + pager_links(third)["Newer"]).content.decode()
    assert sequences(back) == created[PAGE_SIZE : 2 * PAGE_SIZE]
    oldest = reader.get(TRAIL + links["Oldest"]).content.decode()
    assert sequences(oldest) == created[-PAGE_SIZE:]


def test_a_page_stays_put_while_new_events_arrive(reader, processes, quality_manager):
    html = reader.get(TRAIL, {"record": "PG-"}).content.decode()
    older = pager_links(html)["Older"]
    before = sequences(reader.get(TRAIL + older).content.decode())
    accounts.process_create(actor=quality_manager, code="PG-121", name="Paged 121")
    assert sequences(reader.get(TRAIL + older).content.decode()) == before


def test_the_unfiltered_trail_pages_too(reader, processes):
    html = reader.get(TRAIL).content.decode()
    total = AuditEvent.objects.count()
    assert len(sequences(html)) == PAGE_SIZE
    assert f"{total:,} events in the trail" in html
    assert sequences(html)[0] == AuditEvent.objects.order_by("-sequence").first().sequence


def test_a_record_is_found_by_its_number_or_title_not_only_its_id(reader, quality_manager):
    target = accounts.process_create(actor=quality_manager, code="QP-7.5-001", name="Control of documented information")
    accounts.process_update(actor=quality_manager, process=target, name="Control of records", reason="Scope")
    other = accounts.process_create(actor=quality_manager, code="QP-8.4-002", name="Purchasing")
    mine = set(AuditEvent.objects.filter(record_type="accounts.process", record_id=str(target.pk))
               .values_list("sequence", flat=True))
    assert len(mine) == 2

    by_number = sequences(reader.get(TRAIL, {"record": "QP-7.5-001"}).content.decode())
    assert set(by_number) == mine
    by_title = sequences(reader.get(TRAIL, {"record": "  control of   RECORDS "}).content.decode())
    assert set(by_title) == {max(mine)}  # the label after the rename; case and spacing do not matter
    by_id = sequences(reader.get(TRAIL, {"record_type": "accounts.process", "record": str(target.pk)}).content.decode())
    assert mine <= set(by_id)
    html = reader.get(TRAIL, {"record": "QP-9.9-999"}).content.decode()
    assert sequences(html) == [] and "No events match the filter." in html and "0 events match" in html
    assert other.code not in reader.get(TRAIL, {"record": "QP-7.5"}).content.decode().replace("QP-7.5-001", "")


def test_each_record_type_is_listed_once_including_kinds_only_the_trail_knows(reader, employee, admin_user):
    accounts.role_assign(actor=admin_user, user=employee, role="auditor")  # an accounts.roleassignment event
    html = reader.get(TRAIL).content.decode()
    select = html.split('name="record_type"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    keys = [key for key, _ in options]
    labels = [label for _, label in options]
    assert len(keys) == len(set(keys)) and len(labels) == len(set(labels)), options
    assert labels.count("User account") == 1
    assert ("accounts.roleassignment", "Role assignment") in options
    assert ("accounts.process", "Process") in options and ("accounts.user", "User account") in options
    filtered = reader.get(TRAIL, {"record_type": "accounts.roleassignment"})
    assert filtered.status_code == 200
    rows = AuditEvent.objects.filter(record_type="accounts.roleassignment").count()
    assert len(sequences(filtered.content.decode())) == min(rows, PAGE_SIZE) > 0


def test_the_export_event_names_the_format_the_filters_and_the_number_of_events(reader, quality_manager):
    target = accounts.process_create(actor=quality_manager, code="QP-7.5-001", name="Control of documented information")
    accounts.process_update(actor=quality_manager, process=target, name="Control of records", reason="Scope")
    response = reader.get(TRAIL, {"record_type": "accounts.process", "record": "QP-7.5-001", "since": "2000-01-01",
                                  "export": "csv"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3  # header and the process's two events, not the export's own event
    assert rows[1][10] == "name: Control of documented information → Control of records"  # newest first
    assert "code: — → QP-7.5-001" in rows[2][10] and "None" not in rows[2][10]
    event = AuditEvent.objects.filter(event="audit.trail_exported").latest("sequence")
    changes = event.changes_dict
    assert changes["format"] == [None, "csv"]
    assert changes["filters"][1] == "record_type=accounts.process; record=QP-7.5-001; since=2000-01-01"
    assert changes["events"] == [None, 2]
    assert event.actor_id == quality_manager.pk and "QP-7.5-001" in event.record_label

    pdf = reader.get(TRAIL, {"user": quality_manager.pk, "action": "update", "export": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    changes = AuditEvent.objects.filter(event="audit.trail_exported").latest("sequence").changes_dict
    assert changes["format"] == [None, "pdf"]
    assert changes["filters"][1] == f"user={quality_manager.username} ({quality_manager.display_name}); action=update"

    reader.get(TRAIL, {"export": "csv"})
    changes = AuditEvent.objects.filter(event="audit.trail_exported").latest("sequence").changes_dict
    assert changes["filters"][1] == "none (the whole trail)"


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-03-02", "until": "2026-03-01", "export": "csv"},
        {"since": "not a date", "export": "pdf"},
        {"before": "abc"},
        {"record_type": "no.such_type"},
        {"export": "xlsx"},
    ],
)
def test_a_filter_that_cannot_be_read_is_refused_and_exports_nothing(reader, params):
    exports = AuditEvent.objects.filter(event="audit.trail_exported").count()
    response = reader.get(TRAIL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="trail-problems"' in html and 'data-sequence="' not in html
    assert "export=" not in html  # no link to export the unfiltered trail instead
    assert AuditEvent.objects.filter(event="audit.trail_exported").count() == exports


def test_the_page_is_for_trail_readers_only(client, employee):
    client.force_login(employee)
    assert client.get(TRAIL, {"record": "PG-"}).status_code == 403


def test_each_event_links_to_its_records_trail_and_says_when_one_record_is_shown(reader, quality_manager):
    target = accounts.process_create(actor=quality_manager, code="QP-7.5-001", name="Control of records")
    accounts.process_create(actor=quality_manager, code="QP-7.5-002", name="Control of records 2")
    html = reader.get(TRAIL, {"record": "QP-7.5"}).content.decode()
    link = f"?record_type=accounts.process&amp;record_id={target.pk}"
    assert link in html
    one = reader.get(TRAIL + link.replace("&amp;", "&")).content.decode()
    events = AuditEvent.objects.filter(record_type="accounts.process", record_id=str(target.pk))
    assert set(sequences(one)) == set(events.values_list("sequence", flat=True))
    note = one.split('data-testid="trail-one-record"', 1)[1].split("</p>", 1)[0]
    assert f"id {target.pk}" in note and 'href="?record_type=accounts.process"' in note
