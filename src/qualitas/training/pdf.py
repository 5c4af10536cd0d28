"""Training PDFs (reportlab, the core page template): a person's training record, what an auditor
asks for, and the training matrix (landscape, status letters on colours, a legend)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

from qualitas.core import pdf
from qualitas.core.audit.services import record
from qualitas.training import status as status_

LETTERS = {status_.CURRENT: "C", status_.DUE: "D", status_.OVERDUE: "O", status_.EXPIRED: "X",
           status_.IN_PROGRESS: "P", status_.NOT_REQUIRED: ""}
COLOURS = {status_.CURRENT: "#c8e6c9", status_.DUE: "#fff3c4", status_.OVERDUE: "#ffcdd2",
           status_.EXPIRED: "#ef9a9a", status_.IN_PROGRESS: "#bbdefb", status_.NOT_REQUIRED: "#ffffff"}
COLUMNS_PER_TABLE = 24
# Requirement codes in the header wrap anywhere (CJK word wrap) in a small bold face.
HEAD = ParagraphStyle("qmatrixhead", fontName="Helvetica-Bold", fontSize=5.5, leading=6.5, alignment=1,
                      wordWrap="CJK")


def _printed(actor) -> str:
    return f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}."


def _d(day) -> str:
    return f"{day:%Y-%m-%d}" if day else "—"


def person_record_pdf(actor, person, today=None) -> bytes:
    """Header (person, positions, manager, site, printed at and by), current status per requirement, the
    full history, competence entries and the signatures on the person's training."""
    from qualitas.core.signatures.models import Signature
    from qualitas.training import competence, selectors

    today = today or timezone.localdate()
    data = selectors.person_training(actor, person, today)
    current = [h for h in data["holdings"] if h.is_current(today)]
    header = [
        ["Person", f"{person.display_name} ({person.username})"],
        ["Job title", person.job_title or "—"],
        ["Positions", "; ".join(f"{h.position.name} since {_d(h.start_date)}" for h in current) or "none"],
        ["Department", f"{person.department.code} – {person.department.name}" if person.department_id else "—"],
        ["Site", str(person.site) if person.site_id else "—"],
        ["Manager", person.manager.display_name if person.manager_id else "—"],
        ["Printed", f"{timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}"],
    ]
    story = [pdf.Paragraph(pdf.escape(f"Training record: {person.display_name}"), pdf.H1),
             pdf.table(["", ""], header, widths=[30 * pdf.mm, None]), pdf.spacer(3),
             pdf.Paragraph("Current status", pdf.H2)]
    rows = [[row["requirement"].code, row["requirement"].title, status_.LABELS[row["cell"].status],
             _d(row["cell"].due), _d(row["cell"].completed), _d(row["cell"].expires), "; ".join(row["reasons"])]
            for row in data["status"]]
    story.append(pdf.table(["Code", "Requirement", "Status", "Due", "Completed", "Expires", "Why it applies"],
                           rows, widths=[22 * pdf.mm, 48 * pdf.mm, 20 * pdf.mm, 18 * pdf.mm, 19 * pdf.mm,
                                         18 * pdf.mm, None])
                 if rows else pdf.p("No training requirement applies."))
    story.append(pdf.Paragraph("History (training, quizzes, sessions, qualifications, positions)", pdf.H2))
    events = competence.history(person)
    story.append(pdf.table(["Date", "What", "Title", "Level", "Details", "Evidence"],
                           [[_d(e.day), e.kind, e.title, e.level or "", e.detail, e.evidence] for e in events],
                           widths=[19 * pdf.mm, 20 * pdf.mm, 45 * pdf.mm, 11 * pdf.mm, None, 25 * pdf.mm])
                 if events else pdf.p("Nothing recorded."))
    entries = competence.entries_of(person)
    story.append(pdf.Paragraph("Education, experience and certificates", pdf.H2))
    story.append(pdf.table(["Kind", "Title", "Organisation", "From", "To", "Evidence"],
                           [[e.get_kind_display(), e.title, e.organisation, _d(e.start), _d(e.end), e.evidence]
                            for e in entries],
                           widths=[22 * pdf.mm, 50 * pdf.mm, 38 * pdf.mm, 18 * pdf.mm, 18 * pdf.mm, None])
                 if entries else pdf.p("No entries."))
    signature_ids = [r.signature_id for r in data["records"] if r.signature_id]
    signatures = list(Signature.objects.filter(pk__in=signature_ids).order_by("signed_at"))
    labels = {r.signature_id: f"{r.requirement.code} ({_d(r.completed_on)})" for r in data["records"]
              if r.signature_id}
    story.append(pdf.Paragraph("Signatures on this training", pdf.H2))
    story.append(pdf.table(["Training", "Signed by", "Meaning", "Date and time"],
                           [[labels.get(s.pk, s.record_label), s.signer_name, s.get_meaning_display(),
                             timezone.localtime(s.signed_at).strftime("%Y-%m-%d %H:%M %Z")] for s in signatures],
                           widths=[45 * pdf.mm, 40 * pdf.mm, 40 * pdf.mm, None])
                 if signatures else pdf.p("No electronic signatures."))
    frame = pdf.PageFrame(title=f"Training record – {person.display_name}", subtitle=f"as of {today:%Y-%m-%d}",
                          footer_note=_printed(actor))
    body = pdf.render(frame, story)
    record(actor, "export", "training.record_printed", instance=person,
           changes={"printed": [None, f"training record of {person.display_name}"]})
    return body


def matrix_pdf(actor, grid, *, title: str = "Training matrix") -> bytes:
    """The whole filtered matrix, landscape: people down, requirements across in blocks of
    COLUMNS_PER_TABLE, each cell a status letter on its colour, a legend and the compliance."""
    overall = grid.compliance()
    percent = f"{overall['percent']} %" if overall["percent"] is not None else "—"
    legend = " · ".join(f"{LETTERS[s] or '(blank)'} = {status_.LABELS[s]}" for s in status_.STATUSES)
    story = [pdf.Paragraph(pdf.escape(title), pdf.H1),
             pdf.p(f"{grid.total_people} people, {len(grid.requirements)} requirements; compliance {percent} "
                   f"({overall['current']} of {overall['applicable']} mandatory cells current), as of "
                   f"{_d(grid.today)}."),
             pdf.p(f"Legend: {legend}.", pdf.SMALL), pdf.spacer(2)]
    legend_cells = []
    for status in status_.STATUSES:
        legend_cells += [LETTERS[status] or " ", status_.LABELS[status]]
    legend_table = Table([legend_cells], colWidths=[6 * pdf.mm, 22 * pdf.mm] * len(status_.STATUSES))
    legend_table.setStyle(TableStyle(
        [("FONTSIZE", (0, 0), (-1, -1), 7), ("ALIGN", (0, 0), (-1, -1), "LEFT")]
        + [style for i, s in enumerate(status_.STATUSES) for style in (
            ("BACKGROUND", (2 * i, 0), (2 * i, 0), colors.HexColor(COLOURS[s])),
            ("BOX", (2 * i, 0), (2 * i, 0), 0.25, colors.HexColor("#b8c4d2")),
            ("ALIGN", (2 * i, 0), (2 * i, 0), "CENTER"))]))
    legend_table.hAlign = "LEFT"
    story += [legend_table, pdf.spacer(3)]
    by_requirement = grid.compliance_by_requirement()
    people = grid.population
    for start in range(0, len(grid.requirements), COLUMNS_PER_TABLE):
        block = grid.requirements[start:start + COLUMNS_PER_TABLE]
        head = ["Person"] + [Paragraph(escape(r.code), HEAD) for r in block]
        rows, styles = [head], []
        for y, person in enumerate(people, start=1):
            row = [person.display_name[:32]]
            for x, requirement in enumerate(block, start=1):
                status = grid.cells[person.pk, requirement.pk].status
                row.append(LETTERS[status])
                if status != status_.NOT_REQUIRED:
                    styles.append(("BACKGROUND", (x, y), (x, y), colors.HexColor(COLOURS[status])))
            rows.append(row)
        rows.append(["Compliance"] + [
            f"{by_requirement[r.pk]['percent']:.0f}%" if by_requirement[r.pk]["percent"] is not None else "—"
            for r in block])
        table = Table(rows, colWidths=[48 * pdf.mm] + [9.2 * pdf.mm] * len(block), repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTSIZE", (0, 0), (-1, -1), 6.5), ("LEADING", (0, 0), (-1, -1), 8),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c4d2")),
            ("ALIGN", (1, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            *styles,
        ]))
        table.hAlign = "LEFT"
        story += [table, pdf.spacer(4)]
    departments = grid.compliance_by_department()
    if departments:
        story.append(pdf.Paragraph("Compliance by department", pdf.H2))
        story.append(pdf.table(["Department", "People", "Current / required", "Compliance"], [
            [d["label"], d["people"], f"{d['current']} / {d['applicable']}",
             f"{d['percent']} %" if d["percent"] is not None else "—"] for d in departments],
            widths=[90 * pdf.mm, 20 * pdf.mm, 35 * pdf.mm, 25 * pdf.mm]))
    frame = pdf.PageFrame(title=title, subtitle=f"as of {_d(grid.today)}", footer_note=_printed(actor),
                          landscape=True)
    body = pdf.render(frame, story)
    record(actor, "export", "training.matrix_printed", record_type="training.matrix", record_label="Training matrix",
           changes={"printed": [None, f"{grid.total_people} people × {len(grid.requirements)} requirements"]})
    return body
