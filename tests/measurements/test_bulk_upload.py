"""A large upload through the page (issue 12): thousands of values recorded in bulk, all or nothing,
each value and subgroup with its own creation event (appended to the trail in bulk), the SPC rules
applied as for any recording, and `audit verify` passing afterwards."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from qualitas.capa.models import Nonconformity
from qualitas.core.audit import canonical, verify
from qualitas.core.audit.models import AuditEvent, AuditHead
from qualitas.core.links.models import Link
from qualitas.core.notifications.models import Notification
from qualitas.core.regulated import content_hash_of, snapshot
from qualitas.measurements import services
from qualitas.measurements.models import Measurement, SignalEvent, Subgroup
from qualitas.measurements.upload import MAX_UPLOAD_BYTES
from tests.measurements.conftest import entries, piston_rings

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 6, 2, 6, 0, tzinfo=dt.UTC)


def long_csv(values: list[float], size: int, *, last: str | None = None) -> bytes:
    """taken_at, subgroup, value: one value per row, `size` rows per subgroup, a minute apart."""
    lines = ["taken_at,subgroup,value"]
    for index, value in enumerate(values):
        number = index // size
        lines.append(f"{START + dt.timedelta(minutes=number):%Y-%m-%d %H:%M:%S},G{number + 1:06d},{value:.4f}")
    if last is not None:
        lines[-1] = last
    return ("\n".join(lines) + "\n").encode()


def normal(count: int, seed: int = 5) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(74.0, 0.01) for _ in range(count)]


@pytest.fixture
def quality(people) -> Client:
    """The quality manager, signed in (before a test takes the state of the trail: signing in is audited)."""
    client = Client()
    client.force_login(people["quality"])
    return client


def upload(client: Client, characteristic, data: bytes) -> list[str]:
    """POST the file to the upload page; the messages it shows."""
    page = client.post(reverse("measurements:upload", args=[characteristic.pk]),
                       {"file": SimpleUploadedFile("line-2.csv", data, content_type="text/csv")}, follow=True)
    assert page.status_code == 200
    return [str(message) for message in page.context["messages"]]


def trail() -> tuple[int, int, str]:
    head = AuditHead.objects.get(pk=1)
    return AuditEvent.objects.count(), head.sequence, head.hash


def events_of(record_type: str, event: str) -> dict[str, AuditEvent]:
    found = AuditEvent.objects.filter(record_type=record_type, event=event)
    return {item.record_id: item for item in found}


def test_five_thousand_values_each_with_its_event_and_verify_passes(rings, people, quality):
    messages = upload(quality, rings, long_csv(normal(5000), 5))
    assert any("5000 value(s) recorded" in message for message in messages), messages
    values = list(Measurement.objects.filter(subgroup__characteristic=rings).select_related("subgroup"))
    subgroups = list(Subgroup.objects.filter(characteristic=rings))
    assert (len(values), len(subgroups)) == (5000, 1000)
    assert {m.source_name for m in values} == {"line-2.csv"} and {s.source for s in subgroups} == {"upload"}

    recorded = events_of("measurements.measurement", "measurements.value_recorded")
    assert set(recorded) == {str(m.pk) for m in values}
    for measurement in values[:: 250]:  # what the history shows: who, the values, the hash of the row
        event = recorded[str(measurement.pk)]
        state = snapshot(measurement)
        changes = {k: [None, v] for k, v in state.items() if v not in (None, "", False)}
        assert event.changes == canonical.dumps(changes)  # the text record() would store, byte for byte
        assert (event.action, event.actor_id, event.record_version) == ("create", people["quality"].pk, 1)
        assert event.content_hash == content_hash_of(measurement)
        assert event.record_label == f"{rings.number} subgroup {measurement.subgroup.key} value {measurement.position}"
    created = events_of("measurements.subgroup", "measurements.subgroup_recorded")
    assert set(created) == {str(s.pk) for s in subgroups}
    assert AuditEvent.objects.filter(event="measurements.recorded", record_id=str(rings.pk)).count() == 1

    report = verify.verify(use_checkpoint=False, check_files=False)
    assert report.ok, report.problems[:5]


def test_a_bad_last_row_records_nothing(rings, quality):
    before = trail()
    data = long_csv(normal(5000), 5, last="2025-06-02 22:39:00,G001000,74.01.2")
    messages = upload(quality, rings, data)
    assert messages[0].startswith("Nothing was recorded: line-2.csv has")
    assert messages[1] == "Row 5001: column 'value': '74.01.2' is not a number."
    assert not Subgroup.objects.filter(characteristic=rings).exists() and trail() == before


def test_a_subgroup_overfilled_by_the_last_row_records_nothing(rings, quality):
    before = trail()
    values = normal(5001)
    data = long_csv(values, 5, last=f"2025-06-02 22:39:00,G001000,{values[-1]:.4f}")  # a sixth value for G001000
    messages = upload(quality, rings, data)
    assert messages[0] == "Nothing was recorded: 1 problem found."
    assert messages[1].startswith("Row 5002: subgroup G001000 would hold 6 values")
    assert not Measurement.objects.filter(subgroup__characteristic=rings).exists() and trail() == before


def test_an_upload_that_signals_stores_notifies_and_raises_as_any_recording(make_characteristic, quality):
    """The run rules judge the uploaded points as they judge points entered by hand: the signal at the
    spike is stored with its event, and (as this characteristic asks) raises a linked nonconformity."""
    ra = make_characteristic(name="Roughness", chart_type="imr", subgroup_size=1, lsl=None, target=None,
                             usl=None, raise_nonconformity=True)
    values = normal(400, seed=9)
    values[300] = 74.2  # far beyond 3 sigma
    upload(quality, ra, long_csv(values, 1))
    assert Notification.objects.filter(recipient=ra.owner, kind="spc-signal", subject__contains=ra.number).exists()
    spike = Subgroup.objects.get(characteristic=ra, key="G000301")
    signal = SignalEvent.objects.get(subgroup=spike, chart="i")
    assert "nelson-1" in signal.rules
    stored = SignalEvent.objects.filter(characteristic=ra)
    assert set(events_of("measurements.signalevent", "measurements.signal_detected")) >= {str(s.pk) for s in stored}
    nonconformity = Nonconformity.objects.get(title__startswith=f"Out-of-control signal on {ra.number}")
    assert Link.objects.filter(target_type="measurements.signalevent", target_id=str(signal.pk), kind="raised_from",
                               source_id=str(nonconformity.pk)).exists()
    assert nonconformity.description.count("\n") == stored.count()
    report = verify.verify(use_checkpoint=False, check_files=False)
    assert report.ok, report.problems[:5]


def test_a_file_of_100000_values_is_within_the_upload_limits():
    """The sizes only (recording 100,000 values is bench/measurements_bench.py's work, not a unit test's)."""
    data = long_csv([74.0123] * 100_000, 1)
    assert len(data) < MAX_UPLOAD_BYTES / 2
    assert services.MAX_BATCH >= 100_000


def test_more_values_than_a_batch_takes_are_refused_whole(rings, people):
    entries = [services.SubgroupEntry(values=(74.0,) * 5, key=f"K{n}") for n in range(services.MAX_VALUES // 5 + 1)]
    before = trail()
    with pytest.raises(ValidationError, match="At most 100,000 values per batch"):
        services.measurements_record(actor=people["quality"], characteristic=rings, entries=entries)
    assert trail() == before


def test_rows_written_in_bulk_roll_back_with_the_transaction(rings, people):
    """The bulk inserts run in the caller's transaction: a failure after them leaves no value, no
    subgroup and no event."""
    before = trail()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.measurements_record(actor=people["quality"], characteristic=rings,
                                     entries=entries(piston_rings()))
        assert Measurement.objects.filter(subgroup__characteristic=rings).count() == 200
        raise RuntimeError("a later step failed")
    assert not Subgroup.objects.filter(characteristic=rings).exists() and trail() == before
