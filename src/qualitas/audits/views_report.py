"""Pages of the audit report (page, summary and conclusion form, PDF) and the audits dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.audits import dashboard as dashboard_
from qualitas.audits.forms_report import ReportTextForm
from qualitas.audits.selectors import audit_get, programme_list
from qualitas.audits.selectors_report import may_edit_report, report_data
from qualitas.audits.services_report import audit_report_update
from qualitas.core.forms import form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import StaleVersion

YEARS = (2000, 2100)


def _report_page(request, audit, form=None, status: int = 200):
    data = report_data(request.user, audit)
    refusal = may_edit_report(request.user, audit)
    can_edit = refusal is None and has_perm(request.user, "audits", "edit", audit.site_id)
    if can_edit and form is None:
        form = ReportTextForm(initial={"version": audit.version, "summary": audit.summary,
                                       "conclusion": audit.conclusion})
    return render(request, "audits/report.html", {
        "audit": audit, "report": data, "form": form if can_edit else None, "edit_refusal": refusal,
    }, status=status)


@login_required
def report(request, pk: int):
    return _report_page(request, audit_get(request.user, pk))


@login_required
@require_POST
def report_edit(request, pk: int):
    audit = audit_get(request.user, pk)
    form = ReportTextForm(request.POST)
    if form.is_valid():
        try:
            audit_report_update(actor=request.user, audit=audit, summary=form.cleaned_data["summary"],
                                conclusion=form.cleaned_data["conclusion"], version=form.cleaned_data["version"])
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Report of {audit.number}: summary and conclusion saved.")
            return redirect("audits:report", audit.pk)
    return _report_page(request, audit_get(request.user, pk), form=form, status=400)


@login_required
def report_pdf(request, pk: int):
    from qualitas.audits.pdf_report import report_pdf as render_pdf

    audit = audit_get(request.user, pk)
    body = render_pdf(request.user, audit)
    suffix = "-draft" if audit.status not in ("reported", "follow_up", "closed") else ""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="audit-report-{audit.number}{suffix}.pdf"'
    return response


def _int_param(request, name: str, low: int, high: int) -> int | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValidationError(f"{name} must be a number from {low} to {high}.")
    return int(value)


@login_required
def dashboard(request):
    authorize(request.user, "audits", "view")
    try:
        year = _int_param(request, "year", *YEARS) or timezone.localdate().year
        programme_id = _int_param(request, "programme", 1, 2**63 - 1)
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    data = dashboard_.dashboard_data(request.user, year=year, programme_id=programme_id)
    return render(request, "audits/dashboard.html", {
        "data": data, "charts": dashboard_.charts(data), "year": year,
        "programmes": list(programme_list(request.user, year=year)),
        "years": [year - 1, year, year + 1], "months": list(zip(
            data["progress"]["month_labels"], data["progress"]["planned"], data["progress"]["done"],
            data["progress"]["cumulative_planned"], data["progress"]["cumulative_done"], strict=True)),
    })
