"""Effectiveness of training (ISO 9001 7.2 c): per requirement, an optional review N days after each
completion (the person's manager rates it, with a note: a core task in the manager's inbox), and the
count of nonconformities with a human-error root cause linked to the procedure or the person since the
training.

The nonconformities are found without importing the CAPA app (it may not be installed): through the
core links (a nonconformity linked, in either direction and any kind, to the requirement's document,
to the requirement or to the person) and the records registry. A nonconformity counts as "training /
human error" when its problem category names training or human error, or when a CAPA linked to it has
a root cause in the "man (people)" category of the 6M.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.training.models import EffectivenessReview, EffectivenessSetting, Requirement, TrainingRecord
from qualitas.training.models_sessions import RATINGS

MODULE = "training"
TASK_KEY = "training-effectiveness:{pk}"
NC_TYPE, CAPA_TYPE = "capa.nonconformity", "capa.capa"
HUMAN_WORDS = ("training", "human", "people", "competence")
HUMAN_CAUSE = "man"


@transaction.atomic
def effectiveness_set(*, actor, requirement: Requirement, days: int | None, reason: str = "",
                      since: dt.date | None = None) -> EffectivenessSetting | None:
    """Review the requirement's training `days` after each completion (of trainings completed from
    `since`, by default today) (None: no review)."""
    authorize(actor, MODULE, "edit", requirement.site_id)
    current = EffectivenessSetting.objects.filter(requirement=requirement).first()
    if days is None:
        if current is not None and current.active:
            current = record_update(actor, current, event="training.effectiveness_updated",
                                    changes={"active": False}, reason=reason)
        return current
    if current is None:
        setting = record_create(actor, EffectivenessSetting(requirement=requirement, days=days,
                                                            since=since or timezone.localdate()),
                                event="training.effectiveness_updated")
    else:
        changes = {"days": days, "active": True}
        if since is not None or not current.active:
            changes["since"] = since or timezone.localdate()
        setting = record_update(actor, current, event="training.effectiveness_updated", changes=changes,
                                reason=reason)
    open_reviews(requirement_ids=[requirement.pk])
    return setting


def _open_task(actor, review: EffectivenessReview) -> None:
    from qualitas.core.tasks.services import task_create

    if review.reviewer is None or not review.reviewer.is_active:
        return
    task_create(actor=actor, assignee=review.reviewer, kind="review", instance=review,
                key=TASK_KEY.format(pk=review.pk), due=max(review.due, timezone.localdate()),
                title=f"Effectiveness of training: {review.requirement.code} for {review.person.display_name}",
                description=f"{review.person.display_name} completed {review.requirement.code} "
                            f"{review.requirement.title} on {review.record.completed_on:%Y-%m-%d}. Rate whether "
                            "the training was effective, with a note.")


def open_reviews(now=None, requirement_ids=None) -> str:
    """Scheduled (and when a setting is saved): an effectiveness review for every training record of a
    reviewed requirement completed since the setting, once its days have passed; the manager's task."""
    from qualitas.accounts.services import system_actor

    today = timezone.localdate(now) if now else timezone.localdate()
    settings_ = EffectivenessSetting.objects.filter(active=True).select_related("requirement")
    if requirement_ids is not None:
        settings_ = settings_.filter(requirement_id__in=list(requirement_ids))
    actor = system_actor()
    made = 0
    for setting in settings_:
        records = (TrainingRecord.objects.filter(requirement=setting.requirement, completed_on__gte=setting.since,
                                                 completed_on__lte=today - dt.timedelta(days=setting.days),
                                                 effectiveness_review__isnull=True)
                   .select_related("person__manager", "requirement").order_by("pk"))
        for entry in records:
            with transaction.atomic():
                review = record_create(actor, EffectivenessReview(
                    record=entry, requirement=entry.requirement, person=entry.person, site=entry.site,
                    due=entry.completed_on + dt.timedelta(days=setting.days), reviewer=entry.person.manager,
                ), event="training.effectiveness_review_opened")
                _open_task(actor, review)
            made += 1
    return f"{made} effectiveness review(s) opened"


@transaction.atomic
def review_complete(*, actor, review: EffectivenessReview, rating: str, note: str) -> EffectivenessReview:
    """The manager (or whoever edits training) rates the training's effectiveness."""
    from qualitas.core.tasks.services import tasks_complete_for

    if review.status != EffectivenessReview.OPEN:
        raise ValidationError("This effectiveness review is done.")
    if actor.pk != review.reviewer_id and not has_perm(actor, MODULE, "edit", review.site_id):
        raise PermissionDenied("Only the person's manager or someone who edits training reviews effectiveness.")
    if actor.pk == review.person_id:
        raise PermissionDenied("Nobody reviews the effectiveness of their own training.")
    if rating not in dict(RATINGS):
        raise ValidationError({"rating": "Rate it effective, partly effective or not effective."})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what the rating is based on."})
    review = record_update(actor, review, event="training.effectiveness_reviewed", changes={
        "status": EffectivenessReview.DONE, "rating": rating, "note": note, "done_by": actor,
        "done_at": timezone.now()})
    tasks_complete_for(review, "review", actor=actor, note=f"rated {review.get_rating_display().lower()}")
    return review


# --- Reads ----------------------------------------------------------------------------------------------------


def reviews_visible(actor):
    from qualitas.training.selectors import _theirs

    base = EffectivenessReview.objects.select_related("requirement", "person", "reviewer", "record", "done_by")
    return _theirs(actor, base) | base.filter(reviewer=actor)


def review_get(actor, pk) -> EffectivenessReview:
    from django.http import Http404

    found = reviews_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such effectiveness review.")
    return found


def _linked_ids(keys: list[tuple[str, str]], record_type: str) -> set[str]:
    from qualitas.core.links.models import Link

    if not keys:
        return set()
    q = Q()
    for key, pk in keys:
        q |= Q(source_type=key, source_id=pk, target_type=record_type)
        q |= Q(target_type=key, target_id=pk, source_type=record_type)
    found = set()
    for link in Link.objects.filter(q, removed_at__isnull=True).only("source_type", "source_id", "target_id"):
        found.add(link.source_id if link.source_type == record_type else link.target_id)
    return found


def _model(record_type: str):
    from django.http import Http404

    from qualitas.core.records import get_type

    try:
        return get_type(record_type).model
    except Http404:
        return None  # the CAPA app is not installed


def human_error_nonconformities(*, requirement: Requirement, person=None, since: dt.date | None) -> list:
    """The nonconformities detected since `since` whose root cause is training / human error and that are
    linked to the requirement's procedure (its document), the requirement itself or `person`."""
    from qualitas.core.records import key_for

    nc_model = _model(NC_TYPE)
    if nc_model is None:
        return []
    keys = [(key_for(requirement), str(requirement.pk))]
    if requirement.document_id:
        keys.append(("documents.document", str(requirement.document_id)))
    if person is not None:
        keys.append((key_for(person), str(person.pk)))
    ids = [int(pk) for pk in _linked_ids(keys, NC_TYPE) if pk.isdigit()]
    if not ids:
        return []
    found = nc_model.objects.filter(pk__in=ids)
    if since is not None:
        found = found.filter(detected_on__gte=since)
    found = list(found.order_by("detected_on", "pk"))
    human = Q()
    for word in HUMAN_WORDS:
        human |= Q(category__icontains=word)
    by_category = set(nc_model.objects.filter(human, pk__in=[n.pk for n in found]).values_list("pk", flat=True))
    by_cause = _caused_by_people([n.pk for n in found if n.pk not in by_category])
    return [n for n in found if n.pk in by_category or n.pk in by_cause]


def _caused_by_people(nc_ids) -> set[int]:
    """Of the nonconformities, those with a linked CAPA whose root causes include the 6M "man"."""
    from qualitas.core.links.models import Link

    capa_model = _model(CAPA_TYPE)
    if capa_model is None or not nc_ids:
        return set()
    ids = [str(pk) for pk in nc_ids]
    pairs = []
    for link in Link.objects.filter(removed_at__isnull=True).filter(
            Q(source_type=NC_TYPE, source_id__in=ids, target_type=CAPA_TYPE)
            | Q(target_type=NC_TYPE, target_id__in=ids, source_type=CAPA_TYPE)):
        nc, capa = (link.source_id, link.target_id) if link.source_type == NC_TYPE else (link.target_id,
                                                                                           link.source_id)
        pairs.append((int(nc), int(capa)))
    causes = dict(capa_model.objects.filter(pk__in=[c for _, c in pairs]).values_list("pk", "root_causes"))
    return {nc for nc, capa in pairs
            if any(isinstance(c, dict) and c.get("category") == HUMAN_CAUSE for c in causes.get(capa) or [])}


def requirement_effectiveness(requirement: Requirement) -> dict:
    """What the requirement page and the API show: the setting, the reviews (with each person's human-error
    nonconformities since their training) and the procedure's count since its first training."""
    setting = EffectivenessSetting.objects.filter(requirement=requirement).first()
    reviews = list(EffectivenessReview.objects.filter(requirement=requirement).select_related(
        "person", "reviewer", "record", "done_by").order_by("-due", "-pk")[:100])
    for review in reviews:
        review.nonconformities = human_error_nonconformities(
            requirement=requirement, person=review.person, since=review.record.completed_on)
        review.nonconformity_numbers = [nc.number for nc in review.nonconformities]
    first = TrainingRecord.objects.filter(requirement=requirement).order_by("completed_on").values_list(
        "completed_on", flat=True).first()
    procedure = human_error_nonconformities(requirement=requirement, since=first) if first else []
    done = [r for r in reviews if r.status == EffectivenessReview.DONE]
    return {
        "setting": setting if setting is not None and setting.active else None,
        "reviews": reviews,
        "since": first,
        "nonconformities": procedure,
        "ratings": {key: sum(1 for r in done if r.rating == key) for key, _ in RATINGS},
    }


def setting_get(actor, pk) -> EffectivenessSetting:
    from django.http import Http404

    from qualitas.training.selectors import requirements_visible

    found = EffectivenessSetting.objects.filter(pk=pk, requirement__in=requirements_visible(actor)).first()
    if found is None:
        raise Http404("No such effectiveness setting.")
    return found
