"""The only write path for controlled documents. Workflow steps go through the core engine
(`qualitas.core.workflow.engine.perform`); these services create and edit the records around it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qualitas.accounts.services import system_actor
from qualitas.core import hooks
from qualitas.core.audit.services import record
from qualitas.core.permissions import authorize, has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.core.workflow import engine
from qualitas.documents.models import (
    ChangeRequest,
    DistributionEntry,
    Document,
    DocumentType,
    PeriodicReview,
    ReviewAssignment,
    Revision,
)

MODULE = "documents"
DOCUMENT_FIELDS = ("title", "owner", "site", "department", "process", "keywords")
REVISION_FIELDS = ("change_summary", "reason", "content", "content_kind", "effective_date")
TYPE_FIELDS = (
    "code",
    "name",
    "number_pattern",
    "revision_scheme",
    "review_interval_months",
    "reviewers_required",
    "sequential_review",
    "allow_self_approval",
    "acknowledgment_days",
    "external",
    "active",
)


def _check(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Document types ---------------------------------------------------------------------------------


@transaction.atomic
def doc_type_create(*, actor, **fields) -> DocumentType:
    authorize(actor, MODULE, "administer")
    _check(fields, TYPE_FIELDS)
    return record_create(actor, DocumentType(**fields), event="documents.type_created")


@transaction.atomic
def doc_type_update(
    *,
    actor,
    doc_type: DocumentType,
    version=None,
    reason: str = "",
    default_reviewers=None,
    default_approvers=None,
    **fields,
) -> DocumentType:
    authorize(actor, MODULE, "administer")
    _check(fields, TYPE_FIELDS)
    extra = {}
    for name, users in (("default_reviewers", default_reviewers), ("default_approvers", default_approvers)):
        if users is not None:
            before = sorted(u.username for u in getattr(doc_type, name).all())
            after = sorted(u.username for u in users)
            if before != after:
                extra[name.replace("_", " ")] = [before, after]
    if "number_pattern" in fields:
        from qualitas.core.numbering.services import validate_pattern

        validate_pattern(fields["number_pattern"])
    doc_type = record_update(
        actor,
        doc_type,
        event="documents.type_updated",
        changes=fields,
        expected_version=version,
        reason=reason,
        action="configure",
        require_reason=False,
        extra_changes=extra or None,
    )
    if "number_pattern" in fields:
        from qualitas.core.numbering.models import NumberingScheme
        from qualitas.core.numbering.services import scheme_update

        scheme = NumberingScheme.objects.filter(key=f"documents.{doc_type.code.lower()}").first()
        if scheme is not None and scheme.pattern != fields["number_pattern"]:
            scheme_update(
                actor=actor,
                scheme=scheme,
                pattern=fields["number_pattern"],
                reason=reason or f"Numbering of {doc_type.name} changed",
            )
    if default_reviewers is not None:
        doc_type.default_reviewers.set(default_reviewers)
    if default_approvers is not None:
        doc_type.default_approvers.set(default_approvers)
    return doc_type


# --- Numbering ------------------------------------------------------------------------------------------


def next_document_number(doc_type: DocumentType, *, department=None, site=None) -> str:
    from qualitas.core.numbering.services import ensure_scheme, next_number

    key = f"documents.{doc_type.code.lower()}"
    ensure_scheme(
        key, doc_type.number_pattern, MODULE, reset="never", description=f"Numbers of {doc_type.name} documents"
    )
    return next_number(
        key, type=doc_type.code, dept=getattr(department, "code", "GEN"), site=getattr(site, "code", "ALL")
    )


# --- Documents and revisions ------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *,
    actor,
    doc_type: DocumentType,
    title: str,
    owner=None,
    number: str = "",
    clauses=(),
    content: str = "",
    change_summary: str = "First issue",
    reason: str = "",
    reviewers=(),
    approvers=(),
    distribution=(),
    **fields,
) -> Document:
    """A new document with its first revision in draft."""
    authorize(actor, MODULE, "create", fields.get("site"))
    _check(fields, DOCUMENT_FIELDS)
    if not doc_type.active:
        raise ValidationError({"doc_type": "This document type is no longer in use."})
    number = number.strip() or next_document_number(
        doc_type, department=fields.get("department"), site=fields.get("site")
    )
    if Document.objects.filter(number=number).exists():
        raise ValidationError({"number": f"Document number {number} is already used."})
    document = record_create(
        actor,
        Document(number=number, title=title, doc_type=doc_type, owner=owner or actor, **fields),
        event="documents.document_created",
    )
    document.clauses.set(list(clauses))
    if distribution:
        distribution_set(actor=actor, document=document, entries=distribution)
    revision = record_create(
        actor,
        Revision(
            document=document,
            label=doc_type.revision_label(0),
            author=actor,
            change_summary=change_summary,
            reason=reason,
            content=content,
        ),
        event="documents.revision_created",
    )
    if not reviewers and not approvers:
        # The type's default route (people who left, lost the right or are not qualified are skipped).
        reviewers = [
            u
            for u in doc_type.default_reviewers.filter(is_active=True).order_by("pk")
            if has_perm(u, MODULE, "approve") and u.pk != actor.pk and not _not_qualified(u, revision, "reviewer")
        ]
        approvers = [
            u
            for u in doc_type.default_approvers.filter(is_active=True).order_by("pk")
            if has_perm(u, MODULE, "approve") and u.pk != actor.pk and not _not_qualified(u, revision, "approver")
        ]
    if reviewers or approvers:
        revision_set_route(actor=actor, revision=revision, reviewers=reviewers, approvers=approvers)
    _index(revision)
    return document


def _index(revision: Revision) -> None:
    from qualitas.documents import search

    search.index_revision(revision)


@transaction.atomic
def document_update(*, actor, document: Document, version=None, reason: str = "", clauses=None, **fields) -> Document:
    authorize(actor, MODULE, "edit", document.site_id)
    _check(fields, DOCUMENT_FIELDS)
    extra = None
    if clauses is not None:
        before = sorted(f"{c.edition} {c.number}" for c in document.clauses.all())
        after = sorted(f"{c.edition} {c.number}" for c in clauses)
        extra = {"Clauses": [before, after]} if before != after else None
    document = record_update(
        actor,
        document,
        event="documents.document_updated",
        changes=fields,
        expected_version=version,
        reason=reason,
        extra_changes=extra,
    )
    if clauses is not None:
        document.clauses.set(list(clauses))
    from qualitas.documents import search

    search.index_document(document)
    return document


def _editable(actor, revision: Revision) -> None:
    authorize(actor, MODULE, "edit", revision.document.site_id)
    if revision.status != "draft":
        raise ValidationError(
            f"Revision {revision.label} is {revision.get_status_display().lower()}: only drafts "
            "can be edited. Start a new revision instead."
        )


def validate_effective_date(day) -> None:
    """A planned effective date is today or later: the approval refuses a date in the past, so it is
    refused where it is entered."""
    if day is None:
        return
    today = timezone.localdate()
    if day < today:
        raise ValidationError(
            {
                "effective_date": f"The effective date {day:%Y-%m-%d} is in the past. Choose today "
                f"({today:%Y-%m-%d}) or a later date, or leave it empty to make the revision effective "
                "as soon as it is approved."
            }
        )


@transaction.atomic
def revision_update(*, actor, revision: Revision, version=None, **fields) -> Revision:
    _editable(actor, revision)
    _check(fields, REVISION_FIELDS)
    validate_effective_date(fields.get("effective_date"))
    revision = record_update(
        actor, revision, event="documents.revision_updated", changes=fields, expected_version=version
    )
    _index(revision)
    return revision


def _not_qualified(user, revision: Revision, role: str) -> str | None:
    """Why `user` may not be the revision's reviewer or approver (a qualification gate), or None."""
    return hooks.refusal(hooks.MAY_ASSIGN, person=user, instance=revision, duty=role)


@transaction.atomic
def revision_set_route(*, actor, revision: Revision, reviewers=(), approvers=()) -> Revision:
    _editable(actor, revision)
    for users, role in ((reviewers, "reviewer"), (approvers, "approver")):
        for user in users:
            if not has_perm(user, MODULE, "approve", revision.document.site_id):
                raise ValidationError({role + "s": f"{user} does not hold the approve permission for documents."})
            if gate := _not_qualified(user, revision, role):
                raise ValidationError({role + "s": gate})
    before = [f"{a.role}: {a.user}" for a in revision.assignments.select_related("user")]
    revision.assignments.all().delete()
    for role, users in (("reviewer", reviewers), ("approver", approvers)):
        for order, user in enumerate(users, start=1):
            ReviewAssignment.objects.create(revision=revision, user=user, role=role, order=order)
    after = [f"{a.role}: {a.user}" for a in revision.assignments.select_related("user")]
    record(actor, "update", "documents.route_set", instance=revision, changes={"review route": [before, after]})
    return revision


@transaction.atomic
def revision_upload(*, actor, revision: Revision, uploaded_file) -> Revision:
    """Attach the document file (PDF, DOCX, XLSX, ODT, image) and extract its text for search."""
    from qualitas.core.files.services import attachment_add, attachment_open
    from qualitas.documents.text import extract_text

    _editable(actor, revision)
    attachment = attachment_add(
        actor=actor, instance=revision, uploaded_file=uploaded_file, description=f"Content of {revision}"
    )
    text = extract_text(attachment_open(attachment), attachment.content_type)
    revision = record_update(
        actor,
        revision,
        event="documents.revision_file_uploaded",
        changes={"content_kind": "file", "file": attachment, "file_sha256": attachment.sha256, "extracted_text": text},
    )
    from qualitas.documents import search

    search.index_revision(revision)
    return revision


@transaction.atomic
def revision_new(
    *, actor, document: Document, change_summary: str, reason: str = "", change_request: ChangeRequest | None = None
) -> Revision:
    """Open the next revision as a draft, starting from the current content."""
    authorize(actor, MODULE, "edit", document.site_id)
    document = Document.objects.select_for_update().get(pk=document.pk)
    open_draft = document.revisions.filter(status__in=["draft", "in_review", "approved"]).first()
    if open_draft:
        raise ValidationError(
            f"Revision {open_draft.label} is still {open_draft.get_status_display().lower()}; "
            "finish or withdraw it first."
        )
    if document.status != "active":
        raise ValidationError("The document is withdrawn.")
    base = document.revisions.filter(status="effective").first() or document.revisions.order_by("-created_at").first()
    revision = record_create(
        actor,
        Revision(
            document=document,
            label=document.doc_type.revision_label(document.revisions.count()),
            author=actor,
            change_summary=change_summary,
            reason=reason,
            content=base.content if base else "",
            content_kind="markdown" if not base or base.content_kind == "markdown" else "file",
        ),
        event="documents.revision_created",
    )
    if base:
        previous_route = list(base.assignments.all())
        for assignment in previous_route:
            if _not_qualified(assignment.user, revision, assignment.role):
                continue  # no longer qualified for the duty: the author chooses someone else
            ReviewAssignment.objects.create(
                revision=revision, user=assignment.user, role=assignment.role, order=assignment.order
            )
        from qualitas.core.links.services import link_create

        link_create(actor=actor, source=revision, target=base, kind="supersedes", note="next revision")
    if change_request is not None:
        from qualitas.core.links.services import link_create

        link_create(actor=actor, source=revision, target=change_request, kind="addresses", note="change request")
    _index(revision)
    return revision


# --- Entering states (called by the workflow engine) ----------------------------------------------------


def route_tasks(actor, revision: Revision, transition) -> None:
    """Submit: a task for each reviewer and the approver; signing a review closes the reviewer's."""
    from qualitas.core.tasks import services as tasks

    if transition.name == "sign_review":
        tasks.tasks_complete_for(revision, "review", assignee=actor, actor=actor, note="review signed")
        return
    due = timezone.localdate() + dt.timedelta(days=7)
    for assignment in revision.assignments.select_related("user"):
        kind = "review" if assignment.role == "reviewer" else "approve"
        tasks.task_create(
            actor=actor,
            assignee=assignment.user,
            kind=kind,
            instance=revision,
            due=due,
            title=f"{kind.capitalize()} {revision.document.number} rev {revision.label}: {revision.document.title}",
            key=f"doc-{kind}:{revision.pk}:{assignment.user_id}",
        )


def close_review_tasks(actor, revision: Revision, reason: str) -> None:
    from qualitas.core.tasks import services as tasks

    tasks.tasks_cancel_for(revision, actor=actor, reason=reason, kind="review")
    tasks.tasks_cancel_for(revision, actor=actor, reason=reason, kind="approve")


def recipients(document: Document):
    """Everyone who must read and acknowledge the document (see selectors.distribution_reach)."""
    from qualitas.documents.selectors import distribution_recipients

    return distribution_recipients(document)


def enter_effective(actor, revision: Revision) -> None:
    from qualitas.core.tasks import services as tasks

    document = revision.document
    for previous in document.revisions.select_for_update().filter(status="effective").exclude(pk=revision.pk):
        engine.perform(
            actor=actor,
            instance=previous,
            transition="supersede",
            changes={"superseded_at": timezone.now()},
            by_service=True,
        )
        tasks.tasks_cancel_for(previous, actor=actor, reason=f"superseded by rev {revision.label}", kind="acknowledge")
    revision.effective_at = timezone.now()
    if not revision.effective_date or revision.effective_date < timezone.localdate():
        revision.effective_date = timezone.localdate()  # the day it really came into force
    next_review = add_months(revision.effective_date, document.doc_type.review_interval_months)
    record_update(
        actor,
        document,
        event="documents.document_revised",
        require_reason=False,
        changes={"next_review_date": next_review},
    )
    close_review_tasks(actor, revision, "approved")
    acknowledgment_tasks_sync(actor, revision)
    transaction.on_commit(lambda: _index_later(revision.pk))


def _index_later(revision_id: int) -> None:
    from qualitas.documents import search

    search.index_revision(Revision.objects.get(pk=revision_id))


def enter_obsolete(actor, revision: Revision) -> None:
    from qualitas.core.tasks import services as tasks

    revision.obsoleted_at = timezone.now()
    engine.perform(
        actor=actor,
        instance=revision.document,
        transition="withdraw",
        changes={"next_review_date": None},
        by_service=True,
    )
    tasks.tasks_cancel_for(revision, actor=actor, reason="document made obsolete", kind="acknowledge")


def approve(
    *, actor, revision: Revision, credentials, expected_version=None, effective_date=None, comment: str = ""
) -> Revision:
    """Approve (signed); when the effective date is today or empty the workflow makes the revision
    effective at once (its automatic "make_effective" step), as it does for the generic endpoint."""
    changes = {"effective_date": effective_date} if effective_date is not None else {}
    validate_effective_date(effective_date)
    revision = engine.perform(
        actor=actor,
        instance=revision,
        transition="approve",
        credentials=credentials,
        expected_version=expected_version,
        changes=changes,
    )
    return revision


def make_due_revisions_effective(now=None) -> str:
    """Scheduled: approved revisions whose effective date has come become effective."""
    today = timezone.localdate(now) if now else timezone.localdate()
    made = []
    system = system_actor()
    for revision in Revision.objects.filter(status="approved", effective_date__lte=today):
        engine.perform(actor=system, instance=revision, transition="make_effective")
        made.append(str(revision))
    return f"{len(made)} revision(s) made effective" + (f": {', '.join(made)}" if made else "")


# --- Read and understand ----------------------------------------------------------------------------------


def acknowledge(*, actor, revision: Revision, credentials):
    """Sign "read and understood" for the effective revision and close the task."""
    from qualitas.core.signatures import services as signing
    from qualitas.core.signatures.selectors import valid_signatures
    from qualitas.core.tasks import services as tasks

    if revision.status != "effective":
        raise ValidationError("Only the effective revision is acknowledged.")
    if any(s.signer_id == actor.pk for s in valid_signatures(revision, "read-and-understood")):
        raise ValidationError("You have already acknowledged this revision.")
    signing.verify_signer(actor, credentials, instance=revision, meaning="read-and-understood")
    with transaction.atomic():
        signature = signing.sign(
            actor=actor, instance=revision, meaning="read-and-understood", credentials=credentials, verified=True
        )
        tasks.tasks_complete_for(revision, "acknowledge", assignee=actor, actor=actor, note="acknowledged")
    return signature


# --- Distribution -----------------------------------------------------------------------------------------
#
# The distribution says who must read the document. While a revision is effective, exactly the people it
# reaches who have not yet signed "read and understood" have an open acknowledgment task: every change
# of the distribution (and the revision becoming effective) synchronises the tasks, audited.

DISTRIBUTION_KINDS = ("role", "department", "site", "user")
KIND_LABELS = {"role": "role", "department": "department", "site": "site", "user": "person"}


def _distribution_target(kind: str, target):
    """Check one entry: a known kind and an active target of that kind."""
    from qualitas.accounts.models import Department, Role, Site, User

    models_ = {"role": Role, "department": Department, "site": Site, "user": User}
    if kind not in models_:
        raise ValidationError({"distribution": f"Unknown kind {kind!r}: use role, department, site or user."})
    if target is None:
        raise ValidationError({kind: f"Choose the {KIND_LABELS[kind]} the document is distributed to."})
    if not isinstance(target, models_[kind]):
        raise ValidationError({"distribution": f"A {kind} entry needs a {KIND_LABELS[kind]}."})
    if kind == "user" and (not target.is_active or getattr(target, "is_system", False)):
        raise ValidationError({"user": f"{target} is deactivated: choose an active person."})
    if kind != "user" and not getattr(target, "active", True):
        raise ValidationError({kind: f"{target} is no longer in use."})
    return target


def _entry_key(kind: str, target) -> tuple[str, int]:
    return kind, target.pk


def _distribution_labels(document: Document) -> list[str]:
    return [str(entry) for entry in document.distribution.select_related("role", "department", "site", "user")
            .order_by("kind", "pk")]


def _normalise(entries) -> list[tuple[str, object]]:
    """Entries given as {"kind": …, "<kind>": target} (the form's and the API's shape), checked, without
    duplicates, in the order given."""
    result, seen = [], set()
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValidationError({"distribution": "Each distribution entry names a kind and its target."})
        kind = entry.get("kind")
        target = _distribution_target(kind, entry.get(kind))
        if _entry_key(kind, target) not in seen:
            seen.add(_entry_key(kind, target))
            result.append((kind, target))
    return result


def acknowledgment_tasks_sync(actor, revision: Revision, reason: str = "") -> dict:
    """Make the open acknowledgment tasks of the effective `revision` match its distribution: a task
    for each recipient who has not yet acknowledged, none for anybody else. Each task created or
    cancelled is audited on the revision (task.created / task.cancelled). Returns the names of those
    given a task and of those whose task was withdrawn."""
    from qualitas.core.tasks import services as tasks
    from qualitas.documents import selectors

    document = revision.document
    due_people = {person.pk: person for person in selectors.acknowledgments_outstanding(revision)}
    open_tasks = selectors._open_acknowledge_tasks(revision)
    withdrawn = []
    for assignee_id, task in open_tasks.items():
        if assignee_id not in due_people:
            tasks.tasks_cancel_for(
                revision,
                actor=actor,
                kind="acknowledge",
                assignee=task.assignee,
                reason=reason or f"No longer on the distribution of {document.number}",
            )
            withdrawn.append(task.assignee.display_name)
    assigned = []
    due = timezone.localdate() + dt.timedelta(days=document.doc_type.acknowledgment_days)
    for person in due_people.values():
        if person.pk in open_tasks:
            continue
        tasks.task_create(
            actor=actor,
            assignee=person,
            kind="acknowledge",
            instance=revision,
            due=due,
            title=f"Read and acknowledge {document.number} rev {revision.label}: {document.title}",
            key=f"doc-ack:{revision.pk}:{person.pk}",
        )
        assigned.append(person.display_name)
    return {"assigned": assigned, "withdrawn": withdrawn}


def acknowledgment_tasks_sync_all(now=None) -> str:
    """Scheduled: the distribution reaches people through roles, departments and sites, which change
    outside document control; bring every effective revision's acknowledgment tasks in line."""
    system = system_actor()
    assigned = withdrawn = 0
    effective = Revision.objects.filter(status="effective", document__status="active").select_related(
        "document__doc_type"
    )
    for revision in effective.order_by("pk").iterator():
        with transaction.atomic():
            result = acknowledgment_tasks_sync(system, revision, reason="No longer on the distribution")
        assigned += len(result["assigned"])
        withdrawn += len(result["withdrawn"])
    return f"acknowledgment tasks: {assigned} assigned, {withdrawn} withdrawn"


def _sync_after_change(actor, document: Document) -> dict:
    effective = document.revisions.filter(status="effective").select_related("document__doc_type").first()
    if effective is None:
        return {"assigned": [], "withdrawn": []}
    return acknowledgment_tasks_sync(actor, effective)


def _task_changes(result: dict) -> dict:
    changes = {}
    if result["assigned"]:
        changes["acknowledgment tasks assigned"] = [None, result["assigned"]]
    if result["withdrawn"]:
        changes["acknowledgment tasks withdrawn"] = [result["withdrawn"], None]
    return changes


def _locked(document: Document) -> Document:
    return Document.objects.select_for_update().select_related("doc_type").get(pk=document.pk)


@transaction.atomic
def distribution_set(*, actor, document: Document, entries, reason: str = "") -> list[DistributionEntry]:
    """Replace the distribution list with `entries` ({"kind": "role", "role": <Role>}, …); with an
    effective revision, acknowledgment tasks are assigned to the people now reached and withdrawn
    from those no longer reached. Audited as one change (documents.distribution_changed)."""
    authorize(actor, MODULE, "edit", document.site_id)
    wanted = _normalise(entries)
    document = _locked(document)
    if document.status != "active":
        raise ValidationError("The document is withdrawn: its distribution can no longer change.")
    before = _distribution_labels(document)
    keep = {_entry_key(kind, target) for kind, target in wanted}
    existing = {}
    for entry in document.distribution.all():
        key = (entry.kind, getattr(entry, f"{entry.kind}_id"))
        if key in keep and key not in existing:
            existing[key] = entry
        else:
            entry.delete()
    for kind, target in wanted:
        if _entry_key(kind, target) not in existing:
            DistributionEntry.objects.create(document=document, kind=kind, **{kind: target})
    after = _distribution_labels(document)
    result = _sync_after_change(actor, document)
    if before != after or result["assigned"] or result["withdrawn"]:
        record(
            actor,
            "update",
            "documents.distribution_changed",
            instance=document,
            changes={"distribution": [before, after], **_task_changes(result)},
            reason=reason,
        )
    return list(document.distribution.all())


@transaction.atomic
def distribution_add(
    *, actor, document: Document, kind: str, role=None, department=None, site=None, user=None
) -> DistributionEntry:
    authorize(actor, MODULE, "edit", document.site_id)
    targets = {"role": role, "department": department, "site": site, "user": user}
    if kind not in targets:
        raise ValidationError({"kind": "Choose what the entry distributes to: a role, department, site or person."})
    target = _distribution_target(kind, targets[kind])
    document = _locked(document)
    if document.status != "active":
        raise ValidationError("The document is withdrawn: its distribution can no longer change.")
    duplicate = document.distribution.filter(kind=kind, **{kind: target}).first()
    if duplicate is not None:
        raise ValidationError({kind: f"{duplicate} is already on the distribution."})
    entry = DistributionEntry.objects.create(document=document, kind=kind, **{kind: target})
    result = _sync_after_change(actor, document)
    record(
        actor,
        "update",
        "documents.distribution_added",
        instance=document,
        changes={"distribution": [None, str(entry)], **_task_changes(result)},
    )
    return entry


@transaction.atomic
def distribution_remove(*, actor, entry: DistributionEntry) -> None:
    authorize(actor, MODULE, "edit", entry.document.site_id)
    document = _locked(entry.document)
    label = str(entry)
    entry.delete()
    result = _sync_after_change(actor, document)
    record(
        actor,
        "update",
        "documents.distribution_removed",
        instance=document,
        changes={"distribution": [label, None], **_task_changes(result)},
    )


# --- Change requests ---------------------------------------------------------------------------------------


@transaction.atomic
def change_request_create(*, actor, document: Document, what: str, why: str, urgency: str = "normal"):
    """Anyone who can read the document may ask for a change."""
    authorize(actor, MODULE, "view", document.site_id)
    request = record_create(
        actor,
        ChangeRequest(document=document, requested_by=actor, what=what, why=why, urgency=urgency),
        event="documents.change_requested",
    )
    from qualitas.core.notifications.services import notify

    notify(
        document.owner,
        f"Change requested for {document.number}",
        f"{actor.display_name}: {what}",
        url=f"/documents/{document.pk}/",
        kind="change-request",
    )
    return request


@transaction.atomic
def change_request_decide(
    *, actor, request: ChangeRequest, accept: bool, reason: str = "", change_summary: str = ""
) -> ChangeRequest:
    document = request.document
    if actor.pk != document.owner_id and not has_perm(actor, MODULE, "administer", document.site_id):
        raise PermissionDenied("Only the document owner or a document controller decides change requests.")
    if request.status != "open":
        raise ValidationError("This change request has already been decided.")
    if not accept and not reason.strip():
        raise ValidationError({"reason": "Give the requester a reason for the rejection."})
    revision = None
    if accept:
        revision = revision_new(
            actor=actor,
            document=document,
            change_summary=change_summary or request.what,
            reason=request.why,
            change_request=request,
        )
    request = engine.perform(
        actor=actor,
        instance=request,
        transition="accept" if accept else "reject",
        reason=reason,
        changes={"decided_by": actor, "decision_reason": reason, "revision": revision},
        by_service=True,
    )
    from qualitas.core.notifications.services import notify

    notify(
        request.requested_by,
        f"Your change request for {document.number} was " + ("accepted" if accept else "rejected"),
        reason,
        url=f"/documents/{document.pk}/",
        kind="change-request",
    )
    return request


# --- Periodic review ----------------------------------------------------------------------------------------


def periodic_review(*, actor, document: Document, outcome: str, comment: str, credentials) -> PeriodicReview:
    """Record the signed outcome of a periodic review: still valid (next date moves), revise (a new
    draft opens) or withdraw (the effective revision becomes obsolete)."""
    from qualitas.core.signatures import services as signing

    if actor.pk != document.owner_id and not has_perm(actor, MODULE, "approve", document.site_id):
        raise PermissionDenied("The owner or an approver performs the periodic review.")
    if outcome not in dict(PeriodicReview.OUTCOMES):
        raise ValidationError({"outcome": "Choose still valid, revise or withdraw."})
    effective = document.revisions.filter(status="effective").first()
    if effective is None:
        raise ValidationError("The document has no effective revision to review.")
    if outcome != "valid" and not comment.strip():
        raise ValidationError({"comment": "Say what must change or why the document is withdrawn."})
    signing.verify_signer(actor, credentials, instance=effective, meaning="reviewed")
    with transaction.atomic():
        signature = signing.sign(
            actor=actor,
            instance=effective,
            meaning="reviewed",
            credentials=credentials,
            transition="periodic_review",
            verified=True,
        )
        review = PeriodicReview.objects.create(
            document=document,
            revision=effective,
            reviewer=actor,
            outcome=outcome,
            comment=comment,
            reviewed_at=timezone.now(),
            signature=signature,
        )
        record(
            actor,
            "update",
            "documents.periodic_review",
            instance=document,
            changes={"periodic review": [None, review.get_outcome_display()]},
            reason=comment,
        )
        if outcome == "valid":
            record_update(
                actor,
                document,
                event="documents.review_date_moved",
                require_reason=False,
                changes={
                    "next_review_date": add_months(timezone.localdate(), document.doc_type.review_interval_months)
                },
            )
        elif outcome == "revise":
            revision_new(actor=actor, document=document, change_summary=comment, reason="Periodic review")
        else:
            engine.perform(actor=actor, instance=effective, transition="make_obsolete", reason=comment)
    return review


def periodic_review_reminders(now=None) -> str:
    """Scheduled: a task for the owner of each document whose review is due within 30 days."""
    from qualitas.core.tasks import services as tasks

    today = timezone.localdate(now) if now else timezone.localdate()
    due_soon = Document.objects.filter(status="active", next_review_date__lte=today + dt.timedelta(days=30))
    created = 0
    for document in due_soon.select_related("owner"):
        effective = document.revisions.filter(status="effective").first()
        if effective is None or not document.owner.is_active:
            continue
        key = f"doc-periodic:{document.pk}:{document.next_review_date}"
        task = tasks.task_create(
            actor=system_actor(),
            assignee=document.owner,
            kind="review",
            instance=document,
            due=document.next_review_date,
            key=key,
            title=f"Periodic review of {document.number}: {document.title}",
        )
        created += int(task is not None)
    return f"periodic review tasks checked for {due_soon.count()} document(s)"


# --- Review comments --------------------------------------------------------------------------------------
#
# A reviewer or approver comments on a heading or paragraph of the revision (or on the whole of it), the
# author answers and resolves; open comments block the approval (states.no_open_review_comments). Each
# step is recorded in the revision's audit trail; comments are never deleted.

COMMENTABLE_STATES = ("draft", "in_review")
COMMENT_MAX = 5000


def _comment_text(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({field: "Write the comment."})
    if len(body) > COMMENT_MAX:
        raise ValidationError({field: f"A comment is at most {COMMENT_MAX} characters ({len(body)} given)."})
    return body


def _in_review_discussion(actor, revision: Revision) -> Revision:
    from qualitas.documents import selectors

    revision = Revision.objects.select_for_update().select_related("document").get(pk=revision.pk)
    if not selectors.can_comment(actor, revision):
        raise PermissionDenied(
            "Only the author, the reviewers and the approvers of this revision take part in its review."
        )
    if revision.status not in COMMENTABLE_STATES:
        raise ValidationError(
            f"Revision {revision.label} is {revision.get_status_display().lower()}: its review is closed. "
            "The comments are kept with it."
        )
    return revision


def _comment_url(revision: Revision, comment) -> str:
    return f"/documents/{revision.document_id}/revisions/{revision.pk}/#comment-{comment.pk}"


def _excerpt(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


@transaction.atomic
def review_comment_add(*, actor, revision: Revision, body: str, anchor: str = ""):
    """A new comment thread, on the heading or paragraph whose id is `anchor` (empty: the whole revision)."""
    from qualitas.core.notifications.services import notify
    from qualitas.documents.models import ReviewComment
    from qualitas.documents.rendering import anchors_of

    revision = _in_review_discussion(actor, revision)
    body = _comment_text(body)
    anchor = (anchor or "").strip()
    label, quote = "", ""
    if anchor:
        found = anchors_of(revision.content).get(anchor) if revision.content_kind == "markdown" else None
        if found is None:
            raise ValidationError({"anchor": "That section or paragraph is not in the revision's text (any more)."})
        label, quote = found["label"], found["text"]
    comment = ReviewComment.objects.create(
        revision=revision, author=actor, author_name=actor.display_name, anchor=anchor, anchor_label=label,
        quote=quote, body=body,
    )
    where = label or "the whole revision"
    record(
        actor, "update", "documents.review_comment_added", instance=revision,
        changes={"review comment": [None, f"#{comment.pk} on {where}: {body}"]},
    )
    if revision.author_id != actor.pk:
        notify(
            revision.author,
            f"Review comment on {revision.document.number} rev {revision.label}",
            f"{actor.display_name} on {where}: {_excerpt(body)}",
            url=_comment_url(revision, comment),
            kind="review-comment",
        )
    return comment


def _thread(comment):
    return comment.parent if comment.parent_id else comment


@transaction.atomic
def review_comment_reply(*, actor, comment, body: str):
    """Answer a comment thread (a reply to a reply joins the same thread)."""
    from qualitas.core.notifications.services import notify
    from qualitas.documents.models import ReviewComment

    thread = _thread(comment)
    revision = _in_review_discussion(actor, thread.revision)
    thread = ReviewComment.objects.select_for_update().get(pk=thread.pk)
    if thread.resolved_at:
        raise ValidationError("This comment is resolved; reopen it to continue the discussion.")
    body = _comment_text(body)
    reply = ReviewComment.objects.create(
        revision=revision, parent=thread, author=actor, author_name=actor.display_name, anchor=thread.anchor,
        anchor_label=thread.anchor_label, body=body,
    )
    record(
        actor, "update", "documents.review_comment_replied", instance=revision,
        changes={"review comment": [None, f"#{reply.pk} answers #{thread.pk}: {body}"]},
    )
    others = {thread.author_id, revision.author_id} - {actor.pk}
    from qualitas.accounts.models import User

    for user in User.objects.filter(pk__in=others):
        notify(
            user,
            f"Reply to a review comment on {revision.document.number} rev {revision.label}",
            f"{actor.display_name}: {_excerpt(body)}",
            url=_comment_url(revision, thread),
            kind="review-comment",
        )
    return reply


def _may_settle(actor, revision: Revision, thread) -> None:
    if actor.pk not in (revision.author_id, thread.author_id):
        raise PermissionDenied("Only the revision's author (or whoever wrote the comment) resolves or reopens it.")


@transaction.atomic
def review_comment_resolve(*, actor, comment, note: str = ""):
    """Mark a comment thread resolved, with an optional closing answer."""
    from qualitas.documents.models import ReviewComment

    thread = _thread(comment)
    revision = _in_review_discussion(actor, thread.revision)
    thread = ReviewComment.objects.select_for_update().get(pk=thread.pk)
    _may_settle(actor, revision, thread)
    if thread.resolved_at:
        raise ValidationError("This comment is already resolved.")
    note = (note or "").strip()
    if note:
        review_comment_reply(actor=actor, comment=thread, body=note)
    thread.resolved_at, thread.resolved_by = timezone.now(), actor
    thread.save(update_fields=["resolved_at", "resolved_by"])
    record(
        actor, "update", "documents.review_comment_resolved", instance=revision,
        changes={"review comment": [f"#{thread.pk} open", f"#{thread.pk} resolved"]}, reason=note,
    )
    thread.revision = revision
    return thread


@transaction.atomic
def review_comment_reopen(*, actor, comment, reason: str):
    """Reopen a resolved comment thread (the answer did not settle it); the reason becomes a reply."""
    from qualitas.documents.models import ReviewComment

    thread = _thread(comment)
    revision = _in_review_discussion(actor, thread.revision)
    thread = ReviewComment.objects.select_for_update().get(pk=thread.pk)
    _may_settle(actor, revision, thread)
    if not thread.resolved_at:
        raise ValidationError("This comment is open.")
    reason = _comment_text(reason, "reason")
    thread.resolved_at, thread.resolved_by = None, None
    thread.save(update_fields=["resolved_at", "resolved_by"])
    record(
        actor, "update", "documents.review_comment_reopened", instance=revision,
        changes={"review comment": [f"#{thread.pk} resolved", f"#{thread.pk} open"]}, reason=reason,
    )
    review_comment_reply(actor=actor, comment=thread, body=reason)
    thread.revision = revision
    return thread
