"""The training impact decided on each document change (issue 13): the approval waits for it, only the
chosen kind of assignment is created, "none" keeps earlier training current, the decision is signed and
frozen once the revision is effective. Real database, real services, the API and the panel in-process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qualitas.core.signatures.selectors import valid_signatures
from qualitas.core.testing import PASSWORD as OP_PASSWORD
from qualitas.core.testing import assert_audited
from qualitas.core.workflow import engine
from qualitas.training import impact, quiz, services
from qualitas.training.models import Assignment, TrainingRecord
from qualitas.training.models_impact import TrainingImpact
from tests.training.conftest import PASSWORD, decide, effective_document, issue, next_revision, sign

pytestmark = pytest.mark.django_db


def put(api, path, data):
    return api.client.put(f"/api/v1{path}", data, content_type="application/json", **api.headers)


def cell(person, requirement):
    from qualitas.training import matrix

    return matrix.compute(people=[person.pk], today=dt.date.today()).cell(person.pk, requirement.pk)


@pytest.fixture
def trained_on(people, operator_position, today):
    """A procedure effective at rev 1, required of CNC operators (op1, op2), both trained on rev 1."""
    from qualitas.documents import services as documents

    document = effective_document(people)
    requirement = services.requirement_create(
        actor=people["quality"], code="TR-COOLANT", title="Coolant check SOP", kind="document",
        method="read-and-understood", document=document, retraining_days=10)
    services.applies_to_add(actor=people["quality"], requirement=requirement, kind="position",
                            target=operator_position)
    for username in ("op1", "op2"):
        services.holding_start(actor=people["quality"], person=people[username], position=operator_position,
                               start_date=today)
        documents.acknowledge(actor=people[username], revision=document.effective_revision,
                              credentials=sign(OP_PASSWORD))
    assert cell(people["op1"], requirement).status == "current"
    return document, requirement


def draft(people, document):
    from qualitas.documents import services as documents

    revision = documents.revision_new(actor=people["author"], document=document, change_summary="Typo fixed")
    documents.revision_update(actor=people["author"], revision=revision, content=revision.content + "\nfix")
    revision.refresh_from_db()
    return revision


def test_a_change_people_train_on_is_not_approved_until_its_impact_is_decided(people, trained_on):
    document, _ = trained_on
    revision = draft(people, document)
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    refusal = engine.check(people["approver"], revision, engine.workflow_for(revision).transition("approve"),
                           engine.workflow_for(revision))
    assert refusal == impact.DECIDE_FIRST
    with pytest.raises(PermissionDenied, match="Decide the training impact"):
        engine.perform(actor=people["approver"], instance=revision, transition="approve", credentials=sign())
    revision.refresh_from_db()
    assert revision.status == "in_review"

    decide(people, revision, "read-and-understood")
    from qualitas.documents import services as documents

    documents.approve(actor=people["approver"], revision=revision, credentials=sign())
    revision.refresh_from_db()
    assert revision.status == "effective"


def test_the_first_revision_of_a_new_document_needs_no_decision_and_uses_the_requirement_s_method(people):
    from qualitas.documents import services as documents
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    ensure_document_types()
    document = documents.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="New SOP", content="# New",
        reviewers=[people["reviewer"]], approvers=[people["approver"]])
    revision = document.revisions.get()
    requirement = services.requirement_create(actor=people["quality"], code="TR-NEW", title="New", kind="document",
                                              method="read-and-understood", document=document)
    assert not impact.needs_decision(revision)
    assert impact.method_for(revision, requirement) == "read-and-understood"
    issue(people, revision)
    revision.refresh_from_db()
    assert revision.status == "effective"


def test_none_is_signed_creates_no_assignment_and_keeps_the_earlier_training_current(people, trained_on):
    document, requirement = trained_on
    rev1 = document.effective_revision
    rev2 = next_revision(people, document, impact="none")
    assert rev2.status == "effective"
    decision = TrainingImpact.objects.get(revision=rev2)
    assert (decision.kind, decision.decided_by, decision.reason) == ("none", people["author"], "The steps changed.")
    assert decision.signature.meaning == "training-impact" and decision.signature.signer == people["author"]
    assert [s.pk for s in valid_signatures(decision, "training-impact")] == [decision.signature.pk]
    assert "No retraining: The steps changed." in decision.signature.comment
    assert_audited("training.impact_decided", decision, actor=people["author"])
    assert not Assignment.objects.filter(requirement=requirement, revision=rev2).exists()
    assert cell(people["op1"], requirement).status == "current"  # trained on rev 1, which still counts
    from qualitas.training.generation import training_revisions

    assert training_revisions([document.pk])[document.pk][2] == frozenset({rev1.pk, rev2.pk})

    # A later change that needs retraining: rev 1 training no longer counts.
    rev3 = next_revision(people, document, impact="read-and-understood")
    assert cell(people["op1"], requirement).status == "due"
    assert {a.person.username for a in Assignment.objects.filter(revision=rev3, status="open")} == {"op1", "op2"}


def test_only_the_chosen_kind_of_assignment_is_created(people, trained_on):
    document, requirement = trained_on
    rev2 = next_revision(people, document, impact="on-the-job")
    methods = set(Assignment.objects.filter(revision=rev2, status="open").values_list("method", flat=True))
    assert methods == {"on-the-job"}
    assert cell(people["op1"], requirement).status == "due"


def test_quiz_impact_is_refused_until_the_quiz_is_written_then_assigns_quizzes(people, trained_on):
    document, requirement = trained_on
    revision = draft(people, document)
    with pytest.raises(ValidationError, match="Write the quiz first"):
        decide(people, revision, "quiz")
    assert not TrainingImpact.objects.filter(revision=revision).exists()
    quiz.quiz_create(actor=people["quality"], requirement=requirement, questions_per_attempt=1)
    decide(people, revision, "quiz")
    issue(people, revision)
    assert set(Assignment.objects.filter(revision=revision, status="open").values_list("method", flat=True)) == {
        "quiz"}


def test_only_the_author_or_an_approver_decides_with_a_reason_and_the_right_password(people, trained_on):
    document, _ = trained_on
    revision = draft(people, document)
    with pytest.raises(PermissionDenied):
        decide(people, revision, "none", actor="op1")  # neither author nor approver
    with pytest.raises(ValidationError, match="reason"):
        decide(people, revision, "none", reason="  ")
    with pytest.raises(ValidationError, match="password"):
        impact.impact_decide(actor=people["author"], revision=revision, kind="none", reason="Typo",
                             credentials=sign("wrong"))
    with pytest.raises(ValidationError, match="Choose one of"):
        decide(people, revision, "sometimes")
    assert not TrainingImpact.objects.filter(revision=revision).exists()
    decide(people, revision, "none", actor="approver", reason="Typo only")
    assert TrainingImpact.objects.get(revision=revision).decided_by == people["approver"]


def test_the_decision_changes_until_effective_each_change_audited_and_signed_then_it_is_frozen(people, trained_on):
    document, _ = trained_on
    revision = draft(people, document)
    first = decide(people, revision, "none", reason="Typo only")
    changed = decide(people, revision, "read-and-understood", reason="Step 2 changed after all")
    assert changed.pk == first.pk and changed.version == 2
    assert changed.signature_id != first.signature_id
    assert_audited("training.impact_changed", changed, actor=people["author"])
    assert [s.comment for s in valid_signatures(changed, "training-impact")][-1].startswith("Read and understood")
    with pytest.raises(ValidationError, match="Nothing changed"):
        decide(people, revision, "read-and-understood", reason="Step 2 changed after all")
    issue(people, revision)
    with pytest.raises(ValidationError, match="frozen"):
        decide(people, revision, "none", reason="Too late")


def test_the_training_panel_and_the_api_show_the_decision_and_who_still_has_to_train(
        people, trained_on, client, api_client):
    document, _ = trained_on
    rev2 = next_revision(people, document, impact="read-and-understood")
    from qualitas.documents import services as documents

    documents.acknowledge(actor=people["op1"], revision=rev2, credentials=sign(OP_PASSWORD))

    client.force_login(people["quality"])
    page = client.get(f"/training/impact/documents.revision/{rev2.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Read and understood" in html and "The steps changed." in html and "Omar Operator" in html
    assert "frozen" in html.lower()
    on_document = client.get(f"/training/impact/documents.document/{document.pk}/")
    assert on_document.status_code == 200 and "The steps changed." in on_document.content.decode()
    other = client.get(f"/training/impact/accounts.process/{1}/")
    assert other.status_code in (200, 404)

    body = api_client.as_user(people["quality"]).get(f"/training/impacts/{rev2.pk}").json()
    assert body["kind"] == "read-and-understood" and body["signed"] is True
    assert body["decided_by"] == people["author"].display_name
    assert [o["person"] for o in body["outstanding"]] == [people["op2"].display_name]
    assert [d["person"] for d in body["done"]] == [people["op1"].display_name]


def test_the_api_decides_with_the_password_and_refuses_bad_input_with_a_reason(people, trained_on, api_client):
    document, _ = trained_on
    revision = draft(people, document)
    api_client.as_user(people["author"])
    url = f"/training/impacts/{revision.pk}"
    assert api_client.get(url).json()["kind"] is None
    no_version = put(api_client, url, {"kind": "none", "reason": "Typo", "password": PASSWORD})
    assert no_version.status_code == 422
    bad = put(api_client, url, {"kind": "none", "reason": "Typo", "password": "wrong", "version": None})
    assert bad.status_code == 400 and "password" in bad.content.decode().lower()
    unknown = put(api_client, url, {"kind": "maybe", "reason": "Typo", "password": PASSWORD, "version": None})
    assert unknown.status_code in (400, 422)
    ok = put(api_client, url, {"kind": "none", "reason": "Typo", "password": PASSWORD, "version": None})
    assert ok.status_code == 200, ok.content
    assert ok.json()["kind"] == "none" and ok.json()["signed"] is True
    api_client.as_user(people["op1"])
    # An operator does not see the draft (404); one who sees it but neither wrote it nor may approve: 403.
    hidden = put(api_client, url, {"kind": "quiz", "reason": "x", "password": PASSWORD, "version": None})
    assert hidden.status_code == 404
    api_client.as_user(people["controller"])
    refused = put(api_client, url, {"kind": "none", "reason": "x", "password": PASSWORD, "version": None})
    assert refused.status_code in (403, 404)
    assert api_client.get("/training/impacts/999999").status_code == 404


def test_the_panel_form_decides_with_htmx(people, trained_on, client):
    document, _ = trained_on
    revision = draft(people, document)
    client.force_login(people["author"])
    page = client.get(f"/training/impact/documents.revision/{revision.pk}/")
    assert "Decide" in page.content.decode() and 'name="password"' in page.content.decode()
    wrong = client.post(f"/training/impact/{revision.pk}/decide/",
                        {"kind": "none", "reason": "Typo", "password": "nope"}, HTTP_HX_REQUEST="true")
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    assert not TrainingImpact.objects.filter(revision=revision).exists()
    done = client.post(f"/training/impact/{revision.pk}/decide/",
                       {"kind": "none", "reason": "Typo", "password": PASSWORD}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "No retraining" in done.content.decode()
    assert TrainingImpact.objects.get(revision=revision).kind == "none"
    assert not TrainingRecord.objects.filter(revision=revision).exists()


def test_the_training_tab_is_on_document_pages_only(people, trained_on):
    from qualitas.accounts.models import Process
    from qualitas.core.templatetags.qualitas_core import record_panels

    def tabs(record):
        return [tab["key"] for tab in record_panels(record)["record_tabs"]]

    document, _ = trained_on
    assert "training-impact" in tabs(document)
    assert "training-impact" in tabs(document.revisions.first())
    process = Process.objects.first()
    assert process is not None and "related" in tabs(process) and "training-impact" not in tabs(process)
