"""The training impact of a document change: services and selectors.

The revision's author, or someone who may approve it, decides whether the change needs retraining
(none, read and understood, quiz, on the job) with a reason, signed with their password
("training-impact"). A revision of a document that an active training requirement refers to (and
that replaces an earlier revision) cannot be approved until the impact is decided: the workflow
runner asks `may_transition` (qualitas.core.hooks.MAY_TRANSITION), so the Approve button shows why.
The decision can change (audited, signed again) until the revision is effective; then it is frozen.

When the revision becomes effective, `generation.revision_method` answers from the decision: "none"
assigns nothing and training on the earlier revision keeps counting (`generation.training_revisions`).
Documents know nothing of this (STYLE rule 16).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qualitas.core.permissions import has_perm
from qualitas.core.regulated import record_create, record_update
from qualitas.training.models import Assignment, Requirement
from qualitas.training.models_impact import IMPACT_KINDS, NONE, QUIZ, TrainingImpact

REVISION = "documents.revision"
GATED_TRANSITIONS = ("approve", "make_effective")
FROZEN = ("effective", "superseded", "obsolete")
DECIDE_FIRST = "Decide the training impact of this change first (Training panel)."
WRITE_QUIZ_FIRST = "Write the quiz first"


def requirements_on(document_id) -> list[Requirement]:
    return list(Requirement.objects.filter(active=True, kind="document", document_id=document_id).order_by("code"))


def impact_of(revision) -> TrainingImpact | None:
    return TrainingImpact.objects.filter(revision_id=revision.pk).select_related("decided_by", "signature").first()


def replaces_a_revision(revision) -> bool:
    """Whether an earlier revision of the document was in force (a change, not a new document)."""
    from qualitas.documents.models import Revision

    return Revision.objects.filter(document_id=revision.document_id, status__in=("effective", "superseded")).exclude(
        pk=revision.pk).exists()


def needs_decision(revision) -> bool:
    return bool(requirements_on(revision.document_id)) and replaces_a_revision(revision)


def may_decide(actor, revision) -> bool:
    """The revision's author, or someone who may approve it."""
    if actor is None or getattr(actor, "is_system", False):
        return False
    return actor.pk == revision.author_id or has_perm(actor, "documents", "approve", revision.document.site_id)


def may_transition(*, actor, instance, record_type, transition) -> str | None:
    """MAY_TRANSITION: approving a change of a document people train on needs the impact decided."""
    if record_type != REVISION or transition not in GATED_TRANSITIONS:
        return None
    if TrainingImpact.objects.filter(revision_id=instance.pk).exists() or not needs_decision(instance):
        return None
    return DECIDE_FIRST


def method_for(revision, requirement: Requirement) -> str | None:
    """How holders train on `revision` becoming effective, from the decision (None: no retraining); a
    revision without a decision (the first of a new document): the requirement's own method."""
    impact = TrainingImpact.objects.filter(revision_id=revision.pk).values_list("kind", flat=True).first()
    if impact is None:
        return requirement.method
    return None if impact == NONE else impact


def _refuse_without_quiz(document_id) -> None:
    missing = [r.code for r in requirements_on(document_id) if not hasattr(r, "quiz")]
    if missing:
        raise ValidationError({"kind": f"{WRITE_QUIZ_FIRST}: {', '.join(missing)} has no quiz yet."})


@transaction.atomic
def impact_decide(*, actor, revision, kind: str, reason: str, credentials, version: int | None = None
                  ) -> TrainingImpact:
    """Decide (or change) the training impact of `revision`, signed by `actor` with "training-impact"."""
    from qualitas.core.signatures import services as signing
    from qualitas.documents.models import Revision

    revision = Revision.objects.select_for_update().select_related("document").filter(pk=revision.pk).first()
    if not may_decide(actor, revision):
        raise PermissionDenied("Only the revision's author or someone who may approve it decides its training impact.")
    if revision.status in FROZEN:
        raise ValidationError(f"Rev {revision.label} is {revision.get_status_display().lower()}: its training "
                              "impact is frozen.")
    reason = " ".join((reason or "").split())
    if kind not in dict(IMPACT_KINDS):
        raise ValidationError({"kind": f"Choose one of: {', '.join(k for k, _ in IMPACT_KINDS)}."})
    if not reason:
        raise ValidationError({"reason": "Give the reason for the decision."})
    if kind == QUIZ:
        _refuse_without_quiz(revision.document_id)
    current = TrainingImpact.objects.filter(revision=revision).first()
    if current is not None and current.kind == kind and current.reason == reason:
        raise ValidationError("Nothing changed: the decision is already this one.")
    signing.verify_signer(actor, credentials, instance=revision, meaning="training-impact")
    values = {"kind": kind, "reason": reason, "decided_by": actor, "decided_at": timezone.now()}
    if current is None:
        impact = record_create(actor, TrainingImpact(revision=revision, **values), event="training.impact_decided",
                               reason=reason)
    else:
        impact = record_update(actor, current, event="training.impact_changed", changes=values,
                               expected_version=version, reason=reason, require_reason=True)
    label = dict(IMPACT_KINDS)[kind]
    signature = signing.sign(actor=actor, instance=impact, meaning="training-impact", verified=True,
                             credentials=signing.Credentials(credentials.password, getattr(credentials, "otp", ""),
                                                             comment=f"{label}: {reason}"))
    # The signature field is set by this signing (left out of the change log and the signed content:
    # the signature is its own audit event, signature.training-impact, on this record).
    TrainingImpact.objects.filter(pk=impact.pk).update(signature=signature)
    impact.signature = signature
    return impact


# --- Selectors ---------------------------------------------------------------------------------------------


def training_on(revision) -> dict:
    """Who still has to train on `revision` (open assignments) and who has (completed ones)."""
    assignments = Assignment.objects.filter(revision_id=revision.pk).exclude(status=Assignment.ENDED).select_related(
        "person", "requirement").order_by("due", "person__last_name", "pk")
    outstanding, done = [], []
    today = timezone.localdate()
    for assignment in assignments:
        if assignment.is_open:
            status = "overdue" if assignment.is_overdue(today) else (
                "in-progress" if assignment.status == Assignment.IN_PROGRESS else "due")
            outstanding.append({"assignment": assignment, "person": assignment.person, "due": assignment.due,
                                "status": status, "method": assignment.get_method_display()})
        else:
            done.append({"assignment": assignment, "person": assignment.person,
                         "completed": assignment.completed_at, "method": assignment.get_method_display()})
    return {"outstanding": outstanding, "done": done}


def impact_view(actor, revision) -> dict:
    """What the Training panel and the API show for `revision`."""
    impact = impact_of(revision)
    return {
        "revision": revision,
        "impact": impact,
        "requirements": requirements_on(revision.document_id),
        "needs_decision": needs_decision(revision),
        "may_decide": may_decide(actor, revision) and revision.status not in FROZEN,
        "frozen": revision.status in FROZEN,
        **training_on(revision),
    }


def revision_for_document(document):
    """The revision the document page's Training panel is about: the one in work, else the effective one."""
    from qualitas.documents.models import Revision

    revisions = Revision.objects.filter(document_id=document.pk)
    return (revisions.filter(status__in=("draft", "in_review", "approved")).order_by("-created_at").first()
            or revisions.filter(status="effective").first() or revisions.order_by("-created_at").first())
