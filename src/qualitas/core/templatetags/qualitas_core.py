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
    ]
    return {"record_tabs": tabs}


@register.filter
def record_url(record) -> str:
    """The page of any registered record: {{ record|record_url }}."""
    from qualitas.core.records import url_for

    return url_for(record) if record is not None else ""
