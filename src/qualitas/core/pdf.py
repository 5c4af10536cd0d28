"""PDF renditions with reportlab: one page template (header, footer with page x of y), tables and
the signature manifestation, shared by every module's reports."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm  # noqa: F401 - re-exported for layouts
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("qbody", parent=STYLES["BodyText"], fontSize=9, leading=11.5, alignment=TA_LEFT)
SMALL = ParagraphStyle("qsmall", parent=BODY, fontSize=7.5, leading=9.5)
H1 = ParagraphStyle(
    "qh1", parent=STYLES["Heading1"], fontSize=15, leading=18, spaceAfter=6, textColor=colors.HexColor("#12324f")
)
H2 = ParagraphStyle(
    "qh2",
    parent=STYLES["Heading2"],
    fontSize=11.5,
    leading=14,
    spaceBefore=8,
    spaceAfter=4,
    textColor=colors.HexColor("#1f4e79"),
)


@dataclass
class PageFrame:
    title: str
    subtitle: str = ""
    footer_note: str = ""
    watermark: str = ""
    landscape: bool = False


def p(text, style=BODY) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)


def table(header: Sequence[str], rows: Iterable[Sequence], widths: Sequence[float] | None = None) -> Table:
    """A table with a repeated header row. A row taller than the page (a long change in a history,
    a long text field) is split across pages (`splitInRow`) rather than failing the whole PDF."""
    data = [[p(h, SMALL) for h in header]] + [[p(cell, SMALL) for cell in row] for row in rows]
    result = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)
    result.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c4d2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f9fb")]),
            ]
        )
    )
    return result


def signature_block(signatures) -> list:
    """The signature manifestation (P11-M): printed name, date and time with time zone, meaning."""
    flow = [Paragraph("Electronic signatures", H2)]
    rows = []
    for signature in signatures:
        rows.append(
            [
                signature.signer_name,
                signature.get_meaning_display(),
                timezone.localtime(signature.signed_at).strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)"),
                "valid" if signature.is_valid
                else f"INVALID: {signature.invalid_reason or 'record changed after signing'}",
                signature.comment or "",
            ]
        )
    if not rows:
        flow.append(p("No signatures."))
    else:
        flow.append(
            table(
                ["Signed by", "Meaning", "Date and time", "Status", "Comment"],
                rows,
                widths=[38 * mm, 26 * mm, 45 * mm, 32 * mm, None],
            )
        )
    return [KeepTogether(flow)]


class _NumberedCanvas(pdf_canvas.Canvas):
    """Two passes so the footer can say "page x of y"."""

    def __init__(self, *args, frame: PageFrame, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved = []
        self._frame = frame

    def showPage(self):  # noqa: N802 - reportlab API
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        width, height = self._pagesize
        frame = self._frame
        self.saveState()
        if frame.watermark:
            self.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.18))
            self.setFont("Helvetica-Bold", 60)
            self.translate(width / 2, height / 2)
            self.rotate(35)
            self.drawCentredString(0, 0, frame.watermark)
            self.rotate(-35)
            self.translate(-width / 2, -height / 2)
        self.setFillColor(colors.HexColor("#12324f"))
        self.setFont("Helvetica-Bold", 9)
        self.drawString(15 * mm, height - 12 * mm, frame.title[:110])
        self.setFont("Helvetica", 8)
        if frame.subtitle:
            self.drawRightString(width - 15 * mm, height - 12 * mm, frame.subtitle[:90])
        self.setStrokeColor(colors.HexColor("#b8c4d2"))
        self.line(15 * mm, height - 14 * mm, width - 15 * mm, height - 14 * mm)
        self.line(15 * mm, 14 * mm, width - 15 * mm, 14 * mm)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(15 * mm, 9 * mm, frame.footer_note[:120])
        self.drawRightString(width - 15 * mm, 9 * mm, f"Page {self._pageNumber} of {total}")
        self.restoreState()


def render(frame: PageFrame, story: list) -> bytes:
    buffer = io.BytesIO()
    pagesize = landscape(A4) if frame.landscape else A4
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=frame.title,
        author="Qualitas",
    )
    document.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, frame=frame, **k))
    return buffer.getvalue()


def spacer(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)
