"""Pages of customer complaints, satisfaction and the improvement dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from qualitas.capa import dashboard, exports, forms, selectors, services
from qualitas.core.forms import form_errors
from qualitas.core.permissions import authorize, has_perm, requires
from qualitas.core.readcache import remembered
from qualitas.core.regulated import StaleVersion
from qualitas.core.workflow.engine import state_choices


@login_required
@remembered
def improvement_dashboard(request):
    authorize(request.user, "capa", "view")
    data = dashboard.summary(request.user)
    if request.GET.get("format") == "pdf":
        from qualitas.capa.pdf import dashboard_pdf

        response = HttpResponse(dashboard_pdf(request.user, data), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="improvement-dashboard.pdf"'
        return response
    cat = data["pareto_categories"]
    rows = list(zip(cat["categories"], cat["counts"], cat["cumulative_percent"], strict=True))
    return render(request, "capa/dashboard.html", {"data": data, "charts": dashboard.charts(data), "pareto_rows": rows})


@login_required
def complaint_list(request):
    status = request.GET.get("status", "")[:20]
    complaints = selectors.complaint_list(request.user, query=request.GET.get("q", "")[:200], status=status,
                                          open_only=request.GET.get("open") == "1")
    if request.GET.get("export") in ("csv", "xlsx", "pdf"):
        return exports.complaint_register(request.user, complaints, request.GET["export"])
    return render(request, "capa/complaint_list.html", {
        "complaints": Paginator(complaints, 50).get_page(request.GET.get("page")),
        "statuses": state_choices("capa.complaint"),
        "status": status, "q": request.GET.get("q", "")[:200], "query": request.GET.urlencode(),
        "can_create": has_perm(request.user, "capa", "create"),
    })


@login_required
@requires("capa", "create")
def complaint_new(request):
    form = forms.ComplaintForm(request.POST or None, initial={"received_on": timezone.localdate(),
                                                              "owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Complaint {complaint.number} logged.")
            return redirect("capa:complaint-detail", complaint.pk)
    return render(request, "capa/simple_form.html", {"form": form, "title": "Log a customer complaint"})


@login_required
def complaint_detail(request, pk: int):
    complaint = selectors.complaint_get(request.user, pk)
    initial = {"version": complaint.version, "investigation": complaint.investigation, "response": complaint.response,
               "responded_on": complaint.responded_on,
               "justified": {True: "yes", False: "no"}.get(complaint.justified, "")}
    form = forms.ComplaintHandlingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason", "")
        try:
            services.complaint_update(actor=request.user, complaint=complaint, version=version, reason=reason, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Complaint saved.")
            return redirect("capa:complaint-detail", pk)
    return render(request, "capa/complaint_detail.html", {
        "complaint": complaint, "form": form, "ncs": selectors.linked_records(complaint, "capa.nonconformity"),
        "can_edit": has_perm(request.user, "capa", "edit", complaint.site_id),
    })


@login_required
def satisfaction(request):
    entries = selectors.satisfaction_list(request.user)
    form = forms.SatisfactionForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.satisfaction_record(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Satisfaction result recorded.")
            return redirect("capa:satisfaction")
    return render(request, "capa/satisfaction.html", {
        "entries": Paginator(entries, 50).get_page(request.GET.get("page")), "form": form,
        "can_create": has_perm(request.user, "capa", "create"),
    })


@login_required
def severities(request):
    """The severity scale (administrators of the module change it; every change is audited)."""
    from qualitas.capa.models import Severity

    authorize(request.user, "capa", "view")
    can_administer = has_perm(request.user, "capa", "administer")
    editing = Severity.objects.filter(code=request.GET.get("edit", "")[:20]).first() if can_administer else None
    initial = {"rank": 1, "active": True, "disposition_signature": True}
    if editing:
        initial = {f: getattr(editing, f) for f in ("code", "name", "rank", "capa_expected", "disposition_signature",
                                                   "active")}
        initial["version"] = editing.version
    form = forms.SeverityForm(request.POST or None, initial=initial)
    if editing:
        form.fields["code"].disabled = True
        form.fields["version"].required = True
    if request.method == "POST" and can_administer and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason, code = data.pop("version"), data.pop("reason", ""), data.pop("code")
        try:
            if editing:
                services.severity_update(actor=request.user, severity=editing, version=version, reason=reason, **data)
            elif Severity.objects.filter(code=code).exists():
                raise ValidationError({"code": "This code is used already."})
            else:
                services.severity_create(actor=request.user, code=code, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Severity saved.")
            return redirect("capa:severities")
    return render(request, "capa/severities.html", {
        "severities": Severity.objects.all(), "form": form if can_administer else None, "editing": editing,
    })
