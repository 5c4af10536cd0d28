"""The only write path for training: positions and who holds them, requirements, curricula and what
they apply to, training records and assignments. Every change is audited; assignments follow from the
changes (qualitas.training.generation), never typed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qualitas.core.audit.services import record
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.training import generation
from qualitas.training.models import (
    LEVELS,
    READ_AND_UNDERSTOOD,
    TARGETS,
    Applicability,
    Assignment,
    Curriculum,
    Position,
    PositionHolding,
    Requirement,
    TrainingRecord,
)

MODULE = "training"
POSITION_FIELDS = ("code", "name", "site", "department", "description", "active")
REQUIREMENT_FIELDS = (
    "code", "title", "kind", "method", "document", "description", "site", "validity_months", "grace_days",
    "mandatory", "min_level", "new_starter_days", "retraining_days", "active",
)
CURRICULUM_FIELDS = ("code", "title", "description", "site", "active")
RECORD_FIELDS = ("completed_on", "expires_on", "level", "trainer", "evidence", "notes")


def _check(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")


def _tidy(fields: dict, *names: str) -> dict:
    for name in names:
        if name in fields and isinstance(fields[name], str):
            fields[name] = " ".join(fields[name].split())
    return fields


def _labels(items) -> list[str]:
    return sorted(str(item) for item in items)


def _person(person, field: str = "person"):
    if person is None or not person.is_active or getattr(person, "is_system", False):
        raise ValidationError({field: "Choose an active person."})
    return person


def _saved(create):
    """Run a create whose unique constraints the database enforces; a duplicate is a 400 on its field."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError as exc:
        raise ValidationError("A record with the same code already exists.") from exc


# --- Positions -----------------------------------------------------------------------------------------


@transaction.atomic
def position_create(*, actor, code: str, name: str, site=None, department=None, description: str = "",
                    processes=(), active: bool = True) -> Position:
    authorize(actor, MODULE, "create", site)
    if department is not None and site is not None and department.site_id not in (None, site.pk):
        raise ValidationError({"department": f"{department} is not a department of {site}."})
    position = _saved(lambda: record_create(
        actor,
        Position(code=(code or "").strip(), name=" ".join((name or "").split()), site=site, department=department,
                 description=description or "", active=active),
        event="training.position_created",
        extra_changes={"Processes": [None, _labels(processes)]} if processes else None,
    ))
    position.processes.set(list(processes))
    return position


@transaction.atomic
def position_update(*, actor, position: Position, version=None, reason: str = "", processes=None,
                    **fields) -> Position:
    authorize(actor, MODULE, "edit", position.site_id)
    _check(fields, POSITION_FIELDS)
    if "site" in fields:
        authorize(actor, MODULE, "edit", fields["site"])
    _tidy(fields, "name")
    extra = None
    if processes is not None:
        before, after = _labels(position.processes.all()), _labels(processes)
        extra = {"Processes": [before, after]} if before != after else None
    before = (position.active, position.department_id)
    position = record_update(actor, position, event="training.position_updated", changes=fields,
                             expected_version=version, reason=reason, extra_changes=extra)
    if processes is not None:
        position.processes.set(list(processes))
    if extra or before != (position.active, position.department_id):
        holders = position.holdings.filter(end_date__isnull=True).values_list("person_id", flat=True)
        generation.sync_people(
            holders, trigger="requirement", label=f"Position {position.name} changed (by {actor.display_name})",
            end_reason=f"No longer applies after the change of the position {position.name}.")
    return position


# --- Holdings ------------------------------------------------------------------------------------------


@transaction.atomic
def holding_start(*, actor, person, position: Position, start_date: dt.date, site=None) -> PositionHolding:
    """`person` takes `position` from `start_date`: the requirements it brings are assigned, due the
    new-starter days after the start date."""
    _person(person)
    site = site or position.site or person.site
    authorize(actor, MODULE, "edit", site)
    if not position.active:
        raise ValidationError({"position": f"{position} is no longer in use."})
    if position.site_id and site is not None and site.pk != position.site_id:
        raise ValidationError({"site": f"{position} is a position of {position.site}."})
    if start_date is None:
        raise ValidationError({"start_date": "Give the day the person starts in the position."})
    if PositionHolding.objects.filter(person=person, position=position, end_date__isnull=True).exists():
        raise ValidationError({"position": f"{person} already holds {position.name}."})
    holding = record_create(
        actor, PositionHolding(person=person, position=position, site=site, start_date=start_date),
        event="training.holding_started",
    )
    generation.sync_person(
        person, trigger="position", start=start_date,
        label=f"{person.display_name} took the position {position.name} on {start_date:%Y-%m-%d} "
              f"(recorded by {actor.display_name})",
    )
    return holding


@transaction.atomic
def holding_update(*, actor, holding: PositionHolding, version=None, reason: str = "",
                   start_date: dt.date | None = None) -> PositionHolding:
    authorize(actor, MODULE, "edit", holding.site_id)
    if start_date is None:
        return holding
    return record_update(actor, holding, event="training.holding_updated", changes={"start_date": start_date},
                         expected_version=version, reason=reason)


@transaction.atomic
def holding_end(*, actor, holding: PositionHolding, end_date: dt.date, reason: str,
                version=None) -> PositionHolding:
    """The person leaves the position on `end_date` (today or a planned day): from that day its
    requirements no longer apply, and their open assignments end with the reason (at once, or on the
    planned day by the synchronisation)."""
    authorize(actor, MODULE, "edit", holding.site_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"end_reason": "Say why the person leaves the position."})
    if end_date is None:
        raise ValidationError({"end_date": "Give the day the person leaves the position."})
    if holding.end_date is not None:
        raise ValidationError({"end_date": f"The person already left on {holding.end_date:%Y-%m-%d}."})
    holding = record_update(actor, holding, event="training.holding_ended", changes={
        "end_date": end_date, "end_reason": reason}, expected_version=version, reason=reason, require_reason=True)
    if not holding.is_current(timezone.localdate()):
        generation.sync_person(
            holding.person, trigger="sync", label="Applies after a change of positions",
            end_reason=f"{holding.person.display_name} left the position {holding.position.name} on "
                       f"{end_date:%Y-%m-%d}: {reason}",
        )
    return holding


# --- Requirements ---------------------------------------------------------------------------------------


def _people_of(requirement_ids) -> set[int]:
    from qualitas.training import reach

    found = reach.compute(None, today=timezone.localdate())
    return {person for person, requirements in found.requirements.items() if set(requirements) & set(requirement_ids)}


@transaction.atomic
def requirement_create(*, actor, **fields) -> Requirement:
    _check(fields, REQUIREMENT_FIELDS)
    authorize(actor, MODULE, "create", fields.get("site"))
    _tidy(fields, "title")
    fields["code"] = (fields.get("code") or "").strip()
    return _saved(lambda: record_create(actor, Requirement(**fields), event="training.requirement_created"))


@transaction.atomic
def requirement_update(*, actor, requirement: Requirement, version=None, reason: str = "", **fields) -> Requirement:
    authorize(actor, MODULE, "edit", requirement.site_id)
    _check(fields, REQUIREMENT_FIELDS)
    if "site" in fields:
        authorize(actor, MODULE, "edit", fields["site"])
    _tidy(fields, "title")
    watched = ("active", "kind", "method", "document", "min_level", "validity_months", "mandatory")
    before = {name: getattr(requirement, name) for name in watched}
    affected = _people_of([requirement.pk]) | set(
        requirement.assignments.filter(status__in=Assignment.OPEN_STATUSES).values_list("person_id", flat=True))
    requirement = record_update(actor, requirement, event="training.requirement_updated", changes=fields,
                                expected_version=version, reason=reason)
    if any(getattr(requirement, name) != value for name, value in before.items()):
        generation.sync_people(
            affected, trigger="requirement", label=f"{requirement.code} changed (by {actor.display_name})",
            end_reason=f"{requirement.code} no longer applies (changed by {actor.display_name}).")
    return requirement


# --- What requirements and curricula apply to ---------------------------------------------------------------


def _target(kind: str, target):
    from qualitas.accounts.models import Department, Process, User

    types = {"position": Position, "department": Department, "process": Process, "person": User}
    if kind not in types:
        raise ValidationError({"kind": f"Apply to one of: {', '.join(k for k, _ in TARGETS)}."})
    if target is None or not isinstance(target, types[kind]):
        raise ValidationError({kind: f"Choose the {kind} it applies to."})
    if kind == "person":
        _person(target, kind)
    elif not getattr(target, "active", True):
        raise ValidationError({kind: f"{target} is no longer in use."})
    return target


def _subject(requirement, curriculum):
    if (requirement is None) == (curriculum is None):
        raise ValidationError("Apply either a requirement or a curriculum.")
    return requirement or curriculum


@transaction.atomic
def applies_to_add(*, actor, kind: str, target, requirement: Requirement | None = None,
                   curriculum: Curriculum | None = None) -> Applicability:
    """The requirement (or every requirement of the curriculum) applies to a position, a department, a
    process or a person from now on: those it reaches and who are not trained are assigned it."""
    subject = _subject(requirement, curriculum)
    authorize(actor, MODULE, "edit", subject.site_id)
    target = _target(kind, target)
    if not subject.active:
        raise ValidationError(f"{subject} is no longer in use.")
    field = "requirement" if requirement is not None else "curriculum"
    if Applicability.objects.filter(**{field: subject, "kind": kind, kind: target}).exists():
        raise ValidationError({kind: f"{subject.code} already applies to {target}."})
    entry = Applicability.objects.create(**{field: subject, "kind": kind, kind: target})
    record(actor, "update", "training.applicability_added", instance=subject,
           changes={"applies to": [None, str(entry)]})
    requirement_ids = [subject.pk] if requirement is not None else list(
        subject.requirements.values_list("pk", flat=True))
    generation.sync_people(
        _people_of(requirement_ids), trigger="requirement",
        label=f"{subject.code} applied to {entry.get_kind_display().lower()} {target} (by {actor.display_name})",
    )
    return entry


@transaction.atomic
def applies_to_remove(*, actor, entry: Applicability, reason: str = "") -> None:
    subject = entry.requirement or entry.curriculum
    authorize(actor, MODULE, "edit", subject.site_id)
    requirement_ids = [subject.pk] if entry.requirement_id else list(subject.requirements.values_list("pk", flat=True))
    before = _people_of(requirement_ids)
    label = str(entry)
    Applicability.objects.filter(pk=entry.pk).delete()
    record(actor, "update", "training.applicability_removed", instance=subject,
           changes={"applies to": [label, None]}, reason=reason)
    generation.sync_people(before, trigger="sync", label="Applies after a change of requirements",
                           end_reason=f"{subject.code} no longer applies to {label.split(': ', 1)[-1]}"
                                      f"{f': {reason}' if reason else ''}.")


# --- Curricula --------------------------------------------------------------------------------------------


@transaction.atomic
def curriculum_create(*, actor, code: str, title: str, description: str = "", site=None, requirements=(),
                      active: bool = True) -> Curriculum:
    authorize(actor, MODULE, "create", site)
    curriculum = _saved(lambda: record_create(
        actor,
        Curriculum(code=(code or "").strip(), title=" ".join((title or "").split()), description=description or "",
                   site=site, active=active),
        event="training.curriculum_created",
        extra_changes={"Requirements": [None, [r.code for r in requirements]]} if requirements else None,
    ))
    curriculum.requirements.set(list(requirements))
    return curriculum


@transaction.atomic
def curriculum_update(*, actor, curriculum: Curriculum, version=None, reason: str = "", requirements=None,
                      **fields) -> Curriculum:
    authorize(actor, MODULE, "edit", curriculum.site_id)
    _check(fields, CURRICULUM_FIELDS)
    if "site" in fields:
        authorize(actor, MODULE, "edit", fields["site"])
    _tidy(fields, "title")
    extra = None
    old_ids = set(curriculum.requirements.values_list("pk", flat=True))
    if requirements is not None:
        before = sorted(r.code for r in curriculum.requirements.all())
        after = sorted(r.code for r in requirements)
        extra = {"Requirements": [before, after]} if before != after else None
    affected = _people_of(old_ids)
    was_active = curriculum.active
    curriculum = record_update(actor, curriculum, event="training.curriculum_updated", changes=fields,
                               expected_version=version, reason=reason, extra_changes=extra)
    if requirements is not None:
        curriculum.requirements.set(list(requirements))
    if extra or was_active != curriculum.active:
        affected |= _people_of(set(curriculum.requirements.values_list("pk", flat=True)))
        generation.sync_people(
            affected, trigger="requirement", label=f"Curriculum {curriculum.code} changed (by {actor.display_name})",
            end_reason=f"No longer in the curriculum {curriculum.code}.")
    return curriculum


# --- Training records --------------------------------------------------------------------------------------


def _check_record_values(requirement: Requirement, *, completed_on, expires_on, level) -> None:
    today = timezone.localdate()
    if completed_on is None:
        raise ValidationError({"completed_on": "Give the day the training was completed."})
    if completed_on > today:
        raise ValidationError({"completed_on": "The completion date cannot be in the future."})
    if expires_on is not None and expires_on < completed_on:
        raise ValidationError({"expires_on": "The expiry date cannot be before the completion date."})
    if level not in dict(LEVELS):
        raise ValidationError({"level": "The competence level is 1 (awareness) to 4 (can train others)."})


@transaction.atomic
def training_record(*, actor, person, requirement: Requirement, completed_on: dt.date, level: int | None = None,
                    expires_on: dt.date | None = None, trainer: str = "", evidence: str = "", notes: str = "",
                    evidence_file=None) -> TrainingRecord:
    """Record that `person` trained on `requirement`: it completes their open assignment (when the
    level reaches the requirement's minimum). The expiry follows from the validity unless given.
    Read-and-understood training is recorded by the person's own acknowledgment of the document."""
    _person(person)
    if not has_perm(actor, MODULE, "edit", person.site_id):
        raise PermissionDenied("You may not record training for this person.")
    if not requirement.active:
        raise ValidationError({"requirement": f"{requirement} is no longer in use."})
    assignment = Assignment.objects.filter(person=person, requirement=requirement,
                                           status__in=Assignment.OPEN_STATUSES).first()
    method = assignment.method if assignment else requirement.method
    if method == READ_AND_UNDERSTOOD:
        raise ValidationError({"requirement": (
            f"{requirement.code} is read and understood: {person.display_name} completes it by acknowledging the "
            "document (an electronic signature), not by a record entered for them.")})
    level = requirement.min_level if level is None else level
    _check_record_values(requirement, completed_on=completed_on, expires_on=expires_on, level=level)
    revision = None
    if requirement.kind == "document":
        from qualitas.documents.models import Revision

        current = generation.training_revisions([requirement.document_id]).get(requirement.document_id)
        revision = assignment.revision if assignment and assignment.revision_id else (
            Revision.objects.filter(pk=current[0]).first() if current else None)
    entry = generation.record_add(
        actor, person=person, requirement=requirement, completed_on=completed_on, level=level, method=method,
        source="recorded", assignment=assignment, revision=revision, expires_on=expires_on,
        trainer=(trainer or "").strip(), evidence=(evidence or "").strip(), notes=notes or "",
    )
    if evidence_file is not None:
        from qualitas.core.files.services import attachment_add

        attachment_add(actor=actor, instance=entry, uploaded_file=evidence_file, description="Training evidence")
    return entry


@transaction.atomic
def record_correct(*, actor, training_record: TrainingRecord, reason: str, version=None, **fields) -> TrainingRecord:
    """Correct a training record (a wrong date, level or expiry); the reason is required."""
    _check(fields, RECORD_FIELDS)
    if not has_perm(actor, MODULE, "edit", training_record.site_id):
        raise PermissionDenied("You may not correct this training record.")
    values = {name: fields.get(name, getattr(training_record, name))
              for name in ("completed_on", "expires_on", "level")}
    _check_record_values(training_record.requirement, **values)
    return record_update(actor, training_record, event="training.record_corrected", changes=fields,
                         expected_version=version, reason=reason)


# --- Assignments ---------------------------------------------------------------------------------------------


def _open(assignment: Assignment) -> None:
    if not assignment.is_open:
        raise ValidationError(f"This assignment is {assignment.get_status_display().lower()}.")


@transaction.atomic
def assignment_update(*, actor, assignment: Assignment, due: dt.date | None, reason: str, version=None) -> Assignment:
    """Move the due date of an open assignment (with a reason); its task follows."""
    from qualitas.core.tasks.services import tasks_cancel_for

    authorize(actor, MODULE, "edit", assignment.site_id)
    _open(assignment)
    if due is not None and due < timezone.localdate():
        raise ValidationError({"due": "The new due date cannot be in the past."})
    assignment = record_update(actor, assignment, event="training.assignment_updated", changes={"due": due},
                               expected_version=version, reason=reason, require_reason=True)
    tasks_cancel_for(assignment, actor=actor, reason="Due date moved")
    generation._open_task(actor, assignment)
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: Assignment, reason: str, version=None) -> Assignment:
    """End an open assignment that is not needed (with a reason). It is assigned again by the next
    synchronisation if the requirement still applies and the person is not trained."""
    authorize(actor, MODULE, "edit", assignment.site_id)
    _open(assignment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the assignment ends."})
    if version is not None and version != assignment.version:
        from qualitas.core.regulated import StaleVersion

        raise StaleVersion(Assignment.objects.get(pk=assignment.pk), version)
    return generation.assignment_end(actor, assignment, f"{reason} ({actor.display_name})")


# --- Jobs -------------------------------------------------------------------------------------------------------


def renewals(now=None) -> str:
    """Renewal assignments for trainings and qualifications that expire within their retraining days."""
    return generation.renewals(now)


def sync_all(now=None) -> str:
    """Training assignments follow departments, holdings and requirements that changed."""
    return generation.sync_all(now)


def gate_create(*, actor, **fields):
    """A qualification gate (services_gates.gate_create), for other modules' setup and demo data."""
    from qualitas.training import services_gates

    return services_gates.gate_create(actor=actor, **fields)
