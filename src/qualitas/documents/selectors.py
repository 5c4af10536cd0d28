"""Reads of controlled documents, always scoped to what the actor may see.

Everyone with the documents "view" right sees effective revisions (at their sites); drafts and
revisions in review or approved are seen by those who edit or approve documents and by the people
on the revision's route; superseded and obsolete revisions (the archive) only by roles granted the
"documents-archive" view right.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from qualitas.core.permissions import authorize, has_perm, visible_to
from qualitas.documents.models import (
    ChangeRequest,
    DistributionEntry,
    Document,
    DocumentType,
    ReviewAssignment,
    Revision,
)

ARCHIVE = ("superseded", "obsolete")
WORKING = ("draft", "in_review", "approved")


def can_see_archive(actor) -> bool:
    return has_perm(actor, "documents-archive", "view")


def can_see_working(actor) -> bool:
    return has_perm(actor, "documents", "edit") or has_perm(actor, "documents", "approve")


def revisions_visible(actor) -> QuerySet[Revision]:
    authorize(actor, "documents", "view")
    revisions = visible_to(
        actor,
        Revision.objects.select_related("document", "document__doc_type", "author"),
        "documents",
        site_field="document__site",
    )
    allowed = Q(status="effective")
    if can_see_working(actor):
        allowed |= Q(status__in=WORKING)
    else:
        on_route = ReviewAssignment.objects.filter(revision=OuterRef("pk"), user=actor)
        allowed |= Q(status__in=WORKING, author=actor) | Q(Exists(on_route), status__in=WORKING)
    if can_see_archive(actor):
        allowed |= Q(status__in=ARCHIVE)
    return revisions.filter(allowed)


def document_list(
    actor,
    *,
    query: str = "",
    doc_type: str = "",
    status: str = "",
    process_id=None,
    clause_id=None,
    owner_id=None,
    include_withdrawn: bool = False,
) -> QuerySet[Document]:
    authorize(actor, "documents", "view")
    documents = visible_to(actor, Document.objects.select_related("doc_type", "owner", "process"), "documents")
    visible_revisions = revisions_visible(actor)
    documents = documents.filter(Exists(visible_revisions.filter(document=OuterRef("pk"))))
    if not include_withdrawn and not status:
        documents = documents.filter(status="active")
    if query:
        documents = documents.filter(
            Q(number__icontains=query) | Q(title__icontains=query) | Q(keywords__icontains=query)
        )
    if doc_type:
        documents = documents.filter(doc_type__code=doc_type)
    if status in ("active", "withdrawn"):
        documents = documents.filter(status=status)
    elif status:
        documents = documents.filter(revisions__status=status).distinct()
    if process_id:
        documents = documents.filter(process_id=process_id)
    if clause_id:
        documents = documents.filter(clauses__id=clause_id)
    if owner_id:
        documents = documents.filter(owner_id=owner_id)
    effective = Revision.objects.filter(status="effective")
    latest = Revision.objects.order_by("-created_at")
    return documents.prefetch_related(
        Prefetch("revisions", queryset=effective, to_attr="effective_revisions"),
        Prefetch("revisions", queryset=latest, to_attr="all_revisions"),
        "clauses__edition__standard",  # the list shows each document's clauses with their edition
    ).order_by("number")


def documents_visible(actor) -> QuerySet[Document]:
    """Every document the actor may see, withdrawn ones included (for resolving links in bulk)."""
    return document_list(actor, include_withdrawn=True)


def document_get(actor, document_id: int) -> Document:
    return get_object_or_404(document_list(actor, include_withdrawn=True), pk=document_id)


def revision_get(actor, revision_id: int) -> Revision:
    return get_object_or_404(revisions_visible(actor), pk=revision_id)


def revisions_of(actor, document: Document) -> list[Revision]:
    return list(revisions_visible(actor).filter(document=document).order_by("-created_at"))


def doc_types(actor, include_inactive: bool = False) -> QuerySet[DocumentType]:
    authorize(actor, "documents", "view")
    return DocumentType.objects.all() if include_inactive else DocumentType.objects.filter(active=True)


def doc_type_get(actor, code: str) -> DocumentType:
    """A document type by code, active or not, for its administration page (which authorises
    `documents.administer` itself)."""
    return get_object_or_404(DocumentType, code=code)


def distribution_entry_get(actor, document: Document, entry_id: int) -> DistributionEntry:
    """An entry of the distribution list of `document`, which the caller got from document_get."""
    return get_object_or_404(DistributionEntry, pk=entry_id, document=document)


def change_requests(actor, document: Document) -> QuerySet[ChangeRequest]:
    document_get(actor, document.pk)
    return document.change_requests.select_related("requested_by", "decided_by", "revision")


def change_request_get(actor, pk: int) -> ChangeRequest:
    request = get_object_or_404(ChangeRequest.objects.select_related("document"), pk=pk)
    document_get(actor, request.document_id)
    return request


def acknowledgment_status(revision: Revision) -> list[dict]:
    """Who must acknowledge the revision, who has (signed) and who has not (open or overdue task)."""
    from django.utils import timezone

    from qualitas.core.signatures.selectors import valid_signatures
    from qualitas.core.tasks.models import Task

    signed = {s.signer_id: s for s in valid_signatures(revision, "read-and-understood")}
    tasks = Task.objects.filter(record_type="documents.revision", record_id=str(revision.pk), kind="acknowledge")
    rows = []
    today = timezone.localdate()
    for task in tasks.select_related("assignee").order_by("assignee__last_name", "assignee__first_name"):
        signature = signed.get(task.assignee_id)
        rows.append(
            {
                "user": task.assignee,
                "due": task.due,
                "signature": signature,
                "status": "acknowledged"
                if signature
                else (
                    "cancelled"
                    if task.status == "cancelled"
                    else ("overdue" if task.due and task.due < today else "pending")
                ),
            }
        )
    return rows


def review_due(actor, within_days: int = 60) -> QuerySet[Document]:
    import datetime as dt

    from django.utils import timezone

    limit = timezone.localdate() + dt.timedelta(days=within_days)
    return document_list(actor).filter(next_review_date__lte=limit).order_by("next_review_date")


def search(
    actor,
    text: str,
    *,
    doc_type: str = "",
    status: str = "",
    process_id=None,
    clause_id=None,
    owner_id=None,
    limit: int = 50,
) -> list[dict]:
    """Ranked hits over revisions the actor may see, with filters; one hit per document."""
    from qualitas.documents.search import ranked_ids

    ranked = ranked_ids(text, limit=1000)
    if not ranked:
        return []
    revisions = revisions_visible(actor).filter(pk__in=[r[0] for r in ranked])
    if doc_type:
        revisions = revisions.filter(document__doc_type__code=doc_type)
    if status:
        revisions = revisions.filter(status=status)
    if process_id:
        revisions = revisions.filter(document__process_id=process_id)
    if clause_id:
        revisions = revisions.filter(document__clauses__id=clause_id)
    if owner_id:
        revisions = revisions.filter(document__owner_id=owner_id)
    by_id = {revision.pk: revision for revision in revisions}
    hits, seen = [], set()
    for revision_id, score, snippet in ranked:
        revision = by_id.get(revision_id)
        if revision is None or revision.document_id in seen:
            continue
        seen.add(revision.document_id)
        hits.append({"revision": revision, "document": revision.document, "score": score, "snippet": snippet})
        if len(hits) >= limit:
            break
    from qualitas.documents.search import snippets

    extra = snippets([hit["revision"].pk for hit in hits], text)
    for hit in hits:
        hit["snippet"] = hit["snippet"] or extra.get(hit["revision"].pk, "")
    return hits
