"""API for document control: list/filter/search, create, revise, upload, route, workflow steps with
signatures, acknowledgments, change requests, periodic reviews and downloads."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qualitas.accounts.models import Department, Process, Site, User
from qualitas.core.api_types import Pagination, PathId, QueryId
from qualitas.core.api_types import referenced as _get
from qualitas.core.readcache import remembered
from qualitas.core.signatures.services import Credentials
from qualitas.documents import schemas, selectors, services
from qualitas.documents.models import DocumentType
from qualitas.standards.models import Clause

router = Router(tags=["documents"])


def _users(ids, field):
    users = list(User.objects.people().filter(pk__in=ids))
    if len(users) != len(set(ids)):
        raise ValidationError({field: "Unknown or deactivated user id."})
    order = {pk: i for i, pk in enumerate(ids)}
    return sorted(users, key=lambda u: order[u.pk])


def _distribution(entries) -> list[dict]:
    """API entries ({"kind": "role", "id": 3}) as the service takes them; an unknown id is a 400."""
    from qualitas.accounts.models import Role

    models = {"role": Role, "department": Department, "site": Site}
    result = []
    for entry in entries:
        if entry.kind == "user":
            target = User.objects.people().filter(pk=entry.id).first()
            if target is None:
                raise ValidationError({"distribution": f"No active user with id {entry.id}."})
        else:
            target = _get(models[entry.kind], entry.id, "distribution")
        result.append({"kind": entry.kind, entry.kind: target})
    return result


def _ack_row(row) -> dict:
    return {
        "user_id": row["user"].pk,
        "name": row["user"].display_name,
        "status": row["status"],
        "due": row["due"],
        "signed_at": row["signature"].signed_at if row["signature"] else None,
        "distributed": row["distributed"],
    }


def _distribution_out(document) -> dict:
    overview = selectors.acknowledgment_overview(document)
    revision = overview["revision"]
    return {
        "entries": [
            {
                "id": item["entry"].pk,
                "kind": item["entry"].kind,
                "target_id": getattr(item["entry"], f"{item['entry'].kind}_id"),
                "label": str(item["entry"]),
                "people": [person.pk for person in item["people"]],
            }
            for item in overview["entries"]
        ],
        "effective_revision_id": revision.pk if revision else None,
        "effective_revision": revision.label if revision else None,
        **{name: overview["counts"][name] for name in ("required", "acknowledged", "pending", "overdue")},
        "people": [_ack_row(row) for row in overview["rows"] + overview["former"]],
        "no_access": [person.pk for person in overview["no_access"]],
    }


@router.get("/document-types", response=list[schemas.DocumentTypeOut], summary="Document types")
def document_types(request):
    return selectors.doc_types(request.auth)


@router.post("/document-types", response={201: schemas.DocumentTypeOut}, summary="Add a document type (administrators)")
def create_document_type(request, payload: schemas.DocumentTypeIn):
    if payload.number_pattern:
        from qualitas.core.numbering.services import validate_pattern

        validate_pattern(payload.number_pattern)
    return Status(201, services.doc_type_create(actor=request.auth, **payload.dict()))


@router.patch(
    "/document-types/{code}",
    response=schemas.DocumentTypeOut,
    summary="Change a document type: numbering, revision scheme, review interval, default route (audited)",
)
def update_document_type(request, code: str, payload: schemas.DocumentTypePatch):
    from qualitas.core.permissions import authorize

    authorize(request.auth, "documents", "administer")
    doc_type = DocumentType.objects.filter(code=code[:10]).first()
    if doc_type is None:
        from django.http import Http404

        raise Http404
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version", None), data.pop("reason", "")
    reviewers = data.pop("default_reviewer_ids", None)
    approvers = data.pop("default_approver_ids", None)
    return services.doc_type_update(
        actor=request.auth,
        doc_type=doc_type,
        version=version,
        reason=reason,
        default_reviewers=_users(reviewers, "default_reviewer_ids") if reviewers is not None else None,
        default_approvers=_users(approvers, "default_approver_ids") if approvers is not None else None,
        **data,
    )


@router.get("/documents", response=list[schemas.DocumentOut], summary="List and filter documents")
@remembered
@paginate(Pagination)
def list_documents(
    request,
    q: str = "",
    doc_type: str = "",
    status: str = "",
    process_id: QueryId = None,
    clause_id: QueryId = None,
    owner_id: QueryId = None,
):
    return selectors.document_list(
        request.auth,
        query=q[:200],
        doc_type=doc_type[:10],
        status=status[:20],
        process_id=process_id,
        clause_id=clause_id,
        owner_id=owner_id,
    )


@router.get(
    "/documents/search",
    response=list[schemas.SearchHitOut],
    summary="Ranked full-text search (number, title, keywords, content and uploaded files)",
)
@remembered
def search(
    request,
    q: str,
    doc_type: str = "",
    status: str = "",
    process_id: QueryId = None,
    clause_id: QueryId = None,
    owner_id: QueryId = None,
    limit: int = 50,
    history: bool = False,
):
    """The current revisions (in force, in work) unless `history` adds the superseded and obsolete ones."""
    hits = selectors.search(
        request.auth,
        q[:500],
        doc_type=doc_type[:10],
        status=status[:20],
        process_id=process_id,
        clause_id=clause_id,
        owner_id=owner_id,
        limit=max(1, min(limit, 200)),
        history=history,
    )
    return [
        {
            "document_id": h["document"].pk,
            "revision_id": h["revision"].pk,
            "number": h["document"].number,
            "title": h["document"].title,
            "revision": h["revision"].label,
            "status": h["revision"].status,
            "in_force": h["in_force"],
            "matched_revision_id": h["matched_revision"].pk,
            "matched_revision": h["matched_revision"].label,
            "score": h["score"],
            "snippet": h["snippet_text"],
        }
        for h in hits
    ]


@router.post("/documents", response={201: schemas.DocumentOut}, summary="Create a document (first revision draft)")
def create_document(request, payload: schemas.DocumentIn):
    doc_type = DocumentType.objects.filter(code=payload.doc_type, active=True).first()
    if doc_type is None:
        raise ValidationError({"doc_type": f"Unknown document type {payload.doc_type!r}."})
    clauses = list(Clause.objects.filter(pk__in=payload.clause_ids))
    if len(clauses) != len(set(payload.clause_ids)):
        raise ValidationError({"clause_ids": "Unknown clause id."})
    document = services.document_create(
        actor=request.auth,
        doc_type=doc_type,
        title=payload.title,
        number=payload.number,
        owner=_get(User, payload.owner_id, "owner_id"),
        site=_get(Site, payload.site_id, "site_id"),
        department=_get(Department, payload.department_id, "department_id"),
        process=_get(Process, payload.process_id, "process_id"),
        keywords=payload.keywords,
        clauses=clauses,
        content=payload.content,
        change_summary=payload.change_summary,
        reviewers=_users(payload.reviewer_ids, "reviewer_ids"),
        approvers=_users(payload.approver_ids, "approver_ids"),
        distribution=_distribution(payload.distribution),
    )
    return Status(201, selectors.document_get(request.auth, document.pk))


@router.get(
    "/documents/{document_id}/distribution",
    response=schemas.DistributionOut,
    summary="The distribution list, whom it reaches and who has acknowledged the effective revision",
)
def get_distribution(request, document_id: PathId):
    return _distribution_out(selectors.document_get(request.auth, document_id))


@router.put(
    "/documents/{document_id}/distribution",
    response=schemas.DistributionOut,
    summary="Replace the distribution list; with an effective revision, acknowledgment tasks follow (audited)",
)
def set_distribution(request, document_id: PathId, payload: schemas.DistributionIn):
    document = selectors.document_get(request.auth, document_id)
    services.distribution_set(
        actor=request.auth, document=document, entries=_distribution(payload.entries), reason=payload.reason
    )
    return _distribution_out(selectors.document_get(request.auth, document_id))


@router.get("/documents/{document_id}", response=schemas.DocumentOut, summary="Get a document")
@remembered
def get_document(request, document_id: PathId):
    return selectors.document_get(request.auth, document_id)


@router.patch(
    "/documents/{document_id}",
    response=schemas.DocumentOut,
    summary="Change a document's metadata (reason required once it has been issued)",
)
def update_document(request, document_id: PathId, payload: schemas.DocumentPatch):
    document = selectors.document_get(request.auth, document_id)
    data = payload.dict(exclude_unset=True)
    version, reason = data.pop("version", None), data.pop("reason", "")
    if "owner_id" in data:
        data["owner"] = _get(User, data.pop("owner_id"), "owner_id")
    if "process_id" in data:
        data["process"] = _get(Process, data.pop("process_id"), "process_id")
    services.document_update(actor=request.auth, document=document, version=version, reason=reason, **data)
    return selectors.document_get(request.auth, document_id)


@router.get(
    "/documents/{document_id}/revisions",
    response=list[schemas.RevisionOut],
    summary="Revisions you may see (the archive only with archive access)",
)
def list_revisions(request, document_id: PathId):
    return selectors.revisions_of(request.auth, selectors.document_get(request.auth, document_id))


@router.post(
    "/documents/{document_id}/revisions",
    response={201: schemas.RevisionOut},
    summary="Start the next revision as a draft",
)
def new_revision(request, document_id: PathId, payload: schemas.RevisionNewIn):
    document = selectors.document_get(request.auth, document_id)
    return Status(
        201,
        services.revision_new(
            actor=request.auth, document=document, change_summary=payload.change_summary, reason=payload.reason
        ),
    )


@router.get("/revisions/{revision_id}", response=schemas.RevisionOut, summary="Get a revision")
def get_revision(request, revision_id: PathId):
    return selectors.revision_get(request.auth, revision_id)


@router.patch("/revisions/{revision_id}", response=schemas.RevisionOut, summary="Edit a draft revision")
def update_revision(request, revision_id: PathId, payload: schemas.RevisionPatch):
    revision = selectors.revision_get(request.auth, revision_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    return services.revision_update(actor=request.auth, revision=revision, version=version, **data)


@router.put("/revisions/{revision_id}/route", response=schemas.RevisionOut, summary="Set reviewers and approvers")
def set_route(request, revision_id: PathId, payload: schemas.RouteIn):
    revision = selectors.revision_get(request.auth, revision_id)
    services.revision_set_route(
        actor=request.auth,
        revision=revision,
        reviewers=_users(payload.reviewer_ids, "reviewer_ids"),
        approvers=_users(payload.approver_ids, "approver_ids"),
    )
    return selectors.revision_get(request.auth, revision_id)


@router.post(
    "/revisions/{revision_id}/file",
    response=schemas.RevisionOut,
    summary="Upload the revision's file (PDF, DOCX, XLSX, ODT, image); its text is indexed",
)
def upload_file(request, revision_id: PathId, file: File[UploadedFile]):
    revision = selectors.revision_get(request.auth, revision_id)
    return services.revision_upload(actor=request.auth, revision=revision, uploaded_file=file)


@router.post(
    "/revisions/{revision_id}/approve",
    response=schemas.RevisionOut,
    summary="Approve with an electronic signature (effective at once or on the effective date)",
)
def approve(request, revision_id: PathId, payload: schemas.ApproveIn):
    revision = selectors.revision_get(request.auth, revision_id)
    return services.approve(
        actor=request.auth,
        revision=revision,
        expected_version=payload.version,
        credentials=Credentials(payload.password, payload.otp, payload.comment),
        effective_date=payload.effective_date,
    )


@router.post(
    "/revisions/{revision_id}/acknowledge",
    response=schemas.AckOut,
    summary="Sign 'read and understood' for the effective revision",
)
def acknowledge(request, revision_id: PathId, payload: schemas.SignIn):
    revision = selectors.revision_get(request.auth, revision_id)
    signature = services.acknowledge(
        actor=request.auth, revision=revision, credentials=Credentials(payload.password, payload.otp, payload.comment)
    )
    return {
        "user_id": request.auth.pk,
        "name": request.auth.display_name,
        "status": "acknowledged",
        "due": None,
        "signed_at": signature.signed_at,
    }


@router.get(
    "/revisions/{revision_id}/acknowledgments",
    response=list[schemas.AckOut],
    summary="Who has and has not acknowledged",
)
def acknowledgments(request, revision_id: PathId):
    revision = selectors.revision_get(request.auth, revision_id)
    return [_ack_row(row) for row in selectors.acknowledgment_status(revision)]


@router.get("/revisions/{revision_id}/pdf", summary="Controlled copy as PDF (with the signature page)")
def revision_pdf(request, revision_id: PathId):
    from qualitas.documents.pdf import controlled_copy

    revision = selectors.revision_get(request.auth, revision_id)
    response = HttpResponse(controlled_copy(request.auth, revision), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{revision.document.number}-rev{revision.label}.pdf"'
    return response


@router.post(
    "/documents/{document_id}/change-requests",
    response={201: schemas.ChangeRequestOut},
    summary="Request a change (anyone who can read the document)",
)
def request_change(request, document_id: PathId, payload: schemas.ChangeRequestIn):
    document = selectors.document_get(request.auth, document_id)
    return Status(
        201,
        services.change_request_create(
            actor=request.auth, document=document, what=payload.what, why=payload.why, urgency=payload.urgency
        ),
    )


@router.get(
    "/documents/{document_id}/change-requests",
    response=list[schemas.ChangeRequestOut],
    summary="Change requests of a document",
)
def list_change_requests(request, document_id: PathId):
    return selectors.change_requests(request.auth, selectors.document_get(request.auth, document_id))


@router.post(
    "/change-requests/{request_id}/decision",
    response=schemas.ChangeRequestOut,
    summary="Accept (opens a draft revision) or reject with a reason",
)
def decide(request, request_id: PathId, payload: schemas.DecisionIn):
    change_request = selectors.change_request_get(request.auth, request_id)
    return services.change_request_decide(
        actor=request.auth,
        request=change_request,
        accept=payload.accept,
        reason=payload.reason,
        change_summary=payload.change_summary,
    )


@router.post(
    "/documents/{document_id}/periodic-review", response={201: dict}, summary="Record a signed periodic review outcome"
)
def periodic_review(request, document_id: PathId, payload: schemas.PeriodicReviewIn):
    document = selectors.document_get(request.auth, document_id)
    review = services.periodic_review(
        actor=request.auth,
        document=document,
        outcome=payload.outcome,
        comment=payload.comment,
        credentials=Credentials(payload.password, payload.otp, payload.comment),
    )
    return Status(201, {"id": review.pk, "outcome": review.outcome})


@router.get("/documents-master-list", summary="Master list as CSV, XLSX or PDF (?format=csv|xlsx|pdf)")
def master_list(request, format: str = "csv"):
    from qualitas.documents.exports import master_list_response

    if format not in ("csv", "xlsx", "pdf"):
        raise ValidationError({"format": "Choose csv, xlsx or pdf."})
    return master_list_response(request.auth, format)


# --- Review comments ----------------------------------------------------------------------------------


def _comment_of(request, revision_id: int, comment_id: int):
    from django.http import Http404

    comment = selectors.review_comment_get(request.auth, comment_id)
    if comment.revision_id != revision_id:
        raise Http404("No such comment on this revision.")
    return comment


def _thread_out(request, thread):
    return selectors.review_comments(request.auth, thread.revision).get(pk=thread.pk)


@router.get(
    "/revisions/{revision_id}/anchors",
    response=list[schemas.AnchorOut],
    summary="The headings and paragraphs of a revision that comments can be anchored to",
)
def revision_anchors(request, revision_id: PathId):
    from qualitas.documents.rendering import anchored_html

    revision = selectors.revision_get(request.auth, revision_id)
    return anchored_html(revision.content)[1] if revision.content_kind == "markdown" else []


@router.get(
    "/revisions/{revision_id}/comments",
    response=list[schemas.ReviewCommentOut],
    summary="Review comments of a revision, each thread with its replies",
)
def list_review_comments(request, revision_id: PathId):
    return selectors.review_comments(request.auth, selectors.revision_get(request.auth, revision_id))


@router.post(
    "/revisions/{revision_id}/comments",
    response={201: schemas.ReviewCommentOut},
    summary="Comment on a revision in review (its author, reviewers and approvers), anchored to a heading or paragraph",
)
def create_review_comment(request, revision_id: PathId, payload: schemas.ReviewCommentIn):
    revision = selectors.revision_get(request.auth, revision_id)
    comment = services.review_comment_add(actor=request.auth, revision=revision, body=payload.body,
                                          anchor=payload.anchor)
    comment.revision = revision
    return Status(201, _thread_out(request, comment))


@router.post(
    "/revisions/{revision_id}/comments/{comment_id}/replies",
    response={201: schemas.ReviewCommentOut},
    summary="Answer a review comment (returns the thread)",
)
def reply_review_comment(request, revision_id: PathId, comment_id: PathId, payload: schemas.ReviewReplyIn):
    comment = _comment_of(request, revision_id, comment_id)
    services.review_comment_reply(actor=request.auth, comment=comment, body=payload.body)
    thread = comment.parent or comment
    thread.revision = comment.revision
    return Status(201, _thread_out(request, thread))


@router.post(
    "/revisions/{revision_id}/comments/{comment_id}/resolve",
    response=schemas.ReviewCommentOut,
    summary="Resolve a review comment (the revision's author or the comment's author)",
)
def resolve_review_comment(request, revision_id: PathId, comment_id: PathId, payload: schemas.ReviewResolveIn):
    comment = _comment_of(request, revision_id, comment_id)
    thread = services.review_comment_resolve(actor=request.auth, comment=comment, note=payload.note)
    return _thread_out(request, thread)


@router.post(
    "/revisions/{revision_id}/comments/{comment_id}/reopen",
    response=schemas.ReviewCommentOut,
    summary="Reopen a resolved review comment, with the reason",
)
def reopen_review_comment(request, revision_id: PathId, comment_id: PathId, payload: schemas.ReviewReopenIn):
    comment = _comment_of(request, revision_id, comment_id)
    thread = services.review_comment_reopen(actor=request.auth, comment=comment, reason=payload.reason)
    return _thread_out(request, thread)
