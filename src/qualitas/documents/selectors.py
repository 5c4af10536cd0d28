"""Reads of controlled documents, always scoped to what the actor may see.

Everyone with the documents "view" right sees effective revisions (at their sites); drafts and
revisions in review or approved are seen by those who edit or approve documents and by the people
on the revision's route; superseded and obsolete revisions (the archive) only by roles granted the
"documents-archive" view right.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
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


# `status = 'effective'` as a literal in the SQL, not a bound parameter: only then does SQLite answer
# it from the partial index documents_one_effective_revision (WHERE status = 'effective') instead of
# reading every revision row; five times faster over 100,000 documents. A constant of the code.
EFFECTIVE = Q(status=RawSQL("'effective'", (), output_field=CharField()))


def _has_visible_revision(actor) -> Q | None:
    """The documents of which the actor may see some revision, as a condition on Document (None: all
    of them, for those who see every status: every document is created with its first revision, and
    revisions are never deleted). One EXISTS per kind of revision, so that each is answered by an index
    (the effective one by the one-effective-revision index); an OR inside a single EXISTS is evaluated
    row by row, which made counting 100,000 documents take a quarter of a second."""
    working, archive = can_see_working(actor), can_see_archive(actor)
    if working and archive:
        return None
    revisions = Revision.objects.filter(document=OuterRef("pk"))
    visible = Q(Exists(revisions.filter(EFFECTIVE)))
    if working:
        visible |= Q(Exists(revisions.filter(status__in=WORKING)))
    else:
        visible |= Q(Exists(revisions.filter(status__in=WORKING, author=actor)))
        visible |= Q(
            Exists(
                ReviewAssignment.objects.filter(
                    revision__document=OuterRef("pk"), revision__status__in=WORKING, user=actor
                )
            )
        )
    if archive:
        visible |= Q(Exists(revisions.filter(status__in=ARCHIVE)))
    return visible


# What a list shows of a revision (number, status, dates): not its text, which can be megabytes.
LIST_DEFERRED = ("content", "extracted_text", "review_comments", "change_summary", "reason")


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
    """The documents the actor may see (the same rule as `revisions_visible`, which the document's
    own site scope already covers), with their effective and latest revisions and their clauses
    loaded in a constant number of queries."""
    from qualitas.standards.models import Clause

    authorize(actor, "documents", "view")
    documents = visible_to(actor, Document.objects.select_related("doc_type", "owner", "process"), "documents")
    visible = _has_visible_revision(actor)
    if visible is not None:
        documents = documents.filter(visible)
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
        documents = documents.filter(Exists(Revision.objects.filter(document=OuterRef("pk"), status=status)))
    if process_id:
        documents = documents.filter(process_id=process_id)
    if clause_id:
        documents = documents.filter(clauses__id=clause_id)
    if owner_id:
        documents = documents.filter(owner_id=owner_id)
    light = Revision.objects.defer(*LIST_DEFERRED).order_by("-created_at")
    documents = documents.prefetch_related(
        Prefetch("revisions", queryset=light, to_attr="all_revisions"),  # newest first
        # the list shows each document's clauses with their edition: one query, not one per level
        Prefetch("clauses", queryset=Clause.objects.select_related("edition__standard")),
    ).order_by("number")
    documents.__class__ = DocumentQuerySet
    return documents


class DocumentQuerySet(QuerySet):
    """Documents that find their effective revision (`effective_revisions`, a list of at most one)
    among the revisions loaded with them (`all_revisions`): one query for both. Their number (the
    pagination's count, which reads every document the actor may see) is counted once per audited
    change (`core.counts`)."""

    def count(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        from qualitas.core.counts import remembered

        return remembered(self, super().count)

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._result_cache and isinstance(self._result_cache[0], Document):
            for document in self._result_cache:
                revisions = getattr(document, "all_revisions", None)
                if revisions is not None:
                    document.effective_revisions = [r for r in revisions if r.status == "effective"]


def documents_visible(actor) -> QuerySet[Document]:
    """Every document the actor may see, withdrawn ones included (for resolving links in bulk)."""
    return document_list(actor, include_withdrawn=True)


def document_get(actor, document_id: int) -> Document:
    document = get_object_or_404(document_list(actor, include_withdrawn=True), pk=document_id)
    document._visible_to = actor.pk  # what reads of its parts check, instead of loading it again
    return document


def _check_visible(actor, document: Document) -> None:
    if getattr(document, "_visible_to", None) != actor.pk:
        document_get(actor, document.pk)


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
    _check_visible(actor, document)
    return document.change_requests.select_related("requested_by", "decided_by", "revision")


def change_request_get(actor, pk: int) -> ChangeRequest:
    request = get_object_or_404(ChangeRequest.objects.select_related("document"), pk=pk)
    document_get(actor, request.document_id)
    return request


# --- Distribution and read-and-understand -------------------------------------------------------------
#
# One computation feeds the distribution panel, the acknowledgment list (page and API) and the task sync
# (services.acknowledgment_tasks_sync): whoever `acknowledgments_outstanding` names has exactly one open
# "acknowledge" task on the effective revision, and nobody else has one.

DISTRIBUTION_KINDS = ("role", "department", "site", "user")


def _reached_by(entry: DistributionEntry, document: Document) -> QuerySet:
    """The active people one distribution entry reaches: a role's holders at the document's site (or at
    every site), a department's or a site's members, or the person named."""
    from qualitas.accounts.models import User

    people = User.objects.people()
    if entry.kind == "user":
        return people.filter(pk=entry.user_id)
    if entry.kind == "role":
        at_site = Q(role_assignments__site__isnull=True)
        if document.site_id:
            at_site |= Q(role_assignments__site_id=document.site_id)
        return people.filter(Q(role_assignments__role_id=entry.role_id) & at_site)
    if entry.kind == "department":
        return people.filter(department_id=entry.department_id)
    if entry.kind == "site":
        return people.filter(site_id=entry.site_id)
    return people.none()


def distribution_entries(document: Document) -> list[DistributionEntry]:
    return list(
        document.distribution.select_related("role", "department", "site", "user").order_by("kind", "pk")
    )


def distribution_reach(document: Document) -> dict:
    """The distribution list resolved to people: each entry with whom it reaches, everyone who must read
    the document (reached and allowed to open it) and those reached who may not open documents."""
    from qualitas.accounts.models import User
    from qualitas.core.permissions import prefetch_assignments

    reached = [
        (entry, list(_reached_by(entry, document).values_list("pk", flat=True).distinct()))
        for entry in distribution_entries(document)
    ]
    ids = {pk for _, pks in reached for pk in pks}
    people = {u.pk: u for u in User.objects.filter(pk__in=ids)} if ids else {}
    prefetch_assignments(people.values())
    key = lambda u: (u.last_name.lower(), u.first_name.lower(), u.username)  # noqa: E731
    entries, recipients, no_access = [], [], []
    for entry, pks in reached:
        entries.append({"entry": entry, "people": sorted((people[pk] for pk in pks), key=key)})
    for person in people.values():
        if has_perm(person, "documents", "view", document.site_id):
            recipients.append(person)
        else:
            no_access.append(person)
    return {"entries": entries, "recipients": sorted(recipients, key=key), "no_access": sorted(no_access, key=key)}


def distribution_recipients(document: Document) -> list:
    """Everyone who must read and acknowledge the document."""
    return distribution_reach(document)["recipients"]


def _acknowledged_by(revision: Revision) -> dict:
    from qualitas.core.signatures.selectors import valid_signatures

    return {s.signer_id: s for s in valid_signatures(revision, "read-and-understood")}


def _open_acknowledge_tasks(revision: Revision) -> dict:
    from qualitas.core.tasks.models import Task

    tasks = Task.objects.filter(
        record_type="documents.revision", record_id=str(revision.pk), kind="acknowledge", status=Task.OPEN
    ).select_related("assignee")
    return {task.assignee_id: task for task in tasks.order_by("pk")}


def acknowledgments_outstanding(revision: Revision) -> list:
    """The recipients who have not yet signed "read and understood" for `revision`: exactly the people
    who must have an open acknowledgment task while it is effective."""
    signed = _acknowledged_by(revision)
    return [person for person in distribution_recipients(revision.document) if person.pk not in signed]


def acknowledgment_overview(document: Document, revision: Revision | None = None) -> dict:
    """What the distribution panel shows: the entries and whom they reach, and for the effective revision
    who must acknowledge, who has, who is pending or overdue (with the task's due date), who signed
    while they were on the distribution and is no longer on it, and any gap between the list and the
    open tasks (after a change of roles or departments, until the next synchronisation)."""
    from django.utils import timezone

    reach = distribution_reach(document)
    if revision is None:
        revision = document.revisions.filter(status="effective").first()
    overview = {
        **reach,
        "revision": revision,
        "rows": [],
        "former": [],
        "stray_tasks": [],
        "counts": {"required": len(reach["recipients"]), "acknowledged": 0, "pending": 0, "overdue": 0},
    }
    if revision is None:
        return overview
    signed = _acknowledged_by(revision)
    if revision.status != "effective":  # superseded or obsolete: the record of who read it
        overview["former"] = [
            {"user": s.signer, "status": "acknowledged", "due": None, "signature": s, "task": None,
             "distributed": False}
            for s in signed.values()
        ]
        return overview
    open_tasks = _open_acknowledge_tasks(revision)
    today = timezone.localdate()
    recipient_ids = set()
    for person in reach["recipients"]:
        recipient_ids.add(person.pk)
        signature, task = signed.get(person.pk), open_tasks.get(person.pk)
        if signature:
            status = "acknowledged"
        elif task is None:
            status = "not assigned"
        elif task.due and task.due < today:
            status = "overdue"
        else:
            status = "pending"
        if status in overview["counts"]:
            overview["counts"][status] += 1
        overview["rows"].append(
            {"user": person, "status": status, "due": task.due if task else None, "signature": signature,
             "task": task, "distributed": True}
        )
    for signer_id, signature in signed.items():
        if signer_id not in recipient_ids:
            overview["former"].append(
                {"user": signature.signer, "status": "acknowledged", "due": None, "signature": signature,
                 "task": None, "distributed": False}
            )
    overview["stray_tasks"] = [task for pk, task in open_tasks.items() if pk not in recipient_ids or pk in signed]
    return overview


def acknowledgment_status(revision: Revision) -> list[dict]:
    """Who must acknowledge the revision, who has (signed) and who has not (pending or overdue); then
    those who acknowledged while they were on the distribution."""
    overview = acknowledgment_overview(revision.document, revision)
    return overview["rows"] + overview["former"]


def review_due(actor, within_days: int = 60) -> QuerySet[Document]:
    import datetime as dt

    from django.utils import timezone

    limit = timezone.localdate() + dt.timedelta(days=within_days)
    return document_list(actor).filter(next_review_date__lte=limit).order_by("next_review_date")


CURRENT = ("effective", *WORKING)


def _current_revisions() -> Q:
    """The revisions search looks in unless asked for history: each document's revision in force and
    the one in work, or, where a document has neither (a withdrawn one), its latest revision."""
    in_use = Revision.objects.filter(document=OuterRef("document_id"), status__in=CURRENT)
    newer = Revision.objects.filter(document=OuterRef("document_id"), pk__gt=OuterRef("pk"))
    return Q(status__in=CURRENT) | (~Q(Exists(in_use)) & ~Q(Exists(newer)))


def _search_revisions(actor, document_ids: list[int]) -> dict[int, Revision]:
    """The revisions of the hits' documents the actor may see, in one query, without their text
    (excerpts come from the index)."""
    revisions = revisions_visible(actor).select_related(None).select_related("document__doc_type")
    return {revision.pk: revision for revision in revisions.filter(document_id__in=document_ids).defer(*LIST_DEFERRED)}


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
    history: bool = False,
) -> list[dict]:
    """Ranked hits over the revisions the actor may see, one per document, best first.

    Search looks in each document's current revisions, the one in force and the one in work (for a
    withdrawn document, its last revision), unless `history` asks for every revision, superseded and
    obsolete ones included. `status` filters as the master list does: empty (or "active") is the
    documents in use, "withdrawn" the withdrawn ones, a revision status ("effective", "draft",
    "in_review", "approved", "superseded", …) searches only revisions in that status. Without a
    revision status a hit leads to the document's effective revision, or to its latest revision in work
    when none is effective (`in_force` is then False), whichever revision the words were found in;
    `matched_revision` says where they were found. `snippet` is an excerpt of the matched revision's
    plain text (Markdown stripped) as safe HTML with the matches in <mark>, `snippet_text` the same
    without markup."""
    from qualitas.documents import search as fts

    if not fts.matches(text):
        return []
    revisions = revisions_visible(actor)
    if status in ("", "active"):
        revisions = revisions.filter(document__status="active")
    elif status == "withdrawn":
        revisions = revisions.filter(document__status="withdrawn")
    else:
        revisions = revisions.filter(status=status)
    if not history and status in ("", "active", "withdrawn"):
        revisions = revisions.filter(_current_revisions())
    if doc_type:
        revisions = revisions.filter(document__doc_type__code=doc_type)
    if process_id:
        revisions = revisions.filter(document__process_id=process_id)
    if clause_id:
        revisions = revisions.filter(document__clauses__id=clause_id)
    if owner_id:
        revisions = revisions.filter(document__owner_id=owner_id)
    # One hit per document: the best-ranked revision of each. Current revisions are at most two per
    # document, so twice the limit is enough; with history, ask for more until enough or all are in.
    best: dict[int, tuple[int, float]] = {}  # document id -> (best matching revision id, score)
    wanted = 2 * limit + 2
    while True:
        ranked = fts.rank(revisions, text, wanted)
        best = {}
        for revision_id, document_id, score in ranked:
            if document_id not in best:
                best[document_id] = (revision_id, score)
        if len(best) >= limit or len(ranked) < wanted:
            break
        wanted *= 4
    best = dict(list(best.items())[:limit])
    loaded = _search_revisions(actor, list(best))
    targets: dict[int, Revision] = {}
    if status in ("", "active", "withdrawn"):
        # In force first, then the newest revision in work; the archive only when nothing else is there.
        for revision in sorted(loaded.values(), key=lambda r: r.created_at, reverse=True):
            if revision.status not in CURRENT:
                continue
            current = targets.get(revision.document_id)
            if current is None or (revision.status == "effective" and current.status != "effective"):
                targets[revision.document_id] = revision
    hits = []
    for document_id, (revision_id, score) in best.items():
        matched = loaded[revision_id]
        target = targets.get(document_id, matched)
        hits.append(
            {
                "document": target.document,
                "revision": target,
                "matched_revision": matched,
                "in_force": target.status == "effective",
                "score": score,
            }
        )
    # Where the revision a hit leads to matches too (with history, an older one may rank higher), the
    # words are shown from it.
    marked = fts.marks(sorted({hit[key].pk for hit in hits for key in ("revision", "matched_revision")}), text)
    for hit in hits:
        if hit["revision"].pk in marked:
            hit["matched_revision"] = hit["revision"]
    bodies = fts.bodies([hit["matched_revision"].pk for hit in hits])
    for hit in hits:
        source = hit["matched_revision"]
        terms = fts.matched_terms(text, marked.get(source.pk, ""))
        hit["found_elsewhere"] = source.pk != hit["revision"].pk
        hit["snippet"], hit["snippet_text"] = fts.excerpt(bodies.get(source.pk, ""), terms)
    return hits


# --- Review comments ------------------------------------------------------------------------------------
#
# The revision passed in comes from revision_get (scoped to the actor's sites and what they may see);
# these read its comments and say who takes part in its review.


def review_roles(actor, revision: Revision) -> list[str]:
    """The actor's parts in this revision's review: "author", "reviewer", "approver"."""
    roles = ["author"] if revision.author_id == actor.pk else []
    roles += sorted({a.role for a in revision.assignments.all() if a.user_id == actor.pk})
    return roles


def can_comment(actor, revision: Revision) -> bool:
    return bool(review_roles(actor, revision))


def can_read_comments(actor, revision: Revision) -> bool:
    """The people in the review, those who work on or approve documents, and the archive's readers
    (auditors); not every employee who reads the effective revision."""
    return can_comment(actor, revision) or can_see_working(actor) or can_see_archive(actor)


def review_comments(actor, revision: Revision):
    """The comment threads of a revision (oldest first), each with its replies (`thread.replies.all()`)."""
    from qualitas.documents.models import ReviewComment

    if not can_read_comments(actor, revision):
        return ReviewComment.objects.none()
    replies = ReviewComment.objects.select_related("author").order_by("created_at", "pk")
    return (
        ReviewComment.objects.filter(revision=revision, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "pk")
    )


def review_comment_get(actor, comment_id: int):
    """A comment of a revision the actor may see and whose comments they may read (404 otherwise)."""
    from django.http import Http404

    from qualitas.documents.models import ReviewComment

    comment = get_object_or_404(ReviewComment.objects.select_related("author", "parent"), pk=comment_id)
    revision = revision_get(actor, comment.revision_id)
    if not can_read_comments(actor, revision):
        raise Http404("No such comment.")
    comment.revision = revision
    return comment


def open_review_comments(revision: Revision) -> int:
    """How many comment threads on the revision are not resolved (the approval waits for them)."""
    from qualitas.documents.models import ReviewComment

    return ReviewComment.objects.filter(revision=revision, parent__isnull=True, resolved_at__isnull=True).count()


def review_comments_export_section(instance, actor=None) -> list[dict]:
    """The review comments of a revision, threads and replies, for the record export."""
    if not isinstance(instance, Revision):
        return []
    if actor is not None and not can_read_comments(actor, instance):
        return []
    from qualitas.documents.models import ReviewComment

    rows = []
    comments = (
        ReviewComment.objects.filter(revision=instance).select_related("resolved_by").order_by("created_at", "pk")
    )
    for comment in comments:
        rows.append(
            {
                "id": comment.pk,
                "thread": comment.parent_id or comment.pk,
                "anchor": comment.anchor,
                "where": comment.anchor_label or "Whole revision",
                "by": comment.author_name,
                "at": comment.created_at.isoformat(),
                "comment": comment.body,
                "resolved": comment.resolved_at.isoformat() if comment.resolved_at else "",
                "resolved_by": comment.resolved_by.display_name if comment.resolved_by_id else "",
            }
        )
    return rows
