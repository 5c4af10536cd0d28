"""Import of historical training records (migration from spreadsheets): CSV or XLSX.

Columns: person (username or e-mail), requirement (code), completed (YYYY-MM-DD), and optionally
expiry (YYYY-MM-DD; default: completed plus the requirement's validity), evidence (file name or
reference), level (1–4; default: the requirement's minimum), trainer, notes. Every row is checked
first; nothing is written unless every row is valid (like the document importer). Each record is
imported by the person running the import (audit source "import") and completes the person's open
assignment for the requirement when it counts. For a controlled document, the record is for the
revision that was effective on the completion date.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

REQUIRED = ("person", "requirement", "completed")
OPTIONAL = ("expiry", "evidence", "level", "trainer", "notes")


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    problems: list[str] = field(default_factory=list)


def _rows_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle)]
    return (rows[0] if rows else []), rows[1:]


def _rows_xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same refusal
        raise ValidationError(f"{path.name} is not a readable XLSX workbook.") from exc
    sheet = workbook.worksheets[0]
    values = []
    for row in sheet.iter_rows(values_only=True):
        values.append(["" if cell is None else cell.isoformat()[:10] if isinstance(cell, dt.date | dt.datetime)
                       else str(cell) for cell in row])
    workbook.close()
    return (values[0] if values else []), values[1:]


def read(path: Path) -> list[dict]:
    """The rows of the file as {column: text}; a missing column or an unknown kind of file is refused."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = _rows_csv(path)
    elif suffix == ".xlsx":
        header, rows = _rows_xlsx(path)
    else:
        raise ValidationError(f"{path.name}: import a .csv or .xlsx file.")
    header = [str(name or "").strip().lower() for name in header]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError(f"{path.name} lacks the column(s): {', '.join(missing)}")
    result = []
    for row in rows:
        if not any(str(cell or "").strip() for cell in row):
            continue  # blank lines at the end of a spreadsheet
        values = {name: str(row[i] or "").strip() if i < len(row) else "" for i, name in enumerate(header) if name}
        result.append(values)
    return result


def _date(value: str, name: str, problems: list[str]) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name} {value!r} is not YYYY-MM-DD")
        return None
    if day.year < 1900:
        problems.append(f"{name} {value!r} is before 1900")
        return None
    return day


def check(rows: list[dict]) -> tuple[ImportReport, list[dict]]:
    from qualitas.accounts.models import User
    from qualitas.training.models import READ_AND_UNDERSTOOD, Requirement, TrainingRecord

    report = ImportReport(rows=len(rows))
    today = timezone.localdate()
    requirements = {r.code.lower(): r for r in Requirement.objects.all()}
    seen: set[tuple] = set()
    plans = []
    for line, row in enumerate(rows, start=2):
        problems: list[str] = []
        who = row.get("person", "")
        person = User.objects.people().filter(Q(username__iexact=who) | Q(email__iexact=who)).first() if who else None
        if person is None:
            problems.append(f"unknown or inactive person {who!r}")
        requirement = requirements.get(row.get("requirement", "").lower())
        if requirement is None:
            problems.append(f"unknown requirement {row.get('requirement', '')!r}")
        elif not requirement.active:
            problems.append(f"requirement {requirement.code} is no longer in use")
        completed = _date(row.get("completed", ""), "completed", problems)
        if completed and completed > today:
            problems.append("completed is in the future")
        expiry = _date(row["expiry"], "expiry", problems) if row.get("expiry") else None
        if expiry and completed and expiry < completed:
            problems.append("expiry is before completed")
        level = None
        if row.get("level"):
            try:
                level = int(float(row["level"]))
            except ValueError:
                level = 0
            if level not in (1, 2, 3, 4):
                problems.append(f"level {row['level']!r} is not 1, 2, 3 or 4")
        if requirement is not None and level is None:
            level = requirement.min_level
        if requirement is not None and requirement.method == READ_AND_UNDERSTOOD and level and level > 1:
            problems.append("a read-and-understood record has level 1")
        for name, limit in (("evidence", 300), ("trainer", 200), ("notes", 20000)):
            if len(row.get(name, "")) > limit:
                problems.append(f"{name} is longer than {limit} characters")
        key = (getattr(person, "pk", None), getattr(requirement, "pk", None), completed)
        if None not in key:
            if key in seen:
                problems.append("the same person, requirement and date appear twice in the file")
            elif TrainingRecord.objects.filter(person_id=key[0], requirement_id=key[1],
                                               completed_on=completed).exists():
                problems.append("this training record exists already")
            seen.add(key)
        report.problems += [f"line {line}: {problem}" for problem in problems]
        plans.append({"row": row, "person": person, "requirement": requirement, "completed": completed,
                      "expiry": expiry, "level": level})
    return report, plans


def _revision_on(requirement, day: dt.date):
    """The revision of the requirement's document that was effective on `day` (None if unknown)."""
    from qualitas.documents.models import Revision

    revisions = Revision.objects.filter(document_id=requirement.document_id, effective_date__lte=day,
                                        status__in=["effective", "superseded", "obsolete"])
    return revisions.order_by("-effective_date", "-pk").first()


def run(*, actor, path: Path, dry_run: bool = False) -> ImportReport:
    from qualitas.core.audit.context import acting
    from qualitas.core.permissions import authorize
    from qualitas.training import generation
    from qualitas.training.models import Assignment

    authorize(actor, "training", "administer")
    report, plans = check(read(path))
    if report.problems or dry_run:
        return report
    with acting("import"), transaction.atomic():
        for plan in plans:
            requirement, person = plan["requirement"], plan["person"]
            assignment = Assignment.objects.filter(person=person, requirement=requirement,
                                                   status__in=Assignment.OPEN_STATUSES).first()
            revision = _revision_on(requirement, plan["completed"]) if requirement.kind == "document" else None
            if assignment is not None and assignment.revision_id and revision is not None \
                    and assignment.revision_id != revision.pk:
                assignment = None  # a record of an earlier revision does not answer today's assignment
            generation.record_add(
                actor, person=person, requirement=requirement, completed_on=plan["completed"], level=plan["level"],
                method=requirement.method, source="import", assignment=assignment, revision=revision,
                expires_on=plan["expiry"], trainer=plan["row"].get("trainer", ""),
                evidence=plan["row"].get("evidence", ""), notes=plan["row"].get("notes", ""),
                event="training.record_imported",
            )
            report.imported += 1
    return report
