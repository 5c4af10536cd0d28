"""Helpers every module's views share to report a service's refusal on a form or as a message."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.regulated import StaleVersion


def form_errors(form, exc: Exception) -> None:
    """Put a service's refusal on the form: field errors next to their fields, the rest on top."""
    if isinstance(exc, StaleVersion | PermissionDenied):
        form.add_error(None, str(exc) or "You do not have permission for this.")
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, getattr(exc, "messages", [str(exc)]))


def apply(request, write, success: str) -> bool:
    """Run a service for a small POST form; report the outcome as a message on the next page."""
    try:
        write()
    except (ValidationError, PermissionDenied, StaleVersion) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return False
    messages.success(request, success)
    return True


# --- One form style everywhere ------------------------------------------------------------------
# Every form is rendered through `partials/form_fields.html` or, field by field, the `control`
# filter ({% load qualitas_core %}{{ field|control }}); both call `render_control`, so every
# module's fields get the same Bootstrap classes, error state and searchable multi-selects without
# each form setting classes itself.

CHOICE_LISTS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def control_class(widget) -> str:
    """The Bootstrap class of a widget: form-select, form-check-input, form-range or form-control."""
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):  # Select, SelectMultiple, NullBooleanSelect
        return "form-select"
    if getattr(widget, "input_type", "") == "range":
        return "form-range"
    return "form-control"


def control_attrs(bound_field, *, small: bool = False) -> dict:
    """The attributes `render_control` adds: class (kept with the widget's own), error state, the
    help text's id, and `data-searchable` on selects (static/qualitas/widgets.js enhances them)."""
    widget = bound_field.field.widget
    own = widget.attrs.get("class", "")
    css = control_class(widget)
    if small and css in ("form-control", "form-select"):
        css = f"{css} {css}-sm"
    classes = [c for c in (css, own) if c]
    attrs: dict = {}
    # Errors only on a bound form: an unbound form (a GET) never shows "This field is required."
    if bound_field.form.is_bound and bound_field.errors:
        classes.append("is-invalid")
        attrs["aria-invalid"] = "true"
    if bound_field.help_text:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_help"
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.NullBooleanSelect):
        attrs.setdefault("data-searchable", "many" if widget.allow_multiple_selected else "one")
        if widget.allow_multiple_selected:
            # Without the enhancement (no JavaScript) the list is still usable: tall enough to scroll.
            attrs.setdefault("size", widget.attrs.get("size", 6))
    attrs["class"] = " ".join(dict.fromkeys(" ".join(classes).split()))
    return attrs


def render_control(bound_field, *, small: bool = False) -> str:
    """The field's widget with the shared classes; radio and checkbox lists as Bootstrap form-checks."""
    from django.utils.html import format_html, format_html_join

    widget = bound_field.field.widget
    if isinstance(widget, CHOICE_LISTS):
        invalid = " is-invalid" if bound_field.form.is_bound and bound_field.errors else ""
        options = format_html_join(
            "",
            '<div class="form-check"><input type="{}" class="form-check-input{}" name="{}" value="{}" id="{}"{}{}{}>'
            '<label class="form-check-label" for="{}">{}</label></div>',
            (
                (
                    sub.data["type"], invalid, sub.data["name"],
                    "" if sub.data["value"] is None else sub.data["value"],
                    sub.id_for_label, " checked" if sub.data["selected"] else "",
                    " required" if sub.data["attrs"].get("required") else "",
                    " disabled" if bound_field.field.disabled else "",
                    sub.id_for_label, sub.choice_label,
                )
                for sub in bound_field.subwidgets
            ),
        )
        return format_html('<div id="{}" class="choice-list" role="group">{}</div>', bound_field.auto_id, options)
    return bound_field.as_widget(attrs=control_attrs(bound_field, small=small))


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments share codes and names across sites (a "QA – Quality" at every plant), so a plain
    list showed the same label twice. Each choice names its site, sorted by site, then code."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset.select_related("site").order_by("site__code", "code"), **kwargs)

    def label_from_instance(self, obj) -> str:
        label = f"{obj.code} – {obj.name}"
        return f"{label} ({obj.site.code})" if obj.site_id else label
