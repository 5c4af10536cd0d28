"""The audit report as PDF (reportlab, the core page template): the same data as the report page
(selectors_report.report_data), every finding with its clauses, and the lead auditor's signature
(name, meaning, date and time in UTC). Before the report step it is a draft: no signature, and
"Draft" across every page."""

from __future__ import annotations

from django.utils import timezone

from qualitas.audits.selectors_report import report_data
from qualitas.core import pdf
from qualitas.core.audit.services import record


def _d(value) -> str:
    return value[:10] if value else "—"


def _section(title: str, *flow) -> list:
    return [pdf.Paragraph(pdf.escape(title), pdf.H2), *flow]


def _text(value: str, empty: str = "—"):
    return pdf.p(value if (value or "").strip() else empty)


def _header(data: dict) -> list:
    audited = data["audited"]
    subject = "; ".join(v for v in (audited["process"], audited["site"], audited["department"], audited["supplier"],
                                    audited["product"]) if v) or data["subject_label"]
    team = "; ".join(f"{m['name']} ({m['role_label']})" for m in data["team"]) or data["lead_auditor"] or "—"
    auditees = "; ".join(f"{a['name']}" + (f" ({a['function']})" if a["function"] else "") for a in data["auditees"])
    rows = [
        ["Type", f"{data['kind_label']} · {data['subject_label']}" + (" · combined audit" if data["combined"] else "")],
        ["Audited", subject],
        ["Programme", data["programme"] or "—"],
        ["Standards", ", ".join(s["code"] for s in data["standards"]) or "—"],
        ["Method", data["method_label"]],
        ["Dates", data["dates_text"]],
        ["Lead auditor", data["lead_auditor"] or "—"],
        ["Audit team", team],
        ["Auditees", auditees or "—"],
        ["Status", data["status_label"] + (" (draft report)" if data["draft"] else "")],
    ]
    return [pdf.table(["Audit", f"{data['number']} {data['title']}"], rows, widths=[32 * pdf.mm, None])]


def _criteria(data: dict) -> list:
    flow = [_text(data["criteria"], "No further criteria than the clauses and documents below.")]
    if data["clauses"]:
        flow.append(pdf.table(["Clause", "Title"], [[c["clause"], c["title"]] for c in data["clauses"]],
                              widths=[32 * pdf.mm, None]))
    if data["documents"]:
        flow += [pdf.spacer(2), pdf.table(["Document", "Title"],
                                          [[d["number"], d["title"]] for d in data["documents"]],
                                          widths=[32 * pdf.mm, None])]
    return flow


def _questions(data: dict) -> list:
    q = data["questions"]
    return [pdf.table(
        ["Questions", "Answered", "Conforming", "Findings", "Not applicable", "Not answered"],
        [[q["total"], q["answered"], q["conforming"], q["finding"], q["not_applicable"], q["unanswered"]]],
    )]


def _findings(data: dict) -> list:
    flow = []
    grades = [g for g in data["findings_by_grade"] if g["count"]]
    by_grade = pdf.table(["Grade", "Findings"], [[g["label"], g["count"]] for g in data["findings_by_grade"]],
                         widths=[70 * pdf.mm, 25 * pdf.mm])
    by_grade.hAlign = "LEFT"
    flow.append(by_grade)
    if not data["findings"]:
        return [*flow, pdf.spacer(2), pdf.p("No findings recorded.")]
    flow += [pdf.spacer(2), pdf.Paragraph("<b>By clause</b> (standard and clause number)", pdf.BODY)]
    flow.append(pdf.table(
        ["Clause", "Title", "Findings", "Grades"],
        [[c["clause"], c["title"], ", ".join(c["findings"]),
          "; ".join(f"{label} {n}" for label, n in c["grades"].items())] for c in data["findings_by_clause"]],
        widths=[28 * pdf.mm, 62 * pdf.mm, 40 * pdf.mm, None],
    ) if data["findings_by_clause"] else pdf.p("No finding is linked to a clause."))
    flow += [pdf.spacer(2), pdf.Paragraph("<b>Each finding</b>", pdf.BODY)]
    rows = []
    for f in data["findings"]:
        detail = f["statement"] + (f"\nEvidence: {f['evidence']}" if f["evidence"] else "")
        if f["response_due"]:
            detail += f"\nResponse due {f['response_due']}" + (f" from {f['auditee']}" if f["auditee"] else "")
        rows.append([f["number"], f["grade_label"], f"{f['title']}\n{detail}", "\n".join(f["clauses"]) or "—",
                     f["process"] or "—"])
    flow.append(pdf.table(["No.", "Grade", "Finding", "Clauses", "Process"], rows,
                          widths=[24 * pdf.mm, 26 * pdf.mm, None, 26 * pdf.mm, 30 * pdf.mm]))
    if grades:
        flow.append(pdf.p(f"{data['nonconformities']} nonconformit{'y' if data['nonconformities'] == 1 else 'ies'} "
                          f"of {len(data['findings'])} findings.", pdf.SMALL))
    return flow


def _signature(data: dict) -> list:
    signature = data["signature"]
    if data["draft"] or signature is None:
        return [pdf.Paragraph("Lead auditor's signature", pdf.H2),
                pdf.p(f"Draft: not signed. The lead auditor ({data['lead_auditor'] or 'not named yet'}) signs the "
                      "report when issuing it.")]
    status = "valid" if signature["valid"] else f"INVALID: {signature['invalid_reason']}"
    flow = [pdf.Paragraph("Lead auditor's signature", pdf.H2),
            pdf.table(["Signed by", "Meaning", "Date and time (UTC)", "Status"],
                      [[f"{signature['signer']} ({signature['username']})", signature["meaning_label"],
                        signature["signed_at_utc"], status]],
                      widths=[50 * pdf.mm, 25 * pdf.mm, 50 * pdf.mm, None])]
    if signature["comment"]:
        flow.append(pdf.p(f"Comment: {signature['comment']}", pdf.SMALL))
    return [pdf.KeepTogether(flow)]


def _distribution(data: dict) -> list:
    if not data["recipients"]:
        return [pdf.p("Not distributed yet." if data["draft"] else "Nobody was named to receive the report.")]
    return [pdf.table(["Sent to", "As", "Sent"],
                      [[r["name"], r["reason"], r["sent_at_utc"]] for r in data["recipients"]],
                      widths=[60 * pdf.mm, 40 * pdf.mm, None])]


def report_pdf(actor, audit) -> bytes:
    """The report of `audit` (from `audit_get(actor, …)`); printing it is recorded in the trail."""
    data = report_data(actor, audit)
    title = f"Audit report {data['number']}" + (" (draft)" if data["draft"] else "")
    story = [
        pdf.Paragraph(pdf.escape(title), pdf.H1),
        pdf.p(data["title"]),
        pdf.spacer(2),
        *_header(data),
        *_section("Scope", _text(data["scope"])),
        *(_section("Objectives", _text(data["objectives"])) if data["objectives"] else []),
        *_section("Audit criteria", *_criteria(data)),
        *_section("Summary", _text(data["summary"], "No summary written yet.")),
        *_section("Checklist", *_questions(data)),
        *_section("Findings", *_findings(data)),
        *_section("Conclusion on conformity and effectiveness",
                  _text(data["conclusion"], "No conclusion written yet.")),
        *_signature(data),
        *_section("Distribution", *_distribution(data)),
    ]
    frame = pdf.PageFrame(
        title=title,
        subtitle=data["title"],
        footer_note=f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}",
        watermark="Draft" if data["draft"] else "",
    )
    body = pdf.render(frame, story)
    record(actor, "export", "audits.report_printed", instance=audit,
           changes={"printed": [None, title]})
    return body
