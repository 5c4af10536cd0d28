"""Competence records: CV-style entries (education, experience, certificates) and a person's full
history from hire to today (training records, quizzes and sessions through their training records,
positions taken and left, competence entries, effectiveness reviews), latest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from qualitas.core.permissions import has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.training.models import CompetenceEntry, PositionHolding, TrainingRecord
from qualitas.training.models_sessions import ENTRY_KINDS

MODULE = "training"
ENTRY_FIELDS = ("kind", "title", "organisation", "start", "end", "notes", "evidence")


def _may_edit(actor, person) -> None:
    if not has_perm(actor, MODULE, "edit", person.site_id):
        raise PermissionDenied("You may not change this person's competence record.")


def _clean(fields: dict) -> dict:
    if "kind" in fields and fields["kind"] not in dict(ENTRY_KINDS):
        raise ValidationError({"kind": "An entry is education, experience or a certificate."})
    if "title" in fields:
        fields["title"] = " ".join((fields["title"] or "").split())
        if not fields["title"]:
            raise ValidationError({"title": "Give the entry a title (a diploma, a job, a certificate)."})
    for name in ("organisation", "evidence"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if fields.get("start") and fields["start"] > dt.date.today() + dt.timedelta(days=366):
        raise ValidationError({"start": "The start is too far in the future."})
    return fields


@transaction.atomic
def competence_entry_create(*, actor, person, kind: str, title: str, organisation: str = "", start=None,
                            end=None, notes: str = "", evidence: str = "") -> CompetenceEntry:
    _may_edit(actor, person)
    fields = _clean({"kind": kind, "title": title, "organisation": organisation, "evidence": evidence})
    return record_create(actor, CompetenceEntry(person=person, start=start, end=end, notes=notes or "",
                                                created_by=actor, **fields),
                         event="training.competence_entry_created")


@transaction.atomic
def competence_entry_update(*, actor, entry: CompetenceEntry, reason: str, version=None,
                            **fields) -> CompetenceEntry:
    _may_edit(actor, entry.person)
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    return record_update(actor, entry, event="training.competence_entry_updated", changes=_clean(fields),
                         expected_version=version, reason=reason)


@transaction.atomic
def competence_entry_withdraw(*, actor, entry: CompetenceEntry, reason: str) -> CompetenceEntry:
    _may_edit(actor, entry.person)
    if entry.withdrawn:
        raise ValidationError("The entry is already withdrawn.")
    return record_update(actor, entry, event="training.competence_entry_withdrawn", changes={"withdrawn": True},
                         reason=reason)


def entries_of(person, *, withdrawn: bool = False) -> list[CompetenceEntry]:
    found = CompetenceEntry.objects.filter(person=person)
    if not withdrawn:
        found = found.filter(withdrawn=False)
    return list(found.order_by("-start", "-pk"))


def entry_get(actor, pk) -> CompetenceEntry:
    from django.http import Http404

    from qualitas.training.selectors import may_see_person

    entry = CompetenceEntry.objects.filter(pk=pk).select_related("person").first()
    if entry is None or not may_see_person(actor, entry.person):
        raise Http404("No such competence entry.")
    return entry


def entries_visible(actor):
    from qualitas.training.selectors import _theirs

    # An entry has no site of its own: the person's site scopes it.
    return _theirs(actor, CompetenceEntry.objects.select_related("person"), site_field="person__site")


@dataclass
class Event:
    day: dt.date | None
    kind: str  # training, quiz, session, qualification, position, education, experience, certificate, review
    title: str
    detail: str = ""
    level: int | None = None
    evidence: str = ""
    url: str = ""


def history(person) -> list[Event]:
    """Every training, quiz, session, qualification, competence level, position and CV entry of the
    person, latest first (a fixed number of queries)."""
    from django.urls import reverse

    from qualitas.training.models import EffectivenessReview

    events: list[Event] = []
    for r in TrainingRecord.objects.filter(person=person).select_related("requirement", "revision__document",
                                                                         "signature"):
        kind = {"quiz": "quiz", "session": "session"}.get(r.source) or (
            "qualification" if r.requirement.kind == "qualification" else "training")
        detail = f"{r.get_method_display()} · {r.get_source_display()}"
        if r.revision_id:
            detail += f" · {r.revision.document.number} rev {r.revision.label}"
        if r.trainer:
            detail += f" · trainer {r.trainer}"
        if r.expires_on:
            detail += f" · expires {r.expires_on:%Y-%m-%d}"
        if r.signature_id:
            detail += f" · signed {r.signature.get_meaning_display().lower()} by {r.signature.signer_name}"
        events.append(Event(r.completed_on, kind, f"{r.requirement.code} {r.requirement.title}", detail, r.level,
                            r.evidence, reverse("training:record", args=[r.pk])))
    for h in PositionHolding.objects.filter(person=person).select_related("position", "site"):
        where = f" ({h.site.code})" if h.site_id else ""
        events.append(Event(h.start_date, "position", f"Took the position {h.position.name}{where}"))
        if h.end_date:
            events.append(Event(h.end_date, "position", f"Left the position {h.position.name}{where}", h.end_reason))
    for e in entries_of(person):
        span = f"{e.start:%Y-%m}" if e.start else ""
        span += f" – {e.end:%Y-%m}" if e.end else (" – today" if e.start and e.kind == "experience" else "")
        events.append(Event(e.start, e.kind, e.title, " · ".join(x for x in (e.organisation, span, e.notes) if x),
                            evidence=e.evidence))
    for review in EffectivenessReview.objects.filter(person=person, status="done").select_related("requirement"):
        events.append(Event(review.done_at.date() if review.done_at else review.due, "review",
                            f"Effectiveness of {review.requirement.code}: {review.get_rating_display()}",
                            review.note))
    events.sort(key=lambda e: (e.day or dt.date.min), reverse=True)
    return events
