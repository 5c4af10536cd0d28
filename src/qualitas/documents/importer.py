"""Bulk import of existing documents for migration: a folder of files and a metadata CSV.

CSV columns: file, number, title, type, revision, owner, effective_date (YYYY-MM-DD), and optionally
keywords, department, process. Each row becomes an effective document with that revision, imported
by the person running the import (recorded in the audit trail with source "import"). Everything is
checked first; nothing is written unless every row is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

REQUIRED = ("file", "number", "title", "type", "revision", "owner", "effective_date")


@dataclass
class ImportReport:
    rows: int = 0
    imported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _read(metadata: Path) -> list[dict]:
    with metadata.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{metadata.name} lacks the column(s): {', '.join(missing)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def check(folder: Path, metadata: Path) -> tuple[ImportReport, list[dict]]:
    from qualitas.accounts.models import Department, Process, User
    from qualitas.core.files import sniff
    from qualitas.core.files.services import max_upload_bytes
    from qualitas.documents.models import Document, DocumentType

    report = ImportReport()
    rows = _read(metadata)
    report.rows = len(rows)
    seen: set[str] = set()
    plans = []
    for line, row in enumerate(rows, start=2):
        problems = []
        path = (folder / row["file"]).resolve()
        if not row["file"] or folder.resolve() not in path.parents or not path.is_file():
            problems.append(f"file {row['file']!r} not found in {folder}")
        elif path.stat().st_size > max_upload_bytes():
            problems.append(f"file {row['file']!r} is larger than the upload limit")
        elif sniff.detect(path.read_bytes(), path.name) is None:
            problems.append(f"file {row['file']!r} is not an accepted kind of file")
        doc_type = DocumentType.objects.filter(code=row["type"]).first()
        if doc_type is None:
            problems.append(f"unknown document type {row['type']!r}")
        owner = User.objects.filter(username=row["owner"], is_active=True).first()
        if owner is None:
            problems.append(f"unknown or inactive owner {row['owner']!r}")
        if not row["number"] or Document.objects.filter(number=row["number"]).exists() or row["number"] in seen:
            problems.append(f"number {row['number']!r} is missing or already used")
        seen.add(row["number"])
        for name in ("title", "revision"):
            if not row[name]:
                problems.append(f"{name} is empty")
        try:
            effective = dt.date.fromisoformat(row["effective_date"])
            if effective > timezone.localdate():
                problems.append("effective_date is in the future")
        except ValueError:
            effective = None
            problems.append(f"effective_date {row['effective_date']!r} is not YYYY-MM-DD")
        department = (
            Department.objects.filter(code=row.get("department", "")).first() if row.get("department") else None
        )
        if row.get("department") and department is None:
            problems.append(f"unknown department {row['department']!r}")
        process = Process.objects.filter(code=row.get("process", "")).first() if row.get("process") else None
        if row.get("process") and process is None:
            problems.append(f"unknown process {row['process']!r}")
        report.problems += [f"line {line}: {p}" for p in problems]
        plans.append(
            {
                "row": row,
                "path": path,
                "doc_type": doc_type,
                "owner": owner,
                "effective": effective,
                "department": department,
                "process": process,
            }
        )
    return report, plans


def run(*, actor, folder: Path, metadata: Path, dry_run: bool = False) -> ImportReport:
    from qualitas.core.audit.context import acting
    from qualitas.core.permissions import authorize

    authorize(actor, "documents", "administer")
    report, plans = check(folder, metadata)
    if report.problems or dry_run:
        return report
    with acting("import"), transaction.atomic():
        for plan in plans:
            report.imported.append(_import_one(actor, plan))
    return report


def _import_one(actor, plan) -> str:
    from qualitas.core.files.services import attachment_add, attachment_open
    from qualitas.core.regulated import record_create
    from qualitas.core.workflow import engine
    from qualitas.documents import search
    from qualitas.documents.models import Document, Revision
    from qualitas.documents.services import add_months
    from qualitas.documents.text import extract_text

    row = plan["row"]
    document = record_create(
        actor,
        Document(
            number=row["number"],
            title=row["title"],
            doc_type=plan["doc_type"],
            owner=plan["owner"],
            department=plan["department"],
            process=plan["process"],
            keywords=row.get("keywords", ""),
            next_review_date=add_months(plan["effective"], plan["doc_type"].review_interval_months),
        ),
        event="documents.document_imported",
    )
    revision = record_create(
        actor,
        Revision(
            document=document,
            label=row["revision"],
            author=plan["owner"],
            change_summary="Imported from the previous system",
            reason="Migration",
            content_kind="file",
            imported=True,
        ),
        event="documents.revision_imported",
    )
    upload = SimpleUploadedFile(plan["path"].name, plan["path"].read_bytes())
    attachment = attachment_add(actor=actor, instance=revision, uploaded_file=upload, description="Imported content")
    now = timezone.now()
    revision = engine.perform(
        actor=actor,
        instance=revision,
        transition="import_effective",
        by_service=True,
        changes={
            "file": attachment,
            "file_sha256": attachment.sha256,
            "effective_date": plan["effective"],
            "effective_at": now,
            "approved_at": now,
            "extracted_text": extract_text(attachment_open(attachment), attachment.content_type),
        },
    )
    search.index_revision(revision)
    return document.number
