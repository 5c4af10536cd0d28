"""A new user's first hour with electronic signatures and forms (issue 11):

the first signature asks for the signature policy and comes back to the step (a safe `next` only),
in the normal layout, with the outcome shown; a GET never shows form errors; one form style; one
field where one is meant; one label per department; no inline style or script in any template.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse

from qualitas.accounts.models import Department, Role, Site, User
from qualitas.core.signatures import services as signing
from qualitas.core.tasks.models import Task
from qualitas.core.testing import factories
from qualitas.core.testing.factories import PASSWORD
from qualitas.core.workflow import engine
from qualitas.documents import services as documents
from qualitas.documents.models import DocumentType
from qualitas.documents.setup import ensure_document_types

pytestmark = pytest.mark.django_db
DEMO_PASSWORD = "qualitas-demo"  # noqa: S105 - the published demo password of the organisation's people
SRC = Path(__file__).resolve().parents[2] / "src" / "qualitas"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def htmx(client: Client, method: str, url: str, data=None):
    return getattr(client, method)(url, data or {}, HTTP_HX_REQUEST="true")


@pytest.fixture
def people(organisation):
    return {u.username: u for u in User.objects.filter(username__in=("author", "reviewer", "approver"))}


@pytest.fixture
def newcomer(organisation):
    """A new employee who has never signed: no policy accepted yet."""
    user = factories.user("employee", username="newcomer", first_name="Nia", last_name="Newcomer")
    assert not signing.has_acknowledged_policy(user)
    return user


@pytest.fixture
def effective(people, newcomer):
    """An effective SOP whose distribution asks the newcomer to read and acknowledge it."""
    ensure_document_types()
    document = documents.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Coolant concentration check",
        content="# Coolant\n\nTake a sample.", reviewers=[people["reviewer"]], approvers=[people["approver"]],
        distribution=[{"kind": "user", "user": newcomer}],
    )
    revision = document.revisions.get()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review",
                   credentials=signing.Credentials(DEMO_PASSWORD))
    revision.refresh_from_db()
    revision = documents.approve(actor=people["approver"], revision=revision,
                                 credentials=signing.Credentials(DEMO_PASSWORD))
    assert revision.status == "effective"
    return revision


def ack_url(revision) -> str:
    return reverse("documents:acknowledge", args=[revision.document_id, revision.pk])


def revision_url(revision) -> str:
    return reverse("documents:revision", args=[revision.document_id, revision.pk])


def in_layout(html: str) -> bool:
    """The normal layout: the top bar, the main landmark and the stylesheets."""
    return 'id="main"' in html and "app-navbar" in html and "qualitas/forms.css" in html


# --- The first signature: policy, back to the step, outcome -----------------------------------------


def test_first_acknowledgment_goes_through_the_policy_and_back_in_the_normal_layout(newcomer, effective):
    client = client_for(newcomer)
    task = Task.objects.get(kind="acknowledge", assignee=newcomer, record_id=str(effective.pk))

    # The dialog on the revision page (htmx) sends the user to the policy, naming the step to come back to.
    dialog = htmx(client, "get", ack_url(effective)).content.decode()
    assert 'data-testid="needs-policy"' in dialog and "app-navbar" not in dialog
    policy_link = re.search(r'href="(/signatures/policy/\?next=[^"]+)"', dialog).group(1)
    assert policy_link == f"/signatures/policy/?next={ack_url(effective)}"

    page = client.get(policy_link).content.decode()
    assert in_layout(page) and 'data-testid="policy-next"' in page
    assert f'name="next" value="{ack_url(effective)}"' in page
    response = client.post(policy_link, {"password": PASSWORD, "agree": "on", "next": ack_url(effective)})
    assert response.status_code == 302 and response["Location"] == ack_url(effective)
    assert signing.has_acknowledged_policy(newcomer)

    # Back at the step: a page in the normal layout (not a bare fragment), saying signing is enabled.
    step = client.get(response["Location"]).content.decode()
    assert in_layout(step) and 'data-testid="sign-page"' in step and 'data-testid="sign-form"' in step
    assert "electronic signing is now enabled" in step
    assert 'data-testid="needs-policy"' not in step
    assert "Coolant concentration check" in step and f'href="{revision_url(effective)}"' in step

    # Signing there (without htmx) lands on the revision with the outcome.
    response = client.post(ack_url(effective), {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == revision_url(effective)
    outcome = client.get(response["Location"]).content.decode()
    assert "Signed: you acknowledged" in outcome and "read and understood" in outcome
    task.refresh_from_db()
    assert task.status == "done"


def test_acknowledgment_dialog_under_htmx_redirects_to_the_revision_with_the_outcome(newcomer, effective):
    factories.acknowledged(newcomer)
    client = client_for(newcomer)
    wrong = htmx(client, "post", ack_url(effective), {"password": "not-my-password"})
    assert wrong.status_code == 200 and "The password is not correct." in wrong.content.decode()
    assert "app-navbar" not in wrong.content.decode()  # the swapped fragment, not a page inside the page
    done = htmx(client, "post", ack_url(effective), {"password": PASSWORD})
    assert done.status_code == 204 and done["HX-Redirect"] == revision_url(effective)
    assert "Signed: you acknowledged" in client.get(revision_url(effective)).content.decode()


@pytest.mark.parametrize("target", [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    " https://evil.example/",
])
def test_policy_refuses_an_open_redirect(newcomer, target):
    client = client_for(newcomer)
    page = client.get("/signatures/policy/", {"next": target}).content.decode()
    assert "evil.example" not in page and 'name="next"' not in page
    response = client.post("/signatures/policy/?next=x", {"password": PASSWORD, "agree": "on", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("profile")
    assert signing.has_acknowledged_policy(newcomer)


def test_policy_already_accepted_sends_a_safe_next_straight_back(organisation):
    signer = User.objects.get(username="reviewer")  # accepted in the organisation
    client = client_for(signer)
    response = client.get("/signatures/policy/", {"next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert client.get("/signatures/policy/", {"next": "https://evil.example/"}).status_code == 200


def test_wrong_password_on_the_policy_keeps_the_way_back(newcomer, effective):
    client = client_for(newcomer)
    page = client.post(f"/signatures/policy/?next={ack_url(effective)}",
                       {"password": "wrong", "agree": "on", "next": ack_url(effective)}).content.decode()
    assert "The password is not correct." in page and f'name="next" value="{ack_url(effective)}"' in page
    assert not signing.has_acknowledged_policy(newcomer)


def test_workflow_step_opened_as_a_page_is_in_the_layout_and_redirects_with_the_outcome(people):
    ensure_document_types()
    document = documents.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Torque check",
        content="# Torque", reviewers=[people["reviewer"]], approvers=[people["approver"]])
    revision = document.revisions.get()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    url = reverse("workflow:step", args=["documents.revision", revision.pk, "sign_review"])
    client = client_for(people["reviewer"])
    page = client.get(url).content.decode()
    assert in_layout(page) and 'data-testid="step-form"' in page and f'href="{revision_url(revision)}"' in page
    revision.refresh_from_db()
    response = client.post(url, {"version": revision.version, "sig-password": DEMO_PASSWORD,
                                 "sig-comment": "Checked against the drawing."})
    assert response.status_code == 302 and response["Location"] == revision_url(revision)
    assert "Sign review: done" in client.get(revision_url(revision)).content.decode()
    from qualitas.core.signatures.selectors import signatures_of

    assert [s.comment for s in signatures_of(revision)] == ["Checked against the drawing."]


# --- Wording: one verb per action, one field where one is meant --------------------------------------


def test_signed_step_dialog_has_one_reason_comment_field_and_its_own_verb(people):
    ensure_document_types()
    document = documents.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Deburring",
        content="# Deburring", reviewers=[people["reviewer"]], approvers=[people["approver"]])
    revision = document.revisions.get()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    url = reverse("workflow:step", args=["documents.revision", revision.pk, "sign_review"])
    html = htmx(client_for(people["reviewer"]), "get", url).content.decode()
    assert "Sign and sign" not in html
    assert re.search(r'<button class="btn[^"]*" type="submit">.*Sign review</button>', html)
    labels = [label.strip() for label in re.findall(r'<label class="form-label" for="[^"]+">([^<]+)', html)]
    assert labels == ["Your password", "Reason / comment"]
    assert 'name="reason"' not in html and html.count("<textarea") == 1


def test_step_with_a_required_reason_and_no_signature_asks_for_the_reason_only(people):
    ensure_document_types()
    document = documents.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Marking",
        content="# Marking", reviewers=[people["reviewer"]], approvers=[people["approver"]])
    revision = document.revisions.get()
    engine.perform(actor=people["author"], instance=revision, transition="submit")
    workflow = engine.workflow_for(revision)
    step = next(t for t in workflow.transitions if t.reason_required and not t.signature and "in_review" in t.source
                and t.user)
    url = reverse("workflow:step", args=["documents.revision", revision.pk, step.name])
    html = htmx(client_for(people["author"]), "get", url).content.decode()
    assert html.count("<textarea") == 1 and 'name="reason"' in html and "Your password" not in html
    assert "This field is required" not in html and "is-invalid" not in html


def test_disposition_is_approved_under_one_verb():
    from qualitas.capa.states import DISPOSITION

    labels = {t.name: t.label for t in DISPOSITION.transitions}
    assert labels["approve"] == labels["accept"] == "Approve disposition"
    assert not any("Accept" in label for label in labels.values())


# --- No errors on a GET; one form style; searchable long lists ---------------------------------------

ERROR_MARKERS = ("This field is required", "is-invalid", "invalid-feedback", "alert-danger")


@pytest.mark.parametrize("path", [
    "/documents/new/",
    "/signatures/policy/",
    "/signatures/policy/?next=/tasks/",
    "/records/audit-trail/",
    "/records/audit-trail/?page=2",
    "/administration/users/new/",
])
def test_an_unbound_form_shows_no_errors(organisation, path):
    admin = User.objects.get(username="admin")
    html = client_for(admin).get(path).content.decode()
    assert "<form" in html
    for marker in ERROR_MARKERS:
        assert marker not in html, (path, marker)


def test_user_edit_and_sign_dialogs_show_no_errors_on_get(newcomer, effective):
    admin = User.objects.get(username="admin")
    edit = client_for(admin).get(reverse("administration:user", args=[newcomer.pk])).content.decode()
    dialog = htmx(client_for(newcomer), "get", ack_url(effective)).content.decode()
    page = client_for(newcomer).get(ack_url(effective)).content.decode()
    for html in (edit, dialog, page):
        assert "<form" in html
        for marker in ERROR_MARKERS:
            assert marker not in html


def test_a_bound_form_shows_its_errors_next_to_the_fields(newcomer, effective):
    factories.acknowledged(newcomer)
    html = htmx(client_for(newcomer), "post", ack_url(effective), {"password": ""}).content.decode()
    assert "This field is required." in html and 'class="form-control is-invalid"' in html


def test_the_new_document_form_has_one_style_and_searchable_long_lists(organisation):
    author = User.objects.get(username="author")
    html = client_for(author).get("/documents/new/").content.decode()
    controls = re.findall(r"<(input|select|textarea)\b([^>]*)>", html)
    visible = [(tag, attrs) for tag, attrs in controls
               if 'type="hidden"' not in attrs and "csrfmiddlewaretoken" not in attrs and 'name="q"' not in attrs]
    assert len(visible) >= 10
    for tag, attrs in visible:
        expected = "form-select" if tag == "select" else "form-control"
        assert expected in attrs, (tag, attrs)
    for name in ("clauses", "reviewers"):
        select = re.search(rf'<select name="{name}"[^>]*>', html).group(0)
        assert "multiple" in select and 'data-searchable="many"' in select
    assert 'data-searchable="one"' in re.search(r'<select name="approver"[^>]*>', html).group(0)
    assert "vendor/tom-select/tom-select.complete.min.js" in html and "qualitas/widgets.js" in html


def test_departments_are_listed_once_each_with_their_site(organisation):
    author = User.objects.get(username="author")
    html = client_for(author).get("/documents/new/").content.decode()
    select = re.search(r'<select name="department".*?</select>', html, re.S).group(0)
    labels = [label for label in re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)]
    assert len(labels) == Department.objects.filter(active=True).count() >= 2
    assert len(set(labels)) == len(labels), labels  # QA – Quality exists at SPR and RVD
    spr = Site.objects.get(code="SPR")
    qa = Department.objects.get(site=spr, code="QA")
    assert f"{qa.code} – {qa.name} (SPR)" in labels


def test_distribution_widget_uses_the_shared_controls(people):
    ensure_document_types()
    document = documents.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title="Labels",
        content="# Labels", distribution=[{"kind": "role", "role": Role.objects.get(code="employee")}])
    html = client_for(people["author"]).get(reverse("documents:detail", args=[document.pk])).content.decode()
    form = re.search(r'<form[^>]*data-testid="distribution-form".*?</form>', html, re.S).group(0)
    selects = re.findall(r"<select\b[^>]*>", form)
    assert len(selects) == 5 and all("form-select form-select-sm" in s for s in selects)
    assert 'class="col-6"' not in form  # one control per row: department no longer overlaps site


def test_radio_lists_render_as_bootstrap_checks():
    from django import forms

    from qualitas.core.forms import render_control

    class Outcome(forms.Form):
        outcome = forms.ChoiceField(choices=[("ok", "Still valid"), ("revise", "Revise")], widget=forms.RadioSelect)

    html = render_control(Outcome()["outcome"])
    assert html.count('class="form-check"') == 2 and html.count('class="form-check-input"') == 2
    assert 'class="form-check-label" for="id_outcome_0">Still valid' in html
    bound = render_control(Outcome({})["outcome"])
    assert bound.count("form-check-input is-invalid") == 2


# --- No inline styles or scripts, anywhere the Content-Security-Policy would refuse them ---------------

INLINE = [
    (re.compile(r"""\sstyle\s*=\s*["']""", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"<script\b(?![^>]*\bsrc=)", re.I), "inline <script>"),
    (re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I), "inline event handler"),
    (re.compile(r"""\bhx-on[:-]""", re.I), "hx-on handler (eval)"),
    (re.compile(r"""href\s*=\s*["']\s*javascript:""", re.I), "javascript: URL"),
]


def all_templates() -> list[Path]:
    """Every template the application renders: the project's and every installed app's directory."""
    directories: set[Path] = set()
    for engine_ in engines.all():
        for loader in engine_.engine.template_loaders:
            for directory in loader.get_dirs():
                path = Path(directory).resolve()
                if SRC in path.parents or path == SRC:
                    directories.add(path)
    return sorted(p for directory in directories for p in directory.rglob("*.html"))


def test_no_template_has_an_inline_style_or_script():
    templates = all_templates()
    assert len(templates) > 80  # the scan found the templates (it cannot pass on an empty list)
    found = [
        f"{path.relative_to(SRC)}:{text.count(chr(10), 0, match.start()) + 1}: {what}"
        for path in templates
        for text in [path.read_text()]
        for pattern, what in INLINE
        for match in pattern.finditer(text)
    ]
    assert found == []


def test_the_scan_catches_what_it_must():
    samples = ['<div style="color:red">', "<style>p{}</style>", "<script>alert(1)</script>",
               '<a onclick="x()">', '<button hx-on:click="x()">', '<a href="javascript:void(0)">']
    for sample in samples:
        assert any(pattern.search(sample) for pattern, _ in INLINE), sample
    assert not any(pattern.search('<script src="/static/x.js" defer></script>') for pattern, _ in INLINE)


def test_our_scripts_set_no_inline_styles():
    for script in (SRC / "static" / "qualitas").glob("*.js"):
        text = script.read_text()
        assert not re.search(r"\.style\.|setAttribute\(\s*[\"']style|cssText|style=", text), script.name


def test_htmx_injects_no_indicator_styles():
    base = (SRC / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
