"""Who a requirement applies to, in one computation shared by the matrix, the generator of
assignments and a person's training record (a fixed number of queries, whatever the number of people).

A requirement applies to a person when an active applicability names, for the requirement itself or
for an active curriculum containing it:
- a position the person currently holds (a holding counts until the day they left it);
- a department the person is a member of (accounts.User.department), or the department of a
  position the person currently holds;
- a process that a position the person currently holds works in (Position.processes);
- the person.
Only active people (not the system account) are reached; inactive requirements apply to nobody.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q


def current_holdings_q(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": today})


@dataclass
class Reach:
    """requirements[person_id][requirement_id] = the reasons it applies ("Position: Machine operator")."""

    requirements: dict[int, dict[int, list[str]]] = field(default_factory=dict)
    # person_id -> [(position_id, code, name)] currently held
    positions: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)

    def applies(self, person_id: int, requirement_id: int) -> bool:
        return requirement_id in self.requirements.get(person_id, {})

    def of(self, person_id: int) -> dict[int, list[str]]:
        return self.requirements.get(person_id, {})

    def people_of(self, requirement_id: int) -> set[int]:
        return {person for person, found in self.requirements.items() if requirement_id in found}


def compute(people=None, *, today: dt.date) -> Reach:
    """The reach for `people` (a queryset or list of user ids; None: every active person)."""
    from qualitas.accounts.models import User
    from qualitas.training.models import Applicability, Curriculum, Position, PositionHolding

    persons = User.objects.people()
    if people is not None:
        persons = persons.filter(pk__in=people)
    departments = dict(persons.values_list("pk", "department_id"))
    holdings = (
        PositionHolding.objects.filter(current_holdings_q(today), person__in=persons, position__active=True)
        .order_by("position__code", "pk")
        .values_list("person_id", "position_id", "position__code", "position__name", "position__department_id")
    )
    by_position: dict[int, set[int]] = defaultdict(set)
    by_department: dict[int, set[int]] = defaultdict(set)
    held: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for person_id, department_id in departments.items():
        if department_id:
            by_department[department_id].add(person_id)
    position_names = {}
    for person_id, position_id, code, name, department_id in holdings:
        by_position[position_id].add(person_id)
        position_names[position_id] = name
        if (position_id, code, name) not in held[person_id]:
            held[person_id].append((position_id, code, name))
        if department_id:
            by_department[department_id].add(person_id)
    by_process: dict[int, set[int]] = defaultdict(set)
    for position_id, process_id in Position.processes.through.objects.filter(
        position_id__in=list(by_position)
    ).values_list("position_id", "process_id"):
        by_process[process_id] |= by_position[position_id]
    bundles: dict[int, list[int]] = defaultdict(list)
    for curriculum_id, requirement_id in Curriculum.requirements.through.objects.filter(
        curriculum__active=True, requirement__active=True
    ).order_by("requirement__code").values_list("curriculum_id", "requirement_id"):
        bundles[curriculum_id].append(requirement_id)
    rules = Applicability.objects.filter(
        Q(requirement__active=True) | Q(curriculum__active=True)
    ).values_list(
        "requirement_id", "curriculum_id", "curriculum__code", "kind", "position_id", "position__name",
        "department_id", "department__code", "process_id", "process__code", "person_id",
    )
    result: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for (requirement_id, curriculum_id, curriculum_code, kind, position_id, position_name, department_id,
         department_code, process_id, process_code, person_id) in rules.order_by("pk"):
        if kind == "position":
            reached, label = by_position.get(position_id, set()), f"Position: {position_name}"
        elif kind == "department":
            reached, label = by_department.get(department_id, set()), f"Department: {department_code}"
        elif kind == "process":
            reached, label = by_process.get(process_id, set()), f"Process: {process_code}"
        else:
            reached, label = ({person_id} if person_id in departments else set()), "Individual"
        if curriculum_id:
            requirement_ids, label = bundles.get(curriculum_id, []), f"{label} (curriculum {curriculum_code})"
        else:
            requirement_ids = [requirement_id]
        for person in reached:
            found = result[person]
            for requirement in requirement_ids:
                reasons = found.setdefault(requirement, [])
                if label not in reasons:
                    reasons.append(label)
    return Reach(requirements=dict(result), positions=dict(held))
