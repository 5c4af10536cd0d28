"""Assignments are generated, never typed: this is the generator and the completion of assignments,
called by the services (a position taken or left, a requirement applied or withdrawn), by the hooks
(a document revision effective or withdrawn, an acknowledgment signed) and by the jobs (renewal before
expiry, the hourly synchronisation with departments and holdings that changed elsewhere).

Generated assignments are created and ended by the system account, each with the reason naming the
step and who took it; completions are recorded by whoever completed (the person who acknowledged, the
trainer who recorded). Every change is audited on the assignment, and the assignment's core task
follows it (created with it, closed by its completion, cancelled when it ends). A read-and-understood
assignment for a revision whose distribution already gave the person an acknowledgment task gets no
second task: that one acknowledgment completes both (and if the document withdraws its task, the
synchronisation gives the assignment its own).

Due dates: a new holder of a position has the requirement's new-starter days from the start date;
retraining (a new revision, a requirement newly applied) has its retraining days from that day; a
renewal is assigned `retraining_days` before the expiry date and is due on the expiry date. Optional
requirements are assigned without a due date (no reminders, no escalation).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from qualitas.core.regulated import record_create, record_update
from qualitas.training import reach as reach_
from qualitas.training import status as status_
from qualitas.training.models import READ_AND_UNDERSTOOD, Assignment, Requirement, TrainingRecord

TASK_KEY = "training-assignment:{pk}"


def system():
    from qualitas.accounts.services import system_actor

    return system_actor()


def add_months(day: dt.date, months: int) -> dt.date:
    from qualitas.documents.services import add_months as add

    return add(day, months)


def expiry_for(requirement: Requirement, completed_on: dt.date) -> dt.date | None:
    return add_months(completed_on, requirement.validity_months) if requirement.validity_months else None


def rule_of(requirement: Requirement) -> status_.Rule:
    return status_.Rule(requirement.pk, requirement.kind, requirement.min_level, requirement.grace_days,
                        requirement.mandatory, requirement.document_id)


def done_of(record: TrainingRecord) -> status_.Done:
    return status_.Done(record.completed_on, record.expires_on, record.level, record.revision_id)


def training_revisions(document_ids) -> dict[int, tuple]:
    """{document id: (revision id, effective date, revision ids that count)} of the revision people must
    be trained on: the effective revision, whose training is what is assigned and recorded now. When
    its change was decided to need no retraining (training impact "none", qualitas.training.impact),
    training on the earlier revision keeps counting: the date from which a record without a revision
    counts is that earlier revision's effective date, and the ids that count run from it (the last
    revision whose change needed retraining, or the first one) up to the effective revision."""
    from qualitas.documents.models import Revision
    from qualitas.training.models_impact import NONE, TrainingImpact

    ids = [pk for pk in set(document_ids) if pk]
    if not ids:
        return {}
    from django.db.models import Exists, OuterRef

    rows = Revision.objects.filter(document_id__in=ids, status="effective").annotate(
        unchanged=Exists(TrainingImpact.objects.filter(revision_id=OuterRef("pk"), kind=NONE))).values_list(
        "document_id", "pk", "effective_date", "unchanged")
    found, unchanged = {}, set()
    for document_id, revision_id, effective, no_retraining in rows:
        found[document_id] = (revision_id, effective, frozenset((revision_id,)))
        if no_retraining:
            unchanged.add(document_id)
    if not unchanged:
        return found
    earlier = Revision.objects.filter(document_id__in=unchanged, status="superseded").order_by(
        "document_id", "-effective_at", "-pk").values_list("document_id", "pk", "effective_date")
    kinds = dict(TrainingImpact.objects.filter(revision__document_id__in=unchanged).values_list("revision_id", "kind"))
    walking = set(unchanged)
    for document_id, revision_id, effective in earlier:
        if document_id not in walking:
            continue
        current_id, _, accepted = found[document_id]
        found[document_id] = (current_id, effective, accepted | {revision_id})
        if kinds.get(revision_id, "") != NONE:
            walking.discard(document_id)  # this revision needed retraining (or was the first): it is the baseline
    return found


def revision_method(revision, requirement: Requirement) -> str | None:
    """How holders train on a new effective revision for `requirement` (None: no retraining): from the
    training impact decided on the change (qualitas.training.impact); the first revision of a new
    document, without a decision, is trained on by the requirement's own method."""
    from qualitas.training import impact

    return impact.method_for(revision, requirement)


# --- Tasks ------------------------------------------------------------------------------------------------


def _task_kind(assignment: Assignment) -> str:
    return "acknowledge" if assignment.method == READ_AND_UNDERSTOOD else "action"


def _task_title(assignment: Assignment) -> str:
    requirement = assignment.requirement
    if assignment.method == READ_AND_UNDERSTOOD and assignment.revision_id:
        revision = assignment.revision
        return f"Read and acknowledge {revision.document.number} rev {revision.label}: {revision.document.title}"
    return f"Training: {requirement.title} ({assignment.get_method_display().lower()})"


def _asked_by_the_document(assignment: Assignment) -> bool:
    """The document's own distribution already asks the person to acknowledge that revision (an open
    acknowledgment task on it): one task in the inbox, whose acknowledgment completes both."""
    from qualitas.core.tasks.models import Task

    return assignment.method == READ_AND_UNDERSTOOD and assignment.revision_id is not None and Task.objects.filter(
        record_type="documents.revision", record_id=str(assignment.revision_id), kind="acknowledge",
        assignee_id=assignment.person_id, status=Task.OPEN).exists()


def has_open_task(assignment: Assignment) -> bool:
    from qualitas.core.tasks.models import Task

    return Task.objects.filter(key=TASK_KEY.format(pk=assignment.pk), status=Task.OPEN).exists() or (
        _asked_by_the_document(assignment))


def _open_task(actor, assignment: Assignment) -> None:
    from qualitas.core.tasks.services import task_create

    person = assignment.person
    if not person.is_active or _asked_by_the_document(assignment):
        return
    today = timezone.localdate()
    due = max(assignment.due, today) if assignment.due else None  # an overdue assignment's task is due today
    how = ("Acknowledge the document (read and understood) to complete it." if assignment.method == READ_AND_UNDERSTOOD
           else "It is completed when your training is recorded.")
    task_create(
        actor=actor, assignee=person, kind=_task_kind(assignment), instance=assignment, due=due,
        title=_task_title(assignment), description=f"{assignment.trigger_label}. {how}".strip(),
        key=TASK_KEY.format(pk=assignment.pk), manual_completion=False,
    )


# --- Creating, completing and ending assignments ----------------------------------------------------------


def assignment_open(actor, *, person, requirement: Requirement, trigger: str, label: str, due: dt.date | None,
                    method: str | None = None, revision=None) -> Assignment:
    assignment = record_create(
        actor,
        Assignment(
            person=person, requirement=requirement, method=method or requirement.method, revision=revision,
            site=person.site, due=due if requirement.mandatory else None, trigger=trigger,
            trigger_label=label[:300],
        ),
        event="training.assignment_created",
        reason=label,
    )
    _open_task(actor, assignment)
    return assignment


def assignment_end(actor, assignment: Assignment, reason: str) -> Assignment:
    from qualitas.core.tasks.services import tasks_cancel_for

    assignment = record_update(
        actor, assignment, event="training.assignment_ended", require_reason=True, reason=reason,
        changes={"status": Assignment.ENDED, "ended_at": timezone.now(), "end_reason": reason},
    )
    tasks_cancel_for(assignment, actor=actor, reason=reason)
    return assignment


def assignment_start(actor, assignment: Assignment, note: str = "") -> Assignment:
    """Mark an open assignment in progress (an attempt, a session, a level below the minimum)."""
    if assignment.status != Assignment.OPEN:
        return assignment
    return record_update(actor, assignment, event="training.assignment_started", reason=note,
                         changes={"status": Assignment.IN_PROGRESS, "started_at": timezone.now()})


def assignment_complete(actor, assignment: Assignment, record: TrainingRecord) -> Assignment:
    from qualitas.core.tasks.services import tasks_complete_for

    assignment = record_update(
        actor, assignment, event="training.assignment_completed",
        changes={"status": Assignment.COMPLETED, "completed_at": timezone.now()},
        extra_changes={"Training record": [None, record.pk]},
    )
    tasks_complete_for(assignment, _task_kind(assignment), actor=actor, note=f"training record {record.pk}")
    return assignment


def record_add(actor, *, person, requirement: Requirement, completed_on: dt.date, level: int, method: str,
               source: str, assignment: Assignment | None = None, revision=None, expires_on: dt.date | None = None,
               signature=None, trainer: str = "", evidence: str = "", notes: str = "",
               event: str = "training.record_created") -> TrainingRecord:
    """A training record; with an open assignment, it completes it when the level reaches the minimum
    (or starts it, when the person is not competent yet)."""
    record = record_create(
        actor,
        TrainingRecord(
            person=person, requirement=requirement, assignment=assignment, method=method, revision=revision,
            site=person.site, completed_on=completed_on,
            expires_on=expires_on if expires_on is not None else expiry_for(requirement, completed_on),
            level=level, trainer=trainer, evidence=evidence, notes=notes, source=source, signature=signature,
            recorded_by=actor, recorded_at=timezone.now(),
        ),
        event=event,
    )
    if assignment is not None and assignment.is_open:
        if status_.lapsed(rule_of(requirement), done_of(record), timezone.localdate()):
            pass  # an old record that has expired since does not answer the open assignment
        elif level >= requirement.min_level:
            assignment_complete(actor, assignment, record)
        else:
            assignment_start(actor, assignment, note=f"Level {level} reached; {requirement.min_level} is required.")
    return record


# --- Generating ------------------------------------------------------------------------------------------


def _records_by_pair(person_ids, requirement_ids) -> dict[tuple[int, int], list[TrainingRecord]]:
    found: dict[tuple[int, int], list[TrainingRecord]] = defaultdict(list)
    records = TrainingRecord.objects.filter(person_id__in=list(person_ids), requirement_id__in=list(requirement_ids))
    for record in records:
        found[record.person_id, record.requirement_id].append(record)
    return found


def _open_by_pair(person_ids, requirement_ids=None) -> dict[tuple[int, int], Assignment]:
    assignments = Assignment.objects.filter(person_id__in=list(person_ids), status__in=Assignment.OPEN_STATUSES)
    if requirement_ids is not None:
        assignments = assignments.filter(requirement_id__in=list(requirement_ids))
    return {(a.person_id, a.requirement_id): a for a in assignments.select_related("person", "requirement")}


def _latest(requirement: Requirement, records, training_revision) -> TrainingRecord | None:
    rule = rule_of(requirement)
    best = None
    for record in records:
        if status_.counts(rule, done_of(record), training_revision) and (
            best is None or (record.completed_on, record.pk) > (best.completed_on, best.pk)
        ):
            best = record
    return best


def needs_training(requirement: Requirement, latest: TrainingRecord | None, today: dt.date) -> bool:
    """Nothing counts yet, or what counts expires within the retraining days (time to renew)."""
    if latest is None:
        return True
    return latest.expires_on is not None and today >= latest.expires_on - dt.timedelta(days=requirement.retraining_days)


def _acknowledged(person, revision_id: int):
    """The person's valid "read and understood" signature on the revision, if any."""
    from qualitas.core.signatures.selectors import valid_signatures
    from qualitas.documents.models import Revision

    revision = Revision.objects.filter(pk=revision_id).select_related("document").first()
    if revision is None:
        return None
    return next((s for s in valid_signatures(revision, "read-and-understood") if s.signer_id == person.pk), None)


def sync_person(person, *, trigger: str, label: str, today: dt.date | None = None, start: dt.date | None = None,
                end_reason: str = "") -> dict:
    """Bring one person's open assignments in line with what applies to them: assign what applies and
    is not done (or is due for renewal), end what no longer applies. Returns what changed."""
    from qualitas.documents.models import Revision

    today = today or timezone.localdate()
    actor = system()
    applicable = reach_.compute([person.pk], today=today).of(person.pk)
    open_assignments = {req: a for (_, req), a in _open_by_pair([person.pk]).items()}
    result = {"assigned": [], "ended": []}
    for requirement_id, assignment in open_assignments.items():
        if requirement_id not in applicable:
            assignment_end(actor, assignment, end_reason or "The requirement no longer applies to this person.")
            result["ended"].append(assignment.requirement.code)
        elif not has_open_task(assignment):
            _open_task(actor, assignment)  # the document's acknowledgment task it relied on was withdrawn
    requirements = Requirement.objects.in_bulk([pk for pk in applicable if pk not in open_assignments])
    revisions = training_revisions(r.document_id for r in requirements.values())
    records = _records_by_pair([person.pk], requirements)
    for requirement in sorted(requirements.values(), key=lambda r: r.code):
        training_revision = revisions.get(requirement.document_id) if requirement.kind == "document" else None
        if requirement.kind == "document" and training_revision is None:
            continue  # nothing effective to train on yet
        latest = _latest(requirement, records.get((person.pk, requirement.pk), []), training_revision)
        if not needs_training(requirement, latest, today):
            continue
        revision = Revision.objects.filter(pk=training_revision[0]).first() if training_revision else None
        if latest is None and requirement.method == READ_AND_UNDERSTOOD and revision is not None:
            signature = _acknowledged(person, revision.pk)
            if signature is not None:  # read before the requirement applied: the acknowledgment counts
                record_add(actor, person=person, requirement=requirement, completed_on=timezone.localdate(
                    signature.signed_at), level=1, method=READ_AND_UNDERSTOOD, source="acknowledgment",
                    revision=revision, signature=signature, notes="Acknowledged before the requirement applied.")
                continue
        if latest is not None and latest.expires_on is not None:
            due, why = latest.expires_on, f"Renewal: {requirement.code} expires on {latest.expires_on:%Y-%m-%d}"
            kind = "renewal"
        elif trigger == "position" and start is not None:
            due, why, kind = start + dt.timedelta(days=requirement.new_starter_days), label, trigger
        else:
            due, why, kind = today + dt.timedelta(days=requirement.retraining_days), label, trigger
        if kind != "renewal" and revision is not None and revision.effective_date:
            # Nobody is late on a revision before it has been effective for the retraining days.
            due = max(due, revision.effective_date + dt.timedelta(days=requirement.retraining_days))
        assignment_open(actor, person=person, requirement=requirement, trigger=kind, label=why, due=due,
                        revision=revision)
        result["assigned"].append(requirement.code)
    return result


def sync_people(person_ids, **kwargs) -> dict:
    result = {"assigned": 0, "ended": 0}
    from qualitas.accounts.models import User

    for person in User.objects.filter(pk__in=list(person_ids)).order_by("pk"):
        changed = sync_person(person, **kwargs)
        result["assigned"] += len(changed["assigned"])
        result["ended"] += len(changed["ended"])
    return result


def revision_effective(revision, *, made_by: str = "") -> int:
    """A revision became effective: the people a requirement on its document applies to get an
    assignment for it (one replacing any open assignment for an earlier revision)."""
    from qualitas.accounts.models import User

    requirements = list(Requirement.objects.filter(active=True, kind="document", document_id=revision.document_id))
    if not requirements:
        return 0
    actor = system()
    today = timezone.localdate()
    reached = reach_.compute(None, today=today)
    document = revision.document
    label = f"{document.number} rev {revision.label} became effective" + (f" ({made_by})" if made_by else "")
    effective = revision.effective_date or today
    created = 0
    for requirement in requirements:
        method = revision_method(revision, requirement)
        if method is None:
            continue
        people = reached.people_of(requirement.pk)
        open_assignments = _open_by_pair(people, [requirement.pk])
        for person in User.objects.filter(pk__in=people).order_by("pk"):
            current = open_assignments.get((person.pk, requirement.pk))
            if current is not None:
                if current.revision_id == revision.pk:
                    continue
                assignment_end(actor, current, f"Superseded: {document.number} rev {revision.label} is effective.")
            assignment_open(actor, person=person, requirement=requirement, trigger="revision", label=label,
                            due=effective + dt.timedelta(days=requirement.retraining_days), method=method,
                            revision=revision)
            created += 1
    return created


def revision_withdrawn(revision) -> int:
    """The document was made obsolete: open assignments to train on that revision end."""
    actor = system()
    ended = 0
    for assignment in Assignment.objects.filter(revision=revision, status__in=Assignment.OPEN_STATUSES).order_by("pk"):
        assignment_end(actor, assignment, f"{revision.document.number} was withdrawn (rev {revision.label} obsolete).")
        ended += 1
    return ended


def acknowledged(actor, revision, signature) -> list[TrainingRecord]:
    """`actor` signed "read and understood" for `revision`: their read-and-understood assignment for it
    is completed, and a requirement on the document that applies to them is recorded as trained."""
    requirements = list(Requirement.objects.filter(active=True, kind="document", document_id=revision.document_id))
    if not requirements:
        return []
    today = timezone.localdate()
    applicable = reach_.compute([actor.pk], today=today).of(actor.pk)
    open_assignments = _open_by_pair([actor.pk], [r.pk for r in requirements])
    recorded = []
    for requirement in requirements:
        assignment = open_assignments.get((actor.pk, requirement.pk))
        if assignment is not None:
            if assignment.method != READ_AND_UNDERSTOOD or assignment.revision_id != revision.pk:
                continue  # another method was asked (a quiz) or another revision
        elif requirement.method != READ_AND_UNDERSTOOD or requirement.pk not in applicable:
            continue
        elif TrainingRecord.objects.filter(person=actor, requirement=requirement, revision=revision).exists():
            continue
        recorded.append(record_add(
            actor, person=actor, requirement=requirement, completed_on=today, level=1, method=READ_AND_UNDERSTOOD,
            source="acknowledgment", assignment=assignment, revision=revision, signature=signature,
        ))
    return recorded


# --- Jobs ---------------------------------------------------------------------------------------------------


def renewals(now=None) -> str:
    """Scheduled: trainings and qualifications whose validity ends within their retraining days get a
    renewal assignment, due on the expiry date (one transaction per person)."""
    from django.db.models import Max

    from qualitas.accounts.models import User

    today = timezone.localdate(now) if now else timezone.localdate()
    window = Requirement.objects.filter(active=True).aggregate(days=Max("retraining_days"))["days"] or 0
    people = sorted(set(
        TrainingRecord.objects.filter(expires_on__isnull=False, expires_on__lte=today + dt.timedelta(days=window),
                                      requirement__active=True, person__is_active=True)
        .values_list("person_id", flat=True)
    ))
    assigned = 0
    for person_id in people:
        with transaction.atomic():
            person = User.objects.people().filter(pk=person_id).first()
            if person is not None:
                assigned += len(sync_person(person, trigger="sync", label="Applies since the last synchronisation",
                                            today=today)["assigned"])
    return f"{assigned} assignment(s) made for {len(people)} person(s) with training that expires soon"


def sync_all(now=None) -> str:
    """Scheduled: requirements reach people through departments, positions and processes, which change
    elsewhere (a person moves department, a holding's leaving date passes): bring every person's
    assignments in line, one transaction per person."""
    from qualitas.accounts.models import User

    today = timezone.localdate(now) if now else timezone.localdate()
    assigned = ended = 0
    ids = list(User.objects.people().values_list("pk", flat=True).order_by("pk"))
    for person_id in ids:
        with transaction.atomic():
            person = User.objects.people().filter(pk=person_id).first()
            if person is None:
                continue
            result = sync_person(person, trigger="sync", label="Applies since the last synchronisation", today=today,
                                 end_reason="No longer applies (position left, department or requirement changed).")
        assigned += len(result["assigned"])
        ended += len(result["ended"])
    # Deactivated people keep no open training.
    for assignment in Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES, person__is_active=False):
        with transaction.atomic():
            assignment_end(system(), assignment, "The person's account is deactivated.")
            ended += 1
    return f"training assignments: {assigned} assigned, {ended} ended"
