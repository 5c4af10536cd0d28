from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from qualitas.core import records
from qualitas.core.links import selectors, services
from qualitas.core.links.models import KIND_CHOICES
from qualitas.core.permissions import has_perm
from qualitas.core.raising import raise_links


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, label="This record")
    target_type = forms.ChoiceField(label="Record type")
    target_id = forms.CharField(max_length=50, label="Number or id", help_text="e.g. NC-2026-0004")
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = sorted((t.label, t.key) for t in records.all_types())
        self.fields["target_type"].choices = [("", "Choose…")] + [(key, label) for label, key in choices]
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css


def _target_pk(record_type: str, reference: str):
    """A record's id from what people know it by: its number (NC-2026-0004) or its id."""
    reference = reference.strip()
    if reference.isdigit():
        return reference
    model = records.get_type(record_type).model
    if any(f.name == "number" for f in model._meta.get_fields()):
        found = model._base_manager.filter(number__iexact=reference).values_list("pk", flat=True).first()
        if found is not None:
            return found
    raise Http404("No such record.")


def _panel(request, record_type, record_id, form=None, error=""):
    instance = records.resolve(request.user, record_type, record_id)
    module = records.get_type(record_type).module
    return render(
        request,
        "links/_panel.html",
        {
            "related": selectors.related(request.user, instance),
            "raise_links": raise_links(request.user, instance),
            "record_type": record_type,
            "record_id": instance.pk,
            "form": form or LinkForm(),
            "error": error,
            "can_link": has_perm(request.user, module, "edit", getattr(instance, "site_id", None)),
        },
    )


@login_required
def panel(request, record_type: str, record_id: int):
    return _panel(request, record_type, record_id)


@login_required
@require_POST
def add(request, record_type: str, record_id: int):
    source = records.resolve(request.user, record_type, record_id)
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _panel(request, record_type, record_id, form)
    try:
        target_type = form.cleaned_data["target_type"]
        target = records.resolve(request.user, target_type, _target_pk(target_type, form.cleaned_data["target_id"]))
        services.link_create(
            actor=request.user,
            source=source,
            target=target,
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
        )
    except Http404:
        return _panel(request, record_type, record_id, form, "No such record, or you may not see it.")
    except (ValidationError, PermissionDenied) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _panel(request, record_type, record_id, form, message)
    return _panel(request, record_type, record_id)


@login_required
@require_POST
def remove(request, record_type: str, record_id: int, link_id: int):
    link = selectors.link_get(request.user, link_id)
    try:
        services.link_remove(actor=request.user, link=link, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _panel(request, record_type, record_id, error=message)
    return _panel(request, record_type, record_id)
