"""Reading links: the Related panel, and helpers for modules' searches and reports."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from qualitas.core import records
from qualitas.core.links.models import KINDS, Link


def links_of(instance, *, kind: str | None = None, direction: str = "any") -> QuerySet[Link]:
    """Active links where `instance` is the source ("out"), the target ("in") or either ("any")."""
    key, pk = records.key_for(instance), str(instance.pk)
    outgoing, incoming = Q(source_type=key, source_id=pk), Q(target_type=key, target_id=pk)
    condition = {"out": outgoing, "in": incoming}.get(direction, outgoing | incoming)
    links = Link.objects.filter(condition, removed_at__isnull=True)
    return links.filter(kind=kind) if kind else links


def linked(instance, kind: str | None = None, direction: str = "any") -> list[tuple[str, str]]:
    """(record_type, record_id) of the records at the other end of the links."""
    key, pk = records.key_for(instance), str(instance.pk)
    result = []
    for link in links_of(instance, kind=kind, direction=direction):
        if link.source_type == key and link.source_id == pk:
            result.append((link.target_type, link.target_id))
        else:
            result.append((link.source_type, link.source_id))
    return result


def ids_linked_to(target, record_type: str, kind: str | None = None) -> list[str]:
    """Ids of `record_type` records linked to `target`, e.g. CAPAs addressed by a document change."""
    return [rid for rtype, rid in linked(target, kind) if rtype == record_type]


def related(actor, instance) -> dict:
    """Links shown on a record, both directions, only to records the actor may see."""
    key, pk = records.key_for(instance), str(instance.pk)
    rows, hidden = [], 0
    for link in links_of(instance).select_related("created_by"):
        outgoing = link.source_type == key and link.source_id == pk
        other_type, other_id = (link.target_type, link.target_id) if outgoing else (link.source_type, link.source_id)
        try:
            other = records.resolve(actor, other_type, other_id)
        except (Http404, PermissionDenied):
            hidden += 1
            continue
        rows.append(
            {
                "link": link,
                "phrase": KINDS[link.kind][0 if outgoing else 1],
                "record": other,
                "type_label": records.get_type(other_type).label,
                "url": records.url_for(other),
            }
        )
    return {"rows": rows, "hidden": hidden}
