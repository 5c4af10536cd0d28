"""Qualification gates (P11-I): training answers the core's questions (qualitas.core.hooks MAY_SIGN,
MAY_TRANSITION, MAY_ASSIGN; declared in module.py). The core asks them (the signature service, the
workflow runner, the services that make someone responsible for a step); no module checks training
itself.

**Current**, for a gate, means trained and not lapsed: the person has a training record that counts
for the requirement (qualitas.training.status.counts: the minimum level reached; for a controlled
document, training on the revision people must currently be trained on) and that is not past its
expiry date plus the grace period. So:

- never trained, or only started (in progress, a level below the minimum): not current;
- trained on an earlier revision of a document whose training revision changed: not current until
  trained on it (a change the training-impact decision says needs no retraining keeps the earlier
  revision, and with it the people trained on it);
- a renewal assigned while the earlier record is still valid (or in its grace period): current, as
  long as that record is; the matrix shows the cell "due" then, which is about the work to do, not
  about whether the person is trained.

A duty gate limited to a standard (Gate.standard) applies only to records in scope of that standard:
the record says which by `gate_standards()` (the codes, e.g. an audit's standards), so an audit of
ISO 9001 and ISO 14001 needs the auditor qualifications of both, and one of ISO 9001 only the first.

The system actor is never gated (it signs nothing and performs only system steps). Each question
costs one query for the gates in force that name the step; only when one does are the person's
records read (one more query, plus the training revisions of document requirements).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from qualitas.training import status as status_
from qualitas.training.models import Assignment, Requirement, TrainingRecord
from qualitas.training.models_gates import DUTIES, Gate

# "Signing as approver": the signer named by the meaning.
SIGNERS = {
    "authored": "author", "reviewed": "reviewer", "approved": "approver", "verified": "verifier",
    "responsible": "responsible person", "released": "releaser", "read-and-understood": "reader",
    "rejected": "rejecter", "trained": "trainee", "assessed": "assessor", "training-impact": "decider",
}


def _skip(person) -> bool:
    return person is None or not getattr(person, "is_authenticated", False) or getattr(person, "is_system", False)


def _record_type(instance) -> str:
    if instance is None:
        return ""
    from qualitas.core.records import key_for

    return key_for(instance)


@dataclass(frozen=True)
class Standing:
    """Where a person stands on a requirement for the gates: current or not, and why not."""

    requirement: Requirement
    current: bool
    why: str = ""

    @property
    def label(self) -> str:
        text = f"{self.requirement.code} {self.requirement.title}"
        return f"{text} ({self.why})" if self.why else text


def standings(person, requirements, today: dt.date | None = None) -> dict[int, Standing]:
    """{requirement id: Standing} of `person` on `requirements` (see the module docstring)."""
    from qualitas.training import generation

    today = today or timezone.localdate()
    requirements = {r.pk: r for r in requirements}
    if not requirements:
        return {}
    records: dict[int, list[TrainingRecord]] = {pk: [] for pk in requirements}
    for found in TrainingRecord.objects.filter(person_id=person.pk, requirement_id__in=list(requirements)):
        records[found.requirement_id].append(found)
    revisions = generation.training_revisions(r.document_id for r in requirements.values() if r.kind == "document")
    result, unexplained = {}, []
    for pk, requirement in requirements.items():
        rule = generation.rule_of(requirement)
        revision = revisions.get(requirement.document_id) if requirement.kind == "document" else None
        dones = [generation.done_of(r) for r in records[pk]]
        latest = status_.latest_counting(rule, dones, revision)
        if latest is not None and not status_.lapsed(rule, latest, today):
            result[pk] = Standing(requirement, True)
        elif latest is not None:
            why = f"expired on {latest.expires_on:%Y-%m-%d}"
            if requirement.grace_days:
                end = latest.expires_on + dt.timedelta(days=requirement.grace_days)
                why += f", grace period ended {end:%Y-%m-%d}"
            result[pk] = Standing(requirement, False, why)
        elif any(d.level < rule.min_level for d in dones):
            best = max(d.level for d in dones)
            result[pk] = Standing(requirement, False, f"level {best} reached, {rule.min_level} required")
        elif dones:
            result[pk] = Standing(requirement, False, "not trained on the effective revision")
        else:
            unexplained.append(pk)
    if unexplained:
        started = set(Assignment.objects.filter(person_id=person.pk, requirement_id__in=unexplained,
                                                status=Assignment.IN_PROGRESS).values_list("requirement_id", flat=True))
        for pk in unexplained:
            result[pk] = Standing(requirements[pk], False, "in progress" if pk in started else "never completed")
    return result


def missing(person, gates, today: dt.date | None = None) -> list[Standing]:
    """The requirements of `gates` on which `person` is not current (each once, by code)."""
    requirements = {gate.requirement_id: gate.requirement for gate in gates}
    found = standings(person, requirements.values(), today)
    return sorted((s for s in found.values() if not s.current), key=lambda s: s.requirement.code)


def _in_force(kind: str, today: dt.date):
    return Gate.objects.filter(Gate.in_force_q(today), kind=kind).select_related("requirement")


def _lacking(person, gates) -> str | None:
    """What `person` lacks for `gates` ("DOC-CTRL-01 Document control (expired on …)"), or None."""
    gates = list(gates)
    if not gates:
        return None
    lacking = missing(person, gates)
    return "; ".join(s.label for s in lacking) if lacking else None


# --- The receivers (qualitas.core.hooks) ---------------------------------------------------------------------


def may_sign(*, actor, instance, meaning: str) -> str | None:
    if _skip(actor) or not meaning:
        return None
    record_type = _record_type(instance)
    gates = _in_force(Gate.SIGN, timezone.localdate()).filter(meaning=meaning).filter(
        Q(record_type="") | Q(record_type=record_type))
    if lacking := _lacking(actor, gates):
        return f"Signing as {SIGNERS.get(meaning, meaning)} needs current training: {lacking}."
    return None


def may_transition(*, actor, instance, record_type: str, transition: str) -> str | None:
    if _skip(actor):
        return None
    gates = list(_in_force(Gate.TRANSITION, timezone.localdate()).filter(record_type=record_type,
                                                                          transition=transition))
    if not gates:
        return None
    from qualitas.core.workflow import engine

    try:
        label = engine.workflow_for(record_type).transition(transition).label
    except Exception:  # noqa: BLE001 - a gate naming a step that no longer exists still names it
        label = transition
    if lacking := _lacking(actor, gates):
        return f"“{label}” needs current training: {lacking}."
    return None


def _of_standards(gates, instance) -> list[Gate]:
    """The gates that apply to `instance`: those without a standard, and those limited to a standard
    the record is in scope of (`instance.gate_standards()`: the codes, e.g. an audit's standards)."""
    gates = list(gates)
    if not any(gate.standard_id for gate in gates):
        return gates
    codes = set(getattr(instance, "gate_standards", lambda: [])() or ())
    return [gate for gate in gates if gate.standard_id is None or gate.standard.code in codes]


def may_assign(*, person, instance, duty: str) -> str | None:
    if _skip(person) or not duty:
        return None
    record_type = _record_type(instance)
    gates = _in_force(Gate.DUTY, timezone.localdate()).filter(duty=duty).filter(
        Q(record_type="") | Q(record_type=record_type)).select_related("standard")
    gates = _of_standards(gates, instance)
    if lacking := _lacking(person, gates):
        return (f"{person.display_name} cannot be assigned as {dict(DUTIES).get(duty, duty).lower()}: it needs "
                f"current training: {lacking}.")
    return None


# --- What a person may do (the person page) --------------------------------------------------------------------


def qualifications_of(person, today: dt.date | None = None) -> dict:
    """The gates in force and where `person` stands: {"may_sign": [step], "may": [step], "lacking":
    [(step, missing)], "positions": [(position, missing)]} (position gates only for positions held)."""
    from qualitas.training.reach import current_holdings_q

    today = today or timezone.localdate()
    gates = list(Gate.objects.filter(Gate.in_force_q(today)).select_related("requirement", "position", "standard"))
    held = set(person.training_holdings.filter(current_holdings_q(today)).values_list("position_id", flat=True))
    gates = [g for g in gates if g.kind != Gate.POSITION or g.position_id in held]
    found = standings(person, {g.requirement_id: g.requirement for g in gates}.values(), today)
    may_sign, may, lacking, positions = [], [], [], []
    for gate in gates:
        standing = found[gate.requirement_id]
        if gate.kind == Gate.POSITION:
            if not standing.current:
                positions.append((gate.position, standing.label))
        elif standing.current:
            if gate.kind == Gate.SIGN:
                where = f" ({gate.record_type})" if gate.record_type else ""
                may_sign.append(f"“{gate.get_meaning_display()}”{where}")
            else:
                may.append(gate.step_label)
        else:
            lacking.append((gate.step_label, standing.label))
    return {"may_sign": may_sign, "may": may, "lacking": lacking, "positions": positions}


# --- Reads ---------------------------------------------------------------------------------------------------


def gate_list(actor, *, kind: str = "", in_force: bool | None = None, today: dt.date | None = None):
    """The gates (training "view"); `in_force` True/False filters on today."""
    from qualitas.core.permissions import authorize

    authorize(actor, "training", "view")
    gates = gates_visible(actor)
    if kind:
        gates = gates.filter(kind=kind)
    if in_force is not None:
        q = Gate.in_force_q(today or timezone.localdate())
        gates = gates.filter(q) if in_force else gates.exclude(q)
    return gates.order_by("kind", "record_type", "meaning", "transition", "duty", "pk")


def gate_get(actor, pk) -> Gate:
    from django.http import Http404

    found = gate_list(actor).filter(pk=pk).first()
    if found is None:
        raise Http404("No such gate.")
    return found


def gates_visible(actor):
    from qualitas.core.permissions import has_perm

    if not actor.is_authenticated or not has_perm(actor, "training", "view"):
        return Gate.objects.none()
    return Gate.objects.select_related("requirement", "position", "standard")
