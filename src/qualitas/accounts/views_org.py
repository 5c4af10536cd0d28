"""Organisation pages: processes, sites and departments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from qualitas.accounts import selectors, services
from qualitas.accounts.forms import DepartmentForm, ProcessForm, SiteForm
from qualitas.core.forms import form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import StaleVersion


def _save(request, form, write, success: str):
    """Run a service with the form's data; domain errors go back onto the form."""
    if not form.is_valid():
        return None
    data = dict(form.cleaned_data)
    if "version" in data and data["version"] is None:
        data.pop("version")
    return _write(request, form, lambda: write(data), success)


def _write(request, form, write, success: str):
    """Run a service; its refusal goes onto the form (field errors where they belong)."""
    try:
        obj = write()
    except (StaleVersion, ValidationError) as exc:
        form_errors(form, exc)
        return None
    messages.success(request, success)
    return obj


@login_required
def process_list(request):
    processes = selectors.process_list(request.user)
    return render(
        request,
        "accounts/process_list.html",
        {
            "processes": processes,
            "can_create": has_perm(request.user, "organisation", "create"),
        },
    )


@login_required
def process_detail(request, process_id: int):
    process = selectors.process_get(request.user, process_id)
    return render(
        request,
        "accounts/process_detail.html",
        {
            "process": process,
            "can_edit": has_perm(request.user, "organisation", "edit", process.site_id),
        },
    )


@login_required
def process_form(request, process_id: int | None = None):
    process = selectors.process_get(request.user, process_id) if process_id else None
    authorize(request.user, "organisation", "edit" if process else "create", process.site_id if process else None)
    form = ProcessForm(request.POST or None, instance=process)
    if request.method == "POST":

        def write(data):
            if process:
                return services.process_update(actor=request.user, process=process, **data)
            data.pop("version", None)
            return services.process_create(actor=request.user, **data)

        saved = _save(request, form, write, "Process saved.")
        if saved:
            return redirect("organisation:process", saved.pk)
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": f"Edit {process}" if process else "New process",
            "cancel_url": request.META.get("HTTP_REFERER", "") or "/organisation/",
        },
    )


@login_required
def site_list(request):
    return render(
        request,
        "accounts/site_list.html",
        {
            "sites": selectors.site_list(request.user, include_inactive=True),
            "departments": selectors.department_list(request.user),
            "can_create": has_perm(request.user, "organisation", "create"),
        },
    )


@login_required
def site_form(request, site_id: int | None = None):
    site = selectors.site_get(request.user, site_id) if site_id else None
    authorize(request.user, "organisation", "edit" if site else "create", site)
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST":

        def write(data):
            if site:
                return services.site_update(actor=request.user, site=site, **data)
            data.pop("version", None)
            return services.site_create(actor=request.user, **data)

        if _save(request, form, write, "Site saved."):
            return redirect("organisation:sites")
    return render(request, "accounts/form.html", {"form": form, "title": f"Edit {site}" if site else "New site"})


@login_required
def department_form(request, department_id: int | None = None):
    department = selectors.department_get(request.user, department_id) if department_id else None
    site_id = department.site_id if department else None
    authorize(request.user, "organisation", "edit" if department else "create", site_id)
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST":

        def write(data):
            if department:
                return services.department_update(actor=request.user, department=department, **data)
            data.pop("version", None)
            return services.department_create(actor=request.user, **data)

        if _save(request, form, write, "Department saved."):
            return redirect("organisation:sites")
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "title": f"Edit {department}" if department else "New department",
        },
    )
