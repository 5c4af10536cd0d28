"""The revision lifecycle on the core workflow engine:

    draft → in review → approved → effective → superseded (automatically) or obsolete

Reviewers sign "reviewed" (in order when the type asks for sequential review), an approver signs
"approved" (never the author, unless the document type allows it), and the revision becomes
effective on its effective date — at once when the date is today or empty, otherwise by the
scheduler. Entering "effective" supersedes the previous effective revision and sends the
read-and-understand tasks.
"""

from __future__ import annotations

from django.utils import timezone

from qualitas.core.workflow.engine import (
    State,
    Transition,
    Workflow,
    register,
    required_fields,
    segregation_of_duties,
)


def _assigned(instance, role: str):
    return [a.user_id for a in instance.assignments.filter(role=role)]


def route_assigned(actor, revision) -> str | None:
    reviewers = _assigned(revision, "reviewer")
    needed = revision.document.doc_type.reviewers_required
    if len(reviewers) < needed:
        return f"Assign at least {needed} reviewer{'s' if needed > 1 else ''} first."
    if not _assigned(revision, "approver"):
        return "Assign an approver first."
    if revision.content_kind == "markdown" and not revision.content.strip():
        return "Write the content first."
    if revision.content_kind == "file" and not revision.file_id:
        return "Upload the document file first."
    return None


def is_pending_reviewer(actor, revision) -> str | None:
    from qualitas.core.signatures.selectors import valid_signatures

    assignments = list(revision.assignments.filter(role="reviewer").order_by("order"))
    if actor.pk not in [a.user_id for a in assignments]:
        return "Only the assigned reviewers sign the review."
    signed = {s.signer_id for s in valid_signatures(revision, "reviewed")}
    if actor.pk in signed:
        return "You have already signed this review."
    if revision.document.doc_type.sequential_review:
        for assignment in assignments:
            if assignment.user_id == actor.pk:
                break
            if assignment.user_id not in signed:
                return "Reviews are sequential: an earlier reviewer has not signed yet."
    return None


def is_assigned_approver(actor, revision) -> str | None:
    if actor.pk not in _assigned(revision, "approver"):
        return "Only the assigned approver approves this revision."
    return None


@segregation_of_duties
def author_may_not_approve(actor, revision) -> str | None:
    if revision.author_id == actor.pk and not revision.document.doc_type.allow_self_approval:
        return "The author may not approve their own revision (segregation of duties)."
    return None


def reviews_complete(actor, revision) -> str | None:
    from qualitas.core.signatures.selectors import valid_signatures

    reviewers = set(_assigned(revision, "reviewer"))
    signed = {s.signer_id for s in valid_signatures(revision, "reviewed")} & reviewers
    needed = max(revision.document.doc_type.reviewers_required, len(reviewers))
    if len(signed) < needed:
        return f"Waiting for reviews: {len(signed)} of {needed} reviewers have signed."
    return None


def no_open_review_comments(actor, revision) -> str | None:
    from qualitas.documents.selectors import open_review_comments

    count = open_review_comments(revision)
    if count:
        return (
            f"{count} review comment{'s are' if count > 1 else ' is'} still open: the author answers and "
            "resolves them before the approval."
        )
    return None


def effective_date_reached(actor, revision) -> str | None:
    if revision.effective_date and revision.effective_date > timezone.localdate():
        return f"Effective on {revision.effective_date:%Y-%m-%d}."
    return None


def on_approved(actor, revision, transition) -> None:
    from qualitas.core.tasks import services as tasks

    revision.approved_at = timezone.now()
    tasks.tasks_complete_for(revision, "approve", assignee=actor, actor=actor, note="approved")


def on_effective(actor, revision, transition) -> None:
    from qualitas.documents import services

    if transition.name == "import_effective":
        return  # taken over from the previous system as it was: no supersession, tasks or new dates
    services.enter_effective(actor, revision)


def on_obsolete(actor, revision, transition) -> None:
    from qualitas.documents import services

    services.enter_obsolete(actor, revision)


def on_in_review(actor, revision, transition) -> None:
    from qualitas.documents import services

    services.route_tasks(actor, revision, transition)


def on_draft(actor, revision, transition) -> None:
    from qualitas.documents import services

    services.close_review_tasks(actor, revision, "Returned to draft")


WORKFLOW = register(
    Workflow(
        record_type="documents.revision",
        states={
            "draft": State("Draft", badge="secondary"),
            "in_review": State("In review", badge="info"),
            "approved": State("Approved", badge="primary"),
            "effective": State("Effective", badge="success"),
            "superseded": State("Superseded", final=True, badge="warning"),
            "obsolete": State("Obsolete", final=True, badge="dark"),
        },
        transitions=[
            Transition(
                "submit",
                "Submit for review",
                ("draft",),
                "in_review",
                "edit",
                (required_fields("change_summary"), route_assigned),
                help="Reviewers and the approver get a task.",
            ),
            Transition(
                "sign_review",
                "Sign review",
                ("in_review",),
                "in_review",
                "approve",
                (is_pending_reviewer,),
                signature="reviewed",
                help="Your signature states that you reviewed this revision.",
            ),
            Transition(
                "return_to_draft",
                "Return to draft",
                ("in_review",),
                "draft",
                "approve",
                reason_required=True,
                style="outline-danger",
                help="The reason is sent to the author as review comments.",
            ),
            Transition(
                "approve",
                "Approve",
                ("in_review",),
                "approved",
                "approve",
                (is_assigned_approver, author_may_not_approve, reviews_complete, no_open_review_comments),
                signature="approved",
                style="success",
                help="Effective at once, or on the effective date when one is set.",
            ),
            Transition(
                "make_effective",
                "Make effective",
                ("approved",),
                "effective",
                "approve",
                (effective_date_reached,),
                system=True,
                automatic=True,  # approved with today's (or no) effective date: effective at once
                style="success",
            ),
            Transition(
                "make_obsolete",
                "Make obsolete",
                ("effective",),
                "obsolete",
                "approve",
                reason_required=True,
                style="outline-danger",
                help="Withdraws the document from use.",
            ),
            # Follow-up of another revision becoming effective (documents.services.enter_effective).
            Transition("supersede", "Supersede", ("effective",), "superseded", "approve", system=True, user=False),
            # The import of a document already in force elsewhere (documents.importer).
            Transition("import_effective", "Import as effective", ("draft",), "effective", "administer", user=False),
        ],
        on_enter={
            "in_review": [on_in_review],
            "approved": [on_approved],
            "effective": [on_effective],
            "obsolete": [on_obsolete],
            "draft": [on_draft],
        },
    )
)


# --- The document and its change requests -------------------------------------------------------------


def is_owner_or_controller(actor, change_request) -> str | None:
    from qualitas.core.permissions import has_perm

    document = change_request.document
    if actor.pk == document.owner_id or has_perm(actor, "documents", "administer", document.site_id):
        return None
    return "Only the document owner or a document controller decides change requests."


DOCUMENT = register(
    Workflow(
        record_type="documents.document",
        states={
            "active": State("Active", badge="success"),
            "withdrawn": State("Withdrawn", final=True, badge="dark"),
        },
        transitions=[
            # Follow-up of its effective revision being made obsolete (documents.services.enter_obsolete).
            Transition("withdraw", "Withdraw", ("active",), "withdrawn", "approve", user=False),
        ],
    )
)

CHANGE_REQUEST = register(
    Workflow(
        record_type="documents.changerequest",
        states={
            "open": State("Open", badge="warning"),
            "accepted": State("Accepted", final=True, badge="success"),
            "rejected": State("Rejected", final=True, badge="dark"),
        },
        transitions=[
            # Decided on the document page (documents.services.change_request_decide), which opens the draft.
            Transition("accept", "Accept", ("open",), "accepted", "view", (is_owner_or_controller,), user=False),
            Transition("reject", "Reject", ("open",), "rejected", "view", (is_owner_or_controller,),
                       reason_required=True, user=False),
        ],
    )
)
