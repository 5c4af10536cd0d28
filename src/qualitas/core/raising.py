"""Raising a nonconformity, a CAPA or an action from any record of any module.

The module that owns the record declares it as a source in its module.py ("an SPC characteristic
raises a nonconformity"); the module that creates nonconformities declares the raiser. Neither
names the other: the new record's `source` is the declaring module's source key, and it is linked
to the record it was raised from.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from qualitas.core import modules, records

KINDS = ("nonconformity", "capa", "action")


def raise_from(*, actor, record, raising: str, **fields):
    """Create a `raising` ("nonconformity", "capa", "action") raised from `record` (authorised and
    audited by the service of the module that raises it; `fields` are that service's).

    The source is the one the record's module declares for its type; a record of a type no module
    declares as a source may still raise (an action on a document, a nonconformity found in one):
    then the caller's `source`, or the raiser's default origin, applies."""
    if raising not in KINDS:
        raise ValidationError(f"Unknown kind {raising!r}: raise a nonconformity, a CAPA or an action.")
    key = records.key_for(record)
    source = modules.source_for(key)
    if source is not None and raising not in source.raises:
        label = getattr(records.type_for(record), "label", key)
        raise ValidationError(f"A {raising} cannot be raised from a {label}.")
    raiser = modules.raiser_for(raising)
    if raiser is None:
        raise ValidationError(f"No installed module raises a {raising}.")
    given = fields.pop("source", None)
    return raiser(actor=actor, raised_from=record, source=source.key if source else given, **fields)


def raisable(record) -> list[str]:
    """The kinds that can be raised from `record` with the modules installed."""
    source = modules.source_for(records.key_for(record))
    kinds = source.raises if source is not None else KINDS
    return [kind for kind in kinds if modules.raiser_for(kind) is not None]


LABELS = {"nonconformity": "Nonconformity", "capa": "CAPA", "action": "Action"}


def raise_links(actor, record) -> list[dict]:
    """Buttons for the Related panel: what the actor may raise from `record`, with the form's URL."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from qualitas.core.permissions import has_perm

    links = []
    for kind in raisable(record):
        found = modules.raise_form_for(kind)
        if found is None:
            continue
        spec, url_name = found
        if spec.permission_key and not has_perm(actor, spec.permission_key, "create"):
            continue
        query = urlencode({"raised_from": f"{records.key_for(record)}:{record.pk}"})
        links.append({"kind": kind, "label": LABELS[kind], "url": f"{reverse(url_name)}?{query}"})
    return links


def raised_from_param(actor, value: str):
    """The record named by a ?raised_from=<record type>:<id> parameter, if the actor may see it."""
    from django.http import Http404

    key, _, pk = (value or "").strip()[:130].partition(":")
    if not key:
        return None
    if not pk:
        raise Http404("No such record.")
    return records.resolve(actor, key, pk)
