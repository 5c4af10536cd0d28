"""The training API, second half: sessions and attendance (with the assessor's signature), competence
entries, a person's training record as PDF, effectiveness of training and the compliance trend."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from qualitas.core.api_types import BodySchema, PathId, QueryId, active_user
from qualitas.core.signatures.services import Credentials
from qualitas.training import competence, effectiveness, selectors, sessions, trend

router = Router(tags=["training"])


class AttendeeOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.display_name")
    attended: bool | None
    level: int | None
    note: str
    recorded_by_id: int | None
    recorded_at: dt.datetime | None
    record_id: int | None
    assessor_id: int | None
    signature_id: int | None
    version: int


class SessionOut(Schema):
    id: int
    requirement_id: int
    requirement_code: str = Field(..., alias="requirement.code")
    kind: str
    trainer_id: int | None
    trainer_name: str
    trainer: str = Field(..., alias="trainer_label")
    date: dt.date
    duration_minutes: int
    location: str
    notes: str
    site_id: int | None
    version: int


class SessionDetailOut(SessionOut):
    attendees: list[AttendeeOut] = Field(..., alias="attendees_list")


class SessionIn(BodySchema):
    requirement_id: int
    kind: str = Field("classroom", pattern="^(classroom|on-the-job)$")
    date: dt.date
    duration_minutes: int = Field(..., ge=1, le=14400)
    trainer_id: int | None = None
    trainer_name: str = Field("", max_length=200)
    location: str = Field("", max_length=200)
    notes: str = Field("", max_length=5000)
    attendee_ids: list[int] = Field(default_factory=list, max_length=500)


class AttendeeIn(BodySchema):
    person_id: int


class AttendanceIn(BodySchema):
    attended: bool
    level: int | None = Field(None, ge=1, le=4)
    note: str = Field("", max_length=500)


class AssessIn(BodySchema):
    password: str = Field(..., min_length=1, max_length=500)
    otp: str = Field("", max_length=20)
    comment: str = Field("", max_length=2000)
    level: int | None = Field(None, ge=1, le=4)


class EntryOut(Schema):
    id: int
    person_id: int
    kind: str
    title: str
    organisation: str
    start: dt.date | None
    end: dt.date | None
    notes: str
    evidence: str
    withdrawn: bool
    version: int


class EntryIn(BodySchema):
    kind: str = Field(..., pattern="^(education|experience|certificate)$")
    title: str = Field(..., min_length=1, max_length=300)
    organisation: str = Field("", max_length=200)
    start: dt.date | None = None
    end: dt.date | None = None
    notes: str = Field("", max_length=5000)
    evidence: str = Field("", max_length=300)


class ReviewOut(Schema):
    id: int
    record_id: int
    requirement_id: int
    person_id: int
    due: dt.date
    reviewer_id: int | None
    status: str
    rating: str
    note: str
    done_by_id: int | None
    done_at: dt.datetime | None
    human_error_nonconformities: list[str] = Field([], alias="nonconformity_numbers")


class EffectivenessOut(Schema):
    requirement_id: int
    review_after_days: int | None
    since: dt.date | None
    human_error_nonconformities: list[str]
    ratings: dict[str, int]
    reviews: list[ReviewOut]


class EffectivenessIn(BodySchema):
    review_after_days: int | None = Field(None, ge=1, le=730)
    reason: str = Field("", max_length=500)


class ReviewIn(BodySchema):
    rating: str = Field(..., pattern="^(effective|partly|not)$")
    note: str = Field(..., min_length=1, max_length=5000)


class TrendDepartment(Schema):
    id: int | None
    label: str
    percent: list[float | None]


class TrendOut(Schema):
    months: list[str]
    as_of: list[dt.date]
    overall: list[float | None]
    departments: list[TrendDepartment]


# --- Sessions -------------------------------------------------------------------------------------------------


def _detail(session):
    session.attendees_list = sessions.attendees_of(session)
    return session


@router.get("/training/sessions", response=list[SessionOut], summary="List training sessions")
def list_sessions(request, requirement_id: QueryId = None, person_id: QueryId = None):
    return list(sessions.session_list(request.auth, requirement_id=requirement_id, person_id=person_id)[:500])


@router.post("/training/sessions", response={201: SessionDetailOut},
             summary="Plan a classroom or on-the-job session (with its attendees)")
def create_session(request, payload: SessionIn):
    requirement = selectors.requirement_get(request.auth, payload.requirement_id)
    trainer = active_user(payload.trainer_id, "trainer_id") if payload.trainer_id else None
    attendees = [active_user(pk, "attendee_ids") for pk in dict.fromkeys(payload.attendee_ids)]
    session = sessions.session_create(
        actor=request.auth, requirement=requirement, kind=payload.kind, date=payload.date,
        duration_minutes=payload.duration_minutes, trainer=trainer, trainer_name=payload.trainer_name,
        location=payload.location, notes=payload.notes, attendees=attendees)
    return Status(201, _detail(session))


@router.get("/training/sessions/{session_id}", response=SessionDetailOut, summary="A session and its attendance")
def get_session(request, session_id: PathId):
    return _detail(sessions.session_get(request.auth, session_id))


@router.post("/training/sessions/{session_id}/attendees", response={201: AttendeeOut}, summary="Add an attendee")
def add_attendee(request, session_id: PathId, payload: AttendeeIn):
    session = sessions.session_get(request.auth, session_id)
    return Status(201, sessions.attendee_add(actor=request.auth, session=session,
                                             person=active_user(payload.person_id, "person_id")))


@router.post("/training/attendees/{attendee_id}/attendance", response=AttendeeOut,
             summary="The trainer records attendance (a classroom attendance records the training)")
def record_attendance(request, attendee_id: PathId, payload: AttendanceIn):
    attendee = sessions.attendee_get(request.auth, attendee_id)
    return sessions.attendance_record(actor=request.auth, attendee=attendee, attended=payload.attended,
                                      level=payload.level, note=payload.note)


@router.post("/training/attendees/{attendee_id}/assess", response=AttendeeOut,
             summary="A qualified assessor (level 4, current) signs \"assessed\" for on-the-job training")
def assess_attendee(request, attendee_id: PathId, payload: AssessIn):
    attendee = sessions.attendee_get(request.auth, attendee_id)
    return sessions.attendee_assess(actor=request.auth, attendee=attendee, level=payload.level,
                                    credentials=Credentials(payload.password, payload.otp, payload.comment))


# --- Competence -------------------------------------------------------------------------------------------------


@router.get("/training/people/{person_id}/competence", response=list[EntryOut],
            summary="A person's education, experience and certificates")
def list_entries(request, person_id: PathId):
    return competence.entries_of(selectors.person_get(request.auth, person_id))


@router.post("/training/people/{person_id}/competence", response={201: EntryOut}, summary="Add a competence entry")
def create_entry(request, person_id: PathId, payload: EntryIn):
    person = selectors.person_get(request.auth, person_id)
    return Status(201, competence.competence_entry_create(actor=request.auth, person=person, **payload.dict()))


@router.get("/training/people/{person_id}/record.pdf", summary="A person's training record as PDF")
def person_record_pdf(request, person_id: PathId):
    from qualitas.training.pdf import person_record_pdf as render_pdf

    person = selectors.person_get(request.auth, person_id)
    response = HttpResponse(render_pdf(request.auth, person), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="training-record-{person.username}.pdf"'
    return response


# --- Effectiveness -----------------------------------------------------------------------------------------------


def _effectiveness(requirement):
    data = effectiveness.requirement_effectiveness(requirement)
    setting = data["setting"]
    return {
        "requirement_id": requirement.pk, "review_after_days": setting.days if setting else None,
        "since": data["since"], "human_error_nonconformities": [nc.number for nc in data["nonconformities"]],
        "ratings": data["ratings"],
        "reviews": data["reviews"],
    }


@router.get("/training/requirements/{requirement_id}/effectiveness", response=EffectivenessOut,
            summary="Effectiveness of the requirement's training: reviews and human-error nonconformities")
def get_effectiveness(request, requirement_id: PathId):
    return _effectiveness(selectors.requirement_get(request.auth, requirement_id))


@router.post("/training/requirements/{requirement_id}/effectiveness", response=EffectivenessOut,
            summary="Ask for an effectiveness review N days after each training (null: none)")
def set_effectiveness(request, requirement_id: PathId, payload: EffectivenessIn):
    requirement = selectors.requirement_get(request.auth, requirement_id)
    effectiveness.effectiveness_set(actor=request.auth, requirement=requirement, days=payload.review_after_days,
                                    reason=payload.reason)
    return _effectiveness(requirement)


@router.post("/training/effectiveness-reviews/{review_id}/complete", response=ReviewOut,
             summary="The manager rates the effectiveness of a training")
def complete_review(request, review_id: PathId, payload: ReviewIn):
    review = effectiveness.review_get(request.auth, review_id)
    return effectiveness.review_complete(actor=request.auth, review=review, rating=payload.rating, note=payload.note)


# --- Compliance trend ---------------------------------------------------------------------------------------------


@router.get("/training/compliance-trend", response=TrendOut,
            summary="Compliance by month (overall and per department) at each month end of the past months")
def compliance_trend(request, site_id: QueryId = None, department_id: QueryId = None, months: int = Query(12, ge=1,
                                                                                                          le=36)):
    from qualitas.accounts.models import Department, Site
    from qualitas.core.permissions import authorize

    authorize(request.auth, "training", "view")
    filters = {}
    if site_id:
        filters["site"] = Site.objects.filter(pk=site_id).first()
    if department_id:
        filters["department"] = Department.objects.filter(pk=department_id).first()
    return trend.compliance_trend(request.auth, months=months, **{k: v for k, v in filters.items() if v})
