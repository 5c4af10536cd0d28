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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from qualitas.core import records
from qualitas.core.audit.services import record
from qualitas.core.permissions import has_perm
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
    user: bool = True  # offered to people (False: only services and the scheduler perform it)


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


_workflows: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _workflows[workflow.record_type] = workflow
    return workflow


def workflow_for(instance_or_key) -> Workflow:
    key = instance_or_key if isinstance(instance_or_key, str) else records.key_for(instance_or_key)
    try:
        return _workflows[key]
    except KeyError:
        raise ValidationError(f"Records of type {key} have no workflow.") from None


def has_workflow(instance) -> bool:
    return records.key_for(instance) in _workflows


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


def not_author(field_name: str = "author", allowed: Callable[[object], bool] | None = None) -> Guard:
    """Segregation of duties: the record's author may not perform this step (unless `allowed(instance)`)."""

    def guard(actor, instance):
        if allowed is not None and allowed(instance):
            return None
        if getattr(instance, f"{field_name}_id", None) == actor.pk:
            return "The author may not approve their own record (segregation of duties)."
        return None

    guard.__name__ = f"not_author({field_name})"
    return guard


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


def check(actor, instance, transition: Transition, workflow: Workflow) -> str | None:
    """Why `actor` cannot perform `transition` now, or None when they can."""
    state = workflow.state_of(instance)
    if state not in transition.source:
        return (
            f"“{transition.label}” is not possible from {workflow.label_of(state)}; it applies to "
            + ", ".join(workflow.label_of(s) for s in transition.source)
            + "."
        )
    if actor is None:
        if not transition.system:
            return f"“{transition.label}” must be performed by a person."
        return next((r for g in transition.guards if (r := g(None, instance))), None)
    module = records.get_type(workflow.record_type).module
    if not has_perm(actor, module, transition.permission, _site_of(instance)):
        return f"You do not have the {transition.permission} permission for this step."
    for guard in transition.guards:
        refusal = guard(actor, instance)
        if refusal:
            return refusal
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
    """Log the refused attempt in its own transaction (the change itself is rolled back)."""
    with transaction.atomic():
        record(
            actor,
            "transition",
            f"{records.key_for(instance)}.{transition_name}_refused",
            instance=instance,
            changes={"refused": [None, reason]},
        )


def perform(
    *,
    actor,
    instance,
    transition: str,
    expected_version: int | None = None,
    reason: str = "",
    credentials: signing.Credentials | None = None,
    changes: dict | None = None,
):
    """Run one step of the record's workflow. `changes` are extra field values the step sets
    (e.g. an effective date chosen in the approval dialog); they are audited with the step."""
    workflow = workflow_for(instance)
    step = workflow.transition(transition)
    if step.signature:
        signing.verify_signer(actor, credentials, instance=instance, meaning=step.signature)
    try:
        return _perform(actor, instance, workflow, step, expected_version, reason, credentials, changes or {})
    except TransitionRefused as exc:
        _refused(actor, instance, step.name, " ".join(exc.messages))
        raise
    except PermissionDenied as exc:
        _refused(actor, instance, step.name, str(exc))
        raise


@transaction.atomic
def _perform(actor, instance, workflow, step, expected_version, reason, credentials, changes):
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current, expected_version)
    for name, value in changes.items():
        setattr(current, name, value)
    state = workflow.state_of(current)
    if state not in step.source:
        raise TransitionRefused(check(actor, current, step, workflow))
    module = records.get_type(workflow.record_type).module
    if actor is not None and not has_perm(actor, module, step.permission, _site_of(current)):
        raise PermissionDenied(f"You do not have the {step.permission} permission for “{step.label}”.")
    refusal = check(actor, current, step, workflow)
    if refusal:
        raise TransitionRefused(refusal)
    if step.reason_required and not (reason or "").strip():
        raise TransitionRefused({"reason": f"A reason is required for “{step.label}”."})
    before = snapshot(current)
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
    instance.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current
