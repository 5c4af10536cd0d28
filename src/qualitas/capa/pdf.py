"""PDF reports of the improvement loop: the 8D report of a CAPA (the same data as the CAPA page,
with every signature manifested) and the registers / dashboard."""

from __future__ import annotations

from django.utils import timezone
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from qualitas.actions.selectors import actions_of
from qualitas.capa import analysis
from qualitas.capa.selectors import linked_records
from qualitas.capa.templatetags.capa_money import money_text
from qualitas.core import pdf
from qualitas.core.signatures.selectors import signatures_of


def _section(title: str, *flow) -> list:
    return [pdf.Paragraph(title, pdf.H2), *flow]


def _actions_table(actions, empty: str | None = "None.") -> list:
    """The actions as a table; without any, the `empty` sentence (or nothing when it is None)."""
    if not actions:
        return [pdf.p(empty)] if empty else []
    rows = [
        [a.number, a.title, a.owner.display_name, a.due_date or "", a.get_status_display(),
         f"{a.evidence}" + (f" (done {timezone.localtime(a.completed_at):%Y-%m-%d})" if a.completed_at else "")]
        for a in actions
    ]
    return [pdf.table(["No.", "Action", "Owner", "Due", "Status", "Evidence"], rows,
                      widths=[28 * pdf.mm, 42 * pdf.mm, 28 * pdf.mm, 20 * pdf.mm, 16 * pdf.mm, None])]


def _containment_flow(capa, containment) -> list:
    """D3: the containment described on the CAPA and the containment actions, or one sentence when neither."""
    flow = [pdf.p(capa.containment)] if (capa.containment or "").strip() else []
    flow += _actions_table(containment, None)
    return flow or [pdf.p("No containment recorded.")]


def _check_result(check) -> str:
    if not check.early_justification:
        return check.result
    return (f"{check.result} Judged effective {check.days_early} day(s) before the check was due; "
            f"justification: {check.early_justification}")


def _why_flow(capa) -> list:
    flow = []
    for number, chain in enumerate(capa.why_chains or [], start=1):
        rows = [[f"Why {i}", why] for i, why in enumerate(chain["whys"], start=1)]
        if chain.get("cause"):
            rows.append(["Cause", chain["cause"]])
        flow += [pdf.p(f"Branch {number}: {chain['problem']}"), pdf.table(["Step", "Answer"], rows,
                                                                           widths=[20 * pdf.mm, None]), pdf.spacer(2)]
    return flow or [pdf.p("No 5-Why analysis recorded.")]


def _fishbone_flow(capa) -> list:
    rows = [[label, "; ".join(causes) or "—"] for _, label, causes in analysis.fishbone_rows(capa)]
    return [pdf.table(["6M category", "Possible causes"], rows, widths=[45 * pdf.mm, None])]


def _root_cause_flow(capa) -> list:
    rows = [
        [c["statement"], dict(analysis.CATEGORIES).get(c["category"], c["category"]), c.get("origin", ""),
         "verified: " + c["verification"] if c["verified"] else "not verified"]
        for c in capa.root_causes or []
    ]
    if not rows:
        return [pdf.p("No root cause recorded.")]
    return [pdf.table(["Root cause", "Category", "From", "Verification"], rows,
                      widths=[60 * pdf.mm, 30 * pdf.mm, 30 * pdf.mm, None])]


def eight_d_pdf(actor, capa) -> bytes:
    """D1 team · D2 problem · D3 containment · D4 root cause · D5 chosen actions · D6 implementation
    · D7 prevention · D8 closure, with the nonconformities addressed and every signature."""
    ncs = linked_records(capa, "capa.nonconformity")
    actions = list(actions_of(capa))
    corrective = [a for a in actions if a.kind in ("corrective", "correction")]
    preventive = [a for a in actions if a.kind in ("preventive", "improvement")]
    containment = [a for a in actions if a.kind == "containment"]
    for nc in ncs:
        containment += [a for a in actions_of(nc) if a.kind in ("containment", "correction")]
    checks = list(capa.effectiveness_checks.all())
    team = ", ".join(u.display_name for u in capa.team.all()) or "—"
    story = [
        pdf.Paragraph(f"8D report {capa.number}", pdf.H1),
        pdf.p(f"{capa.title} · {capa.get_kind_display()} action · status {capa.get_status_display()} · "
              f"version {capa.version}"),
        *_section("D1 Team", pdf.p(f"Owner: {capa.owner.display_name}. Team: {team}.")),
        *_section("D2 Problem description", pdf.p(capa.problem or "—"),
                  pdf.table(["Nonconformity", "Severity", "Detected", "Product / lot", "Status"],
                            [[nc.number + " " + nc.title, nc.severity.name, nc.detected_on,
                              f"{nc.product} {nc.lot}".strip(), nc.get_status_display()] for nc in ncs])
                  if ncs else pdf.p("No nonconformity linked.")),
        *_section("D3 Containment", *_containment_flow(capa, containment)),
        *_section("D4 Root cause analysis", pdf.Paragraph("5-Why", pdf.BODY), *_why_flow(capa),
                  pdf.Paragraph("Ishikawa (6M)", pdf.BODY), *_fishbone_flow(capa),
                  pdf.Paragraph("Root causes", pdf.BODY), *_root_cause_flow(capa)),
        *_section("D5 Chosen corrective actions", *_actions_table(corrective, "No corrective action recorded.")),
        *_section("D6 Implementation and effectiveness",
                  pdf.p(f"Implemented on {capa.implemented_on or '—'}; effectiveness check due "
                        f"{capa.effectiveness_due or '—'}. Criterion: {capa.effectiveness_criterion or '—'}"),
                  pdf.table(["Date", "Due", "By", "Result", "Outcome"],
                            [[c.performed_on, c.due_on or "—", c.performed_by.display_name, _check_result(c),
                              "PASSED" if c.passed else "FAILED"] for c in checks],
                            widths=[20 * pdf.mm, 20 * pdf.mm, 30 * pdf.mm, None, 18 * pdf.mm])
                  if checks else pdf.p("No effectiveness check yet.")),
        *_section("D7 Prevention of recurrence", *_actions_table(preventive, "No preventive action recorded.")),
        *_section("D8 Closure",
                  pdf.p(f"Closed {timezone.localtime(capa.closed_at):%Y-%m-%d %H:%M %Z}." if capa.closed_at
                        else "Not closed.")),
    ]
    story += pdf.signature_block(signatures_of(capa))
    for number, check in enumerate(checks, start=1):
        outcome = "PASSED" if check.passed else "FAILED"
        story += [pdf.p(f"Effectiveness check {number} of {check.performed_on} ({outcome}):")]
        story += pdf.signature_block(signatures_of(check))
    frame = pdf.PageFrame(title=f"8D report {capa.number}", subtitle=capa.title,
                          footer_note=f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}")
    return pdf.render(frame, story)


def _bar_drawing(title: str, labels, values, color="#0d6efd", *, integer: bool = False) -> Drawing:
    """A bar chart for the dashboard PDF; `integer` for counts (whole-number ticks, as on the page)."""
    from qualitas.core.charts import axis_ticks

    drawing = Drawing(480, 200)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 48, 40, 412, 130
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = [str(label)[:14] for label in labels] or [""]
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontSize = 7
    ticks = axis_ticks(max(values, default=0), integer=integer)
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, ticks[-1]
    chart.valueAxis.valueStep = ticks[1] - ticks[0]
    chart.valueAxis.labelTextFormat = (lambda v: f"{v:,.0f}") if float(ticks[1]).is_integer() else "%g"
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor(color)
    drawing.add(chart)
    drawing.add(String(40, 185, title, fontSize=9, fillColor=colors.HexColor("#1f4e79")))
    return drawing


def dashboard_pdf(actor, data: dict) -> bytes:
    cat = data["pareto_categories"]
    months = data["months"]
    capa = data["capa"]
    story = [
        pdf.Paragraph("Improvement dashboard", pdf.H1),
        pdf.p(f"As of {data['as_of']}. Open nonconformities: {data['open_nonconformities']['total']}. Open CAPAs: "
              f"{capa['open']}. On-time closure: {capa['on_time_rate'] if capa['on_time_rate'] is not None else '—'}%. "
              f"Effectiveness-check pass rate: "
              f"{capa['effectiveness_pass_rate'] if capa['effectiveness_pass_rate'] is not None else '—'}%."),
        _bar_drawing("Pareto of nonconformity categories", cat["categories"], cat["counts"], integer=True),
        pdf.table(["Category", "Count", "%", "Cumulative %"],
                  [[c, n, f"{p:.1f}", f"{cp:.1f}"] for c, n, p, cp in
                   zip(cat["categories"], cat["counts"], cat["percent"], cat["cumulative_percent"], strict=True)]),
        _bar_drawing("Open CAPAs by age", list(capa["ageing"]), list(capa["ageing"].values()), "#fd7e14",
                     integer=True),
        _bar_drawing(f"Cost of poor quality by month ({data['currency']})", [m[2:] for m in months],
                     [data["cost_of_poor_quality"][m] for m in months], "#dc3545"),
        pdf.p(f"Cost of poor quality over the 12 months: "
              f"{money_text(sum(data['cost_of_poor_quality'].values()))}."),
        _bar_drawing("Complaints per month", [m[2:] for m in months],
                     [data["complaints_per_month"][m] for m in months], "#6f42c1", integer=True),
    ]
    frame = pdf.PageFrame(title="Improvement dashboard",
                          footer_note=f"Printed {timezone.localtime():%Y-%m-%d %H:%M %Z} by {actor.display_name}")
    return pdf.render(frame, story)
