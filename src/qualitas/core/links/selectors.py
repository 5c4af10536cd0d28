"""Reading links: the Related panel, and helpers for modules' searches and reports."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from qualitas.core import records
from qualitas.core.links.models import KINDS, Link


def link_get(actor, link_id: int) -> Link:
    """A link by id, removed or not. Whether the actor may see or change it is decided by the
    records at its ends: the API resolves the source, `link_remove` both ends."""
    return get_object_or_404(Link, pk=link_id)


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


def _other_end(link, key: str, pk: str) -> tuple[bool, str, str]:
    outgoing = link.source_type == key and link.source_id == pk
    return (outgoing, link.target_type, link.target_id) if outgoing else (outgoing, link.source_type, link.source_id)


def related(actor, instance) -> dict:
    """Links shown on a record, both directions, only to records the actor may see (resolved in one
    query per record type, not one per link)."""
    key, pk = records.key_for(instance), str(instance.pk)
    links = list(links_of(instance).select_related("created_by"))
    others = records.resolve_many(actor, [_other_end(link, key, pk)[1:] for link in links])
    rows, hidden = [], 0
    for link in links:
        outgoing, other_type, other_id = _other_end(link, key, pk)
        other = others.get((other_type, other_id))
        if other is None:
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


HIDDEN_RECORD = "a record you cannot see"


def export_section(instance, actor) -> list[dict]:
    """The record's links for the generic record export (P11-B). A linked record the actor may not
    see is named only by its type, as "a record you cannot see"."""
    key, pk = records.key_for(instance), str(instance.pk)
    links = list(links_of(instance))
    others = records.resolve_many(actor, [_other_end(link, key, pk)[1:] for link in links])
    rows = []
    for link in links:
        outgoing, other_type, other_id = _other_end(link, key, pk)
        visible = others.get((other_type, other_id)) is not None
        record_type = records._types.get(other_type)
        rows.append(
            {
                "relation": KINDS[link.kind][0 if outgoing else 1],
                "record_type": other_type,
                "record_type_label": record_type.label if record_type else other_type,
                "record_id": other_id if visible else None,
                "record": (link.target_label if outgoing else link.source_label) if visible else HIDDEN_RECORD,
                "note": link.note if visible else "",
            }
        )
    return rows
