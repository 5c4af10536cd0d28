"""The demo organisation's people with the signers' policy acknowledged, for the improvement-loop tests."""

from __future__ import annotations

import pytest

from qualitas.capa import services
from tests.conftest import PASSWORD


@pytest.fixture
def people(db):
    from qualitas.accounts.models import User
    from qualitas.core.signatures import services as signing
    from qualitas.demo import load_organisation

    load_organisation()
    services.ensure_default_severities()
    users = {u.username: u for u in User.objects.all()}
    for name in ("reviewer", "approver", "author", "quality"):
        if not signing.has_acknowledged_policy(users[name]):
            signing.acknowledge_policy(actor=users[name], password=PASSWORD)
    return users
