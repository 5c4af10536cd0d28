"""Bulk appends to the audit trail (issue 12): `record_many` writes the same events, chained the same
way, as one `record()` per entry, in one transaction with the change it describes; `audit verify`
passes on a trail written in bulk and still names an event altered afterwards."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualitas.accounts.models import Site
from qualitas.core import bulk
from qualitas.core.audit import canonical, events, verify
from qualitas.core.audit.models import AuditEvent, AuditHead
from qualitas.core.audit.services import (
    CHAIN_FIELDS,
    AuditEntry,
    _primitive,
    chain_hash,
    record,
    record_many,
)
from qualitas.core.regulated import content_hash_of, snapshot
from qualitas.core.testing import factories

pytestmark = pytest.mark.django_db

EVENTS = ("bulktest.created", "bulktest.updated")


@pytest.fixture(autouse=True)
def declared():
    events.register_module("bulktest", EVENTS)
    yield
    events.unregister_module("bulktest")


def head() -> tuple[int, str]:
    row = AuditHead.objects.filter(pk=1).first()
    return (row.sequence, row.hash) if row else (0, canonical.GENESIS)


def stored_after(sequence: int) -> list[dict]:
    """The events after `sequence`, as stored: every hashed field and the chain links."""
    return list(
        AuditEvent.objects.filter(sequence__gt=sequence)
        .order_by("sequence")
        .values(*CHAIN_FIELDS, "previous_hash", "hash")
    )


def one_by_one(actor, entries: list[AuditEntry]) -> None:
    for entry in entries:
        record(actor, entry.action, entry.event, instance=entry.instance, record_type=entry.record_type,
               record_id=entry.record_id, record_label=entry.record_label, record_version=entry.record_version,
               changes=entry.changes, reason=entry.reason, content_hash=entry.content_hash)


def both_ways(actor, entries: list[AuditEntry]) -> tuple[tuple[int, str], list[dict], list[dict]]:
    """The same entries appended one by one, then (that undone) in bulk, from the same head."""
    start = head()
    with transaction.atomic():
        one_by_one(actor, entries)
        singles = stored_after(start[0])
        transaction.set_rollback(True)
    assert head() == start
    record_many(actor, entries)
    return start, singles, stored_after(start[0])


def assert_same_chain(start: tuple[int, str], singles: list[dict], bulk: list[dict]) -> None:
    """Every field but the time is the same both ways, and the bulk hashes are what chain_hash gives
    for those fields at the bulk's time: the canonical lines are byte-identical."""
    assert len(singles) == len(bulk)
    previous = start[1]
    for single, appended in zip(singles, bulk, strict=True):
        assert chain_hash(single["previous_hash"], single) == single["hash"]
        same = {name: value for name, value in single.items() if name not in ("occurred_at", "previous_hash", "hash")}
        assert {name: appended[name] for name in same} == same
        assert appended["previous_hash"] == previous
        assert appended["hash"] == chain_hash(previous, {**single, "occurred_at": appended["occurred_at"]})
        previous = appended["hash"]
    assert head() == (start[0] + len(bulk), previous)


def entries_for(records: list) -> list[AuditEntry]:
    return [
        AuditEntry("update", "bulktest.updated", instance=item, changes={"name": [None, item.name]},
                   reason="bulk test")
        for item in records
    ]


def test_record_many_writes_what_record_writes_event_by_event(quality_manager):
    sites = [factories.site() for _ in range(3)]
    entries = [
        *entries_for(sites),
        AuditEntry("create", "bulktest.created", record_type="bulktest.thing", record_id=7, record_label="Thing 7",
                   changes={"size": [None, 1.5], "at": [None, dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)],
                            "price": [decimal.Decimal("7.40"), decimal.Decimal("7.5")], "tags": [None, ("a", "b")]}),
        AuditEntry("create", "bulktest.created", record_type="bulktest.thing", record_id="",
                   record_label="a label \x1f with the separator, ünïcode and 300+ chars " * 10),
        AuditEntry("update", "bulktest.updated", record_type="bulktest.thing", record_id=8, record_version=3,
                   content_hash="f" * 64, reason="given hash and version"),
    ]
    start, singles, bulk = both_ways(quality_manager, entries)
    assert_same_chain(start, singles, bulk)
    assert [e["content_hash"] for e in bulk[:3]] == [content_hash_of(s) for s in sites]
    assert verify.verify(use_checkpoint=False, check_files=False).ok


def test_verify_passes_on_a_bulk_trail_and_names_an_event_altered_afterwards(quality_manager):
    sites = [factories.site() for _ in range(5)]
    appended = record_many(quality_manager, entries_for(sites))
    assert len(appended) == 5 and appended[-1] == head()[0]
    report = verify.verify(use_checkpoint=False, check_files=False)
    assert report.ok, report.problems
    victim = appended[2]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_event_no_update")
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditevent SET reason = 'rewritten' WHERE sequence = %s", [victim])
    problems = verify.verify(use_checkpoint=False, check_files=False).problems
    assert f"event #{victim} was altered (its hash does not match its content)" in problems


def test_regulated_records_are_hashed_as_stored_in_one_query_per_model(quality_manager):
    """Not one query per event: the records are read back together, and what is hashed is the stored
    row, not the caller's object (changed in memory here and never saved)."""
    few = [factories.site() for _ in range(2)]
    many = [factories.site() for _ in range(20)]
    for item in many:
        item.name = "changed in memory only"

    def queries(items) -> int:
        with CaptureQueriesContext(connection) as captured:
            record_many(quality_manager, entries_for(items))
        return len(captured)

    assert queries(many) == queries(few)
    stored = {site.pk: content_hash_of(site) for site in Site.objects.filter(pk__in=[s.pk for s in many])}
    recorded = AuditEvent.objects.filter(record_type="accounts.site", record_id__in=[str(pk) for pk in stored])
    latest = {int(e.record_id): e.content_hash for e in recorded.order_by("sequence")}
    assert latest == stored
    assert verify.verify(use_checkpoint=False, check_files=False).ok


def test_a_rolled_back_transaction_leaves_no_event_and_the_head_unchanged(quality_manager):
    start, count = head(), AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_many(quality_manager, entries_for([factories.site() for _ in range(3)]))
        assert AuditEvent.objects.count() > count
        raise RuntimeError("the change the events describe failed")
    assert (head(), AuditEvent.objects.count()) == (start, count)


def test_an_undeclared_event_is_refused_before_anything_is_written(quality_manager):
    start, count = head(), AuditEvent.objects.count()
    entries = [AuditEntry("create", "bulktest.created", record_type="bulktest.thing", record_id=1),
               {"action": "create", "event": "bulktest.never_declared", "record_type": "bulktest.thing"}]
    with pytest.raises(ValueError, match="bulktest.never_declared"):
        record_many(quality_manager, entries)
    assert (head(), AuditEvent.objects.count()) == (start, count)


def test_no_entries_write_nothing(quality_manager):
    start = head()
    with CaptureQueriesContext(connection) as captured:
        assert list(record_many(quality_manager, [])) == []
    assert len(captured) == 0 and head() == start


def test_mappings_are_entries_too(quality_manager):
    appended = record_many(quality_manager, [
        {"action": "create", "event": "bulktest.created", "record_type": "bulktest.thing", "record_id": 1,
         "changes": {"n": [None, 1]}},
    ])
    event = AuditEvent.objects.get(sequence=appended[0])
    assert (event.record_id, event.changes_dict, event.actor_id) == ("1", {"n": [None, 1]}, quality_manager.pk)


# --- Properties ---------------------------------------------------------------------------------------

# Text a database column takes (PostgreSQL refuses NUL; UTF-8 has no lone surrogates).
_text = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
_times = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1),
                      timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))]))
_scalars = (st.none() | st.booleans() | st.integers(-(10**15), 10**15) | _text
            | st.floats(allow_nan=False) | st.decimals(allow_nan=False, allow_infinity=False, places=3) | _times
            | st.dates())
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                       | st.dictionaries(_text | st.integers(0, 9), inner, max_size=3), max_leaves=8)


@given(_values)
def test_the_fast_primitive_form_is_canonical_to_primitive(value):
    assert _primitive(value) == canonical.to_primitive(value)
    assert canonical.dumps(_primitive(value)) == canonical.dumps(canonical.to_primitive(value))


@given(st.lists(_scalars, max_size=30))
def test_each_value_of_a_bulk_row_is_encoded_as_canonical_dumps_would(values):
    encode, known = bulk._fragments()
    for value in values + values:  # the second time from what was remembered
        primitive = canonical.to_primitive(value)
        assert (known.get((type(value), value)) or encode(value)) == (primitive, canonical.dumps(primitive))


_entries = st.lists(
    st.builds(
        AuditEntry,
        action=st.sampled_from(["create", "update", "configure"]),
        event=st.sampled_from(EVENTS),
        record_type=st.sampled_from(["", "bulktest.thing"]),
        record_id=st.sampled_from(["", 0, 1, 12345]) | _text,
        record_label=_text,
        record_version=st.none() | st.integers(1, 10**6),
        changes=st.none() | st.dictionaries(_text, st.tuples(_values, _values), max_size=4),
        reason=_text,
        content_hash=st.none() | st.just("") | st.text("0123456789abcdef", min_size=64, max_size=64),
    ),
    min_size=1, max_size=6,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=_entries)
def test_any_entries_chain_alike_both_ways(quality_manager, entries):
    with transaction.atomic():
        start, singles, bulk = both_ways(quality_manager, entries)
        assert_same_chain(start, singles, bulk)
        transaction.set_rollback(True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({"name": _text, "address": _text, "country": _text,
                                            "active": st.booleans()}), min_size=1, max_size=4))
def test_creation_events_of_rows_inserted_in_bulk_are_what_record_create_would_write(quality_manager, rows):
    """bulk.record_created assembles each event's JSON from the values' encodings: the changes text
    and the content hash are byte for byte canonical, for the stored row."""
    with transaction.atomic():
        for row in rows:
            row["code"] = factories.unique("B")
        ids = bulk.insert_values(Site, rows)
        labels = [f"{row['code']} – {row['name']}" for row in rows]
        appended = bulk.record_created(quality_manager, Site, list(zip(ids, labels, rows, strict=True)),
                                       event="bulktest.created")
        recorded = {e.record_id: e for e in AuditEvent.objects.filter(sequence__in=list(appended))}
        for site in Site.objects.filter(pk__in=ids):
            event, state = recorded[str(site.pk)], snapshot(site)
            changes = {name: [None, value] for name, value in state.items() if value not in (None, "", False)}
            assert event.changes == canonical.dumps(canonical.to_primitive(changes))
            assert (event.content_hash, event.record_version, event.record_label) == (
                content_hash_of(site), 1, str(site))
        assert verify.verify(use_checkpoint=False, check_files=False).ok
        transaction.set_rollback(True)
