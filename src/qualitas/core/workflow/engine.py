"""Declarative state machines for regulated records (P11-F, P11-G) and the one transition runner.

A module declares its workflow in `states.py`:

    WORKFLOW = Workflow(
        record_type="documents.revision",
        states={"draft": State("Draft"), "in_review": State("In review"), ...},
        transitions=[
            Transition("submit", "Submit for review", source=("draft",), target="in_review",
                       permission="edit", guards=(required_fields("title", "content"),)),
            Transition("approve", "Approve", source=("in_review",), target="approved", permission="approve",
                       signature="approved", guards=(not_author("author"),)),
        ],
        on_enter={"approved": [notify_owner]},
    )
    register(WORKFLOW)

and changes state only through `perform()`, which checks the version, the permission, the guards,
the reason and the signature, runs the actions on entering the target state, and writes the change,
its audit event and the signature in one transaction.

The workflow is the only source of a record's status: the model's choices come from its states
(`StateChoices`), `record_update` refuses to change the state field, and steps not offered to
people (`user=False`) are refused to them everywhere; the services that perform such a step as a
follow-up say so with `perform(..., by_service=True)`. Follow-ups that belong to the workflow itself
are declared in it (`on_enter` actions, `automatic` transitions), so the generic endpoint and a
module's own endpoint produce the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from qualitas.core import hooks, records
from qualitas.core.audit import kept
from qualitas.core.audit.services import record
from qualitas.core.permissions import has_perm, is_system
from qualitas.core.regulated import StaleVersion, snapshot
from qualitas.core.signatures import services as signing
from qualitas.core.signatures.models import MEANINGS

Guard = Callable[[object, object], str | None]  # guard(actor, instance) -> reason it is refused, or None
Action = Callable[[object, object, "Transition"], None]


@dataclass(frozen=True)
class State:
    label: str
    final: bool = False
    badge: str = "secondary"  # Bootstrap colour for the status badge


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: tuple[str, ...]
    target: str
    permission: str = "edit"
    guards: tuple[Guard, ...] = ()
    signature: str | None = None  # meaning of the signature this step requires
    reason_required: bool = False
    style: str = "primary"
    help: str = ""
    system: bool = False  # the scheduler may perform it (actor None), e.g. "effective on its date"
    # Offered to people. False: reserved for the system or for the service that performs it as the
    # follow-up of another step (or with its own form); people are refused it everywhere (HTTP 403)
    # and only a service passing `perform(..., by_service=True)` runs it.
    user: bool = True
    # Performed by the runner itself, as the follow-up of the step that brought the record into one
    # of its source states, when its guards pass (same actor, same transaction), e.g. "approved with
    # today's effective date becomes effective at once".
    automatic: bool = False


@dataclass
class Workflow:
    record_type: str
    states: dict[str, State]
    transitions: Sequence[Transition]
    state_field: str = "status"
    on_enter: dict[str, list[Action]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = set()
        meanings = dict(MEANINGS)
        for transition in self.transitions:
            if transition.name in names:
                raise ValueError(f"{self.record_type}: duplicate transition {transition.name!r}")
            names.add(transition.name)
            for state in (*transition.source, transition.target):
                if state not in self.states:
                    raise ValueError(f"{self.record_type}: transition {transition.name!r} uses unknown state {state!r}")
            if transition.signature and transition.signature not in meanings:
                raise ValueError(f"{self.record_type}: unknown signature meaning {transition.signature!r}")
            if any(self.states[s].final for s in transition.source):
                raise ValueError(f"{self.record_type}: transition {transition.name!r} leaves a final state")
            if transition.automatic and (
                transition.signature or transition.reason_required or transition.target in transition.source
            ):
                raise ValueError(
                    f"{self.record_type}: automatic transition {transition.name!r} cannot ask for a signature or "
                    "a reason, nor stay in its state"
                )
        for state in self.on_enter:
            if state not in self.states:
                raise ValueError(f"{self.record_type}: on_enter for unknown state {state!r}")

    def transition(self, name: str) -> Transition:
        for transition in self.transitions:
            if transition.name == name:
                return transition
        raise ValidationError({"transition": f"{name!r} is not a step of this workflow."})

    def state_of(self, instance) -> str:
        return getattr(instance, self.state_field)

    def label_of(self, state: str) -> str:
        return self.states[state].label if state in self.states else state


class TransitionRefused(ValidationError):
    """The step is not allowed now: wrong state, a guard, a missing reason (HTTP 400)."""


class TransitionNotQualified(PermissionDenied):
    """The person is not qualified for the step (a qualification gate: qualitas.core.hooks.MAY_TRANSITION;
    HTTP 403 with the reason, audited as the step's refusal)."""


_workflows: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    from qualitas.core.audit import events

    _workflows[workflow.record_type] = workflow
    events.register_workflow(workflow.record_type, [t.name for t in workflow.transitions])
    return workflow


def all_workflows() -> list[Workflow]:
    return list(_workflows.values())


class NoWorkflow(Http404):
    """The record type has no workflow: its workflow page, steps and transitions do not exist (404)."""


def workflow_for(instance_or_key) -> Workflow:
    key = instance_or_key if isinstance(instance_or_key, str) else records.key_for(instance_or_key)
    try:
        return _workflows[key]
    except KeyError:
        raise NoWorkflow(f"Records of type {key} have no workflow.") from None


def has_workflow(instance) -> bool:
    return records.key_for(instance) in _workflows


def state_choices(record_type: str) -> list[tuple[str, str]]:
    """The (key, label) choices of a record type's state field, from its workflow's states; models
    use `StateChoices(record_type)` (qualitas.core.workflow.choices), which calls this lazily."""
    return [(key, state.label) for key, state in workflow_for(record_type).states.items()]


# --- Guards ---------------------------------------------------------------------------------------------


def required_fields(*names: str) -> Guard:
    def guard(actor, instance):
        missing = [name for name in names if getattr(instance, name, None) in (None, "", [], {})]
        if missing:
            labels = [str(instance._meta.get_field(name).verbose_name) for name in missing]
            return f"Fill in {', '.join(labels)} first."
        return None

    guard.__name__ = f"required_fields({', '.join(names)})"
    return guard


def segregation_of_duties(guard: Guard) -> Guard:
    """Mark `guard` as a segregation-of-duties guard (the author, owner or proposer is not the approver);
    every step signed "approved" must have one (tests/core/test_workflow_only_status.py)."""
    guard.segregation = True  # type: ignore[attr-defined]
    return guard


def is_segregation_guard(guard: Guard) -> bool:
    return getattr(guard, "segregation", False) is True


def not_author(field_name: str = "author", allowed: Callable[[object], bool] | None = None) -> Guard:
    """Segregation of duties: the record's author may not perform this step (unless `allowed(instance)`)."""

    def guard(actor, instance):
        if allowed is not None and allowed(instance):
            return None
        if getattr(instance, f"{field_name}_id", None) == actor.pk:
            return "The author may not approve their own record (segregation of duties)."
        return None

    guard.__name__ = f"not_author({field_name})"
    return segregation_of_duties(guard)


def requires_signature(meaning: str, count: int = 1) -> Guard:
    """At least `count` valid signatures with `meaning` on the current content."""

    def guard(actor, instance):
        from qualitas.core.signatures.selectors import valid_signatures

        found = len(valid_signatures(instance, meaning))
        if found < count:
            label = dict(MEANINGS)[meaning].lower()
            return f"Needs {count} valid '{label}' signature{'s' if count > 1 else ''} first ({found} so far)."
        return None

    guard.__name__ = f"requires_signature({meaning}, {count})"
    return guard


# --- Asking what is possible ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    transition: Transition
    allowed: bool
    reason: str = ""


def _site_of(instance):
    return getattr(instance, "site_id", None)


def not_for_people(transition: Transition, *, by_service: bool = False) -> str | None:
    """Why a person may not perform `transition` directly (it is reserved for the system or for the
    service that performs it as a follow-up), or None. Refused with HTTP 403 wherever it is asked for."""
    if transition.user or by_service:
        return None
    return (
        f"“{transition.label}” is not a step people perform: the system performs it as the follow-up of "
        "another step."
    )


def check(actor, instance, transition: Transition, workflow: Workflow, *, by_service: bool = False) -> str | None:
    """Why `actor` cannot perform `transition` now, or None when they can. `by_service`: the calling
    service performs a step that is not offered to people (see `perform`)."""
    if not is_system(actor) and (refusal := not_for_people(transition, by_service=by_service)):
        return refusal
    state = workflow.state_of(instance)
    if state not in transition.source:
        return (
            f"“{transition.label}” is not possible from {workflow.label_of(state)}; it applies to "
            + ", ".join(workflow.label_of(s) for s in transition.source)
            + "."
        )
    if is_system(actor) and not (transition.system or by_service):
        return f"“{transition.label}” must be performed by a person."
    module = records.get_type(workflow.record_type).module
    if not has_perm(actor, module, transition.permission, _site_of(instance)):
        return f"You do not have the {transition.permission} permission for this step."
    for guard in transition.guards:
        refusal = guard(actor, instance)
        if refusal:
            return refusal
    if is_system(actor):
        return None
    # Qualification gates (qualitas.core.hooks): the step itself, and signing with its meaning, so
    # the step's button shows the reason before the password is asked for (perform() asks again:
    # the signature service refuses with SignatureNotQualified, a 403).
    if refusal := hooks.refusal(hooks.MAY_TRANSITION, actor=actor, instance=instance,
                                record_type=workflow.record_type, transition=transition.name):
        return refusal
    if transition.signature:
        return hooks.refusal(hooks.MAY_SIGN, actor=actor, instance=instance, meaning=transition.signature)
    return None


def options(actor, instance) -> list[Option]:
    """The steps from the current state the actor's roles cover (with a reason when a guard blocks)."""
    workflow = workflow_for(instance)
    module = records.get_type(workflow.record_type).module
    state = workflow.state_of(instance)
    result = []
    for transition in workflow.transitions:
        if state not in transition.source or not transition.user:
            continue
        if not has_perm(actor, module, transition.permission, _site_of(instance)):
            continue
        reason = check(actor, instance, transition, workflow)
        result.append(Option(transition, reason is None, reason or ""))
    return result


# --- Performing -------------------------------------------------------------------------------------------


def _refused(actor, instance, transition_name: str, reason: str) -> None:
    """Log the refused attempt, and keep it even when the caller's transaction rolls back."""

    def write():
        with transaction.atomic():
            return record(
                actor,
                "transition",
                f"{records.key_for(instance)}.{transition_name}_refused",
                instance=instance,
                changes={"refused": [None, reason]},
            )

    kept.keep(write)


def perform(
    *,
    actor,
    instance,
    transition: str,
    expected_version: int | None = None,
    reason: str = "",
    credentials: signing.Credentials | None = None,
    changes: dict | None = None,
    by_service: bool = False,
):
    """Run one step of the record's workflow. `changes` are extra field values the step sets
    (e.g. an effective date chosen in the approval dialog); they are audited with the step.

    `by_service=True` lets the calling service perform a step that is not offered to people
    (`Transition(user=False)`): the follow-up of another step (approving a revision supersedes the
    previous one; a failed effectiveness check reopens the CAPA) or a step with its own form. The
    permission, guards and reason are still checked. API endpoints and views never pass it: for
    them such a step is refused with PermissionDenied (HTTP 403)."""
    if actor is None:
        raise TypeError("perform() needs the acting user; jobs and imports act as accounts.services.system_actor()")
    workflow = workflow_for(instance)
    step = workflow.transition(transition)
    try:
        if not is_system(actor) and (refusal := not_for_people(step, by_service=by_service)):
            raise PermissionDenied(refusal)
        if not is_system(actor) and (gate := hooks.refusal(
                hooks.MAY_TRANSITION, actor=actor, instance=instance, record_type=workflow.record_type,
                transition=step.name)):
            raise TransitionNotQualified(gate)
        if step.signature:
            signing.verify_signer(actor, credentials, instance=instance, meaning=step.signature)
        return _perform(
            actor, instance, workflow, step, expected_version, reason, credentials, changes or {}, by_service
        )
    except TransitionRefused as exc:
        _refused(actor, instance, step.name, " ".join(exc.messages))
        raise
    except PermissionDenied as exc:
        _refused(actor, instance, step.name, str(exc))
        raise


def _follow_up(actor, current, workflow: Workflow, step: Transition) -> Transition | None:
    """The automatic step to run after `step`, if one applies now."""
    for candidate in workflow.transitions:
        if candidate.automatic and candidate is not step and step.target in candidate.source:
            if check(actor, current, candidate, workflow, by_service=True) is None:
                return candidate
    return None


@transaction.atomic
def _perform(actor, instance, workflow, step, expected_version, reason, credentials, changes, by_service=False):
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current, expected_version)
    before = snapshot(current)  # before the step's own changes, so they are audited with it
    for name, value in changes.items():
        setattr(current, name, value)
    state = workflow.state_of(current)
    if state not in step.source:
        raise TransitionRefused(check(actor, current, step, workflow, by_service=by_service))
    module = records.get_type(workflow.record_type).module
    if not has_perm(actor, module, step.permission, _site_of(current)):
        raise PermissionDenied(f"You do not have the {step.permission} permission for “{step.label}”.")
    refusal = check(actor, current, step, workflow, by_service=by_service)
    if refusal:
        raise TransitionRefused(refusal)
    if step.reason_required and not (reason or "").strip():
        raise TransitionRefused({"reason": f"A reason is required for “{step.label}”."})
    setattr(current, workflow.state_field, step.target)
    # Actions on entering the state may set fields of the record (audited with the step) and call
    # other services (in this transaction); they never save the record themselves.
    for action in workflow.on_enter.get(step.target, []):
        action(actor, current, step)
    current.full_clean()
    current.version += 1
    current.save()
    after = snapshot(current)
    delta = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    labels = {f.attname: str(f.verbose_name) for f in current._meta.concrete_fields}
    delta = {labels.get(k, k): v for k, v in delta.items()}
    record(
        actor,
        "transition",
        f"{workflow.record_type}.{step.name}",
        instance=current,
        changes=delta,
        reason=(reason or "").strip(),
    )
    if step.signature:
        signing.sign(
            actor=actor,
            instance=current,
            meaning=step.signature,
            credentials=credentials,
            transition=step.name,
            verified=True,
        )
    hooks.send(hooks.TRANSITION, actor=actor, instance=current, record_type=workflow.record_type,
               transition=step.name, source=state, target=step.target)
    if (follow_up := _follow_up(actor, current, workflow, step)) is not None:
        current = _perform(actor, current, workflow, follow_up, None, "", None, {}, True)
    instance.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current
