"""The session organisation: built once per test session, committed, and seen by every test (each
test runs in its own rolled-back transaction on top of it).

It is the demo organisation "Acme Precision Parts" (sites SPR and RVD, the demo people with their
roles on every site, departments, processes, the standards catalogues), with the signature policy
acknowledged by the demo signers, the default severities and document types, and one extra user per
built-in role and site ("employee.spr", "employee.rvd"), holding that role on that site only
(without a usable password).

Module demo data (documents, CAPA, SPC) is not in it: tests ask for it with a layer
(see `qualitas.core.testing.layers`), so tests that count records start from the organisation alone.
"""

from __future__ import annotations

from django.db import transaction

from qualitas.core.testing import factories

SITES = ("SPR", "RVD")  # the demo sites: scoped users hold their role on one of them
SIGNERS = ("quality", "approver", "reviewer", "author", "employee")  # demo users who have acknowledged


def scoped_username(role: str, site_code: str) -> str:
    return f"{role}.{site_code.lower()}"


@transaction.atomic
def build_organisation() -> None:
    """Create (or complete: it is idempotent) the session organisation."""
    from qualitas.accounts.models import Site, User
    from qualitas.accounts.roles import BUILTIN_ROLES
    from qualitas.capa.services import ensure_default_severities
    from qualitas.demo import load_organisation
    from qualitas.documents.setup import ensure_document_types
    from qualitas.standards.models import Clause
    from qualitas.standards.services import load_catalogues

    if not Clause.objects.exists():
        load_catalogues()
    load_organisation()  # also creates the built-in roles
    ensure_default_severities()
    ensure_document_types()
    for username in SIGNERS:
        factories.acknowledged(User.objects.get(username=username), password="qualitas-demo")  # noqa: S106
    sites = {s.code: s for s in Site.objects.filter(code__in=SITES)}
    for spec in BUILTIN_ROLES:
        for code in SITES:
            username = scoped_username(spec["code"], code)
            if not User.objects.filter(username=username).exists():
                # No password (sign them in with force_login or a bearer token): some usernames are too
                # close to any memorable password for the validators.
                factories.user(
                    spec["code"], username=username, site=sites[code], password=None, first_name=spec["name"],
                    last_name=f"at {sites[code].name}",
                )


class Organisation:
    """Read access to the session organisation; every call returns fresh instances."""

    sites_codes = SITES

    def site(self, code: str = "SPR"):
        from qualitas.accounts.models import Site

        return Site.objects.get(code=code)

    @property
    def sites(self) -> dict:
        from qualitas.accounts.models import Site

        return {s.code: s for s in Site.objects.filter(code__in=SITES)}

    def user(self, username: str):
        from qualitas.accounts.models import User

        return User.objects.get(username=username)

    def scoped(self, role: str, site_code: str = "SPR"):
        """The user holding `role` on `site_code` only."""
        return self.user(scoped_username(role, site_code))

    @property
    def people(self) -> dict:
        """The demo people by username (admin, quality, controller, author, reviewer, approver, auditor, employee)."""
        from qualitas.accounts.models import User
        from qualitas.demo import PEOPLE

        return {u.username: u for u in User.objects.filter(username__in=[p[0] for p in PEOPLE])}
