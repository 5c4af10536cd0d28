"""The record-type registry: how the core finds, authorises and links to any module's records.

Each module registers its record models once (in AppConfig.ready) with a selector that returns the
record only when the actor may see it. History, links, attachments, signatures and exports use this
registry, so they work for every record type without knowing any module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.http import Http404


@dataclass(frozen=True)
class RecordType:
    key: str  # "app_label.model", e.g. "capa.capa"
    model: type[models.Model]
    module: str  # permission module, e.g. "capa"
    label: str  # "CAPA"
    get: Callable[[object, object], models.Model]  # get(actor, pk) -> instance, raises Http404/PermissionDenied
    url: Callable[[models.Model], str] | None = None
    list_url_name: str | None = None  # the HTML register of these records (a URL name taking no arguments)
    api_list: str | None = None  # the API list endpoint, relative to /api/v1 (e.g. "/capas")
    visible: Callable[[object], object] | None = None  # visible(actor) -> queryset of what the actor may see
    factory: object = None  # reference to factory(*, actor, site) making one more record (for the test kit)

    def title(self, instance) -> str:
        return str(instance)


_types: dict[str, RecordType] = {}


def register(record_type: RecordType) -> None:
    _types[record_type.key] = record_type


def unregister(key: str) -> None:
    _types.pop(key, None)


def key_for(instance_or_model) -> str:
    meta = instance_or_model._meta
    return f"{meta.app_label}.{meta.model_name}"


def get_type(key: str) -> RecordType:
    try:
        return _types[key]
    except KeyError:
        raise Http404(f"Unknown record type {key!r}.") from None


def type_for(instance) -> RecordType | None:
    return _types.get(key_for(instance))


def all_types() -> list[RecordType]:
    return sorted(_types.values(), key=lambda t: t.key)


def resolve(actor, key: str, pk) -> models.Model:
    """The record `key`/`pk` if `actor` may see it (404 otherwise: existence is not disclosed)."""
    record_type = get_type(key)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such record.") from None
    return record_type.get(actor, pk)


def resolve_many(actor, pairs) -> dict[tuple[str, str], models.Model | None]:
    """{(key, id): record, or None when the actor may not see it} for many records at once: one
    query per record type that declares `visible`, so a Related panel or an export with many links
    does not look each one up."""
    from django.core.exceptions import PermissionDenied

    by_type: dict[str, set[str]] = {}
    for key, pk in pairs:
        by_type.setdefault(key, set()).add(str(pk))
    found: dict[tuple[str, str], models.Model | None] = {}
    for key, ids in by_type.items():
        record_type = _types.get(key)
        numeric = [int(pk) for pk in ids if str(pk).isdigit()]
        if record_type is None:
            instances = {}
        elif record_type.visible is not None:
            try:
                instances = {str(r.pk): r for r in record_type.visible(actor).filter(pk__in=numeric)}
            except PermissionDenied:
                instances = {}
        else:
            instances = {}
            for pk in numeric:
                try:
                    instances[str(pk)] = record_type.get(actor, pk)
                except (Http404, PermissionDenied):
                    pass
        for pk in ids:
            found[(key, pk)] = instances.get(pk)
    return found


def url_for(instance) -> str:
    record_type = type_for(instance)
    if record_type and record_type.url:
        return record_type.url(instance)
    return ""
