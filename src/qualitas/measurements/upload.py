"""Reading an uploaded CSV or XLSX file of measurements into subgroup entries.

The sheet is read by `qualitas.stats.io.read_table`; the columns are recognised by name:

- time: taken_at, time, timestamp, datetime or date (ISO 8601; without a time zone, local time);
- subgroup: subgroup or sample (rows with the same key form one subgroup); lot: lot or batch;
- variables: value (one measurement per row) or x1..xn (one subgroup per row);
- attributes: count (or defectives, nonconforming, defects) and size (or n, sample_size, units).

Every row is checked and all the problems are reported together, with their row numbers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile

from django.core.exceptions import ValidationError
from django.utils import timezone

from qualitas.measurements.models import Characteristic
from qualitas.measurements.services import MAX_ERRORS_LISTED, SubgroupEntry
from qualitas.stats import io
from qualitas.stats.results import StatsInputError

TIME_COLUMNS = ("taken_at", "time", "timestamp", "datetime", "date")
SUBGROUP_COLUMNS = ("subgroup", "sample")
LOT_COLUMNS = ("lot", "batch")
VALUE_COLUMNS = ("value", "measurement", "x")
COUNT_COLUMNS = ("count", "defectives", "nonconforming", "defects")
SIZE_COLUMNS = ("size", "n", "sample_size", "units")
_WIDE = re.compile(r"x(\d+)", re.IGNORECASE)
# A decimal point only: float() would also take "nan", "inf" and "1_000".
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _find(columns: tuple[str, ...], names: tuple[str, ...]) -> int | None:
    folded = [c.strip().casefold() for c in columns]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _number(cell) -> float | None:
    if isinstance(cell, float):
        return cell
    text = _text(cell)
    if _NUMBER.fullmatch(text):
        return float(text)
    return None


def parse_time(text: str, zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """ISO 8601 date or date and time; naive values are in the site's time zone (or `zone`, that time
    zone looked up once by a caller parsing thousands of times)."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return timezone.make_aware(value, zone) if timezone.is_naive(value) else value


class _Reader:
    def __init__(self, characteristic: Characteristic, table: io.Table):
        self.characteristic = characteristic
        self.table = table
        self.errors: list[str] = []
        columns = table.columns
        self.time = _find(columns, TIME_COLUMNS)
        self.subgroup = _find(columns, SUBGROUP_COLUMNS)
        self.lot = _find(columns, LOT_COLUMNS)
        self.times: dict[str, dt.datetime | None] = {}  # rows of one subgroup share their time
        self.zone = timezone.get_current_timezone()

    def fail(self, row: int, message: str) -> None:
        self.errors.append(f"Row {row}: {message}")

    def common(self, row: int, cells) -> dict:
        fields: dict = {"where": f"Row {row}"}
        if self.time is not None:
            text = _text(cells[self.time])
            when = self.times.get(text) if text else None
            if when is None and text and text not in self.times:
                when = self.times[text] = parse_time(text, self.zone)
            if when is None:
                self.fail(row, f"'{text}' is not a date and time (use ISO 8601, e.g. 2026-03-01 14:30)."
                          if text else "the time is empty.")
            fields["taken_at"] = when
        if self.subgroup is not None:
            fields["key"] = _text(cells[self.subgroup])
            if not fields["key"]:
                self.fail(row, "the subgroup is empty.")
        if self.lot is not None:
            fields["lot"] = _text(cells[self.lot])
        return fields

    def entries(self) -> list[SubgroupEntry]:
        if self.characteristic.is_attribute:
            return self._attributes()
        wide = sorted((int(m.group(1)), i) for i, c in enumerate(self.table.columns) if (m := _WIDE.fullmatch(c)))
        if len(wide) >= 2:
            return self._wide([i for _, i in wide])
        return self._long()

    def _values(self, row: int, cells, indices: list[int]) -> tuple[float, ...]:
        values = []
        for index in indices:
            cell = cells[index]
            if cell is None:
                continue
            value = _number(cell)
            if value is None:
                self.fail(row, f"column '{self.table.columns[index]}': '{_text(cell)}' is not a number.")
            else:
                values.append(value)
        return tuple(values)

    def _wide(self, indices: list[int]) -> list[SubgroupEntry]:
        entries = []
        for row, cells in self.table.rows:
            values = self._values(row, cells, indices)
            if not values:
                self.fail(row, "no measurement in the x1..xn columns.")
            entries.append(SubgroupEntry(values=values, **self.common(row, cells)))
        return entries

    def _long(self) -> list[SubgroupEntry]:
        value = _find(self.table.columns, VALUE_COLUMNS)
        if value is None:
            raise ValidationError("The file needs a 'value' column (one measurement per row) or x1..xn columns.")
        if self.subgroup is None and self.characteristic.subgroup_size > 1:
            raise ValidationError(
                f"Subgroups hold {self.characteristic.subgroup_size} values: add a 'subgroup' column naming the "
                "subgroup of each row, or use columns x1..xn with one subgroup per row."
            )
        entries = []
        number, common = _NUMBER.fullmatch, self.common
        for row, cells in self.table.rows:
            cell = cells[value]
            if type(cell) is str and number(text := cell.strip()):  # the usual cell: what _values does, inline
                values = (float(text),)
            else:
                values = self._values(row, cells, [value])
            if not values:
                self.fail(row, "the value is empty.")
            entries.append(SubgroupEntry(values=values, **common(row, cells)))
        return entries

    def _attributes(self) -> list[SubgroupEntry]:
        count = _find(self.table.columns, COUNT_COLUMNS)
        size = _find(self.table.columns, SIZE_COLUMNS)
        kind = self.characteristic.chart_type
        if count is None:
            raise ValidationError("The file needs a 'count' column (nonconforming units or nonconformities).")
        if size is None and kind != "c":
            raise ValidationError(f"A {kind} chart needs a 'size' column (sample size or inspection units).")
        entries = []
        for row, cells in self.table.rows:
            number = _number(cells[count])
            if number is None or number < 0 or not float(number).is_integer():
                self.fail(row, f"the count '{_text(cells[count])}' is not a whole number of at least 0.")
                number = 0
            sample = _number(cells[size]) if size is not None else None
            if size is not None and sample is None:
                self.fail(row, f"the size '{_text(cells[size])}' is not a number.")
            entries.append(SubgroupEntry(count=int(number), size=sample, **self.common(row, cells)))
        return entries


def read_upload(characteristic: Characteristic, uploaded_file) -> tuple[list[SubgroupEntry], str]:
    """The entries of an uploaded file and its display name; any problem raises ValidationError."""
    name = os.path.basename((getattr(uploaded_file, "name", "") or "upload").replace("\\", "/"))[:200]
    data = uploaded_file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"{name} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."})
    if not data:
        raise ValidationError({"file": f"{name} is empty."})
    suffix = ".xlsx" if data.startswith(b"PK\x03\x04") else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"upload{suffix}")
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            table = io.read_table(path)
        except StatsInputError as exc:
            raise ValidationError({"file": str(exc).replace(path, name)}) from None
    reader = _Reader(characteristic, table)
    entries = reader.entries()
    if reader.errors:
        listed = reader.errors[:MAX_ERRORS_LISTED]
        more = len(reader.errors) - len(listed)
        raise ValidationError(
            [f"Nothing was recorded: {name} has {len(reader.errors)} problem(s).", *listed,
             *([f"… and {more} more."] if more else [])]
        )
    return entries, name
