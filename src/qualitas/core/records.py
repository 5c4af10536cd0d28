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

    def title(self, instance) -> str:
        return str(instance)


_types: dict[str, RecordType] = {}


def register(record_type: RecordType) -> None:
    _types[record_type.key] = record_type


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


def url_for(instance) -> str:
    record_type = type_for(instance)
    if record_type and record_type.url:
        return record_type.url(instance)
    return ""
