"""Controlled copies: the revision with header and footer (number, title, revision, effective date,
"uncontrolled when printed", page x of y), a final signature page, and a watermark on superseded or
obsolete revisions. Uploaded PDFs are stamped page by page; other uploads get their extracted text."""

from __future__ import annotations

import io

from django.utils import timezone

from qualitas.core import pdf
from qualitas.core.audit.services import record
from qualitas.core.signatures.selectors import signatures_of
from qualitas.documents.rendering import to_flowables

WATERMARKS = {
    "superseded": "SUPERSEDED",
    "obsolete": "OBSOLETE",
    "draft": "DRAFT",
    "in_review": "DRAFT",
    "approved": "NOT YET EFFECTIVE",
}


def _frame(revision) -> pdf.PageFrame:
    document = revision.document
    effective = revision.effective_date.isoformat() if revision.effective_date else "not effective"
    return pdf.PageFrame(
        title=f"{document.number} {document.title}",
        subtitle=f"Revision {revision.label} · Effective {effective} · {revision.get_status_display()}",
        footer_note=f"Controlled copy, uncontrolled when printed. Printed {timezone.localtime():%Y-%m-%d %H:%M %Z}.",
        watermark=WATERMARKS.get(revision.status, ""),
    )


def _metadata(revision) -> list:
    document = revision.document
    rows = [
        ["Document", f"{document.number} {document.title}"],
        ["Type", document.doc_type.name],
        ["Revision", f"{revision.label} ({revision.get_status_display()})"],
        ["Owner", document.owner.display_name],
        ["Author", revision.author.display_name],
        ["Change summary", revision.change_summary],
        ["Effective date", revision.effective_date.isoformat() if revision.effective_date else "—"],
        ["Next review", document.next_review_date.isoformat() if document.next_review_date else "—"],
    ]
    return [pdf.table(["", ""], rows, widths=[35 * pdf.mm, None]), pdf.spacer(4)]


def _signature_page(revision) -> list:
    from reportlab.platypus import PageBreak

    return [
        PageBreak(),
        pdf.Paragraph("Signature manifestation", pdf.H1),
        pdf.p(
            f"{revision.document.number} revision {revision.label}. Each signature is bound to the "
            "content of this revision; a signature marked invalid means the content changed after signing."
        ),
        *pdf.signature_block(signatures_of(revision)),
    ]


def controlled_copy(actor, revision) -> bytes:
    from qualitas.core.files.services import attachment_open

    frame = _frame(revision)
    if revision.content_kind == "file" and revision.file_id and revision.file.content_type == "application/pdf":
        body = _stamp_pdf(attachment_open(revision.file), frame, revision)
    else:
        story = [
            pdf.Paragraph(pdf.escape(f"{revision.document.number} {revision.document.title}"), pdf.H1),
            *_metadata(revision),
        ]
        if revision.content_kind == "markdown":
            story += to_flowables(revision.content)
        else:
            story += [
                pdf.p(
                    f"Native file: {revision.file.original_name if revision.file_id else '—'} (download it "
                    "from Qualitas). Its text follows.",
                    pdf.SMALL,
                ),
                pdf.spacer(2),
                pdf.p(revision.extracted_text or "(no text could be extracted)"),
            ]
        story += _signature_page(revision)
        body = pdf.render(frame, story)
    record(actor, "export", "documents.controlled_copy_printed", instance=revision)
    return body


def _stamp_pdf(original: bytes, frame: pdf.PageFrame, revision) -> bytes:
    """Overlay header and footer on every page of an uploaded PDF, then add the signature page."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    reader = PdfReader(io.BytesIO(original))
    signatures = PdfReader(
        io.BytesIO(pdf.render(frame, [pdf.Paragraph("Signatures", pdf.H1), *_signature_page(revision)[2:]]))
    )
    total = len(reader.pages) + len(signatures.pages)
    writer = PdfWriter()
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        overlay = io.BytesIO()
        sheet = canvas.Canvas(overlay, pagesize=(width, height))
        sheet.setFont("Helvetica-Bold", 8)
        sheet.drawString(30, height - 20, frame.title[:100])
        sheet.setFont("Helvetica", 7)
        sheet.drawRightString(width - 30, height - 20, frame.subtitle[:90])
        sheet.drawString(30, 14, frame.footer_note[:120])
        sheet.drawRightString(width - 30, 14, f"Page {number} of {total}")
        if frame.watermark:
            sheet.setFillColorRGB(0.8, 0.1, 0.1, alpha=0.2)
            sheet.setFont("Helvetica-Bold", 54)
            sheet.translate(width / 2, height / 2)
            sheet.rotate(35)
            sheet.drawCentredString(0, 0, frame.watermark)
        sheet.save()
        # Merge on the writer's copy: pypdf 7 refuses to rewrite the contents of a page that still
        # belongs to its reader (PageObject.replace_contents).
        stamped = writer.add_page(page)
        stamped.merge_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    for page in signatures.pages:
        writer.add_page(page)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
