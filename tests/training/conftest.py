"""Fixtures of the training tests: the demo organisation's people, a documents helper that makes a
revision effective through the real workflow, and a small training set-up."""

from __future__ import annotations

import datetime as dt

import pytest

from qualitas.core.signatures import services as signing
from qualitas.core.testing import factories

PASSWORD = "qualitas-demo"


@pytest.fixture
def people(db):
    """The demo people by username (signature policy accepted by the signers) plus two operators in
    production at Springfield, managed by the production manager."""
    from qualitas.accounts.models import Department, Site, User
    from qualitas.demo import load_organisation

    load_organisation()
    users = {u.username: u for u in User.objects.all()}
    for name in ("reviewer", "approver", "employee", "author", "quality"):
        factories.acknowledged(users[name], password=PASSWORD)
    spr = Site.objects.get(code="SPR")
    prod = Department.objects.get(site=spr, code="PROD")
    for username, first in (("op1", "Olga"), ("op2", "Omar")):
        users[username] = factories.user("employee", username=username, site=spr, first_name=first,
                                         last_name="Operator", department=prod, manager=users["reviewer"])
        factories.acknowledged(users[username])
    return users


def sign(password: str = PASSWORD):
    return signing.Credentials(password)


def effective_document(people, title: str = "Coolant concentration check", **fields):
    """A new SOP whose first revision is effective (authored, reviewed, approved)."""
    from qualitas.documents import services
    from qualitas.documents.models import DocumentType
    from qualitas.documents.setup import ensure_document_types

    ensure_document_types()
    document = services.document_create(
        actor=people["author"], doc_type=DocumentType.objects.get(code="SOP"), title=title,
        content="# Coolant\n\n1. Take a sample.", reviewers=[people["reviewer"]], approvers=[people["approver"]],
        **fields,
    )
    issue(people, document.revisions.get())
    document.refresh_from_db()
    return document


def issue(people, revision):
    from qualitas.core.workflow import engine
    from qualitas.documents import services

    engine.perform(actor=people["author"], instance=revision, transition="submit")
    revision.refresh_from_db()
    engine.perform(actor=people["reviewer"], instance=revision, transition="sign_review", credentials=sign())
    revision.refresh_from_db()
    return services.approve(actor=people["approver"], revision=revision, credentials=sign())


def next_revision(people, document, summary: str = "Torque values added", impact: str | None = "read-and-understood"):
    """The next revision, made effective; its training impact decided first by the author (`impact`;
    None: not decided, as for a document no requirement refers to)."""
    from qualitas.documents import services

    revision = services.revision_new(actor=people["author"], document=document, change_summary=summary)
    services.revision_update(actor=people["author"], revision=revision, content=revision.content + "\n2. Log it.")
    revision.refresh_from_db()
    if impact is not None:
        decide(people, revision, impact)
    return issue(people, revision)


def decide(people, revision, kind: str, reason: str = "The steps changed.", actor: str = "author"):
    from qualitas.training import impact

    return impact.impact_decide(actor=people[actor], revision=revision, kind=kind, reason=reason,
                                credentials=sign())


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def operator_position(people):
    from qualitas.accounts.models import Site
    from qualitas.training import services

    return services.position_create(actor=people["quality"], code="OP-CNC", name="CNC operator",
                                    site=Site.objects.get(code="SPR"))


def course(people, code: str = "C-SAFETY", **fields):
    from qualitas.training import services

    values = {"code": code, "title": f"Course {code}", "kind": "course", "method": "classroom",
              "new_starter_days": 30, "retraining_days": 14}
    return services.requirement_create(actor=people["quality"], **(values | fields))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)
