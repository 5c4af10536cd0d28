"""The demo organisation "Acme Precision Parts". Idempotent: loading twice changes nothing.

Each module declares its demo loader in module.py (`demo`, `demo_after`); they run after the organisation,
each after the modules its demo builds on.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction

from qualitas.core.demo import DEMO_PASSWORD

DEMO_USERS: list[tuple[str, str]] = [
    ("admin", "Administrator"),
    ("quality", "Quality manager"),
    ("controller", "Document controller"),
    ("author", "Author"),
    ("reviewer", "Reviewer/Approver"),
    ("approver", "Reviewer/Approver"),
    ("auditor", "Auditor"),
    ("employee", "Employee"),
]

SITES = [
    ("SPR", "Springfield plant", "1200 Industrial Way, Springfield", "United States"),
    ("RVD", "Riverside plant", "48 Quay Road, Riverside", "United States"),
]

DEPARTMENTS = [
    ("QA", "Quality assurance", "SPR"),
    ("PROD", "Production", "SPR"),
    ("ENG", "Engineering", "SPR"),
    ("PUR", "Purchasing", "SPR"),
    ("HR", "Human resources", "SPR"),
    ("EHS", "Environment, health and safety", "SPR"),
    ("SAL", "Sales and customer service", "SPR"),
    ("MNT", "Maintenance", "SPR"),
    ("PROD", "Production", "RVD"),
    ("QA", "Quality assurance", "RVD"),
]

# username, first, last, title, role code, site code, department code, manager
PEOPLE = [
    ("admin", "Alex", "Admin", "System administrator", "administrator", "SPR", "QA", None),
    ("quality", "Quinn", "Harper", "Quality manager", "quality-manager", "SPR", "QA", None),
    ("controller", "Dana", "Cole", "Document controller", "document-controller", "SPR", "QA", "quality"),
    ("author", "Avery", "Stone", "Process engineer", "author", "SPR", "ENG", "quality"),
    ("reviewer", "Riley", "Brooks", "Production manager", "reviewer-approver", "SPR", "PROD", "quality"),
    ("approver", "Morgan", "Price", "Operations director", "reviewer-approver", "SPR", "PROD", None),
    ("auditor", "Jordan", "Lee", "Internal auditor", "auditor", "SPR", "QA", "quality"),
    ("employee", "Sam", "Taylor", "Machine operator", "employee", "SPR", "PROD", "reviewer"),
]

PROCESSES = [
    (
        "MP-01",
        "Management review and planning",
        "management",
        "approver",
        "QA",
        "Set direction, objectives and resources; review the management system.",
        "Audit results\nCustomer feedback\nProcess performance\nRisks and opportunities",
        "Objectives\nDecisions and actions\nResource plan",
        ["4.1", "4.2", "5.1", "6.1", "6.2", "9.3"],
    ),
    (
        "MP-02",
        "Internal audit",
        "management",
        "auditor",
        "QA",
        "Plan and perform internal audits of the management system.",
        "Audit programme\nPrevious results\nProcess changes",
        "Audit reports\nFindings",
        ["9.2"],
    ),
    (
        "MP-03",
        "Improvement and corrective action",
        "management",
        "quality",
        "QA",
        "Handle nonconformities, corrective actions and improvement.",
        "Nonconformities\nComplaints\nAudit findings",
        "Corrective actions\nLessons learned",
        ["10.1", "10.2", "10.3"],
    ),
    (
        "CP-01",
        "Sales and contract review",
        "core",
        "quality",
        "SAL",
        "Determine and review customer requirements before committing to supply.",
        "Customer enquiries\nDrawings and specifications",
        "Confirmed orders",
        ["8.2"],
    ),
    (
        "CP-02",
        "Product design and development",
        "core",
        "author",
        "ENG",
        "Design precision parts and their manufacturing processes.",
        "Design inputs\nCustomer requirements",
        "Drawings\nControl plans\nPFMEA",
        ["8.3"],
    ),
    (
        "CP-03",
        "Purchasing and supplier control",
        "core",
        "quality",
        "PUR",
        "Select, evaluate and monitor external providers.",
        "Purchase requisitions\nSupplier performance",
        "Purchase orders\nApproved supplier list",
        ["8.4"],
    ),
    (
        "CP-04",
        "Machining and production",
        "core",
        "reviewer",
        "PROD",
        "Turn and mill parts to drawing under controlled conditions.",
        "Work orders\nMaterial\nWork instructions",
        "Finished parts\nProduction records",
        ["8.1", "8.5"],
    ),
    (
        "CP-05",
        "Inspection and release",
        "core",
        "quality",
        "QA",
        "Inspect parts and release conforming product; control nonconforming output.",
        "Parts\nInspection plans\nSampling plans",
        "Release records\nNonconformity reports",
        ["8.6", "8.7", "9.1"],
    ),
    (
        "SP-01",
        "Competence and training",
        "support",
        "quality",
        "HR",
        "Determine competence needs, train and evaluate effectiveness.",
        "Role requirements\nProcedure changes",
        "Training records",
        ["7.1", "7.2", "7.3"],
    ),
    (
        "SP-02",
        "Document and record control",
        "support",
        "controller",
        "QA",
        "Create, approve, distribute and retain documented information.",
        "Drafts\nChange requests",
        "Controlled documents\nRecords",
        ["7.4", "7.5"],
    ),
]


@transaction.atomic
def load_organisation() -> None:
    from qualitas.accounts import services
    from qualitas.accounts.models import Department, Process, RoleAssignment, Site, User
    from qualitas.accounts.roles import sync_builtin_roles
    from qualitas.standards.models import Clause

    sync_builtin_roles()
    system = services.system_actor()
    sites = {}
    for code, name, address, country in SITES:
        sites[code] = Site.objects.filter(code=code).first() or services.site_create(
            actor=system, code=code, name=name, address=address, country=country
        )
    departments = {}
    for code, name, site_code in DEPARTMENTS:
        departments[(site_code, code)] = Department.objects.filter(site=sites[site_code], code=code).first() or (
            services.department_create(actor=system, code=code, name=name, site=sites[site_code])
        )
    users: dict[str, User] = {}
    for username, first, last, title, role, site_code, dept_code, _manager in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                actor=system,
                username=username,
                password=None,
                first_name=first,
                last_name=last,
                email=f"{username}@acme-precision.example",
                job_title=title,
                site=sites[site_code],
                department=departments[(site_code, dept_code)],
                roles=[role],
            )
            # The published demo password skips the strength validators on purpose (demo only).
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        elif not RoleAssignment.objects.filter(user=user).exists():
            services.role_assign(actor=system, user=user, role=role)
        users[username] = user
    admin = users["admin"]
    for username, *_rest, manager in PEOPLE:
        if manager and users[username].manager_id is None:
            services.user_update(actor=admin, user=users[username], manager=users[manager])
    for department, manager in ((departments[("SPR", "QA")], "quality"), (departments[("RVD", "QA")], "quality"),
                                (departments[("SPR", "PROD")], "reviewer")):
        if department.manager_id is None:
            services.department_update(actor=admin, department=department, manager=users[manager])

    iso9001 = {c.number: c for c in Clause.objects.filter(edition__standard__code="ISO 9001", edition__current=True)}
    for code, name, category, owner, dept, purpose, inputs, outputs, clauses in PROCESSES:
        if Process.objects.filter(code=code).exists():
            continue
        services.process_create(
            actor=system,
            code=code,
            name=name,
            category=category,
            purpose=purpose,
            owner=users[owner],
            site=sites["SPR"],
            department=departments[("SPR", dept)],
            inputs=inputs,
            outputs=outputs,
            clauses=[iso9001[number] for number in clauses if number in iso9001],
        )


@contextmanager
def _each_password_hashed_once():
    """The demo's people sign a few hundred records with the one demo password, and Argon2 spends about
    0.1 s on each check by design (a third of the demo's loading time). While the demo loads, a password
    that matched a user's stored hash is not hashed again for that same hash: every signature still
    checks the password, and a wrong one is still refused."""
    from qualitas.accounts.models import User

    original = User.check_password
    matched: set[tuple[int, str, str]] = set()

    def check_password(self, raw_password):
        if (self.pk, self.password, raw_password) in matched:
            return True
        if ok := original(self, raw_password):
            matched.add((self.pk, self.password, raw_password))
        return ok

    User.check_password = check_password
    try:
        yield
    finally:
        User.check_password = original


def load_demo(only: set[str] | None = None) -> int:
    """The demo organisation and every module's demo data (or only the modules named in `only`,
    which tests use to stay fast). Its notifications stay in the app: the demo's people are
    fictitious, so nothing is emailed; the number of emails held back is returned."""
    from qualitas.core.modules import demo_order, resolve
    from qualitas.core.notifications.services import emails_held_back
    from qualitas.standards.models import Clause
    from qualitas.standards.services import load_catalogues

    with emails_held_back() as held, _each_password_hashed_once():
        if not Clause.objects.exists():
            load_catalogues()
        load_organisation()
        for spec in demo_order():
            if only is None or spec.key in only:
                resolve(spec.demo)()
    return held.emails
