"""Reads of training, scoped to what the actor may see.

Positions, requirements and curricula are seen by those holding "view" on training (at their sites);
a person's assignments, holdings and training records are also seen by the person and by their
manager (accounts.User.manager), whatever their roles.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qualitas.core.permissions import authorize, has_perm, sites_for, visible_to
from qualitas.training.models import (
    Applicability,
    Assignment,
    Curriculum,
    Position,
    PositionHolding,
    Requirement,
    TrainingRecord,
)

MODULE = "training"


def _theirs(actor, queryset: QuerySet, person_field: str = "person", site_field: str = "site") -> QuerySet:
    """What the actor may see of people's training: by the view right at the record's site, their own,
    and their direct reports'."""
    if not actor.is_authenticated:
        return queryset.none()
    own = Q(**{person_field: actor}) | Q(**{f"{person_field}__manager": actor})
    if has_perm(actor, MODULE, "view"):
        return visible_to(actor, queryset, MODULE, site_field=site_field) | queryset.filter(own)
    return queryset.filter(own)


def _first(queryset, pk, what: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


# --- Positions, requirements, curricula -------------------------------------------------------------------


def _targets():
    return Prefetch("applies_to", queryset=Applicability.objects.select_related(
        "position", "department", "process", "person").order_by("kind", "pk"))


def positions_visible(actor) -> QuerySet[Position]:
    return visible_to(actor, Position.objects.select_related("site", "department").prefetch_related("processes"),
                      MODULE)


def position_list(actor, *, site_id=None, active: bool | None = True, query: str = "") -> QuerySet[Position]:
    positions = positions_visible(actor)
    if site_id:
        positions = positions.filter(site_id=site_id)
    if active is not None:
        positions = positions.filter(active=active)
    if query:
        positions = positions.filter(Q(code__icontains=query) | Q(name__icontains=query))
    return positions.order_by("code", "pk")


def position_get(actor, pk) -> Position:
    return _first(positions_visible(actor), pk, "position")


def requirements_visible(actor) -> QuerySet[Requirement]:
    return visible_to(actor, Requirement.objects.select_related("document", "site").prefetch_related(_targets()),
                      MODULE)


def requirement_list(actor, *, kind: str = "", active: bool | None = True, query: str = "",
                     document_id=None) -> QuerySet[Requirement]:
    requirements = requirements_visible(actor)
    if kind:
        requirements = requirements.filter(kind=kind)
    if active is not None:
        requirements = requirements.filter(active=active)
    if document_id:
        requirements = requirements.filter(document_id=document_id)
    if query:
        requirements = requirements.filter(Q(code__icontains=query) | Q(title__icontains=query))
    return requirements.order_by("code")


def requirement_get(actor, pk) -> Requirement:
    return _first(requirements_visible(actor), pk, "requirement")


def curricula_visible(actor) -> QuerySet[Curriculum]:
    return visible_to(actor, Curriculum.objects.select_related("site").prefetch_related("requirements", _targets()),
                      MODULE)


def curriculum_list(actor, *, active: bool | None = True) -> QuerySet[Curriculum]:
    curricula = curricula_visible(actor)
    if active is not None:
        curricula = curricula.filter(active=active)
    return curricula.order_by("code")


def curriculum_get(actor, pk) -> Curriculum:
    return _first(curricula_visible(actor), pk, "curriculum")


def applicabilities_of(subject) -> list[Applicability]:
    """What a requirement or curriculum applies to (the caller's selector authorised the subject)."""
    field = "requirement" if isinstance(subject, Requirement) else "curriculum"
    return list(Applicability.objects.filter(**{field: subject})
                .select_related("position", "department__site", "process", "person").order_by("kind", "pk"))


def applicability_get(actor, pk) -> Applicability:
    entry = Applicability.objects.select_related("requirement", "curriculum").filter(pk=pk).first()
    if entry is None:
        raise Http404("No such entry.")
    if entry.requirement_id:
        requirement_get(actor, entry.requirement_id)
    else:
        curriculum_get(actor, entry.curriculum_id)
    return entry


def rules_of_position(position: Position) -> list[Applicability]:
    return list(position.rules.select_related("requirement", "curriculum").order_by("pk"))


# --- Holdings, assignments, records ----------------------------------------------------------------------


def holdings_visible(actor) -> QuerySet[PositionHolding]:
    return _theirs(actor, PositionHolding.objects.select_related("person", "position", "site"))


def holding_list(actor, *, person_id=None, position_id=None, current: bool | None = None) -> QuerySet:
    holdings = holdings_visible(actor)
    if person_id:
        holdings = holdings.filter(person_id=person_id)
    if position_id:
        holdings = holdings.filter(position_id=position_id)
    if current is not None:
        from qualitas.training.reach import current_holdings_q

        today = timezone.localdate()
        holdings = holdings.filter(current_holdings_q(today)) if current else holdings.exclude(
            current_holdings_q(today))
    return holdings.distinct().order_by("-start_date", "pk")


def holding_get(actor, pk) -> PositionHolding:
    return _first(holdings_visible(actor), pk, "holding")


def assignments_visible(actor) -> QuerySet[Assignment]:
    return _theirs(actor, Assignment.objects.select_related(
        "person", "requirement", "revision__document", "site"))


def assignment_list(actor, *, person_id=None, requirement_id=None, status: str = "", overdue: bool = False,
                    mine: bool = False) -> QuerySet[Assignment]:
    assignments = assignments_visible(actor)
    if mine:
        assignments = assignments.filter(person=actor)
    if person_id:
        assignments = assignments.filter(person_id=person_id)
    if requirement_id:
        assignments = assignments.filter(requirement_id=requirement_id)
    if status == "open":
        assignments = assignments.filter(status__in=Assignment.OPEN_STATUSES)
    elif status:
        assignments = assignments.filter(status=status)
    if overdue:
        assignments = assignments.filter(status__in=Assignment.OPEN_STATUSES, due__lt=timezone.localdate())
    return assignments.distinct().order_by("status", "due", "pk")


def assignment_get(actor, pk) -> Assignment:
    return _first(assignments_visible(actor), pk, "assignment")


def records_visible(actor) -> QuerySet[TrainingRecord]:
    return _theirs(actor, TrainingRecord.objects.select_related(
        "person", "requirement", "revision__document", "recorded_by", "site"))


def record_list(actor, *, person_id=None, requirement_id=None) -> QuerySet[TrainingRecord]:
    found = records_visible(actor)
    if person_id:
        found = found.filter(person_id=person_id)
    if requirement_id:
        found = found.filter(requirement_id=requirement_id)
    return found.distinct().order_by("-completed_on", "-pk")


def record_get(actor, pk) -> TrainingRecord:
    return _first(records_visible(actor), pk, "training record")


# --- People ------------------------------------------------------------------------------------------------


def may_see_person(actor, person) -> bool:
    if not actor.is_authenticated:
        return False
    return actor.pk == person.pk or person.manager_id == actor.pk or has_perm(actor, MODULE, "view", person.site_id)


def person_get(actor, pk):
    from qualitas.accounts.models import User

    person = User.objects.filter(pk=pk).exclude(username__iexact="system").select_related(
        "department", "site", "manager").first()
    if person is None or not may_see_person(actor, person):
        raise Http404("No such person.")
    return person


def people_choices(actor):
    """People whose training the actor may record (those at the sites where they edit training)."""
    from qualitas.accounts.models import User

    people = User.objects.people().select_related("department", "site")
    sites = sites_for(actor, MODULE, "edit")
    if sites is not None:
        people = people.filter(Q(site__in=sites) | Q(site__isnull=True))
    return people.order_by("last_name", "first_name", "username")


def person_training(actor, person, today: dt.date | None = None) -> dict:
    """A person's training record: positions (current and past), what applies with its status, open
    assignments, and the history of every training and qualification (the caller authorised the person)."""
    from qualitas.training import matrix

    today = today or timezone.localdate()
    grid = matrix.compute(people=[person.pk], today=today)
    rows = []
    for requirement in grid.requirements:
        found = grid.cells.get((person.pk, requirement.pk))
        if found is not None and found.status != "not-required":
            rows.append({"requirement": requirement, "cell": found, "reasons": grid.reasons(person.pk, requirement.pk)})
    return {
        "holdings": list(PositionHolding.objects.filter(person=person).select_related("position", "site")
                         .order_by("-start_date", "pk")),
        "status": rows,
        "assignments": list(Assignment.objects.filter(person=person).select_related(
            "requirement", "revision__document").order_by("-created_at", "-pk")),
        "records": list(TrainingRecord.objects.filter(person=person).select_related(
            "requirement", "revision__document", "recorded_by").order_by("-completed_on", "-pk")),
        "summary": grid.summary_of(person.pk),
    }


def my_training(actor) -> dict:
    """The training home: the actor's open assignments, their direct reports' open ones."""
    today = timezone.localdate()
    mine = list(Assignment.objects.filter(person=actor, status__in=Assignment.OPEN_STATUSES)
                .select_related("requirement", "revision__document").order_by("due", "pk"))
    team = list(Assignment.objects.filter(person__manager=actor, status__in=Assignment.OPEN_STATUSES)
                .select_related("person", "requirement").order_by("due", "pk")[:200])
    return {"mine": mine, "team": team, "today": today,
            "overdue": sum(1 for a in mine if a.is_overdue(today))}


# --- The matrix --------------------------------------------------------------------------------------------


def training_matrix(actor, *, site=None, department=None, position=None, process=None, offset: int = 0,
                    limit: int | None = None, today: dt.date | None = None):
    """The training matrix (qualitas.training.matrix) of the people the actor may see."""
    from qualitas.training import matrix

    authorize(actor, MODULE, "view")
    return matrix.build(actor, site=site, department=department, position=position, process=process,
                        offset=offset, limit=limit, today=today or timezone.localdate())


def search(actor, query: str, limit: int = 10):
    from django.urls import reverse

    from qualitas.core.registry import SearchHit

    if not has_perm(actor, MODULE, "view") or not query:
        return []
    hits = []
    for requirement in requirement_list(actor, query=query)[:limit]:
        hits.append(SearchHit(title=str(requirement), url=reverse("training:requirement", args=[requirement.pk]),
                              module="Training", kind="Training requirement",
                              detail=requirement.get_kind_display()))
    for position in position_list(actor, query=query)[: max(0, limit - len(hits))]:
        hits.append(SearchHit(title=str(position), url=reverse("training:position", args=[position.pk]),
                              module="Training", kind="Position"))
    return hits
