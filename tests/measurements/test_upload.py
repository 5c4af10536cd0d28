"""Uploading measurements from CSV and XLSX: every row checked first, nothing recorded unless all are
right, problems listed with their row numbers."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qualitas.measurements import services
from qualitas.measurements.models import Subgroup
from qualitas.measurements.upload import read_upload
from tests.measurements.conftest import piston_rings

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "rings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def wide_csv(rows) -> str:
    lines = ["taken_at,lot,x1,x2,x3,x4,x5"]
    lines += [f"2026-02-{day:02d} 08:00,L{day},{','.join(str(v) for v in row)}" for day, row in
              enumerate(rows, start=1)]
    return "\n".join(lines) + "\n"


def test_a_wide_csv_is_recorded_with_its_file_name(rings, people):
    entries, name = read_upload(rings, csv_file(wide_csv(piston_rings()[:10])))
    outcome = services.measurements_record(
        actor=people["quality"], characteristic=rings, entries=entries, source="upload", source_name=name
    )
    assert (outcome.subgroups_created, outcome.values_recorded) == (10, 50)
    first = Subgroup.objects.order_by("taken_at").first()
    assert (first.source, first.source_name, first.lot) == ("upload", "rings.csv", "L1")
    assert first.taken_at.isoformat().startswith("2026-02-01")
    assert [m.value for m in first.measurements.all()] == piston_rings()[0]


def test_every_bad_row_is_listed_and_nothing_is_read(rings):
    text = wide_csv(piston_rings()[:5]).replace("74.03,", "74,03;", 1)  # a decimal comma
    text = text.replace("2026-02-03 08:00", "yesterday").replace("73.988", "abc")
    with pytest.raises(ValidationError) as error:
        read_upload(rings, csv_file(text))
    assert error.value.messages == [
        "Nothing was recorded: rings.csv has 3 problem(s).",
        "Row 2: column 'x2': '03;74.002' is not a number.",
        "Row 4: column 'x1': 'abc' is not a number.",
        "Row 4: 'yesterday' is not a date and time (use ISO 8601, e.g. 2026-03-01 14:30).",
    ]


def test_a_long_xlsx_with_subgroup_keys(rings, people):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Subgroup", "Value", "Time"])
    for number, row in enumerate(piston_rings()[:4], start=1):
        for value in row:
            sheet.append([f"G{number}", value, f"2026-02-0{number}T09:00:00+01:00"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("rings.xlsx", buffer.getvalue())
    entries, name = read_upload(rings, upload)
    assert name == "rings.xlsx" and len(entries) == 20
    outcome = services.measurements_record(actor=people["quality"], characteristic=rings, entries=entries,
                                           source="upload", source_name=name)
    assert sorted(s.key for s in outcome.completed) == ["G1", "G2", "G3", "G4"]


def test_long_values_without_subgroups_are_refused_for_subgroup_charts(rings):
    with pytest.raises(ValidationError, match="add a 'subgroup' column"):
        read_upload(rings, csv_file("value\n74.0\n74.1\n"))


def test_attribute_files_need_counts_and_sizes(make_characteristic, people):
    cans = make_characteristic(name="Cans", chart_type="p", lsl=None, usl=None, target=None)
    with pytest.raises(ValidationError, match="'size' column"):
        read_upload(cans, csv_file("count\n3\n"))
    entries, _ = read_upload(cans, csv_file("date,count,size\n2026-02-01,3,50\n2026-02-02,5,50\n"))
    outcome = services.measurements_record(actor=people["quality"], characteristic=cans, entries=entries)
    assert outcome.subgroups_created == 2


def test_an_unreadable_file_is_named_in_the_error(rings):
    with pytest.raises(ValidationError, match="rings.csv is empty"):
        read_upload(rings, csv_file("\n\n"))
