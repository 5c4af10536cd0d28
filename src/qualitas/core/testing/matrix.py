"""Helpers for the role × scope permission matrix: which record of each type to test, the site it
belongs to, and who may see it according to the permission system."""

from __future__ import annotations

from qualitas.core import records

# Where a record's site comes from when it has none of its own: the parent it belongs to.
PARENTS = ("document", "nonconformity", "capa", "subgroup", "characteristic")


def record_site_id(instance) -> int | None:
    """The site a record belongs to (a site is its own), following parents; None: every site."""
    from qualitas.accounts.models import Site, User

    if isinstance(instance, Site):
        return instance.pk
    if isinstance(instance, User):
        return None  # accounts are not site-scoped records
    if "site_id" in instance.__dict__ or hasattr(type(instance), "site"):
        return instance.site_id
    for parent in PARENTS:
        if hasattr(type(instance), parent):
            return record_site_id(getattr(instance, parent))
    return None


def pick_instance(record_type: records.RecordType):
    """One existing record of the type, the same every time: released where the module distinguishes
    working copies (effective revisions), on a site where the type has sites (so the scope matters)."""
    from django.db.models import Q

    model = record_type.model
    queryset = model.objects.order_by("pk")
    if record_type.key == "accounts.user":
        return queryset.filter(username="employee").first() or queryset.first()
    if record_type.key == "accounts.site":
        return queryset.filter(code="SPR").first() or queryset.first()
    if record_type.key == "documents.revision":
        queryset = queryset.filter(status="effective")
    if record_type.key == "documents.document":
        queryset = queryset.filter(revisions__status="effective", status="active").distinct()
    if record_type.key == "documents.changerequest":
        queryset = queryset.filter(document__revisions__status="effective").distinct()
    for path in ("site", *(f"{p}__site" for p in PARENTS), *(f"{p}__characteristic__site" for p in ("subgroup",))):
        try:
            sited = queryset.filter(~Q(**{f"{path}__isnull": True})).first()
        except Exception:  # noqa: S112, BLE001 - the model has no such path
            continue
        if sited is not None:
            return sited
    return queryset.first()


def may_view(user, record_type: records.RecordType, instance) -> bool:
    """What the permission system says: the view right in the type's module at the record's site."""
    from qualitas.core.permissions import has_perm

    return has_perm(user, record_type.module, "view", record_site_id(instance))
