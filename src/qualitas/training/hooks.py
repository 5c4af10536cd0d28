"""What training does when document control takes a step (declared in module.py, called by the core's
hooks: qualitas.core.hooks). Documents know nothing of training.

- A revision becomes effective: the people a requirement on its document applies to are assigned it
  (replacing an open assignment for the earlier revision).
- A revision is made obsolete: open assignments to train on it end.
- Someone signs "read and understood" for a revision: their read-and-understood assignment is
  completed by that acknowledgment (no second acknowledgment), and the matrix cell turns current.
"""

from __future__ import annotations

REVISION = "documents.revision"


def on_transition(*, actor, instance, record_type, transition, source, target) -> None:
    if record_type != REVISION:
        return
    from qualitas.training import generation

    if target == "effective":
        made_by = "" if getattr(actor, "is_system", False) else f"approved by {actor.display_name}"
        generation.revision_effective(instance, made_by=made_by)
    elif target == "obsolete":
        generation.revision_withdrawn(instance)


def on_signature(*, actor, instance, signature) -> None:
    if signature.meaning != "read-and-understood" or signature.record_type != REVISION:
        return
    from qualitas.training import generation

    generation.acknowledged(actor, instance, signature)


def may_transition(*, actor, instance, record_type, transition) -> str | None:
    """MAY_TRANSITION (one receiver per module): the qualification gates, then the training impact of a
    document change (a change people train on is approved only once its impact is decided)."""
    from qualitas.training import gates, impact

    kwargs = {"actor": actor, "instance": instance, "record_type": record_type, "transition": transition}
    return gates.may_transition(**kwargs) or impact.may_transition(**kwargs)
