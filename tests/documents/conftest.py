"""Fixtures of the document-control tests."""

from __future__ import annotations

import pytest

from qualitas.core.testing import factories


@pytest.fixture
def people(db):
    """The demo organisation's people by username, the reviewers, approvers, author, employee and
    quality manager with the signature policy accepted."""
    from qualitas.accounts.models import User
    from qualitas.demo import load_organisation

    load_organisation()
    users = {u.username: u for u in User.objects.all()}
    for name in ("reviewer", "approver", "employee", "author", "quality"):
        factories.acknowledged(users[name], password="qualitas-demo")
    return users
