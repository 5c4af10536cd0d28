"""The audit plan as PDF (ISO 19011 6.3.2): what is audited, against what, by whom, with whom, when and
how, and the agenda; on the core page template (reportlab)."""

from __future__ import annotations

from django.utils import timezone

from qualitas.audits import selectors, services
from qualitas.core import pdf


def _d(day) -> str:
    return f"{day:%Y-%m-%d}" if day else "—"


def _agenda_rows(agenda: str) -> list[list[str]]:
    """"09:00 Opening meeting" → ["09:00", "Opening meeting"]; a line without a time keeps the text."""
    rows = []
    for line in agenda.splitlines():
        line = line.strip()
        if not line:
            continue
        head, _, rest = line.partition(" ")
        if rest and any(ch.isdigit() for ch in head) and (":" in head or "." in head or "-" in head):
            rows.append([head, rest.strip()])
        else:
            rows.append(["", line])
    return rows


def plan_pdf(actor, audit) -> bytes:
    """The plan of `audit`, printed by `actor` (audited: audits.plan_printed)."""
    team = selectors.team_of(audit)
    auditees = selectors.auditees_of(audit)
    standards = list(audit.standards.all())
    clauses = list(audit.clauses.select_related("edition__standard").order_by("edition__standard__code",
                                                                              "sort_key"))
    documents = list(audit.documents.all())
    when = _d(audit.planned_start) + (f" to {_d(audit.planned_end)}" if audit.planned_end != audit.planned_start
                                      else "")
    subject = audit.get_subject_display()
    if audit.process_id:
        subject += f": {audit.process}"
    elif audit.supplier:
        subject += f": {audit.supplier}"
    header = [
        ["Audit", f"{audit.number} {audit.title}"],
        ["Kind", audit.get_kind_display() + (" (combined audit)" if len(standards) > 1 else "")],
        ["Subject", subject + (f" · product {audit.product}" if audit.product else "")],
        ["Site · department", f"{audit.site.name if audit.site_id else '—'} · "
                              f"{audit.department.name if audit.department_id else '—'}"],
        ["Dates", when],
        ["Method", audit.get_method_display()],
        ["Programme", str(audit.programme) if audit.programme_id else "—"],
        ["Status", audit.get_status_display()],
    ]
    story = [pdf.Paragraph(pdf.escape(f"Audit plan {audit.number}"), pdf.H1),
             pdf.table(["", ""], header, widths=[32 * pdf.mm, None]), pdf.spacer(3),
             pdf.Paragraph("Scope", pdf.H2), pdf.p(audit.scope or "—")]
    if audit.objectives:
        story += [pdf.Paragraph("Objectives", pdf.H2), pdf.p(audit.objectives)]
    story.append(pdf.Paragraph("Criteria", pdf.H2))
    story.append(pdf.p("Standards: " + (", ".join(f"{s.code} ({s.title})" for s in standards) or "—")))
    if clauses:
        story.append(pdf.spacer(1.5))
        story.append(pdf.table(["Standard", "Clause", "Title"],
                               [[c.edition.standard.code, c.number, c.title] for c in clauses],
                               widths=[24 * pdf.mm, 18 * pdf.mm, None]))
    if documents:
        story.append(pdf.spacer(1.5))
        story.append(pdf.table(["Document", "Title"], [[d.number, d.title] for d in documents],
                               widths=[35 * pdf.mm, None]))
    if audit.criteria:
        story += [pdf.spacer(1.5), pdf.p(f"Other criteria: {audit.criteria}")]
    story.append(pdf.Paragraph("Audit team", pdf.H2))
    story.append(pdf.table(["Name", "Role", "Department"],
                           [[m.person.display_name, m.get_role_display(),
                             m.person.department.name if m.person.department_id else "—"] for m in team],
                           widths=[60 * pdf.mm, 40 * pdf.mm, None])
                 if team else pdf.p("No team named yet."))
    story.append(pdf.Paragraph("Auditees", pdf.H2))
    story.append(pdf.table(["Name", "Function", "Department"],
                           [[a.person.display_name, a.function or "—",
                             a.person.department.name if a.person.department_id else "—"] for a in auditees],
                           widths=[60 * pdf.mm, 50 * pdf.mm, None])
                 if auditees else pdf.p("No auditees named yet."))
    story.append(pdf.Paragraph("Agenda", pdf.H2))
    rows = _agenda_rows(audit.agenda or "")
    story.append(pdf.table(["Time", "Item"], rows, widths=[22 * pdf.mm, None]) if rows
                 else pdf.p("No agenda yet."))
    story += [pdf.spacer(4), pdf.p(
        f"Nonconformities found are to be responded to within {audit.response_days} days of the report. "
        "Please confirm your availability to the lead auditor"
        + (f", {audit.lead_auditor.display_name}." if audit.lead_auditor_id else "."), pdf.SMALL)]
    frame = pdf.PageFrame(title=f"Audit plan {audit.number}", subtitle=audit.title[:90],
                          footer_note=f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}")
    data = pdf.render(frame, story)
    services.plan_printed(actor, audit)
    return data
