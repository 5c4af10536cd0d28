"""Reads of characteristics, measurements, limits and signals, always scoped to what the actor may see
(the "measurements" view right, at the characteristic's site)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from qualitas.core.permissions import authorize, has_perm, visible_to
from qualitas.measurements.models import Characteristic, ControlLimits, Measurement, SignalEvent, Subgroup

MODULE = "measurements"


def characteristic_list(
    actor,
    *,
    query: str = "",
    process_id=None,
    site_id=None,
    chart_type: str = "",
    owner_id=None,
    include_inactive: bool = False,
) -> QuerySet[Characteristic]:
    authorize(actor, MODULE, "view")
    characteristics = visible_to(
        actor, Characteristic.objects.select_related("owner", "process", "site"), MODULE
    )
    if not include_inactive:
        characteristics = characteristics.filter(active=True)
    if query:
        characteristics = characteristics.filter(
            Q(number__icontains=query) | Q(name__icontains=query) | Q(description__icontains=query)
        )
    if process_id:
        characteristics = characteristics.filter(process_id=process_id)
    if site_id:
        characteristics = characteristics.filter(site_id=site_id)
    if chart_type:
        characteristics = characteristics.filter(chart_type=chart_type)
    if owner_id:
        characteristics = characteristics.filter(owner_id=owner_id)
    active_limits = ControlLimits.objects.filter(status="active")
    # A subquery per row shown, not a join grouped over every signal: the count of the list (its
    # pagination) then leaves it out and reads the characteristics alone.
    open_signals = (
        SignalEvent.objects.filter(characteristic=OuterRef("pk"), acknowledged_at__isnull=True)
        .order_by()
        .values("characteristic")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return characteristics.order_by("number").annotate(
        open_signals=Coalesce(Subquery(open_signals, output_field=IntegerField()), 0)
    ).prefetch_related(Prefetch("limits", queryset=active_limits, to_attr="active_limits"))


def characteristics_visible(actor) -> QuerySet[Characteristic]:
    return characteristic_list(actor, include_inactive=True)


def characteristic_get(actor, characteristic_id: int) -> Characteristic:
    characteristic = get_object_or_404(characteristic_list(actor, include_inactive=True), pk=characteristic_id)
    characteristic._visible_to = actor.pk  # what reads of its parts check, instead of loading it again
    return characteristic


def _check_visible(actor, characteristic: Characteristic) -> None:
    """The reads of a characteristic's limits, subgroups and signals take the characteristic their
    caller got from characteristic_get (checked once per request), or check it themselves."""
    if getattr(characteristic, "_visible_to", None) != actor.pk:
        characteristic_get(actor, characteristic.pk)


def active_limits(characteristic: Characteristic) -> ControlLimits | None:
    prefetched = getattr(characteristic, "active_limits", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return characteristic.limits.filter(status="active").select_related("frozen_by").first()


def limits_history(actor, characteristic: Characteristic) -> QuerySet[ControlLimits]:
    _check_visible(actor, characteristic)
    return characteristic.limits.select_related("frozen_by").order_by("-frozen_at", "-pk")


def limits_get(actor, limits_id: int) -> ControlLimits:
    limits = get_object_or_404(ControlLimits.objects.select_related("characteristic", "frozen_by"), pk=limits_id)
    characteristic_get(actor, limits.characteristic_id)
    return limits


def subgroups_of(actor, characteristic: Characteristic, *, since=None, until=None) -> QuerySet[Subgroup]:
    """Subgroups of the characteristic (oldest first) with their values, in an optional time window."""
    _check_visible(actor, characteristic)
    subgroups = characteristic.subgroups.select_related("entered_by", "api_token").prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("position"))
    )
    if since is not None:
        subgroups = subgroups.filter(taken_at__gte=since)
    if until is not None:
        subgroups = subgroups.filter(taken_at__lte=until)
    return subgroups.order_by("taken_at", "sequence")


def latest_subgroups(actor, characteristic: Characteristic, count: int = 10) -> list[Subgroup]:
    return list(reversed(subgroups_of(actor, characteristic).order_by("-taken_at", "-sequence")[:count]))


def subgroup_get(actor, subgroup_id: int) -> Subgroup:
    subgroup = get_object_or_404(Subgroup.objects.select_related("characteristic"), pk=subgroup_id)
    characteristic_get(actor, subgroup.characteristic_id)
    return subgroup


def measurement_get(actor, measurement_id: int) -> Measurement:
    measurement = get_object_or_404(
        Measurement.objects.select_related("subgroup", "subgroup__characteristic"), pk=measurement_id
    )
    characteristic_get(actor, measurement.subgroup.characteristic_id)
    return measurement


def signal_events(actor, characteristic: Characteristic, *, open_only: bool = False) -> QuerySet[SignalEvent]:
    _check_visible(actor, characteristic)
    events = characteristic.signal_events.select_related("subgroup", "acknowledged_by")
    return events.filter(acknowledged_at__isnull=True) if open_only else events


def signal_get(actor, signal_id: int) -> SignalEvent:
    event = get_object_or_404(SignalEvent.objects.select_related("characteristic", "subgroup"), pk=signal_id)
    characteristic_get(actor, event.characteristic_id)
    return event


def open_signals_for(actor) -> QuerySet[SignalEvent]:
    """Unacknowledged signals on characteristics the actor owns (their "My tasks")."""
    if not has_perm(actor, MODULE, "view"):
        return SignalEvent.objects.none()
    return SignalEvent.objects.filter(
        characteristic__owner=actor, acknowledged_at__isnull=True, characteristic__active=True
    ).select_related("characteristic", "subgroup")
