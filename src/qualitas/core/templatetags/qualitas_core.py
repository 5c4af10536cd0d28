from __future__ import annotations

from django import template
from django.urls import reverse

from qualitas.core.records import key_for
from qualitas.core.registry import registry

register = template.Library()


@register.inclusion_tag("core/record_panels.html")
def record_panels(record):
    """Tabs with the core's panels for `record`: {% load qualitas_core %}{% record_panels process %}."""
    record_type = key_for(record)
    tabs = [
        {"key": panel.key, "label": panel.label, "url": reverse(panel.url_name, args=[record_type, record.pk])}
        for panel in registry.record_panels
        if panel.applies_to(record_type)
    ]
    return {"record_tabs": tabs}


@register.filter
def record_url(record) -> str:
    """The page of any registered record: {{ record|record_url }}."""
    from qualitas.core.records import url_for

    return url_for(record) if record is not None else ""


@register.filter
def control(bound_field, size: str = ""):
    """A form field's widget in the one form style: {{ field|control }} or {{ field|control:"sm" }}."""
    from django.utils.safestring import mark_safe

    from qualitas.core.forms import render_control

    return mark_safe(render_control(bound_field, small=size == "sm"))  # noqa: S308 - widget HTML, escaped by Django


@register.filter
def control_kind(bound_field) -> str:
    """How `partials/form_fields.html` lays a field out: "check" (one checkbox), "choices" (a radio or
    checkbox list, in a fieldset) or "input" (label above the control)."""
    from qualitas.core.forms import CHOICE_LISTS

    widget = bound_field.field.widget
    if isinstance(widget, CHOICE_LISTS):
        return "choices"
    return "check" if getattr(widget, "input_type", "") == "checkbox" else "input"
