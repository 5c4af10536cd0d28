"""API of the audit report and the audits dashboard: the report as JSON and PDF, the lead auditor's
summary and conclusion, issuing the report with the lead auditor's signature (the workflow's
"report" step, as /records/audits.audit/{id}/transitions would), who it was sent to, the dashboard
numbers and the management-review summary."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from qualitas.audits import dashboard, schemas_report, selectors_report
from qualitas.audits.selectors import audit_get
from qualitas.audits.services_report import audit_report_update
from qualitas.core.api_types import Date, PathId
from qualitas.core.permissions import authorize
from qualitas.core.signatures.services import Credentials
from qualitas.core.workflow import engine

router = Router(tags=["audits"])


@router.get("/audits/{audit_id}/report", response=schemas_report.ReportOut,
            summary="The audit report compiled from the record (draft until the lead auditor signs)")
def get_report(request, audit_id: PathId):
    return selectors_report.report_data(request.auth, audit_get(request.auth, audit_id))


@router.patch("/audits/{audit_id}/report", response=schemas_report.ReportOut,
              summary="The lead auditor writes the summary and conclusion (while the audit is in progress)")
def update_report(request, audit_id: PathId, payload: schemas_report.ReportTextIn):
    audit = audit_get(request.auth, audit_id)
    audit_report_update(actor=request.auth, audit=audit, summary=payload.summary, conclusion=payload.conclusion,
                        version=payload.version)
    return selectors_report.report_data(request.auth, audit)


@router.post("/audits/{audit_id}/report/issue", response=schemas_report.ReportOut,
             summary="Sign and issue the report (the lead auditor; distributes it to auditees and top management)")
def issue_report(request, audit_id: PathId, payload: schemas_report.ReportIssueIn):
    audit = audit_get(request.auth, audit_id)
    signature = payload.signature
    engine.perform(actor=request.auth, instance=audit, transition=selectors_report.REPORT_TRANSITION,
                   expected_version=payload.version, reason=signature.comment,
                   credentials=Credentials(signature.password, signature.otp, signature.comment))
    return selectors_report.report_data(request.auth, audit_get(request.auth, audit_id))


@router.get("/audits/{audit_id}/report.pdf", summary="The audit report as PDF (watermarked “Draft” until signed)")
def report_pdf(request, audit_id: PathId):
    from qualitas.audits.pdf_report import report_pdf as render

    audit = audit_get(request.auth, audit_id)
    response = HttpResponse(render(request.auth, audit), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="audit-report-{audit.number}.pdf"'
    return response


@router.get("/audits/{audit_id}/report/recipients", response=list[schemas_report.RecipientOut],
            summary="Who the report was distributed to, and when")
def report_recipients(request, audit_id: PathId):
    audit = audit_get(request.auth, audit_id)
    return selectors_report.report_data(request.auth, audit)["recipients"]


class DashboardQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    programme_id: int | None = Field(None, ge=1, le=2**63 - 1)


@router.get("/audit-dashboard", summary="Audits dashboard: programme progress by month, findings by grade, "
                                        "clause and process, overdue responses, repeat findings")
def audit_dashboard(request, filters: Query[DashboardQuery]) -> dict:
    authorize(request.auth, "audits", "view")
    return dashboard.dashboard_data(request.auth, year=filters.year, programme_id=filters.programme_id)


@router.get("/audit-dashboard/summary",
            summary="Audit results for the management review over a period (default: the last 12 months)")
def audit_summary(request, start: Date | None = None, end: Date | None = None) -> dict:
    authorize(request.auth, "audits", "view")
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=364)
    return dashboard.summary(request.auth, start=start, end=end)
