"""The master list of documents (number, title, revision, status, effective date, owner, next review)
as CSV, XLSX and PDF; spreadsheet cells that could run as formulas are neutralised."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone

from qualitas.core import pdf
from qualitas.core.audit.services import record
from qualitas.core.exports import csv_bytes, xlsx_bytes
from qualitas.documents import selectors

HEADER = ["Number", "Title", "Type", "Revision", "Status", "Effective date", "Owner", "Next review", "Process"]


def rows(actor, **filters) -> list[list]:
    result = []
    for document in selectors.document_list(actor, include_withdrawn=True, **filters):
        effective = document.effective_revisions[0] if document.effective_revisions else None
        latest = document.all_revisions[0] if document.all_revisions else None
        shown = effective or latest
        result.append(
            [
                document.number,
                document.title,
                document.doc_type.code,
                shown.label if shown else "",
                ("Withdrawn" if document.status == "withdrawn" else shown.get_status_display()) if shown else "",
                effective.effective_date.isoformat() if effective and effective.effective_date else "",
                document.owner.display_name,
                document.next_review_date.isoformat() if document.next_review_date else "",
                document.process.code if document.process_id else "",
            ]
        )
    return result


def master_list_response(actor, kind: str, **filters) -> HttpResponse:
    data = rows(actor, **filters)
    record(
        actor,
        "export",
        "documents.master_list_exported",
        record_type="documents.document",
        record_label="Master list",
        changes={"format": [None, kind], "documents": [None, len(data)]},
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    if kind == "csv":
        response = HttpResponse(csv_bytes(HEADER, data), content_type="text/csv; charset=utf-8")
    elif kind == "xlsx":
        response = HttpResponse(
            xlsx_bytes("Master list", HEADER, data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        frame = pdf.PageFrame(
            title="Master list of documents",
            landscape=True,
            subtitle=f"{len(data)} documents",
            footer_note=f"Exported {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}",
        )
        response = HttpResponse(
            pdf.render(frame, [pdf.Paragraph("Master list of documents", pdf.H1), pdf.table(HEADER, data)]),
            content_type="application/pdf",
        )
    response["Content-Disposition"] = f'attachment; filename="master-list-{stamp}.{kind}"'
    return response
