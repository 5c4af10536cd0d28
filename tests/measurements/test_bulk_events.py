"""What a bulk recording writes and judges, built without an instance per row (issue 12): every
subgroup's and value's creation event byte for byte what record_create would write (columns that vary,
that are constant, that are set in some rows only, texts holding "%"), the chart judged from columns
(charting.judge_points) with the signals of charting.judge, and the completed subgroups made Subgroup
instances only when looked at, equal to the stored ones."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from qualitas.core.audit import canonical, verify
from qualitas.core.audit.models import AuditEvent
from qualitas.core.regulated import content_hash_of, snapshot
from qualitas.measurements import charting, services
from qualitas.measurements.models import Measurement, Subgroup
from qualitas.measurements.services import SubgroupEntry
from tests.measurements.conftest import START, entries, piston_rings

pytestmark = pytest.mark.django_db


def creation_event(instance) -> AuditEvent:
    return AuditEvent.objects.get(record_type=f"measurements.{type(instance)._meta.model_name}",
                                  record_id=str(instance.pk), action="create")


def assert_as_record_create_writes(instance):
    event, state = creation_event(instance), snapshot(instance)
    changes = {name: [None, value] for name, value in state.items() if value not in (None, "", False)}
    assert event.changes == canonical.dumps(canonical.to_primitive(changes)), instance
    assert (event.content_hash, event.record_version, event.record_label) == (content_hash_of(instance), 1,
                                                                               str(instance))


def test_every_event_is_what_record_create_would_write(rings, people):
    rows = piston_rings()[:12]
    batch = [
        SubgroupEntry(values=tuple(row), key=f"100% {number}" if number % 3 else f"K{number}",
                      taken_at=START + dt.timedelta(minutes=number if number % 4 else 0),
                      lot="" if number % 2 else f"L%s{number}")
        for number, row in enumerate(rows, start=1)
    ]
    services.measurements_record(actor=people["quality"], characteristic=rings, entries=batch,
                                 source="upload", source_name="100%.csv")
    subgroups = list(Subgroup.objects.filter(characteristic=rings))
    values = list(Measurement.objects.filter(subgroup__characteristic=rings).select_related("subgroup"))
    assert (len(subgroups), len(values)) == (12, 60)
    for instance in [*subgroups, *values]:
        assert_as_record_create_writes(instance)
    assert verify.verify(use_checkpoint=False, check_files=False).ok


def test_one_row_and_every_column_constant(rings, people):
    services.measurements_record(actor=people["quality"], characteristic=rings,
                                 entries=[SubgroupEntry(values=(1.0, 1.0, 1.0, 1.0, 1.0), key="only")])
    (subgroup,) = Subgroup.objects.filter(characteristic=rings)
    for instance in [subgroup, *Measurement.objects.filter(subgroup=subgroup)]:
        assert_as_record_create_writes(instance)


def signals_of(judged: charting.Judged) -> list[tuple]:
    return [(s.subgroup.pk, s.subgroup.key, s.chart, s.rules, s.value, s.point) for s in judged.signals]


@pytest.mark.parametrize(("chart_type", "size"), [("xbar-r", 5), ("imr", 1), ("ewma", 1), ("p", 1)])
def test_judging_from_columns_finds_the_signals_judge_finds(make_characteristic, people, chart_type, size):
    characteristic = make_characteristic(chart_type=chart_type, subgroup_size=size, name=f"Judged {chart_type}")
    rng = random.Random(7)
    if chart_type == "p":
        batch = [SubgroupEntry(count=rng.randint(0, 12) if n != 30 else 40, size=50.0, key=f"P{n}",
                               taken_at=START + dt.timedelta(hours=n)) for n in range(60)]
    else:
        batch = [SubgroupEntry(values=tuple(rng.gauss(10 + (3 if n in (25, 40) else 0), 1) for _ in range(size)),
                               key=f"S{n}", taken_at=START + dt.timedelta(hours=60 - n)) for n in range(60)]
        if size > 1:  # an incomplete subgroup, which neither charts
            batch.append(SubgroupEntry(values=(10.0,) * (size - 1), key="short", taken_at=START))
    services.measurements_record(actor=people["quality"], characteristic=characteristic, entries=batch)
    excluded = Subgroup.objects.filter(characteristic=characteristic).order_by("taken_at")[3]
    services.subgroup_exclude(actor=people["quality"], subgroup=excluded, excluded=True, reason="setup")
    judged, from_columns = charting.judge(characteristic), charting.judge_points(characteristic)
    assert signals_of(judged) and signals_of(judged) == signals_of(from_columns)
    assert len(judged.series) == len(from_columns.series)
    assert judged.series.excluded_numbers == from_columns.series.excluded_numbers
    assert judged.series.incomplete == from_columns.series.incomplete
    assert list(from_columns.series.ids) == [s.pk for s in judged.series.subgroups]
    for mine, theirs in zip(from_columns.chartset.charts, judged.chartset.charts, strict=True):
        assert list(mine.values) == pytest.approx(list(theirs.values), nan_ok=True)


def test_the_completed_subgroups_are_the_stored_ones(rings, people):
    stored = entries(piston_rings()[:3])
    first = services.measurements_record(actor=people["quality"], characteristic=rings,
                                         entries=[*stored[:2], SubgroupEntry(values=(74.0, 74.0), key="S003",
                                                                             taken_at=stored[2].taken_at)])
    assert sorted(s.key for s in first.completed) == ["S001", "S002"]
    # S003 is stored with two values; three more complete it, and a new subgroup comes along.
    outcome = services.measurements_record(actor=people["quality"], characteristic=rings, entries=[
        SubgroupEntry(values=(74.0, 74.0, 74.0), key="S003"), *entries(piston_rings()[3:4], first=4)])
    completed = outcome.completed
    assert isinstance(completed, services.CompletedSubgroups) and len(completed) == 2
    assert completed.ids() == set(Subgroup.objects.filter(key__in=["S003", "S004"]).values_list("pk", flat=True))
    for subgroup in [*completed, *completed[::-1]]:
        assert subgroup == Subgroup.objects.get(pk=subgroup.pk)
        assert snapshot(subgroup) == snapshot(Subgroup.objects.get(pk=subgroup.pk))
        assert str(subgroup) == f"{rings.number} subgroup {subgroup.key}"
    assert sorted(completed.times()) == sorted(s.taken_at for s in completed)
