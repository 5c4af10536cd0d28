"""Qualification gates (P11-I) under Training (setup): the list, one gate, the form, withdrawing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.core.forms import form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.signatures.models import MEANINGS
from qualitas.core.widgets import DateInput
from qualitas.training import gates, selectors, services_gates
from qualitas.training.models_gates import DUTIES, GATE_KINDS
from qualitas.training.views import REFUSALS

PAGE_SIZE = 50


class GateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(choices=GATE_KINDS, label="The gate applies to")
    requirement = forms.ModelChoiceField(queryset=None, label="Requires current training on")
    meaning = forms.ChoiceField(choices=[("", "—"), *MEANINGS], required=False, label="Signature meaning",
                                help_text="Signing: the meaning, e.g. Approved.")
    record_type = forms.CharField(max_length=100, required=False,
                                  help_text="e.g. documents.revision. Signing: empty for every record type.")
    transition = forms.CharField(max_length=50, required=False, label="Workflow step",
                                 help_text="A workflow step: its name, e.g. approve.")
    duty = forms.ChoiceField(choices=[("", "—"), *DUTIES], required=False, help_text="Being assigned a duty.")
    standard = forms.ModelChoiceField(queryset=None, required=False, label="Only for the standard",
                                      help_text="A duty: only on records in scope of this standard, e.g. auditing "
                                                "ISO 14001. Empty: every record.")
    position = forms.ModelChoiceField(queryset=None, required=False, help_text="Holding a position.")
    active_from = forms.DateField(label="In force from", widget=DateInput())
    active_to = forms.DateField(label="In force until", required=False,
                                widget=DateInput(), help_text="Empty: no end.")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                                help_text="Why the step needs this training (procedure, regulation).")
    reason = forms.CharField(required=False, max_length=2000, label="Reason for the change")

    def __init__(self, *args, actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].queryset = selectors.requirement_list(actor)
        self.fields["position"].queryset = selectors.position_list(actor)
        from qualitas.standards.models import Standard

        self.fields["standard"].queryset = Standard.objects.order_by("code")
        if editing:
            self.fields["reason"].required = True
            del self.fields["kind"], self.fields["requirement"], self.fields["position"]
        else:
            del self.fields["reason"]


@login_required
def gate_list(request):
    show = request.GET.get("show", "in-force")
    found = gates.gate_list(request.user, in_force=None if show == "all" else True)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/gates.html", {
        "gates": page, "show": show, "today": timezone.localdate(),
        "may_administer": has_perm(request.user, "training", "administer"),
    })


@login_required
def gate_detail(request, pk: int):
    gate = gates.gate_get(request.user, pk)
    return render(request, "training/gate.html", {
        "gate": gate, "in_force": gate.in_force(timezone.localdate()),
        "may_administer": has_perm(request.user, "training", "administer"),
    })


def _page(request, form, title: str, back: str):
    return render(request, "training/gate_form.html", {"form": form, "title": title, "back": back})


@login_required
def gate_new(request):
    authorize(request.user, "training", "administer")
    form = GateForm(request.POST or None, actor=request.user, initial={"active_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            gate = services_gates.gate_create(actor=request.user, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Gate in force: {gate}.")
            return redirect("training:gate", gate.pk)
    return _page(request, form, "New qualification gate", reverse("training:gates"))


@login_required
def gate_edit(request, pk: int):
    gate = gates.gate_get(request.user, pk)
    authorize(request.user, "training", "administer")
    names = ("meaning", "record_type", "transition", "duty", "active_from", "active_to", "rationale")
    initial = {name: getattr(gate, name) for name in names} | {"version": gate.version, "standard": gate.standard_id}
    form = GateForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        try:
            services_gates.gate_update(actor=request.user, gate=gate, version=version, reason=reason, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Gate saved.")
            return redirect("training:gate", pk)
    return _page(request, form, f"Edit gate: {gate}", reverse("training:gate", args=[pk]))


@login_required
@require_POST
def gate_withdraw(request, pk: int):
    gate = gates.gate_get(request.user, pk)
    try:
        services_gates.gate_withdraw(actor=request.user, gate=gate, reason=request.POST.get("reason", "")[:5000],
                                     version=gate.version)
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "Gate withdrawn: it is no longer in force.")
    return redirect("training:gate", pk)
