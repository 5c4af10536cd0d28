"""The core's questions before a step (qualitas.core.hooks MAY_SIGN, MAY_TRANSITION, MAY_ASSIGN), with
a throwaway receiver: the signature service and the workflow runner ask them, refuse with the reason
(403), audit the refusal (kept even when the transaction rolls back) and never ask for the system."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from qualitas.core import hooks
from qualitas.core.audit.models import AuditEvent
from qualitas.core.signatures import selectors as signature_selectors
from qualitas.core.signatures import services as signing
from qualitas.core.testing.factories import system
from qualitas.core.workflow import engine
from tests.core.test_workflow import approver, author, new_record, sample_roles, sign_with  # noqa: F401
from tests.sample.models import SampleRecord

pytestmark = pytest.mark.django_db
OWNER = "test-gate"


@pytest.fixture
def asked():
    """Connect a receiver to each question that refuses what `refuse` names; yield the calls."""
    calls: list[tuple[str, dict]] = []
    refuse: dict[str, str] = {}

    def receiver(name):
        def answer(**kwargs):
            calls.append((name, kwargs))
            return refuse.get(name)
        return answer

    for name in (hooks.MAY_SIGN, hooks.MAY_TRANSITION, hooks.MAY_ASSIGN):
        hooks.connect(name, receiver(name), owner=OWNER)
    calls_and_refusals = (calls, refuse)
    yield calls_and_refusals
    hooks.disconnect(OWNER)


def test_unknown_question_is_refused_at_connect():
    with pytest.raises(ValueError, match="Unknown hook"):
        hooks.connect("signatures.may_fly", lambda **kw: None, owner=OWNER)


def test_refusal_returns_the_first_reason_and_none_without_one(asked):
    calls, refuse = asked
    assert hooks.refusal(hooks.MAY_ASSIGN, person=None, instance=None, duty="approver") is None
    refuse[hooks.MAY_ASSIGN] = "Not qualified."
    assert hooks.refusal(hooks.MAY_ASSIGN, person=None, instance=None, duty="approver") == "Not qualified."
    assert calls[-1] == (hooks.MAY_ASSIGN, {"person": None, "instance": None, "duty": "approver"})


def test_may_sign_refuses_before_the_password_with_403_and_is_audited(asked, author, approver):  # noqa: F811
    calls, refuse = asked
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    refuse[hooks.MAY_SIGN] = "Signing as approver needs current training: X."
    with pytest.raises(signing.SignatureNotQualified, match="needs current training: X") as caught:
        # a wrong password too: the gate answers first, so the attempt does not count toward the lockout
        engine.perform(actor=approver, instance=record, transition="approve", credentials=sign_with("wrong"))
    assert isinstance(caught.value, PermissionDenied)
    assert SampleRecord.objects.get(pk=record.pk).status == "in_review"
    assert not signature_selectors.signatures_of(record)
    refused = AuditEvent.objects.get(event="signature.refused")
    assert refused.actor_id == approver.pk and refused.record_id == str(record.pk)
    assert refused.changes_dict["reason"][1] == "Signing as approver needs current training: X."
    assert refused.changes_dict["meaning"][1] == "approved"
    step = AuditEvent.objects.get(event="sample.samplerecord.approve_refused")
    assert "needs current training" in step.changes_dict["refused"][1]
    approver.refresh_from_db()
    from qualitas.core import lockout

    assert not lockout.is_locked(approver)
    assert (hooks.MAY_SIGN, {"actor": approver, "instance": record, "meaning": "approved"}) in [
        (name, {k: v for k, v in kw.items()}) for name, kw in calls if name == hooks.MAY_SIGN]


def test_may_sign_is_asked_by_sign_outside_a_workflow_and_kept_after_a_rollback(asked, author, approver):  # noqa: F811
    from qualitas.core.audit import kept

    _, refuse = asked
    record = new_record(author)
    refuse[hooks.MAY_SIGN] = "Not qualified to verify."
    with kept.keeping():  # as in a request (the audit middleware)
        with pytest.raises(signing.SignatureNotQualified), transaction.atomic():
            signing.sign(actor=approver, instance=record, meaning="verified", credentials=sign_with())
    refused = AuditEvent.objects.get(event="signature.refused", actor=approver)
    assert refused.changes_dict["reason"][1] == "Not qualified to verify."
    refuse.clear()
    signing.sign(actor=approver, instance=record, meaning="verified", credentials=sign_with())
    assert [s.meaning for s in signature_selectors.signatures_of(record)] == ["verified"]


def test_may_transition_refuses_the_step_with_403_and_the_button_shows_why(asked, author):  # noqa: F811
    calls, refuse = asked
    record = new_record(author)
    refuse[hooks.MAY_TRANSITION] = "“Submit for review” needs current training: Y."
    options = {o.transition.name: o for o in engine.options(author, record)}
    assert not options["submit"].allowed and "needs current training: Y" in options["submit"].reason
    with pytest.raises(engine.TransitionNotQualified, match="needs current training: Y") as caught:
        engine.perform(actor=author, instance=record, transition="submit")
    assert isinstance(caught.value, PermissionDenied)
    assert SampleRecord.objects.get(pk=record.pk).status == "draft"
    assert AuditEvent.objects.filter(event="sample.samplerecord.submit_refused", actor=author).exists()
    asked_for = [kw for name, kw in calls if name == hooks.MAY_TRANSITION]
    assert asked_for[-1]["record_type"] == "sample.samplerecord" and asked_for[-1]["transition"] == "submit"
    refuse.clear()
    engine.perform(actor=author, instance=record, transition="submit")
    assert SampleRecord.objects.get(pk=record.pk).status == "in_review"


def test_a_signed_step_shows_the_signing_gate_on_its_button(asked, author, approver):  # noqa: F811
    _, refuse = asked
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    refuse[hooks.MAY_SIGN] = "Signing as approver needs current training: Z."
    options = {o.transition.name: o for o in engine.options(approver, record)}
    assert not options["approve"].allowed and options["approve"].reason.endswith("training: Z.")
    assert options["return"].allowed  # an unsigned step is not concerned


def test_the_system_is_never_asked(asked, author):  # noqa: F811
    calls, refuse = asked
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    refuse[hooks.MAY_TRANSITION] = "no"
    refuse[hooks.MAY_SIGN] = "no"
    calls.clear()
    engine.perform(actor=system(), instance=record, transition="return", reason="withdrawn", by_service=True)
    assert SampleRecord.objects.get(pk=record.pk).status == "draft"
    assert not [c for c in calls if c[0] in (hooks.MAY_TRANSITION, hooks.MAY_SIGN)]


def test_may_assign_refuses_an_unqualified_approver_on_a_document_route(asked, db):
    from qualitas.core.testing import factories

    author_ = factories.user("author", username="gate-author")
    approver_ = factories.user("reviewer-approver", username="gate-approver")
    document = factories.document(actor=author_)
    revision = document.revisions.get()
    _, refuse = asked
    refuse[hooks.MAY_ASSIGN] = "Gate Approver cannot be assigned as approver: it needs current training: W."
    from django.core.exceptions import ValidationError

    from qualitas.documents import services

    with pytest.raises(ValidationError, match="needs current training: W") as caught:
        services.revision_set_route(actor=author_, revision=revision, approvers=[approver_])
    assert "approvers" in caught.value.message_dict
    assert not revision.assignments.exists()
    refuse.clear()
    services.revision_set_route(actor=author_, revision=revision, approvers=[approver_])
    assert [a.user for a in revision.assignments.all()] == [approver_]
