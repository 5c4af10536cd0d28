from django.shortcuts import get_object_or_404
from django.utils import timezone

from qualitas.core.permissions import authorize
from qualitas.core.workflow.engine import State, Transition, Workflow, not_author, register, required_fields
from tests.sample.models import SampleRecord


def sample_get(actor, pk):
    authorize(actor, "sample", "view")
    return get_object_or_404(SampleRecord, pk=pk)


def stamp_approval(actor, instance, transition):
    instance.approved_at = timezone.now()


WORKFLOW = register(
    Workflow(
        record_type="sample.samplerecord",
        states={
            "draft": State("Draft"),
            "in_review": State("In review", badge="info"),
            "approved": State("Approved", badge="primary"),
            "effective": State("Effective", badge="success"),
            "obsolete": State("Obsolete", final=True, badge="dark"),
        },
        transitions=[
            Transition(
                "submit", "Submit for review", ("draft",), "in_review", "edit", (required_fields("title", "body"),)
            ),
            Transition("return", "Return to draft", ("in_review",), "draft", "approve", reason_required=True),
            Transition(
                "review", "Review", ("in_review",), "in_review", "approve", (not_author(),), signature="reviewed"
            ),
            Transition(
                "approve", "Approve", ("in_review",), "approved", "approve", (not_author(),), signature="approved"
            ),
            Transition("release", "Make effective", ("approved",), "effective", "approve"),
            Transition(
                "withdraw", "Make obsolete", ("approved", "effective"), "obsolete", "approve", reason_required=True
            ),
        ],
        on_enter={"approved": [stamp_approval]},
    )
)

# Allowed (from, transition) pairs, used by the state-machine test as the specification.
SPEC = {(s, t.name): t.target for t in WORKFLOW.transitions for s in t.source}
