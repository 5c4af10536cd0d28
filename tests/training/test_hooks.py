"""The core's hooks (qualitas.core.hooks): a module declares receivers in its module.py; the start-up
check refuses an unknown hook or a receiver that is not a function; the workflow runner and the
signature service call them inside the step's transaction."""

from __future__ import annotations

import pytest

from qualitas.core import hooks, modules
from qualitas.core.checks import check_spec

pytestmark = pytest.mark.django_db


def test_training_declares_its_receivers_and_the_check_accepts_them():
    spec = modules.get_spec("training")
    assert {hook for hook, _ in spec.hooks} >= {hooks.TRANSITION, hooks.SIGNATURE, hooks.MAY_SIGN,
                                                hooks.MAY_TRANSITION, hooks.MAY_ASSIGN}
    assert check_spec(spec) == []


def test_the_check_refuses_an_unknown_hook_and_a_receiver_that_is_not_a_function():
    spec = modules.ModuleSpec(key="broken", label="Broken", hooks=(
        ("workflow.nope", "qualitas.training.hooks:x"), (hooks.SIGNATURE, "qualitas.training.hooks:nothing")))
    messages = [error.msg for error in check_spec(spec)]
    assert any("hooks['workflow.nope']" in m and "unknown hook" in m for m in messages)
    assert any("hooks['signatures.signature']" in m and "is not a function" in m for m in messages)
    with pytest.raises(ValueError, match="Unknown hook"):
        hooks.connect("workflow.nope", print, owner="broken")


def test_a_receiver_runs_in_the_step_s_transaction_and_can_refuse_it(people):
    from qualitas.core.workflow import engine
    from tests.training.conftest import effective_document

    document = effective_document(people)
    seen = []

    def watch(**kwargs):
        seen.append((kwargs["record_type"], kwargs["transition"], kwargs["source"], kwargs["target"]))

    def refuse(**kwargs):
        if kwargs["record_type"] == "documents.revision":
            raise RuntimeError("refused by a receiver")

    hooks.connect(hooks.TRANSITION, watch, owner="test-watch")
    try:
        revision = document.effective_revision
        with pytest.raises(RuntimeError):
            hooks.connect(hooks.TRANSITION, refuse, owner="test-refuse")
            engine.perform(actor=people["approver"], instance=revision, transition="make_obsolete", reason="Test")
    finally:
        hooks.disconnect("test-watch")
        hooks.disconnect("test-refuse")
    revision.refresh_from_db()
    assert revision.status == "effective"  # the receiver's exception rolled the step back
    # Every step is announced, the follow-up inside it (the document withdrawn) too.
    assert seen == [("documents.document", "withdraw", "active", "withdrawn"),
                    ("documents.revision", "make_obsolete", "effective", "obsolete")]
    assert document.revisions.get().status == "effective" and type(document).objects.get(
        pk=document.pk).status == "active"
