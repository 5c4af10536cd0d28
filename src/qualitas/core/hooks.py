"""Hooks: a module follows a step taken in another module without importing it (STYLE rule 16).

The core announces a few moments of every record's life; a module declares what it does then in its
module.py (`hooks=((hooks.TRANSITION, "qualitas.training.hooks:on_transition"),)`) and the module kit
connects it at start-up. Receivers are called synchronously, inside the transaction of the step,
with keyword arguments only; what they write commits or rolls back with the step, and an exception
refuses the step. They filter what they care about themselves (record type, state, meaning) and
must be cheap for everything else.

- TRANSITION, sent by the workflow runner after a step is saved and audited (and signed):
  receiver(*, actor, instance, record_type, transition, source, target)
- SIGNATURE, sent by the signature service after a signature is saved and audited:
  receiver(*, actor, instance, signature)

Questions, asked before a step (a receiver answers None, or why the step is refused; the first
reason refuses it, and the asker audits the refusal):

- MAY_SIGN, asked by the signature service before it checks the password:
  receiver(*, actor, instance, meaning) -> str | None
- MAY_TRANSITION, asked by the workflow runner with the transition's guards (so the step's button
  shows the reason too): receiver(*, actor, instance, record_type, transition) -> str | None
- MAY_ASSIGN, asked by a service before it makes someone responsible for a step of a record
  (approver, reviewer, auditor, inspector): receiver(*, person, instance, duty) -> str | None
"""

from __future__ import annotations

from collections.abc import Callable

TRANSITION = "workflow.transition"
SIGNATURE = "signatures.signature"
MAY_SIGN = "signatures.may_sign"
MAY_TRANSITION = "workflow.may_transition"
MAY_ASSIGN = "records.may_assign"
HOOKS = (TRANSITION, SIGNATURE, MAY_SIGN, MAY_TRANSITION, MAY_ASSIGN)

_receivers: dict[str, dict[str, Callable]] = {name: {} for name in HOOKS}


def connect(hook: str, receiver: Callable, *, owner: str) -> None:
    """Call `receiver` at `hook`; one receiver per hook and owner (a module key), replaced on re-install."""
    if hook not in _receivers:
        raise ValueError(f"Unknown hook {hook!r}; the core announces {', '.join(HOOKS)}.")
    _receivers[hook][owner] = receiver


def disconnect(owner: str) -> None:
    for receivers in _receivers.values():
        receivers.pop(owner, None)


def send(hook: str, **kwargs) -> None:
    for receiver in list(_receivers[hook].values()):
        receiver(**kwargs)


def refusal(hook: str, **kwargs) -> str | None:
    """The first reason a receiver of the question `hook` gives to refuse the step, or None."""
    for receiver in list(_receivers[hook].values()):
        if reason := receiver(**kwargs):
            return reason
    return None
