"""Pages of inspection. Thin: parse input, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.core.forms import form_errors
from qualitas.core.permissions import has_perm, requires
from qualitas.core.regulated import StaleVersion
from qualitas.inspections import charting, forms, selectors, services
from qualitas.inspections.models import STATES
from qualitas.inspections.switching import LABELS
from qualitas.stats import sampling

REFUSALS = (ValidationError, PermissionDenied, StaleVersion)
MODULE = "inspections"
PAGE = 50


def _may(request, action: str, site=None) -> bool:
    return has_perm(request.user, MODULE, action, site)


def _form_page(request, form, title: str, back: str, *, intro: str = ""):
    return render(request, "inspections/form.html", {"form": form, "title": title, "back": back, "intro": intro})


# --- Items ------------------------------------------------------------------------------------------------


@login_required
def item_list(request):
    query = request.GET.get("q", "")[:200]
    items = selectors.item_list(request.user, query=query)
    return render(request, "inspections/items.html", {
        "items": Paginator(items, PAGE).get_page(request.GET.get("page")), "query": query,
        "may_create": _may(request, "create"), "labels": LABELS, "active": "items",
    })


@login_required
def item_detail(request, pk: int):
    return _item_page(request, selectors.item_get(request.user, pk), request.GET.get("state", ""))


@login_required
def state_detail(request, pk: int):
    """A switching state's page: its item's page on that supplier's tab."""
    state = selectors.state_get(request.user, pk)
    return _item_page(request, selectors.item_get(request.user, state.item_id), str(state.pk))


def _item_page(request, item, state_id: str):
    states = list(selectors.state_list(request.user, item_id=item.pk))
    chosen = next((s for s in states if str(s.pk) == state_id), states[0] if states else None)
    context = {"item": item, "states": states, "state": chosen, "labels": LABELS,
               "plans": list(selectors.plan_list(request.user, item_id=item.pk)),
               "may_edit": _may(request, "edit", item.site_id), "may_create": _may(request, "create", item.site_id),
               "may_approve": _may(request, "approve", item.site_id)}
    if chosen is not None:
        lots = selectors.lot_history(request.user, chosen)
        plan = selectors.plan_for_lot(request.user, item, chosen.supplier)
        context.update(lots=lots, switches=selectors.switch_events(request.user, chosen), plan=plan,
                       approval_form=forms.ApprovalForm(), resume_form=forms.ResumeForm())
        if plan is not None and plan.aql_for(plan.switching_class):
            lot_size = lots[0].size if lots else 500
            inspection = chosen.inspection if chosen.inspection in sampling.INSPECTIONS else sampling.TIGHTENED
            context["oc"] = charting.oc_chart(lot_size, plan.aql_for(plan.switching_class), plan.level, inspection)
    return render(request, "inspections/item.html", context)


@login_required
@requires(MODULE, "create")
def item_new(request):
    form = forms.ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            item = services.item_create(actor=request.user, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Item {item.part_number} registered: give it an inspection plan.")
            return redirect("inspections:item", item.pk)
    return _form_page(request, form, "New item", reverse("inspections:items"))


@login_required
def item_edit(request, pk: int):
    item = selectors.item_get(request.user, pk)
    names = ("part_number", "description", "supplier", "process", "process_step", "site", "active")
    initial = {name: getattr(item, name) for name in names} | {"version": item.version}
    form = forms.ItemForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        try:
            services.item_update(actor=request.user, item=item, version=version, reason=reason, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Item saved.")
            return redirect("inspections:item", pk)
    return _form_page(request, form, f"Edit {item.part_number}", reverse("inspections:item", args=[pk]))


# --- Plans ------------------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    query = request.GET.get("q", "")[:200]
    plans = selectors.plan_list(request.user, query=query)
    return render(request, "inspections/plans.html", {
        "plans": Paginator(plans, PAGE).get_page(request.GET.get("page")), "query": query, "active": "plans",
        "may_create": _may(request, "create"),
    })


@login_required
def plan_detail(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    from qualitas.measurements.selectors import characteristics_visible

    may_edit = _may(request, "edit", plan.site_id)
    add_form = forms.CharacteristicForm(
        characteristics=characteristics_visible(request.user).filter(active=True), initial={"version": plan.version})
    return render(request, "inspections/plan.html", {
        "plan": plan, "characteristics": selectors.plan_characteristics(plan), "may_edit": may_edit,
        "add_form": add_form, "lots": selectors.lot_list(request.user).filter(plan=plan)[:10],
    })


@login_required
@requires(MODULE, "create")
def plan_new(request):
    item = selectors.item_get(request.user, request.GET.get("item", "") or request.POST.get("item", ""))
    form = forms.PlanForm(request.POST or None, initial={"supplier": item.supplier})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            plan = services.plan_create(actor=request.user, item=item, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Plan created: add its characteristics.")
            return redirect("inspections:plan", plan.pk)
    return _form_page(request, form, f"New inspection plan for {item.part_number}",
                      reverse("inspections:item", args=[item.pk]),
                      intro="The level, the AQL of each class and the starting inspection (ISO 2859-1). The "
                            "switching class drives the switching rules for every class.")


@login_required
def plan_edit(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    names = ("supplier", "level", "aql_critical", "aql_major", "aql_minor", "switching_class", "start_inspection",
             "notes", "active")
    initial = {name: getattr(plan, name) for name in names} | {"version": plan.version}
    form = forms.PlanForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        try:
            services.plan_update(actor=request.user, plan=plan, version=version, reason=reason, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Plan saved: a new version.")
            return redirect("inspections:plan", pk)
    return _form_page(request, form, f"Edit {plan}", reverse("inspections:plan", args=[pk]))


@login_required
@require_POST
def characteristic_add(request, pk: int):
    plan = selectors.plan_get(request.user, pk)
    from qualitas.measurements.selectors import characteristics_visible

    form = forms.CharacteristicForm(request.POST, characteristics=characteristics_visible(request.user))
    if form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        try:
            services.plan_characteristic_add(actor=request.user, plan=plan, version=version, reason=reason, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Characteristic {data['name']} added.")
            return redirect("inspections:plan", pk)
    return _form_page(request, form, f"Add a characteristic to {plan}", reverse("inspections:plan", args=[pk]))


@login_required
def characteristic_edit(request, pk: int):
    characteristic = selectors.characteristic_get(request.user, pk)
    plan = characteristic.plan
    from qualitas.measurements.selectors import characteristics_visible

    names = ("name", "kind", "severity_class", "spc_characteristic", "lsl", "usl", "unit", "active")
    initial = {name: getattr(characteristic, name) for name in names} | {"version": plan.version}
    form = forms.CharacteristicForm(request.POST or None, characteristics=characteristics_visible(request.user),
                                    initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        try:
            services.plan_characteristic_update(actor=request.user, characteristic=characteristic, version=version,
                                                reason=reason, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Characteristic saved: a new version of the plan.")
            return redirect("inspections:plan", plan.pk)
    return _form_page(request, form, f"Edit {characteristic.name}", reverse("inspections:plan", args=[plan.pk]))


# --- Lots -------------------------------------------------------------------------------------------------


@login_required
def lot_list(request):
    query, status = request.GET.get("q", "")[:200], request.GET.get("status", "")[:20]
    lots = selectors.lot_list(request.user, query=query, status=status)
    from qualitas.core.workflow.engine import state_choices

    return render(request, "inspections/lots.html", {
        "lots": Paginator(lots, PAGE).get_page(request.GET.get("page")), "query": query, "status": status,
        "statuses": state_choices("inspections.lot"), "may_create": _may(request, "create"), "active": "lots",
        "labels": LABELS,
    })


@login_required
@requires(MODULE, "create")
def lot_new(request):
    items = selectors.item_list(request.user, active_only=True)
    initial = {"received_on": timezone.localdate(), "production_steady": True, "item": request.GET.get("item")}
    form = forms.LotForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data["supplier"]:
            data["supplier"] = None
        try:
            lot = services.lot_receive(actor=request.user, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Lot {lot.number} received as {lot.reference}: inspect the samples below.")
            return redirect("inspections:lot", lot.pk)
    return render(request, "inspections/lot_form.html", {"form": form})


def _lot_context(request, lot, form=None):
    classes = selectors.lot_classes(lot)
    results = selectors.lot_results(lot)
    characteristics = list(selectors.plan_characteristics(lot.plan, active_only=True))
    may_edit = _may(request, "edit", lot.site_id) and lot.status == "received"
    if form is None and may_edit:
        form = forms.ResultsForm(characteristics=characteristics, sizes={c.severity_class: c.n for c in classes},
                                 results=results)
    rows = [(c, results.get(c.pk)) for c in characteristics]
    return {"lot": lot, "classes": classes, "rows": rows, "form": form, "may_edit": may_edit, "labels": LABELS,
            "states": dict(STATES), "complete": all(r is not None for _, r in rows)}


@login_required
def lot_detail(request, pk: int):
    lot = selectors.lot_get(request.user, pk)
    if request.method != "POST":
        return render(request, "inspections/lot.html", _lot_context(request, lot))
    context = _lot_context(request, lot)
    if context["form"] is None:
        raise PermissionDenied("The results of this lot are final, or you may not record them.")
    classes = context["classes"]
    form = forms.ResultsForm(request.POST, characteristics=[c for c, _ in context["rows"]],
                             sizes={c.severity_class: c.n for c in classes}, results=selectors.lot_results(lot))
    entries = form.entries() if form.is_valid() else None
    if entries is not None and not form.errors:
        judge = request.POST.get("action") == "judge"
        try:
            lot = services.lot_inspect(actor=request.user, lot=lot, results=entries, judge=judge)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            if judge:
                verdict = "accepted" if lot.status == "accepted" else "rejected"
                messages.success(request, f"Lot {lot.number} {verdict}.")
            elif entries:
                messages.success(request, "Results saved.")
            return redirect("inspections:lot", lot.pk)
    return render(request, "inspections/lot.html", _lot_context(request, lot, form))


# --- Switching --------------------------------------------------------------------------------------------


@login_required
@require_POST
def reduced_approve(request, pk: int):
    state = selectors.state_get(request.user, pk)
    form = forms.ApprovalForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.reduced_approve(actor=request.user, state=state, note=note)
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "Reduced inspection approved: it starts when the switching score is 30 or more "
                                  "after a lot on normal inspection with steady production.")
    return redirect("inspections:state", state.pk)


@login_required
def resume(request, pk: int):
    state = selectors.state_get(request.user, pk)
    form = forms.ResumeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.supplier_action_record(actor=request.user, state=state, **form.cleaned_data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Corrective action recorded: inspection resumes on tightened inspection.")
            return redirect("inspections:state", state.pk)
    return _form_page(request, form, f"Resume inspection of {state.item.part_number}",
                      reverse("inspections:item", args=[state.item_id]),
                      intro="Inspection was discontinued after 5 lots not accepted on tightened inspection (ISO "
                            "2859-1 9.4). Record the supplier's corrective action to resume on tightened inspection.")
