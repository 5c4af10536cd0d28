"""Reading measurements for control charts and capability studies from CSV or XLSX files.

Two layouts are understood:

- long: one measurement per row. A subgroup column groups the rows into subgroups (kept in
  order of first appearance; sizes may vary); without one the rows are individual values.
  Attribute data (p, np, c, u charts) are long too: a count column and a size column.
- wide: one subgroup per row in columns x1..xn (any case); empty cells shorten that subgroup.

Every problem raises `StatsInputError` with one sentence naming the file, row and column.
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qualitas.stats.results import StatsInputError

Cell = str | float | None

DELIMITERS = (",", ";", "\t")
VALUE_COLUMN_NAMES = ("value", "x", "measurement")
_WIDE_COLUMN = re.compile(r"x(\d+)", re.IGNORECASE)
# Decimal point only: Python's float() would also take "nan", "inf" and "1_000".
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Table:
    """A sheet as read: column names and, per data row, its row number in the file and its cells."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]


@dataclass(frozen=True)
class Measurements:
    """Data ready for `charts.chart`.

    `values` is 1-D (individual values, or counts for attribute charts) or 2-D
    (subgroups × largest subgroup size, NaN-padded on the right). `sizes` holds the
    sample sizes or inspection units of attribute data. `rows` gives, per point, the
    row of the file where it starts, so callers can point the user at it.
    """

    values: np.ndarray
    sizes: np.ndarray | None
    labels: tuple[str, ...]
    rows: tuple[int, ...]
    layout: str  # "wide", "subgroups" or "individuals"
    source: str
    value_columns: tuple[str, ...]

    @property
    def subgroup_sizes(self) -> np.ndarray:
        """Number of measurements per point (all ones for individuals)."""
        if self.values.ndim == 1:
            return np.ones(self.values.shape[0], dtype=int)
        return np.sum(~np.isnan(self.values), axis=1)


def read_measurements(
    path: str | os.PathLike[str],
    *,
    value_col: str | None = None,
    subgroup_col: str | None = None,
    size_col: str | None = None,
    sheet: str | None = None,
) -> Measurements:
    """Read a CSV or XLSX file of measurements in long or wide (x1..xn) layout."""
    return measurements(
        read_table(path, sheet=sheet), value_col=value_col, subgroup_col=subgroup_col, size_col=size_col
    )


def read_table(path: str | os.PathLike[str], *, sheet: str | None = None) -> Table:
    """The first sheet (or `sheet`) of an XLSX workbook, or a CSV file, as a `Table`."""
    source = os.fspath(path)
    content = _read_bytes(Path(source), source)
    if content.startswith(_XLSX_MAGIC):
        raw_rows = _xlsx_rows(Path(source), source, sheet)
    else:
        if sheet is not None:
            raise StatsInputError(f"{source} is a CSV file, which has no sheets.")
        raw_rows = _csv_rows(content, source)
    return _table(source, raw_rows)


def measurements(
    table: Table, *, value_col: str | None = None, subgroup_col: str | None = None, size_col: str | None = None
) -> Measurements:
    """Interpret a `Table` as wide subgroups, long subgroups, individuals or attribute counts.

    A wide table may carry a subgroup column (`subgroup_col`) labelling each row, e.g. the
    subgroup numbers of the process; the labels then name the points.
    """
    if value_col is None and size_col is None:
        wide = _wide_columns(table)
        if wide:
            label_index = None if subgroup_col is None else _column(table, subgroup_col, "subgroup")
            if label_index in wide:
                raise StatsInputError(
                    f"The subgroup column '{subgroup_col}' of {table.source} is one of the x1..xn measurement columns."
                )
            return _wide(table, wide, label_index)
    if subgroup_col is not None and size_col is not None:
        raise StatsInputError("Give either a subgroup column or a size column, not both.")
    skip = {_column(table, c, role) for c, role in ((subgroup_col, "subgroup"), (size_col, "size")) if c is not None}
    value_index = _column(table, value_col, "value") if value_col else _default_value_column(table, skip)
    if subgroup_col is not None:
        return _long_subgroups(table, value_index, _column(table, subgroup_col, "subgroup"))
    sizes = _sizes(table, _column(table, size_col, "size")) if size_col is not None else None
    values = _numbers(table, value_index)
    return Measurements(
        values=values,
        sizes=sizes,
        labels=tuple(str(i) for i in range(1, len(values) + 1)),
        rows=tuple(number for number, _ in table.rows),
        layout="individuals",
        source=table.source,
        value_columns=(table.columns[value_index],),
    )


# --- reading files -----------------------------------------------------------------------


def _read_bytes(path: Path, source: str) -> bytes:
    if not path.exists():
        raise StatsInputError(f"File not found: {source}.")
    if not path.is_file():
        raise StatsInputError(f"{source} is not a file.")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StatsInputError(f"Cannot read {source}: {exc.strerror or exc}.")


def _csv_rows(content: bytes, source: str) -> list[tuple[int, list[Any]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatsInputError(f"{source} is not UTF-8 text; save it as CSV UTF-8 or XLSX.")
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    reader = csv.reader(lines, delimiter=_delimiter(header), skipinitialspace=True)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise StatsInputError(f"{source}, line {reader.line_num}: malformed CSV ({exc}).")


def _delimiter(header: str) -> str:
    """The delimiter of the header line: whichever of , ; tab occurs most outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_rows(path: Path, source: str, sheet: str | None) -> list[tuple[int, list[Any]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
        raise StatsInputError(f"{source} is not a readable XLSX workbook.")
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            names = ", ".join(workbook.sheetnames)
            raise StatsInputError(f"Sheet '{sheet}' not found in {source} (sheets: {names}).")
        worksheet.reset_dimensions()  # some writers store a wrong used range, which would truncate the rows
        return [(number, list(row)) for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _cell(value: Any) -> Cell:
    """A CSV or spreadsheet cell as a stripped string, a float (spreadsheet numbers) or None (empty)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    return text or None


def _table(source: str, raw_rows: list[tuple[int, list[Any]]]) -> Table:
    rows = [(number, tuple(_cell(v) for v in cells)) for number, cells in raw_rows]
    rows = [(number, cells) for number, cells in rows if any(c is not None for c in cells)]
    if not rows:
        raise StatsInputError(f"{source} is empty.")
    (_, header), body = rows[0], rows[1:]
    columns = _trim(header)
    if not body:
        raise StatsInputError(f"{source} has a header row but no data rows.")
    width = len(columns)
    fitted = []
    for number, cells in body:
        if any(c is not None for c in cells[width:]):
            raise StatsInputError(
                f"{source}, row {number}: more cells than the {width} columns of the header "
                "(a decimal comma in a comma-separated file?)."
            )
        fitted.append((number, cells[:width] + (None,) * (width - len(cells))))
    names = tuple("" if c is None else _label(c) for c in columns)
    return Table(source=source, columns=names, rows=tuple(fitted))


def _trim(cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return cells[:end]


def _label(cell: Cell) -> str:
    """Text of a label cell; spreadsheet numbers 3.0 read as "3"."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


# --- interpreting tables -----------------------------------------------------------------


def _column(table: Table, name: str, role: str) -> int:
    """Index of the column called `name`: exact match first, else a unique case-insensitive one."""
    exact = [i for i, c in enumerate(table.columns) if c == name]
    folded = [i for i, c in enumerate(table.columns) if c.casefold() == name.strip().casefold()]
    matches = exact or folded
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise StatsInputError(f"{table.source} has more than one column named '{name}'.")
    listed = ", ".join(c for c in table.columns if c)
    raise StatsInputError(f"{role.capitalize()} column '{name}' not found in {table.source} (columns: {listed}).")


def _default_value_column(table: Table, skip: set[int]) -> int:
    """A column named value, x or measurement; else the one column that is mostly numbers.

    "Mostly" so that a typo in the measurements still makes it the candidate (and is then
    reported) rather than letting a numeric sample-number column be taken silently.
    """
    candidates = [i for i, c in enumerate(table.columns) if c and i not in skip]
    named = [i for i in candidates if table.columns[i].casefold() in VALUE_COLUMN_NAMES]
    if len(named) == 1:
        return named[0]
    numeric = [i for i in candidates if _mostly_numeric(table, i)]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise StatsInputError(f"{table.source} has no column of numbers.")
    listed = ", ".join(table.columns[i] for i in numeric)
    raise StatsInputError(
        f"{table.source} has several numeric columns ({listed}); choose the value column (--value-col)."
    )


def _mostly_numeric(table: Table, index: int) -> bool:
    cells = [cells[index] for _, cells in table.rows if cells[index] is not None]
    numbers = sum(_as_number(c) is not None for c in cells)
    return numbers > 0 and 2 * numbers > len(cells)


def _as_number(cell: Cell) -> float | None:
    if isinstance(cell, float):
        return cell
    if cell is not None and _NUMBER.fullmatch(cell):
        return float(cell)
    return None


def _number(table: Table, number: int, index: int, cell: Cell) -> float:
    value = _as_number(cell)
    if value is None:
        column = table.columns[index]
        if cell is None:
            raise StatsInputError(f"{table.source}, row {number}, column '{column}': the cell is empty.")
        raise StatsInputError(f"{table.source}, row {number}, column '{column}': '{cell}' is not a number.")
    return value


def _numbers(table: Table, index: int) -> np.ndarray:
    return np.array([_number(table, number, index, cells[index]) for number, cells in table.rows], dtype=float)


def _sizes(table: Table, index: int) -> np.ndarray:
    sizes = _numbers(table, index)
    bad = np.flatnonzero(sizes <= 0)
    if bad.size:
        number = table.rows[bad[0]][0]
        raise StatsInputError(
            f"{table.source}, row {number}, column '{table.columns[index]}': the size must be positive."
        )
    return sizes


def _wide_columns(table: Table) -> list[int]:
    """Indices of the x1..xn columns in numeric order, when there are at least two."""
    found = [(int(m.group(1)), i) for i, c in enumerate(table.columns) if (m := _WIDE_COLUMN.fullmatch(c))]
    return [i for _, i in sorted(found)] if len(found) >= 2 else []


def _wide(table: Table, indices: list[int], label_index: int | None = None) -> Measurements:
    values = np.full((len(table.rows), len(indices)), np.nan)
    for r, (number, cells) in enumerate(table.rows):
        for c, index in enumerate(indices):
            if cells[index] is not None:
                values[r, c] = _number(table, number, index, cells[index])
    empty = np.flatnonzero(np.all(np.isnan(values), axis=1))
    if empty.size:
        number = table.rows[empty[0]][0]
        raise StatsInputError(f"{table.source}, row {number}: no measurements in the x1..xn columns.")
    if label_index is None:
        labels = tuple(str(i) for i in range(1, len(values) + 1))
    else:
        labels = _row_labels(table, label_index)
    return Measurements(
        values=_pack_left(values),
        sizes=None,
        labels=labels,
        rows=tuple(number for number, _ in table.rows),
        layout="wide",
        source=table.source,
        value_columns=tuple(table.columns[i] for i in indices),
    )


def _row_labels(table: Table, index: int) -> tuple[str, ...]:
    """The subgroup label of each row of a wide table: present, and each on one row only."""
    column, seen, labels = table.columns[index], {}, []
    for number, cells in table.rows:
        if cells[index] is None:
            raise StatsInputError(f"{table.source}, row {number}, column '{column}': the subgroup is empty.")
        label = _label(cells[index])
        if label in seen:
            raise StatsInputError(
                f"{table.source}, row {number}, column '{column}': subgroup '{label}' is also on row {seen[label]} "
                "(in x1..xn files each row is one subgroup)."
            )
        seen[label] = number
        labels.append(label)
    return tuple(labels)


def _pack_left(values: np.ndarray) -> np.ndarray:
    """Move each row's measurements to the left so NaN padding is only on the right."""
    order = np.argsort(np.isnan(values), axis=1, kind="stable")
    packed = np.take_along_axis(values, order, axis=1)
    width = int(np.max(np.sum(~np.isnan(packed), axis=1)))
    return packed[:, :width]


def _long_subgroups(table: Table, value_index: int, subgroup_index: int) -> Measurements:
    values = _numbers(table, value_index)
    labels = []
    for number, cells in table.rows:
        if cells[subgroup_index] is None:
            column = table.columns[subgroup_index]
            raise StatsInputError(f"{table.source}, row {number}, column '{column}': the subgroup is empty.")
        labels.append(_label(cells[subgroup_index]))
    unique, first, inverse = np.unique(np.array(labels), return_index=True, return_inverse=True)
    appearance = np.argsort(first, kind="stable")
    rank = np.empty_like(appearance)
    rank[appearance] = np.arange(len(appearance))
    group = rank[inverse.ravel()]
    counts = np.bincount(group)
    by_group = np.argsort(group, kind="stable")
    position = np.empty_like(group)
    position[by_group] = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)
    grouped = np.full((len(counts), int(counts.max())), np.nan)
    grouped[group, position] = values
    first_rows = np.array([number for number, _ in table.rows])[np.sort(first)]
    return Measurements(
        values=grouped,
        sizes=None,
        labels=tuple(str(u) for u in unique[appearance]),
        rows=tuple(int(r) for r in first_rows),
        layout="subgroups",
        source=table.source,
        value_columns=(table.columns[value_index],),
    )
