"""Registers of nonconformities, CAPAs and complaints as CSV, XLSX or PDF."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from qualitas.core import pdf
from qualitas.core.exports import csv_bytes, xlsx_bytes

CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _response(actor, name: str, title: str, header, rows, export: str) -> HttpResponse:
    rows = list(rows)
    if export == "csv":
        body = csv_bytes(header, rows)
    elif export == "xlsx":
        body = xlsx_bytes(title, header, rows)
    else:
        frame = pdf.PageFrame(title=title, landscape=True,
                              footer_note=f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}")
        body = pdf.render(frame, [pdf.Paragraph(title, pdf.H1), pdf.table(header, rows)])
    response = HttpResponse(body, content_type=CONTENT_TYPES[export])
    response["Content-Disposition"] = f'attachment; filename="{name}.{export}"'
    return response


def nonconformity_register(actor, ncs, export: str) -> HttpResponse:
    header = ["Number", "Title", "Source", "Type", "Severity", "Category", "Site", "Process", "Product", "Lot",
              "Quantity", "Detected", "Owner", "Status", "CAPA needed", "Cost of poor quality", "Currency"]
    rows = (
        [nc.number, nc.title, nc.get_source_display(), nc.get_nc_type_display(), nc.severity.name, nc.category,
         nc.site.name if nc.site else "", nc.process.code if nc.process else "", nc.product, nc.lot,
         nc.quantity_affected if nc.quantity_affected is not None else "", nc.detected_on, nc.owner.display_name,
         nc.get_status_display(), {True: "yes", False: "no"}.get(nc.capa_required, ""), nc.cost_of_poor_quality,
         settings.CURRENCY]
        for nc in ncs
    )
    return _response(actor, "nonconformities", "Nonconformity register", header, rows, export)


def capa_register(actor, capas, export: str) -> HttpResponse:
    header = ["Number", "Title", "Kind", "Source", "Owner", "Opened", "Target date", "Status", "Implemented",
              "Effectiveness due", "Closed", "Age (days)"]
    rows = (
        [c.number, c.title, c.get_kind_display(), c.get_source_display(), c.owner.display_name,
         timezone.localtime(c.created_at).date(), c.due_date or "", c.get_status_display(), c.implemented_on or "",
         c.effectiveness_due or "", timezone.localtime(c.closed_at).date() if c.closed_at else "", c.age_days]
        for c in capas
    )
    return _response(actor, "capas", "CAPA register", header, rows, export)


def complaint_register(actor, complaints, export: str) -> HttpResponse:
    header = ["Number", "Customer", "Reference", "Product", "Lot", "Channel", "Received", "Acknowledged",
              "Respond by", "Responded", "Justified", "Status"]
    rows = (
        [c.number, c.customer, c.customer_reference, c.product, c.lot, c.get_channel_display(), c.received_on,
         c.acknowledged_on or "", c.respond_by or "", c.responded_on or "",
         {True: "yes", False: "no"}.get(c.justified, ""), c.get_status_display()]
        for c in complaints
    )
    return _response(actor, "complaints", "Customer complaint register", header, rows, export)
