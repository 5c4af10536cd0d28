"""`audit verify` in parallel parts (issue 12): chain segments split again into parts and large tables
compared in ranges of their key, shared by the threads, give the verdict and the messages of one
thread on every kind of tampering; the SQLite chain check compares the stored hashes as
comma-separated lists, so a hash cut across its neighbours or a missing one is not taken for intact."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from qualitas.accounts.models import Process
from qualitas.core.audit import verify
from qualitas.core.audit import verify_fast as fast
from qualitas.core.audit.models import AuditEvent
from qualitas.core.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
        return cursor.fetchall() if cursor.description else None


def drop_triggers():
    if connection.vendor == "sqlite":
        sql("DROP TRIGGER IF EXISTS audit_event_no_update")
        sql("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        sql("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of a few rows, so that a small trail is split as a large one is."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("in-memory SQLite cannot be shared between threads")
    monkeypatch.setattr(fast, "CHUNK", 5)
    monkeypatch.setattr(fast, "SPLIT_ROWS", 8)
    monkeypatch.setattr(fast, "ROWS_PER_PART", 4)


@pytest.fixture
def processes(quality_manager, small_parts):
    return [factories.process(actor=quality_manager, code=f"PP-{n}", name=f"Process {n}") for n in range(45)]


def both(workers: int = 3) -> list[str]:
    """The problems found with threads and in one thread, which must be the same."""
    threaded = verify.verify(use_checkpoint=False, workers=workers)
    alone = verify.verify(use_checkpoint=False, workers=1)
    assert threaded.problems == alone.problems
    assert (threaded.events, threaded.records, threaded.rows) == (alone.events, alone.records, alone.rows)
    return threaded.problems


def event_at(fraction: float) -> AuditEvent:
    events = list(AuditEvent.objects.order_by("sequence"))
    return events[int(len(events) * fraction)]


def test_the_parts_are_used_and_an_intact_trail_verifies(processes):
    bounds = fast.chain_bounds()
    assert len(fast.segments(bounds, 2)) == 2
    seen = []
    original = fast.sqlite_segment if connection.vendor == "sqlite" else fast.postgres_segment

    def counted(first, last):
        seen.append((first, last))
        return original(first, last)

    name = "sqlite_segment" if connection.vendor == "sqlite" else "postgres_segment"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast, name, counted)
        assert both() == []
    assert len(seen) > 2 * 2  # each of the segments in parts, in the threaded run
    model = Process
    assert len(_ranges_in_pool(model)) > 1


def _ranges_in_pool(model):
    """_row_ranges as a thread of a verification sees them."""
    return fast.run_all([lambda: fast._row_ranges(model), lambda: None], 2)[0]


def test_ranges_cover_every_key_once(processes):
    ranges = _ranges_in_pool(Process)
    assert ranges[0][0] is None and ranges[-1][1] is None  # open at both ends
    keys = list(Process.objects.values_list("pk", flat=True))
    for key in keys:
        inside = [(low, high) for low, high in ranges
                  if (low is None or key >= low) and (high is None or key <= high)]
        assert len(inside) == 1, (key, ranges)
    assert fast._row_ranges(Process) == [(None, None)]  # outside a verification's threads: one pass


def test_altered_content_of_an_event(processes):
    middle = event_at(0.5)
    drop_triggers()
    sql("UPDATE audit_auditevent SET record_label = 'tampered' WHERE id = %s", [middle.pk])
    assert f"event #{middle.sequence} was altered (its hash does not match its content)" in both()


def test_broken_chain(processes):
    later = event_at(0.7)
    drop_triggers()
    sql("UPDATE audit_auditevent SET previous_hash = %s WHERE id = %s", ["f" * 64, later.pk])
    assert f"event #{later.sequence} does not chain to the event before it" in both()


def test_deleted_event(processes):
    gone = event_at(0.3)
    drop_triggers()
    sql("DELETE FROM audit_auditevent WHERE id = %s", [gone.pk])
    problems = both()
    assert f"events #{gone.sequence} to #{gone.sequence} are missing" in problems


def test_reordered_sequence(processes):
    first, second = event_at(0.4), event_at(0.6)
    drop_triggers()
    sql("UPDATE audit_auditevent SET sequence = -1 WHERE id = %s", [first.pk])
    sql("UPDATE audit_auditevent SET sequence = %s WHERE id = %s", [first.sequence, second.pk])
    sql("UPDATE audit_auditevent SET sequence = %s WHERE id = %s", [second.sequence, first.pk])
    problems = both()
    assert problems
    assert any(f"event #{first.sequence} " in p or f"event #{second.sequence} " in p for p in problems)


def test_rows_altered_inserted_and_deleted_in_every_range(processes):
    altered = [processes[1], processes[20], processes[-1]]  # first, a middle and the last range
    Process.objects.filter(pk__in=[p.pk for p in altered]).update(name="tampered")
    deleted = processes[30]
    sql("DELETE FROM accounts_process WHERE id = %s", [deleted.pk])
    (inserted,) = Process.objects.bulk_create([Process(code="PP-X", name="inserted")])  # no audit event
    problems = both()
    for process in altered:
        assert any(f"accounts.process {process.pk} " in p and "altered outside" in p for p in problems), problems
    assert f"accounts.process {deleted.pk} was deleted outside the application" in problems
    assert any(f"accounts.process {inserted.pk} " in p and "created outside" in p for p in problems), problems


def test_a_hash_cut_across_its_neighbours_is_not_intact(processes):
    """Stored hashes "c1 + c2[0]" and "c2[1:]" concatenate to what was computed; item by item they differ."""
    if connection.vendor == "postgresql":
        pytest.skip("varchar(64) holds no 65-character hash, and the server compares each event's own")
    first, second = event_at(0.5), event_at(0.5 + 1 / len(AuditEvent.objects.all()))
    assert second.sequence == first.sequence + 1
    drop_triggers()
    sql("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [first.hash + second.hash[0], first.pk])
    sql("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [second.hash[1:], second.pk])
    problems = both()
    assert f"event #{first.sequence} was altered (its hash does not match its content)" in problems


def test_a_missing_hash_is_not_intact(processes):
    if connection.vendor == "postgresql":
        pytest.skip("the column is NOT NULL; SQLite's table can be rebuilt without it, as below")
    event = event_at(0.5)
    drop_triggers()
    sql("PRAGMA writable_schema = ON")
    schema = sql("SELECT sql FROM sqlite_master WHERE name = 'audit_auditevent'")[0][0]
    sql("UPDATE sqlite_master SET sql = %s WHERE name = 'audit_auditevent'",
        [schema.replace('"hash" varchar(64) NOT NULL', '"hash" varchar(64) NULL')])
    sql("PRAGMA writable_schema = OFF")
    connection.close()
    sql("UPDATE audit_auditevent SET hash = NULL WHERE id = %s", [event.pk])
    assert both()


def test_join_segments():
    parts = [fast.Segment(True, 2, 1, 2, "g" * 64, "a" * 64), fast.Segment(True, 0),
             fast.Segment(True, 3, 3, 5, "a" * 64, "b" * 64)]
    if connection.vendor == "postgresql":
        parts = [fast.Segment(True, 2, 1, 2), fast.Segment(True, 3, 3, 5)]
    joined = fast.join_segments(parts)
    assert (joined.ok, joined.count, joined.first_sequence, joined.last_sequence) == (True, 5, 1, 5)
    broken = [*parts[:-1], fast.Segment(True, 3, 4, 6, "a" * 64, "b" * 64)]
    assert not fast.join_segments(broken).ok
    assert not fast.join_segments([*parts, fast.Segment(False)]).ok


def test_the_command_takes_jobs(processes, capsys):
    call_command("audit", "verify", "--no-checkpoint", "--jobs", "2")
    assert "audit trail intact" in capsys.readouterr().out
    with pytest.raises(CommandError) as refused:
        call_command("audit", "verify", "--no-checkpoint", "--jobs", "0")
    assert refused.value.returncode == 2
