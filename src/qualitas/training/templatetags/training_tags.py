"""Status labels and symbols of the training matrix (the symbol keeps the cell readable without colour)."""

from django import template

from qualitas.training.status import LABELS

register = template.Library()

SYMBOLS = {"current": "✓", "due": "•", "overdue": "!", "expired": "✕", "in-progress": "◐", "not-required": ""}


@register.filter
def status_label(status: str) -> str:
    return LABELS.get(status, status)


@register.filter
def status_symbol(status: str) -> str:
    return SYMBOLS.get(status, "")


@register.simple_tag
def matrix_cells(person, cells) -> str:
    """The <td> cells of one person's row. Built here rather than by a template loop: a page of 50
    people × 200 requirements is 10,000 cells, and each one through the template engine is slow."""
    from django.urls import reverse
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    url = reverse("training:person", args=[person.pk])
    parts = []
    for requirement, cell in cells:
        status = cell.status
        if status == "not-required":
            parts.append('<td class="cell st-not-required" data-status="not-required"></td>')
            continue
        label = LABELS.get(status, status)
        code = escape(requirement.code)
        title = f"{code}: {label}"
        for name, day in (("due", cell.due), ("completed", cell.completed), ("expires", cell.expires)):
            if day:
                title += f", {name} {day:%Y-%m-%d}"
        parts.append(
            f'<td class="cell st-{status}" data-status="{status}" title="{title}"><a href="{url}#req-{requirement.pk}">'
            f'<span aria-hidden="true">{SYMBOLS.get(status, "")}</span>'
            f'<span class="visually-hidden">{code}: {label}</span></a></td>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped or one of ours
