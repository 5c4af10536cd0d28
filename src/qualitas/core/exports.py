"""Spreadsheet-safe CSV/XLSX writing, shared by every export.

- Cells that a spreadsheet would run as formulas are neutralised with a leading apostrophe.
- Control characters (U+0000 to U+001F except tab, line feed and carriage return, and U+007F),
  which XLSX (XML 1.0) cannot hold and spreadsheets mangle, are written visibly as the escape
  `\\xNN` (U+0006 becomes the four characters `\\x06`), in CSV and XLSX alike: every stored value
  is exported, and the odd character stays identifiable instead of failing the whole export.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escape_control(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}"


def safe_cell(value) -> str:
    text = CONTROL_CHARACTERS.sub(_escape_control, "" if value is None else str(value))
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([safe_cell(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
