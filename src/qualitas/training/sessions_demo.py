"""Demo data of sessions, competence entries and effectiveness (called by training.demo.load)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def load(people: dict, password: str) -> None:
    from qualitas.core.signatures.services import Credentials
    from qualitas.training import competence, effectiveness, services, sessions
    from qualitas.training.models import Assignment, Requirement

    quality = people["quality"]
    today = timezone.localdate()
    # A classroom session last week: attendance recorded, open assignments completed.
    for method, kind in (("classroom", "classroom"), ("on-the-job", "on-the-job")):
        open_ = list(Assignment.objects.filter(method=method, status__in=Assignment.OPEN_STATUSES)
                     .select_related("requirement", "person__manager").order_by("requirement__code", "pk")[:3])
        if not open_:
            continue
        requirement = open_[0].requirement
        attendees = [a.person for a in open_ if a.requirement_id == requirement.pk]
        trainer = attendees[0].manager or quality
        session = sessions.session_create(
            actor=quality, requirement=requirement, kind=kind, date=today - dt.timedelta(days=7),
            duration_minutes=120 if kind == "classroom" else 240, trainer=trainer if kind == "on-the-job" else None,
            trainer_name="" if kind == "on-the-job" else "SafeWork Training Ltd", location="Training room 1",
            notes="Demo session.", attendees=attendees)
        for attendee in session.attendees.all():
            sessions.attendance_record(actor=quality, attendee=attendee, attended=True,
                                       level=max(requirement.min_level, 2 if kind == "classroom" else 3))
        if kind == "on-the-job":
            assessor = people["reviewer"] if people["reviewer"].pk not in {p.pk for p in attendees} else quality
            services.training_record(actor=quality, person=assessor, requirement=requirement,
                                     completed_on=today - dt.timedelta(days=200), level=4, trainer="External",
                                     evidence="Assessor certificate")
            first = session.attendees.order_by("pk").first()
            sessions.attendee_assess(actor=assessor, attendee=first, credentials=Credentials(password))
    # CV-style entries.
    for username, entries in (
        ("employee", [("education", "Industrial mechanic apprenticeship", "Springfield Technical College",
                       dt.date(2012, 9, 1), dt.date(2015, 7, 31)),
                      ("experience", "Machine operator", "Northwind Pumps", dt.date(2015, 8, 1), dt.date(2021, 3, 31)),
                      ("certificate", "Forklift licence", "TÜV", dt.date(2022, 5, 10), None)]),
        ("reviewer", [("education", "BSc Mechanical engineering", "State University", dt.date(2005, 9, 1),
                       dt.date(2009, 6, 30)),
                      ("certificate", "Lead auditor ISO 9001", "IRCA", dt.date(2019, 3, 1), None)]),
    ):
        person = people.get(username)
        if person is None:
            continue
        for kind, title, organisation, start, end in entries:
            competence.competence_entry_create(actor=quality, person=person, kind=kind, title=title,
                                               organisation=organisation, start=start, end=end)
    # One requirement reviewed for effectiveness 30 days after each training; one review done.
    from qualitas.training.models import TrainingRecord

    recent = (TrainingRecord.objects.filter(requirement__kind="course", requirement__active=True,
                                            completed_on__gte=today - dt.timedelta(days=120),
                                            completed_on__lte=today - dt.timedelta(days=30),
                                            person__manager__isnull=False)
              .order_by("requirement__code").values_list("requirement_id", flat=True).first())
    requirement = Requirement.objects.filter(pk=recent).first()
    if requirement is None:
        return
    effectiveness.effectiveness_set(actor=quality, requirement=requirement, days=30,
                                    since=today - dt.timedelta(days=120))
    effectiveness.open_reviews()
    review = (effectiveness.EffectivenessReview.objects.filter(requirement=requirement, reviewer__isnull=False)
              .select_related("reviewer", "person").order_by("pk").first())
    if review is not None and review.reviewer.is_active and review.reviewer_id != review.person_id:
        effectiveness.review_complete(actor=review.reviewer, review=review, rating="effective",
                                      note="Applies the procedure without help; no incident since the training.")
