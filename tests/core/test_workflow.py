"""The workflow engine (P11-F, P11-G) and electronic signatures (P11-S, P11-M, P11-L, P11-J)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from qualitas.accounts.roles import BUILTIN_ROLES
from qualitas.core.audit.models import AuditEvent
from qualitas.core.regulated import StaleVersion, record_create
from qualitas.core.signatures import selectors as signature_selectors
from qualitas.core.signatures import services as signing
from qualitas.core.testing.factories import system
from qualitas.core.workflow import engine
from qualitas.core.workflow.engine import State, Transition, TransitionRefused, Workflow
from tests.conftest import PASSWORD
from tests.sample.models import SampleRecord
from tests.sample.states import SPEC, WORKFLOW

pytestmark = pytest.mark.django_db

SAMPLE_RIGHTS = {"sample": ["view", "create", "edit", "approve"]}


@pytest.fixture
def sample_roles(db):
    from qualitas.accounts.services import role_create

    role_create(
        actor=system(),
                code="sample-author", name="Sample author", permissions={"sample": ["view", "edit"]}, builtin=True
    )
    role_create(
        actor=system(),
        code="sample-approver",
        name="Sample approver",
        permissions={"sample": ["view", "edit", "approve"]},
        builtin=True,
    )


@pytest.fixture
def author(make_user, sample_roles):
    return make_user("sample-author", username="writer", first_name="Wren", last_name="Writer")


@pytest.fixture
def approver(make_user, sample_roles):
    user = make_user("sample-approver", username="boss", first_name="Bo", last_name="Boss")
    signing.acknowledge_policy(actor=user, password=PASSWORD)
    return user


def new_record(author, **fields) -> SampleRecord:
    values = {"title": "Cleaning procedure", "body": "Wipe with IPA.", "author": author, **fields}
    return record_create(author, SampleRecord(**values), event="sample.created")


def sign_with(password=PASSWORD, otp=""):
    return signing.Credentials(password=password, otp=otp, comment="ok")


def test_a_record_moves_through_its_workflow_with_signatures(author, approver):
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    engine.perform(actor=approver, instance=record, transition="approve", credentials=sign_with())
    record.refresh_from_db()
    assert record.status == "approved" and record.approved_at is not None
    signature = signature_selectors.signatures_of(record)[0]
    assert (signature.meaning, signature.signer_name, signature.is_valid) == ("approved", "Bo Boss", True)
    events = list(AuditEvent.objects.filter(record_type="sample.samplerecord").values_list("event", flat=True))
    assert events == [
        "sample.created",
        "sample.samplerecord.submit",
        "sample.samplerecord.approve",
        "signature.approved",
    ]


def test_illegal_transition_is_refused_with_a_reason_and_logged(author, approver):
    record = new_record(author)
    with pytest.raises(TransitionRefused, match="not possible from Draft"):
        engine.perform(actor=approver, instance=record, transition="release")
    assert SampleRecord.objects.get(pk=record.pk).status == "draft"
    assert AuditEvent.objects.filter(event="sample.samplerecord.release_refused").exists()


def test_guard_required_fields(author):
    record = new_record(author, body="")
    with pytest.raises(TransitionRefused, match="Fill in body"):
        engine.perform(actor=author, instance=record, transition="submit")


def test_author_may_not_approve_their_own_record(approver):
    record = new_record(approver)
    engine.perform(actor=approver, instance=record, transition="submit")
    with pytest.raises(TransitionRefused, match="segregation of duties"):
        engine.perform(actor=approver, instance=record, transition="approve", credentials=sign_with())
    assert SampleRecord.objects.get(pk=record.pk).status == "in_review"
    assert not signature_selectors.signatures_of(record)


def test_approval_is_its_own_permission_not_implied_by_edit(author, make_user, sample_roles):
    other_author = make_user("sample-author", username="writer2")
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    with pytest.raises(PermissionDenied):
        engine.perform(actor=other_author, instance=record, transition="return", reason="no")


def test_reason_required_for_return_to_draft(author, approver):
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    with pytest.raises(TransitionRefused, match="reason"):
        engine.perform(actor=approver, instance=record, transition="return")
    engine.perform(actor=approver, instance=record, transition="return", reason="Add the PPE section")
    assert AuditEvent.objects.filter(event="sample.samplerecord.return").last().reason == "Add the PPE section"


def test_signing_with_a_wrong_password_fails_and_is_logged(author, approver):
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    with pytest.raises(signing.SignatureRefused, match="not correct"):
        engine.perform(actor=approver, instance=record, transition="approve", credentials=sign_with("nope"))
    assert SampleRecord.objects.get(pk=record.pk).status == "in_review"
    failure = AuditEvent.objects.get(action="sign-failure")
    assert failure.actor_id == approver.pk and failure.record_id == str(record.pk)


def test_no_signing_before_the_policy_is_acknowledged(author, make_user, sample_roles):
    newcomer = make_user("sample-approver", username="newbie")
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    with pytest.raises(signing.SignatureRefused, match="policy"):
        engine.perform(actor=newcomer, instance=record, transition="approve", credentials=sign_with())
    signing.acknowledge_policy(actor=newcomer, password=PASSWORD)
    engine.perform(actor=newcomer, instance=record, transition="approve", credentials=sign_with())


def test_signing_asks_for_the_second_factor_when_enrolled(author, approver):
    device = TOTPDevice.objects.create(user=approver, name="app", confirmed=True)
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    with pytest.raises(signing.SignatureRefused, match="code"):
        engine.perform(actor=approver, instance=record, transition="approve", credentials=sign_with())
    device.refresh_from_db()
    device.throttle_reset()
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    engine.perform(actor=approver, instance=record, transition="approve", credentials=sign_with(otp=code))


def test_editing_signed_content_invalidates_the_signature_visibly(author, approver, client):
    record = new_record(author)
    engine.perform(actor=author, instance=record, transition="submit")
    engine.perform(actor=approver, instance=record, transition="approve", credentials=sign_with())
    record.refresh_from_db()
    engine.perform(actor=approver, instance=record, transition="release")  # state changes keep it valid
    assert signature_selectors.signatures_of(SampleRecord.objects.get(pk=record.pk))[0].is_valid
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sample_samplerecord SET body = 'Wipe with water.' WHERE id = %s", [record.pk])
    record.refresh_from_db()
    assert not signature_selectors.signatures_of(record)[0].is_valid
    client.force_login(approver)
    html = client.get(f"/signatures/sample.samplerecord/{record.pk}/").content.decode()
    assert "Invalid: content changed after signing" in html and "Bo Boss" in html


def test_a_signature_cannot_be_copied_to_another_record(author, approver):
    first, second = new_record(author), new_record(author, title="Other")
    SampleRecord.objects.filter(pk=second.pk).update(title=first.title)
    engine.perform(actor=author, instance=first, transition="submit")
    engine.perform(actor=approver, instance=first, transition="approve", credentials=sign_with())
    signature = signature_selectors.signatures_of(first)[0]
    from qualitas.core.regulated import signed_content_hash

    second.refresh_from_db()
    assert signed_content_hash(second) != signature.content_hash  # the record's identity is in the hash


def test_stale_version_is_refused(author):
    record = new_record(author)
    with pytest.raises(StaleVersion):
        engine.perform(actor=author, instance=record, transition="submit", expected_version=7)


def test_generic_api_lists_and_performs_steps(author, approver, api_client):
    record = new_record(author)
    api = api_client.as_user(author)
    state = api.get(f"/records/sample.samplerecord/{record.pk}/transitions").json()
    assert state["state"] == "draft" and [t["name"] for t in state["transitions"]] == ["submit"]
    response = api.post(f"/records/sample.samplerecord/{record.pk}/transitions/submit", {"version": 1})
    assert response.status_code == 200 and response.json()["state"] == "in_review"
    assert api.post(f"/records/sample.samplerecord/{record.pk}/transitions/submit", {"version": 2}).status_code == 400
    assert api.post(f"/records/sample.samplerecord/{record.pk}/transitions/submit", {"version": 1}).status_code == 409
    boss = api_client.as_user(approver)
    no_password = boss.post(f"/records/sample.samplerecord/{record.pk}/transitions/approve", {"version": 2})
    assert no_password.status_code == 400 and no_password.json()["errors"][0]["field"] == "password"
    signed = boss.post(
        f"/records/sample.samplerecord/{record.pk}/transitions/approve",
        {"version": 2, "password": PASSWORD, "comment": "fine"},
    )
    assert signed.status_code == 200 and signed.json()["state"] == "approved"
    signatures = boss.get(f"/records/sample.samplerecord/{record.pk}/signatures").json()
    assert signatures[0]["meaning"] == "approved" and signatures[0]["valid"] is True


def test_ui_shows_allowed_steps_as_buttons_and_performs_them(author, approver):
    record = new_record(author)
    browser = Client()
    browser.force_login(author)
    panel = browser.get(f"/workflow/sample.samplerecord/{record.pk}/").content.decode()
    assert "Submit for review" in panel and "Approve" not in panel
    response = browser.post(f"/workflow/sample.samplerecord/{record.pk}/submit/", {"version": 1, "reason": ""},
                            HTTP_HX_REQUEST="true")  # the dialog on the record page (htmx)
    assert response.status_code == 204 and response["HX-Redirect"] == f"/sample/{record.pk}/"
    browser.force_login(approver)
    form = browser.get(f"/workflow/sample.samplerecord/{record.pk}/approve/").content.decode()
    assert "Electronic signature" in form and "Approved" in form
    response = browser.post(
        f"/workflow/sample.samplerecord/{record.pk}/approve/", {"version": 2, "sig-password": "wrong"}
    )
    assert response.status_code == 200 and "not correct" in response.content.decode()
    response = browser.post(
        f"/workflow/sample.samplerecord/{record.pk}/approve/",
        {"version": 2, "sig-password": PASSWORD, "sig-comment": "Looks right"},
    )  # the step opened as a page of its own (no htmx): redirected to the record
    assert response.status_code == 302 and response["Location"] == f"/sample/{record.pk}/"
    assert SampleRecord.objects.get(pk=record.pk).status == "approved"


def test_policy_page_records_the_attestation(client, make_user):
    user = make_user("employee")
    client.force_login(user)
    client.post("/signatures/policy/", {"password": "wrong", "agree": "on"})
    assert not signing.has_acknowledged_policy(user)
    response = client.post("/signatures/policy/", {"password": PASSWORD, "agree": "on"})
    assert response.status_code == 302 and signing.has_acknowledged_policy(user)
    assert AuditEvent.objects.filter(event="signature.policy_acknowledged", actor=user).exists()


def test_workflow_definitions_are_checked():
    with pytest.raises(ValueError, match="unknown state"):
        Workflow("x.y", {"a": State("A")}, [Transition("go", "Go", ("a",), "b")])
    with pytest.raises(ValueError, match="final state"):
        Workflow("x.y", {"a": State("A", final=True), "b": State("B")}, [Transition("go", "Go", ("a",), "b")])


def test_builtin_roles_never_combine_edit_into_approve():
    for role in BUILTIN_ROLES:
        for module, actions in role["permissions"].items():
            assert set(actions) <= {"view", "create", "edit", "approve", "administer"}, (role["code"], module)


# --- Property: thousands of random steps never reach a state the definition forbids ---------------------


class WorkflowMachine(RuleBasedStateMachine):
    """Random users try random steps on random records; the engine must follow SPEC exactly."""

    def __init__(self):
        super().__init__()
        self.expected: dict[int, str] = {}

    @initialize()
    def setup(self):
        from qualitas.accounts import services as accounts
        from qualitas.accounts.models import Role, User

        for code, rights in (
            ("sm-author", {"sample": ["view", "edit"]}),
            ("sm-approver", {"sample": ["view", "edit", "approve"]}),
        ):
            if not Role.objects.filter(code=code).exists():
                accounts.role_create(actor=system(), code=code, name=code, permissions=rights, builtin=True)
        self.users = []
        for name, role in (("sm-a", "sm-author"), ("sm-b", "sm-approver"), ("sm-c", "sm-approver")):
            user = User.objects.filter(username=name).first() or accounts.user_create(
                actor=system(), username=name, password=PASSWORD, roles=[role]
            )
            if not signing.has_acknowledged_policy(user):
                signing.acknowledge_policy(actor=user, password=PASSWORD)
            self.users.append(user)

    @rule(author_index=st.integers(0, 2), empty_body=st.booleans())
    def create(self, author_index, empty_body):
        record = new_record(self.users[author_index], body="" if empty_body else "text")
        self.expected[record.pk] = "draft"

    @rule(
        data=st.data(),
        user_index=st.integers(0, 2),
        step=st.sampled_from([t.name for t in WORKFLOW.transitions]),
        with_reason=st.booleans(),
        good_password=st.booleans(),
    )
    def attempt(self, data, user_index, step, with_reason, good_password):
        if not self.expected:
            return
        pk = data.draw(st.sampled_from(sorted(self.expected)))
        record = SampleRecord.objects.get(pk=pk)
        actor = self.users[user_index]
        before = record.status
        try:
            engine.perform(
                actor=actor,
                instance=record,
                transition=step,
                reason="because" if with_reason else "",
                credentials=sign_with(PASSWORD if good_password else "bad"),
            )
        except (TransitionRefused, PermissionDenied, signing.SignatureRefused):
            assert SampleRecord.objects.get(pk=pk).status == before
            return
        after = SampleRecord.objects.get(pk=pk).status
        assert SPEC.get((before, step)) == after, (before, step, after)
        transition = WORKFLOW.transition(step)
        if transition.signature:
            assert good_password and record.author_id != actor.pk
        self.expected[pk] = after

    @invariant()
    def states_match_the_model(self):
        for pk, state in self.expected.items():
            assert SampleRecord.objects.get(pk=pk).status == state
            assert state in WORKFLOW.states


WorkflowMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db(transaction=False)
def test_random_walks_never_reach_a_forbidden_state(db):
    WorkflowMachine.TestCase().runTest()


def test_the_system_performs_only_steps_marked_for_it(author):
    record = new_record(author)
    with pytest.raises(TransitionRefused, match="performed by a person"):
        engine.perform(actor=system(), instance=record, transition="submit")
