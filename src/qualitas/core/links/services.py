from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qualitas.core import records
from qualitas.core.audit import covered
from qualitas.core.audit.services import record
from qualitas.core.links.models import KINDS, Link
from qualitas.core.permissions import authorize


def _types(source, target, kind: str):
    if kind not in KINDS:
        raise ValidationError({"kind": f"Unknown link kind {kind!r}."})
    source_type, target_type = records.type_for(source), records.type_for(target)
    if source_type is None or target_type is None:
        raise ValidationError("Only registered records can be linked.")
    if source_type.key == target_type.key and source.pk == target.pk:
        raise ValidationError("A record cannot be linked to itself.")
    return source_type, target_type


@transaction.atomic
def link_create(*, actor, source, target, kind: str, note: str = "") -> Link:
    """Link two records. The actor must see both and may edit the source."""
    source_type, target_type = _types(source, target, kind)
    records.resolve(actor, source_type.key, source.pk)
    records.resolve(actor, target_type.key, target.pk)
    authorize(actor, source_type.module, "edit", getattr(source, "site_id", None))
    return _create(actor, source, target, kind, note, source_type, target_type)


@transaction.atomic
def link_follow_up(*, actor, source, target, kind: str, note: str = "") -> Link:
    """The link that is part of `actor`'s step in the calling service, which authorised that step: an
    operator reporting a nonconformity from a record they can see links the two without the edit right.
    The actor must still see the target."""
    source_type, target_type = _types(source, target, kind)
    records.resolve(actor, target_type.key, target.pk)
    return _create(actor, source, target, kind, note, source_type, target_type)


def _create(actor, source, target, kind, note, source_type, target_type) -> Link:
    try:
        with transaction.atomic():
            link = Link.objects.create(
                source_type=source_type.key,
                source_id=str(source.pk),
                source_label=str(source)[:300],
                target_type=target_type.key,
                target_id=str(target.pk),
                target_label=str(target)[:300],
                kind=kind,
                note=(note or "")[:500],
                created_by=actor,
            )
    except IntegrityError:
        raise ValidationError("These records are already linked that way.") from None
    forward, backward = KINDS[kind]
    record(actor, "link", "links.linked", instance=source, changes={"link": [None, f"{forward} {target}"]}, reason=note)
    record(
        actor, "link", "links.linked", instance=target, changes={"link": [None, f"{backward} {source}"]}, reason=note
    )
    covered.record_row(actor, "link", "links.link_saved", link, reason=note)
    return link


@transaction.atomic
def link_remove(*, actor, link: Link, reason: str) -> Link:
    source = records.resolve(actor, link.source_type, link.source_id)
    target = records.resolve(actor, link.target_type, link.target_id)
    authorize(actor, records.get_type(link.source_type).module, "edit", getattr(source, "site_id", None))
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the link is removed."})
    if link.removed_at:
        raise ValidationError("The link is already removed.")
    before = covered.row_state(link)
    link.removed_at, link.removed_by, link.removal_reason = timezone.now(), actor, reason.strip()
    link.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    forward, backward = KINDS[link.kind]
    record(
        actor,
        "unlink",
        "links.unlinked",
        instance=source,
        changes={"link": [f"{forward} {target}", None]},
        reason=reason,
    )
    record(
        actor,
        "unlink",
        "links.unlinked",
        instance=target,
        changes={"link": [f"{backward} {source}", None]},
        reason=reason,
    )
    covered.record_row(actor, "unlink", "links.link_saved", link, before=before, reason=reason)
    return link
