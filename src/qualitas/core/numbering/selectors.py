"""Reading numbering schemes."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from qualitas.core.numbering.models import NumberingScheme


def scheme_get(actor, key: str) -> NumberingScheme:
    """A scheme by key (404 when unknown). Changing it needs `administer` on the scheme's module,
    which `scheme_update` checks."""
    return get_object_or_404(NumberingScheme, key=key)
