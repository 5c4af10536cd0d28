"""Action pages: the register (mine / all), one action with its evidence, raising and editing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qualitas.actions import forms, selectors, services, states
from qualitas.actions.models import KINDS
from qualitas.core import records
from qualitas.core.exports import csv_bytes, xlsx_bytes
from qualitas.core.forms import form_errors as _form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.raising import raised_from_param
from qualitas.core.regulated import StaleVersion
from qualitas.core.workflow.engine import state_choices

HEADER = ["Number", "Title", "Kind", "Owner", "Due", "Status", "Parent", "Completed", "Evidence"]


def _rows(actions):
    for a in actions:
        yield [
            a.number, a.title, a.get_kind_display(), a.owner.display_name, a.due_date or "", a.get_status_display(),
            a.parent_label, a.completed_at.date() if a.completed_at else "", a.evidence,
        ]


@login_required
def action_list(request):
    mine = request.GET.get("mine", "1" if not has_perm(request.user, "actions", "view") else "") == "1"
    status = request.GET.get("status", "open")[:20]
    actions = selectors.action_list(
        request.user, status=status if status != "all" else "", kind=request.GET.get("kind", "")[:20],
        owner_id=request.user.pk if mine else None, overdue=request.GET.get("overdue") == "1",
    )
    export = request.GET.get("export")
    if export == "csv":
        from django.http import HttpResponse

        response = HttpResponse(csv_bytes(HEADER, _rows(actions)), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="actions.csv"'
        return response
    if export == "xlsx":
        from django.http import HttpResponse

        response = HttpResponse(
            xlsx_bytes("Actions", HEADER, _rows(actions)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="actions.xlsx"'
        return response
    page = Paginator(actions, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "actions/list.html",
        {"actions": page, "mine": mine, "status": status, "statuses": state_choices("actions.action"), "kinds": KINDS,
         "kind": request.GET.get("kind", ""), "query": request.GET.urlencode()},
    )


@login_required
def action_detail(request, pk: int):
    action = selectors.action_get(request.user, pk)
    # Ask the step's own rules except the evidence guard: the evidence is what this form asks for.
    may_complete = (
        action.status == "open"
        and has_perm(request.user, "actions", "edit", action.site_id)
        and states.owner_or_manager(request.user, action) is None
    )
    form = forms.CompleteForm(request.POST or None, initial={"version": action.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.action_complete(
                actor=request.user, action=action, evidence=form.cleaned_data["evidence"],
                version=form.cleaned_data["version"],
            )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{action.number} is done.")
            return redirect("actions:detail", pk)
    parent_url = ""
    if action.parent_type:
        try:
            parent_url = records.url_for(records.resolve(request.user, action.parent_type, action.parent_id))
        except Exception:  # noqa: BLE001 — the parent may be invisible to this user; show the label only
            parent_url = ""
    return render(
        request,
        "actions/detail.html",
        {"action": action, "form": form, "may_complete": may_complete,
         "parent_url": parent_url, "may_edit": action.status == "open" and (
             action.owner_id == request.user.pk or has_perm(request.user, "actions", "edit", action.site_id))},
    )


@login_required
def action_new(request):
    parent = raised_from_param(request.user, request.GET.get("raised_from", ""))
    parent_type, parent_id = request.GET.get("parent_type", "")[:100], request.GET.get("parent_id", "")[:20]
    if parent is None and parent_type and parent_id:
        parent = records.resolve(request.user, parent_type, parent_id)
    if parent is None:  # on a parent, whoever may act on it may raise one (the service decides)
        authorize(request.user, "actions", "create")
    form = forms.ActionForm(request.POST or None, initial={"owner": request.user.pk, "kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_create(
                actor=request.user, title=data["title"], description=data["description"], kind=data["kind"],
                owner=data["owner"], due_date=data["due_date"], parent=parent,
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Action {action.number} raised and assigned to {action.owner.display_name}.")
            return redirect(records.url_for(parent) if parent else action_url(action))
    return render(request, "actions/form.html", {"form": form, "parent": parent, "title": "Raise an action"})


def action_url(action) -> str:
    from django.urls import reverse

    return reverse("actions:detail", args=[action.pk])


@login_required
def action_edit(request, pk: int):
    action = selectors.action_get(request.user, pk)
    initial = {f: getattr(action, f) for f in ("title", "description", "kind", "owner", "due_date")}
    initial["version"] = action.version
    form = forms.ActionForm(request.POST or None, initial=initial, show_reason=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason", "")
        try:
            services.action_update(actor=request.user, action=action, version=version, reason=reason, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Action saved.")
            return redirect("actions:detail", pk)
    return render(request, "actions/form.html", {"form": form, "action": action, "title": f"Edit {action.number}"})


@login_required
@require_POST
def action_reopen(request, pk: int):
    action = selectors.action_get(request.user, pk)
    try:
        services.action_reopen(actor=request.user, action=action, reason=request.POST.get("reason", "")[:2000])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("actions:detail", pk)
