"""The training matrix: people × requirements, a status per cell (see `status` for the definitions),
with compliance per department and per requirement.

Built in a fixed number of queries whatever the number of people or requirements: the people, their
current positions, the applicability rules and curricula (reach), the requirements, the open
assignments, the training records and the effective revisions of the documents concerned. Paging
is on people; the columns are the requirements that apply to at least one person of the filtered
population (the same on every page), and compliance is computed over the whole population.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from qualitas.training import reach as reach_
from qualitas.training import status as status_


@dataclass
class Grid:
    people: list  # the people of the page (accounts.User, department and site loaded)
    requirements: list  # the columns (Requirement)
    cells: dict  # (person id, requirement id) -> status.Cell, for every person of the population
    reach: reach_.Reach
    total_people: int = 0
    offset: int = 0
    limit: int | None = None
    population: list = field(default_factory=list)
    today: dt.date | None = None

    def cell(self, person_id: int, requirement_id: int) -> status_.Cell:
        """The cell of one person and requirement (not required when the requirement is no column)."""
        return self.cells.get((person_id, requirement_id)) or status_.Cell(status_.NOT_REQUIRED)

    def reasons(self, person_id: int, requirement_id: int) -> list[str]:
        return self.reach.of(person_id).get(requirement_id, [])

    def positions_of(self, person_id: int) -> list[tuple[int, str, str]]:
        return self.reach.positions.get(person_id, [])

    def row(self, person) -> list[status_.Cell]:
        return [self.cells[person.pk, requirement.pk] for requirement in self.requirements]

    def rows(self):
        """(person, positions held, [(requirement, cell)…]) for each person of the page."""
        for person in self.people:
            yield person, self.positions_of(person.pk), list(zip(self.requirements, self.row(person), strict=True))

    def summary_of(self, person_id: int) -> dict[str, int]:
        counted = Counter(self.cells[person_id, r.pk].status for r in self.requirements
                          if (person_id, r.pk) in self.cells)
        return {name: counted.get(name, 0) for name in status_.STATUSES}

    # --- Compliance: mandatory requirements only, over the whole population ------------------------------

    def _share(self, person_ids, requirement_ids) -> dict:
        applicable = current = 0
        cells = self.cells
        for requirement_id in requirement_ids:
            for person_id in person_ids:
                found = cells.get((person_id, requirement_id))
                if found is None or found.status == status_.NOT_REQUIRED:
                    continue
                applicable += 1
                current += found.status == status_.CURRENT
        return {"applicable": applicable, "current": current,
                "percent": round(100 * current / applicable, 1) if applicable else None}

    def _mandatory(self) -> list[int]:
        return [r.pk for r in self.requirements if r.mandatory]

    def compliance(self) -> dict:
        return self._share([p.pk for p in self.population], self._mandatory())

    def compliance_by_requirement(self) -> dict[int, dict]:
        ids = [p.pk for p in self.population]
        return {r.pk: self._share(ids, [r.pk] if r.mandatory else []) for r in self.requirements}

    def compliance_by_department(self) -> list[dict]:
        groups: dict = defaultdict(list)
        for person in self.population:
            groups[person.department].append(person)
        mandatory = self._mandatory()
        result = []
        for department, people in sorted(groups.items(), key=lambda item: _department_key(item[0])):
            share = self._share([p.pk for p in people], mandatory)
            result.append({"department": department, "label": _department_label(department), "people": len(people),
                           **share})
        return result

    def counts(self) -> dict[str, int]:
        counted = Counter(cell.status for cell in self.cells.values())
        return {name: counted.get(name, 0) for name in status_.STATUSES}

    # --- The API's and the CLI's shape ------------------------------------------------------------------

    def as_data(self) -> dict:
        return {
            "people": [
                {"id": person.pk, "name": person.display_name,
                 "positions": [{"id": pk, "code": code, "name": name}
                               for pk, code, name in self.positions_of(person.pk)]}
                for person in self.people
            ],
            "requirements": [{"id": r.pk, "code": r.code, "title": r.title, "kind": r.kind} for r in self.requirements],
            "cells": [
                {"person": person.pk, "requirement": requirement.pk, "status": cell.status,
                 "due": _iso(cell.due), "completed": _iso(cell.completed), "expires": _iso(cell.expires)}
                for person in self.people
                for requirement, cell in zip(self.requirements, self.row(person), strict=True)
            ],
        }


def _iso(day):
    return day.isoformat() if day else None


def _department_key(department):
    return ("~", "") if department is None else (getattr(department.site, "code", "") or "", department.code)


def _department_label(department) -> str:
    if department is None:
        return "No department"
    site = f" ({department.site.code})" if department.site_id else ""
    return f"{department.code} – {department.name}{site}"


def people_in_scope(actor, *, site=None, department=None, position=None, process=None, today: dt.date):
    """The active people matching the filters, limited to the sites where `actor` views training."""
    from qualitas.accounts.models import User
    from qualitas.core.permissions import sites_for

    people = User.objects.people()
    current = reach_.current_holdings_q(today, "training_holdings__")
    if site is not None:
        people = people.filter(Q(site=site) | (current & Q(training_holdings__site=site)))
    if department is not None:
        people = people.filter(
            Q(department=department) | (current & Q(training_holdings__position__department=department)))
    if position is not None:
        people = people.filter(current & Q(training_holdings__position=position))
    if process is not None:
        people = people.filter(current & Q(training_holdings__position__processes=process))
    sites = sites_for(actor, "training", "view")
    if sites is not None:
        people = people.filter(Q(site__in=sites) | Q(site__isnull=True))
    return people.distinct()


def compute(*, people, today: dt.date, offset: int = 0, limit: int | None = None) -> Grid:
    """The grid of `people` (a queryset or a list of user ids)."""
    from qualitas.accounts.models import User
    from qualitas.training.generation import training_revisions
    from qualitas.training.models import Assignment, Requirement, TrainingRecord

    population = list(User.objects.filter(pk__in=people).select_related("department__site", "site")
                      .order_by("last_name", "first_name", "username", "pk"))
    ids = [person.pk for person in population]
    reached = reach_.compute(ids, today=today)
    wanted = {requirement for person in ids for requirement in reached.of(person)}
    requirements = list(Requirement.objects.filter(pk__in=wanted, active=True).order_by("code"))
    rules = {r.pk: status_.Rule(r.pk, r.kind, r.min_level, r.grace_days, r.mandatory, r.document_id)
             for r in requirements}
    revisions = training_revisions(r.document_id for r in requirements if r.kind == "document")
    open_assignments = {
        (person_id, requirement_id): status_.Open(due, status == Assignment.IN_PROGRESS)
        for person_id, requirement_id, due, status in Assignment.objects.filter(
            person_id__in=ids, requirement_id__in=list(rules), status__in=Assignment.OPEN_STATUSES,
        ).values_list("person_id", "requirement_id", "due", "status")
    }
    records: dict = defaultdict(list)
    for person_id, requirement_id, completed_on, expires_on, level, revision_id in TrainingRecord.objects.filter(
        person_id__in=ids, requirement_id__in=list(rules)
    ).order_by("completed_on", "pk").values_list(
        "person_id", "requirement_id", "completed_on", "expires_on", "level", "revision_id"
    ):
        records[person_id, requirement_id].append(status_.Done(completed_on, expires_on, level, revision_id))
    columns = [(r.pk, rules[r.pk], revisions.get(r.document_id) if r.kind == "document" else None)
               for r in requirements]
    not_required = status_.Cell(status_.NOT_REQUIRED)
    cells = {}
    for person_id in ids:
        applying = reached.of(person_id)
        for requirement_id, rule, training_revision in columns:
            if requirement_id not in applying:
                cells[person_id, requirement_id] = not_required
                continue
            done = records.get((person_id, requirement_id))
            latest = status_.latest_counting(rule, done, training_revision) if done else None
            cells[person_id, requirement_id] = status_.cell(
                rule, applies=True, latest=latest, open_assignment=open_assignments.get((person_id, requirement_id)),
                today=today)
    end = None if limit is None else offset + limit
    return Grid(people=population[offset:end], requirements=requirements, cells=cells, reach=reached,
                total_people=len(population), offset=offset, limit=limit, population=population, today=today)


def build(actor, *, site=None, department=None, position=None, process=None, offset: int = 0,
          limit: int | None = None, today: dt.date) -> Grid:
    people = people_in_scope(actor, site=site, department=department, position=position, process=process,
                             today=today)
    return compute(people=people.values("pk"), today=today, offset=offset, limit=limit)
