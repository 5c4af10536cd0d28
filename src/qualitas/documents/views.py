"""Document control pages. Thin: each view parses input, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.core.forms import apply as _apply
from qualitas.core.forms import form_errors as _form_errors
from qualitas.core.permissions import has_perm, requires
from qualitas.core.readcache import remembered
from qualitas.core.regulated import StaleVersion
from qualitas.core.signatures import services as signing
from qualitas.core.signatures.selectors import signatures_of, valid_signatures
from qualitas.core.workflow import engine
from qualitas.documents import diff, forms, selectors, services
from qualitas.documents.rendering import to_html


def _credentials(data) -> signing.Credentials:
    return signing.Credentials(data["password"], data.get("otp", ""), data.get("comment", ""))


@login_required
@remembered
def document_list(request):
    query = request.GET.get("q", "")[:200]
    filters = {
        "doc_type": request.GET.get("type", "")[:10],
        "status": request.GET.get("status", "")[:20],
        "process_id": request.GET.get("process") or None,
        "owner_id": request.GET.get("owner") or None,
        "clause_id": request.GET.get("clause") or None,
    }
    filters = {
        k: (int(v) if k.endswith("_id") and v and str(v).isdigit() else v)
        for k, v in filters.items()
        if not (k.endswith("_id") and v and not str(v).isdigit())
    }
    export = request.GET.get("export")
    if export in ("csv", "xlsx", "pdf"):
        from qualitas.documents.exports import master_list_response

        return master_list_response(request.user, export, query=query, **filters)
    hits = None
    if request.GET.get("fulltext") and query:
        # The current revisions, unless "Search earlier revisions too" asks for the superseded ones.
        hits = selectors.search(request.user, query, history=bool(request.GET.get("history")), **filters)
    documents = None
    if hits is None:
        from django.core.paginator import Paginator

        documents = Paginator(selectors.document_list(request.user, query=query, **filters), 50).get_page(
            request.GET.get("page")
        )
    from qualitas.accounts.models import Process

    return render(
        request,
        "documents/list.html",
        {
            "documents": documents,
            "hits": hits,
            "query": query,
            "filters": request.GET,
            "types": selectors.doc_types(request.user),
            "processes": Process.objects.filter(active=True),
            "can_create": has_perm(request.user, "documents", "create"),
            "can_administer": has_perm(request.user, "documents", "administer"),
            "review_due": selectors.review_due(request.user, 30).count(),
        },
    )


@login_required
@requires("documents", "create")
def document_new(request):
    form = forms.DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_create(
                actor=request.user,
                doc_type=data["doc_type"],
                title=data["title"],
                number=data["number"],
                owner=data["owner"],
                site=data["site"],
                department=data["department"],
                process=data["process"],
                clauses=data["clauses"],
                keywords=data["keywords"],
                content=data["content"],
                change_summary=data["change_summary"],
                reviewers=list(data["reviewers"]),
                approvers=[data["approver"]] if data["approver"] else [],
                distribution=form.distribution_entries(),
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{document.number} created as a draft.")
            revision = document.revisions.first()
            return redirect("documents:revision", document.pk, revision.pk)
    return render(request, "documents/form.html", {"form": form, "title": "New document"})


@login_required
@remembered
def document_detail(request, document_id: int):
    document = selectors.document_get(request.user, document_id)
    revisions = selectors.revisions_of(request.user, document)
    effective = next((r for r in revisions if r.status == "effective"), None)
    overview = selectors.acknowledgment_overview(document, effective)
    acks = overview["rows"] + overview["former"]  # everyone who signed the effective revision is in one of them
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "revisions": revisions,
            "effective": effective,
            "content_html": to_html(effective.content) if effective and effective.content_kind == "markdown" else "",
            "overview": overview,
            "acks": acks,
            "change_requests": selectors.change_requests(request.user, document),
            "distribution": overview["entries"],
            "can_edit": has_perm(request.user, "documents", "edit", document.site_id),
            "is_owner": request.user.pk == document.owner_id,
            "can_decide": request.user.pk == document.owner_id or has_perm(request.user, "documents", "administer"),
            "distribution_form": forms.DistributionForm(),
            "change_form": forms.ChangeRequestForm(),
            "has_acked": any(row["signature"] and row["user"].pk == request.user.pk for row in acks),
            "periodic_reviews": document.periodic_reviews.select_related("reviewer")[:10],
        },
    )


@login_required
def revision_detail(request, document_id: int, revision_id: int):
    revision = selectors.revision_get(request.user, revision_id)
    if revision.document_id != document_id:
        return redirect("documents:revision", revision.document_id, revision.pk)
    document = revision.document
    others = [r for r in selectors.revisions_of(request.user, document) if r.pk != revision.pk]
    return render(
        request,
        "documents/revision.html",
        {
            "document": document,
            "revision": revision,
            "others": others,
            "content_html": to_html(revision.content) if revision.content_kind == "markdown" else "",
            "options": engine.options(request.user, revision),
            "signatures": signatures_of(revision),
            "assignments": revision.assignments.select_related("user"),
            "can_edit": revision.status == "draft" and has_perm(request.user, "documents", "edit", document.site_id),
            "acks": selectors.acknowledgment_status(revision) if revision.status == "effective" else [],
            "today": timezone.localdate(),
            "has_acked": any(s.signer_id == request.user.pk for s in valid_signatures(revision, "read-and-understood")),
        },
    )


@login_required
def revision_edit(request, document_id: int, revision_id: int):
    revision = selectors.revision_get(request.user, revision_id)
    initial = {
        "version": revision.version,
        "change_summary": revision.change_summary,
        "reason": revision.reason,
        "content": revision.content,
        "effective_date": revision.effective_date,
    }
    form = forms.RevisionForm(request.POST or None, initial=initial)
    route = forms.RouteForm(
        initial={
            "reviewers": [a.user for a in revision.assignments.filter(role="reviewer")],
            "approver": revision.assignments.filter(role="approver").first()
            and revision.assignments.filter(role="approver").first().user,
        }
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.revision_update(actor=request.user, revision=revision, version=version, **data)
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("documents:revision", document_id, revision.pk)
    return render(
        request,
        "documents/revision_edit.html",
        {
            "form": form,
            "route_form": route,
            "upload_form": forms.UploadForm(),
            "revision": revision,
            "document": revision.document,
        },
    )


@login_required
@require_POST
def revision_route(request, document_id: int, revision_id: int):
    revision = selectors.revision_get(request.user, revision_id)
    form = forms.RouteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        _apply(
            request,
            lambda: services.revision_set_route(
                actor=request.user, revision=revision, reviewers=list(data["reviewers"]), approvers=[data["approver"]]
            ),
            "Review route saved.",
        )
    else:
        messages.error(request, "Choose an approver.")
    return redirect("documents:revision-edit", document_id, revision.pk)


@login_required
@require_POST
def revision_upload(request, document_id: int, revision_id: int):
    revision = selectors.revision_get(request.user, revision_id)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        _apply(
            request,
            lambda: services.revision_upload(
                actor=request.user, revision=revision, uploaded_file=form.cleaned_data["file"]
            ),
            "File uploaded; its text is now searchable.",
        )
    else:
        messages.error(request, "Choose a file.")
    return redirect("documents:revision-edit", document_id, revision.pk)


@login_required
def revision_new(request, document_id: int):
    document = selectors.document_get(request.user, document_id)
    form = forms.NewRevisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.revision_new(actor=request.user, document=document, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Revision {revision.label} opened as a draft.")
            return redirect("documents:revision-edit", document.pk, revision.pk)
    return render(request, "documents/form.html", {"form": form, "title": f"New revision of {document}"})


@login_required
def approve(request, document_id: int, revision_id: int):
    revision = selectors.revision_get(request.user, revision_id)
    form = forms.ApproveForm(
        request.POST or None,
        initial={"version": revision.version, "effective_date": revision.effective_date},
        otp_required=signing.needs_otp(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.approve(
                actor=request.user,
                revision=revision,
                credentials=_credentials(form.cleaned_data),
                expected_version=form.cleaned_data["version"],
                effective_date=form.cleaned_data["effective_date"],
            )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, f"Approved. Revision {revision.label} is {revision.get_status_display().lower()}."
            )
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("documents:revision", args=[document_id, revision.pk])
            return response
    return render(
        request,
        "documents/_sign_form.html",
        {
            "form": form,
            "action": reverse("documents:approve", args=[document_id, revision.pk]),
            "title": "Approve",
            "meaning": "Approved",
            "needs_policy": not signing.has_acknowledged_policy(request.user),
        },
    )


@login_required
def acknowledge(request, document_id: int, revision_id: int):
    """Sign "read and understood": a dialog on the revision page (htmx), or the same step as a page of
    its own in the normal layout (a link, the return from the signature policy). Either way the
    outcome is a message on the revision page."""
    revision = selectors.revision_get(request.user, revision_id)
    revision_url = reverse("documents:revision", args=[revision.document_id, revision.pk])
    form = forms.SignatureForm(request.POST or None, otp_required=signing.needs_otp(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.acknowledge(actor=request.user, revision=revision, credentials=_credentials(form.cleaned_data))
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Signed: you acknowledged {revision.document.number} rev {revision.label} "
                                      "as read and understood.")
            if not request.headers.get("HX-Request"):
                return redirect(revision_url)
            response = HttpResponse(status=204)
            response["HX-Redirect"] = revision_url
            return response
    return render(
        request,
        "documents/_sign_form.html",
        {
            "form": form,
            "action": reverse("documents:acknowledge", args=[document_id, revision.pk]),
            "title": "I have read and understood this document",
            "meaning": "Read and understood",
            "needs_policy": not signing.has_acknowledged_policy(request.user),
            "record": revision,
            "back_url": revision_url,
        },
    )


@login_required
def periodic_review(request, document_id: int):
    document = selectors.document_get(request.user, document_id)
    form = forms.PeriodicReviewForm(request.POST or None, otp_required=signing.needs_otp(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.periodic_review(
                actor=request.user,
                document=document,
                outcome=form.cleaned_data["outcome"],
                comment=form.cleaned_data.get("comment", ""),
                credentials=_credentials(form.cleaned_data),
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Periodic review recorded.")
            return redirect("documents:detail", document.pk)
    return render(
        request,
        "documents/form.html",
        {
            "form": form,
            "title": f"Periodic review of {document}",
            "signature": True,
            "needs_policy": not signing.has_acknowledged_policy(request.user),
        },
    )


@login_required
@require_POST
def change_request(request, document_id: int):
    document = selectors.document_get(request.user, document_id)
    form = forms.ChangeRequestForm(request.POST)
    if form.is_valid():
        _apply(
            request,
            lambda: services.change_request_create(actor=request.user, document=document, **form.cleaned_data),
            "Change request sent to the document owner.",
        )
    else:
        messages.error(request, "Say what should change and why.")
    return redirect("documents:detail", document.pk)


@login_required
@require_POST
def change_request_decide(request, request_id: int):
    change_request = selectors.change_request_get(request.user, request_id)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        _apply(
            request,
            lambda: services.change_request_decide(
                actor=request.user,
                request=change_request,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            ),
            "Decision recorded.",
        )
    return redirect("documents:detail", change_request.document_id)


@login_required
@require_POST
def distribution_add(request, document_id: int):
    document = selectors.document_get(request.user, document_id)
    form = forms.DistributionForm(request.POST)
    if form.is_valid():
        _apply(
            request,
            lambda: services.distribution_add(actor=request.user, document=document, **form.cleaned_data),
            "Added to the distribution.",
        )
    return redirect("documents:detail", document.pk)


@login_required
def distribution_edit(request, document_id: int):
    """The whole distribution list on one form; saving it assigns and withdraws acknowledgment tasks."""
    document = selectors.document_get(request.user, document_id)
    from qualitas.core.permissions import authorize

    authorize(request.user, "documents", "edit", document.site_id)
    form = forms.DistributionEditForm(
        request.POST or None, initial=forms.DistributionEditForm.initial_for(selectors.distribution_entries(document))
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.distribution_set(
                actor=request.user,
                document=document,
                entries=form.distribution_entries(),
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Distribution saved.")
            return redirect("documents:detail", document.pk)
    return render(
        request,
        "documents/distribution_form.html",
        {"form": form, "document": document, "overview": selectors.acknowledgment_overview(document)},
    )


@login_required
@require_POST
def distribution_remove(request, document_id: int, entry_id: int):
    document = selectors.document_get(request.user, document_id)
    entry = selectors.distribution_entry_get(request.user, document, entry_id)
    try:
        services.distribution_remove(actor=request.user, entry=entry)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("documents:detail", document.pk)


@login_required
def compare(request, document_id: int):
    document = selectors.document_get(request.user, document_id)
    revisions = selectors.revisions_of(request.user, document)
    by_id = {r.pk: r for r in revisions}
    try:
        old = by_id.get(int(request.GET.get("old", 0))) or (revisions[1] if len(revisions) > 1 else None)
        new = by_id.get(int(request.GET.get("new", 0))) or (revisions[0] if revisions else None)
    except ValueError:
        old = new = None
    view = "source" if request.GET.get("view") == "source" else "redline"
    result = redline = None
    if old and new:
        if view == "source":
            result = diff.compare(old.text, new.text)
        else:
            from qualitas.documents.compare import redline as make_redline

            redline = make_redline(old, new)
    return render(
        request,
        "documents/compare.html",
        {"document": document, "revisions": revisions, "old": old, "new": new, "result": result,
         "redline": redline, "view": view},
    )


@login_required
def revision_pdf(request, document_id: int, revision_id: int):
    from qualitas.documents.pdf import controlled_copy

    revision = selectors.revision_get(request.user, revision_id)
    response = HttpResponse(controlled_copy(request.user, revision), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{revision.document.number}-rev{revision.label}.pdf"'
    return response


@login_required
def review_due(request):
    return render(
        request,
        "documents/review_due.html",
        {"documents": selectors.review_due(request.user, 60), "today": timezone.localdate()},
    )


@login_required
def type_list(request):
    from qualitas.core.permissions import authorize

    authorize(request.user, "documents", "administer")
    return render(request, "documents/types.html", {"types": selectors.doc_types(request.user, include_inactive=True)})


@login_required
def type_form(request, code: str | None = None):
    from qualitas.core.permissions import authorize

    authorize(request.user, "documents", "administer")
    doc_type = selectors.doc_type_get(request.user, code) if code else None
    form = forms.DocumentTypeForm(request.POST or None, instance=doc_type)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version", None), data.pop("reason", "")
        reviewers, approvers_ = list(data.pop("default_reviewers")), list(data.pop("default_approvers"))
        try:
            if doc_type:
                data.pop("code", None)
                services.doc_type_update(
                    actor=request.user,
                    doc_type=doc_type,
                    version=version,
                    reason=reason,
                    default_reviewers=reviewers,
                    default_approvers=approvers_,
                    **data,
                )
            else:
                created = services.doc_type_create(actor=request.user, **data)
                services.doc_type_update(
                    actor=request.user, doc_type=created, default_reviewers=reviewers, default_approvers=approvers_
                )
        except (ValidationError, PermissionDenied, StaleVersion) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Document type saved.")
            return redirect("documents:types")
    return render(
        request, "documents/form.html", {"form": form, "title": f"Document type {doc_type}" if doc_type else "New type"}
    )


# --- Review comments and the editor's preview -------------------------------------------------------------


def _back_to(revision, anchor: str = "") -> HttpResponse:
    url = reverse("documents:revision", args=[revision.document_id, revision.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def comment_add(request, document_id: int, revision_id: int):
    revision = selectors.revision_get(request.user, revision_id)
    created = []
    done = _apply(
        request,
        lambda: created.append(
            services.review_comment_add(
                actor=request.user,
                revision=revision,
                body=request.POST.get("body", "")[:20000],
                anchor=request.POST.get("anchor", "")[:200],
            )
        ),
        "Comment added.",
    )
    return _back_to(revision, f"comment-{created[0].pk}" if done else "new-comment")


@login_required
@require_POST
def comment_respond(request, document_id: int, revision_id: int, comment_id: int):
    """Reply to, resolve (with an optional answer) or reopen (with a reason) a comment thread."""
    comment = selectors.review_comment_get(request.user, comment_id)
    if comment.revision_id != revision_id:
        from django.http import Http404

        raise Http404("No such comment on this revision.")
    body = request.POST.get("body", "")[:20000]
    action = request.POST.get("action", "reply")
    if action == "resolve":
        write = lambda: services.review_comment_resolve(actor=request.user, comment=comment, note=body)  # noqa: E731
        message = "Comment resolved."
    elif action == "reopen":
        write = lambda: services.review_comment_reopen(actor=request.user, comment=comment, reason=body)  # noqa: E731
        message = "Comment reopened."
    else:
        write = lambda: services.review_comment_reply(actor=request.user, comment=comment, body=body)  # noqa: E731
        message = "Reply added."
    _apply(request, write, message)
    return _back_to(comment.revision, f"comment-{comment.parent_id or comment.pk}")


PREVIEW_LIMIT = 200_000


@login_required
@require_POST
def markdown_preview(request):
    """The editor's live preview: the Markdown rendered and sanitised exactly as the revision page does."""
    from qualitas.core.permissions import authorize
    from qualitas.documents.rendering import anchored_html

    authorize(request.user, "documents", "view")
    text = request.POST.get("content", "")
    if len(text) > PREVIEW_LIMIT:
        return HttpResponse(
            f"The text is too long to preview ({len(text)} characters; at most {PREVIEW_LIMIT}).",
            status=413, content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(anchored_html(text)[0], content_type="text/html; charset=utf-8")
