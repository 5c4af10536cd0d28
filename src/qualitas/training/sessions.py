"""Training sessions (classroom, on-the-job): the only write path for sessions and their attendees.

A session is planned for one requirement with a trainer, a date and a duration; people are added as
attendees; the trainer (or whoever edits training) records attendance and the level reached. For a
classroom session that records the training at once (a training record with the session as evidence,
which completes the attendee's open assignment through `generation.record_add`). On the job the record
waits for a qualified assessor, a person holding a current training record at level 4 (can train
others) on the requirement, who signs "assessed" with their password. The sign-in sheet is a core
attachment of the session.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.training import generation
from qualitas.training import status as status_
from qualitas.training.models import LEVELS, Assignment, Attendee, Requirement, Session, TrainingRecord
from qualitas.training.models_sessions import SESSION_KINDS

MODULE = "training"
SESSION_FIELDS = ("date", "duration_minutes", "location", "notes", "trainer_name")
ASSESSED = "assessed"
ASSESSOR_LEVEL = 4


def _may_run(actor, session: Session) -> bool:
    """The session's trainer, or whoever edits training at its site."""
    return (session.trainer_id is not None and session.trainer_id == actor.pk) or has_perm(
        actor, MODULE, "edit", session.site_id)


@transaction.atomic
def session_create(*, actor, requirement: Requirement, kind: str, date: dt.date, duration_minutes: int,
                   trainer=None, trainer_name: str = "", location: str = "", notes: str = "", site=None,
                   attendees=()) -> Session:
    site = site if site is not None else requirement.site
    authorize(actor, MODULE, "edit", site)
    if kind not in dict(SESSION_KINDS):
        raise ValidationError({"kind": "A session is a classroom session or on-the-job training."})
    if not requirement.active:
        raise ValidationError({"requirement": f"{requirement} is no longer in use."})
    if requirement.kind == "document" and requirement.method == "read-and-understood":
        raise ValidationError({"requirement": f"{requirement.code} is read and understood: people acknowledge "
                                              "the document, there is no session for it."})
    if trainer is not None and (not trainer.is_active or getattr(trainer, "is_system", False)):
        raise ValidationError({"trainer": "Choose an active person as trainer."})
    if date is None:
        raise ValidationError({"date": "Give the day of the session."})
    session = record_create(actor, Session(
        requirement=requirement, kind=kind, trainer=trainer, trainer_name=(trainer_name or "").strip(), date=date,
        duration_minutes=duration_minutes, location=(location or "").strip(), notes=notes or "", site=site,
        created_by=actor,
    ), event="training.session_created")
    for person in attendees:
        _add(actor, session, person)
    return session


@transaction.atomic
def session_update(*, actor, session: Session, version=None, reason: str = "", **fields) -> Session:
    if not _may_run(actor, session):
        raise PermissionDenied("Only the trainer or someone who edits training changes this session.")
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    return record_update(actor, session, event="training.session_updated", changes=fields,
                         expected_version=version, reason=reason)


def _add(actor, session: Session, person) -> Attendee:
    if person is None or not person.is_active or getattr(person, "is_system", False):
        raise ValidationError({"person": "Choose an active person."})
    if session.attendees.filter(person=person).exists():
        raise ValidationError({"person": f"{person.display_name} is already an attendee."})
    try:
        with transaction.atomic():
            return record_create(actor, Attendee(session=session, person=person), event="training.attendee_added")
    except IntegrityError as exc:
        raise ValidationError({"person": f"{person.display_name} is already an attendee."}) from exc


@transaction.atomic
def attendee_add(*, actor, session: Session, person) -> Attendee:
    if not _may_run(actor, session):
        raise PermissionDenied("Only the trainer or someone who edits training adds attendees.")
    return _add(actor, session, person)


def _open_assignment(person, requirement) -> Assignment | None:
    return Assignment.objects.filter(person=person, requirement=requirement,
                                     status__in=Assignment.OPEN_STATUSES).first()


def _record(actor, attendee: Attendee, *, level: int, signature=None) -> TrainingRecord:
    session = attendee.session
    requirement = session.requirement
    method = session.kind if session.kind in ("classroom", "on-the-job") else requirement.method
    revision = None
    if requirement.kind == "document":
        from qualitas.documents.models import Revision

        current = generation.training_revisions([requirement.document_id]).get(requirement.document_id)
        revision = Revision.objects.filter(pk=current[0]).first() if current else None
    return generation.record_add(
        actor, person=attendee.person, requirement=requirement, completed_on=session.date, level=level,
        method=method, source="session", assignment=_open_assignment(attendee.person, requirement),
        revision=revision, signature=signature, trainer=session.trainer_label[:200],
        evidence=f"session {session.pk}", notes=attendee.note,
    )


@transaction.atomic
def attendance_record(*, actor, attendee: Attendee, attended: bool, level: int | None = None,
                      note: str = "") -> Attendee:
    """The trainer records whether `attendee` attended and the level reached. A classroom attendance
    records the training (and completes the open assignment); on the job it waits for the assessor."""
    session = attendee.session
    if not _may_run(actor, session):
        raise PermissionDenied("Only the trainer or someone who edits training records attendance.")
    if attendee.record_id is not None:
        raise ValidationError("The attendance is recorded and gave a training record; correct that record instead.")
    if session.date > timezone.localdate():
        raise ValidationError({"attended": f"The session is on {session.date:%Y-%m-%d}: record attendance after it."})
    if attended:
        level = session.requirement.min_level if level is None else level
        if level not in dict(LEVELS):
            raise ValidationError({"level": "The competence level is 1 (awareness) to 4 (can train others)."})
    else:
        level = None
    attendee = record_update(actor, attendee, event="training.attendance_recorded", changes={
        "attended": bool(attended), "level": level, "note": (note or "").strip()[:500], "recorded_by": actor,
        "recorded_at": timezone.now()})
    if attended and session.kind == "classroom":
        entry = _record(actor, attendee, level=level)
        attendee = record_update(actor, attendee, event="training.attendance_recorded", changes={"record": entry})
    elif attended:
        assignment = _open_assignment(attendee.person, session.requirement)
        if assignment is not None:
            generation.assignment_start(actor, assignment, note=f"Trained on the job in session {session.pk}; "
                                                                 "waiting for the assessor's signature.")
    return attendee


def assessor_competence(person, requirement: Requirement, today: dt.date | None = None) -> str:
    """Why `person` may not assess `requirement` on the job ("" when they may): they need a training
    record on it, at level 4, that has not expired."""
    today = today or timezone.localdate()
    rule = generation.rule_of(requirement)
    records = TrainingRecord.objects.filter(person=person, requirement=requirement).order_by("-completed_on", "-pk")
    best = [r for r in records if r.level >= ASSESSOR_LEVEL]
    if not best:
        return (f"{person.display_name} is not a qualified assessor for {requirement.code} {requirement.title}: "
                f"that needs a training record at level {ASSESSOR_LEVEL} (can train others).")
    if all(status_.lapsed(rule, generation.done_of(r), today) for r in best):
        latest = best[0]
        return (f"{person.display_name}'s level {ASSESSOR_LEVEL} qualification on {requirement.code} expired on "
                f"{latest.expires_on:%Y-%m-%d}: renew it before assessing others.")
    return ""


@transaction.atomic
def attendee_assess(*, actor, attendee: Attendee, credentials, level: int | None = None) -> Attendee:
    """A qualified assessor signs "assessed" for an on-the-job attendee: the training is recorded
    (with the signature) and the open assignment completed. Refused, naming why, when the assessor does
    not hold a current level-4 record on the requirement."""
    from qualitas.core.audit import kept
    from qualitas.core.audit.services import record
    from qualitas.core.signatures.services import sign

    session = attendee.session
    requirement = session.requirement
    if session.kind != "on-the-job":
        raise ValidationError("Only on-the-job training is assessed; a classroom attendance is recorded.")
    if not attendee.attended:
        raise ValidationError("Record the attendance first (the trainer).")
    if attendee.record_id is not None:
        raise ValidationError(f"{attendee.person.display_name} was already assessed.")
    if actor.pk == attendee.person_id:
        raise PermissionDenied("Nobody assesses their own training.")
    problem = assessor_competence(actor, requirement)
    if problem:
        def write():
            with transaction.atomic():
                return record(actor, "sign-failure", "training.assessment_refused", instance=attendee,
                       changes={"meaning": [None, ASSESSED], "reason": [None, problem]})

        kept.keep(write)  # kept even though the transaction around this refusal rolls back
        raise PermissionDenied(problem)
    level = attendee.level if level is None else level
    if level not in dict(LEVELS):
        raise ValidationError({"level": "The competence level is 1 (awareness) to 4 (can train others)."})
    if level != attendee.level:
        attendee = record_update(actor, attendee, event="training.attendance_recorded", changes={"level": level})
    signature = sign(actor=actor, instance=attendee, meaning=ASSESSED, credentials=credentials)
    entry = _record(actor, attendee, level=level, signature=signature)
    return record_update(actor, attendee, event="training.attendee_assessed", changes={
        "record": entry, "assessor": actor, "signature": signature})


def sign_in_sheet_add(*, actor, session: Session, uploaded_file, description: str = "Sign-in sheet"):
    """Attach the sign-in sheet (or any evidence) to the session (a core attachment)."""
    from qualitas.core.files.services import attachment_add

    return attachment_add(actor=actor, instance=session, uploaded_file=uploaded_file, description=description)


# --- Reads ------------------------------------------------------------------------------------------------


def sessions_visible(actor):
    from django.db.models import Q

    from qualitas.core.permissions import visible_to

    base = Session.objects.select_related("requirement", "trainer", "site")
    if not actor.is_authenticated:
        return base.none()
    mine = Q(trainer=actor) | Q(attendees__person=actor)
    if has_perm(actor, MODULE, "view"):
        return (visible_to(actor, base, MODULE) | base.filter(mine)).distinct()
    return base.filter(mine).distinct()


def session_get(actor, pk) -> Session:
    from django.http import Http404

    found = sessions_visible(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such session.")
    return found


def session_list(actor, *, requirement_id=None, person_id=None):
    found = sessions_visible(actor)
    if requirement_id:
        found = found.filter(requirement_id=requirement_id)
    if person_id:
        found = found.filter(attendees__person_id=person_id)
    return found.order_by("-date", "-pk")


def attendees_visible(actor):
    return Attendee.objects.filter(session__in=sessions_visible(actor)).select_related("session", "person")


def attendee_get(actor, pk) -> Attendee:
    from django.http import Http404

    found = Attendee.objects.filter(pk=pk, session__in=sessions_visible(actor)).select_related(
        "session__requirement", "session__trainer", "person").first()
    if found is None:
        raise Http404("No such attendee.")
    return found


def attendees_of(session: Session) -> list[Attendee]:
    return list(session.attendees.select_related("person", "record", "assessor", "recorded_by").order_by(
        "person__last_name", "person__first_name", "pk"))


def session_for_tests(*, actor, site=None) -> Session:
    """The test kit's factory: a classroom session on a new course."""
    import uuid

    from qualitas.training import services

    requirement = services.requirement_create(actor=actor, code=f"S-{uuid.uuid4().hex[:8]}", title="Session course",
                                              kind="course", method="classroom", site=site)
    return session_create(actor=actor, requirement=requirement, kind="classroom", date=timezone.localdate(),
                          duration_minutes=60, trainer_name="External trainer", site=site)
