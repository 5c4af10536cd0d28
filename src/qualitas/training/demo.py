"""Demo training for Acme Precision Parts: positions at both plants, ten more people on the shop floor
and in quality, about forty requirements (controlled documents, courses, qualifications) in three
curricula, and a year of history: completions recorded by the quality manager, renewals, documents
acknowledged, and a few overdue, expired and in-progress cells. Idempotent; everything goes through
the services (assignments are generated, the acknowledgments are real signatures)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD

# code, name, site, department, processes
POSITIONS = [
    ("QM", "Quality manager", "SPR", "QA", ["MP-01", "MP-03", "SP-01"]),
    ("DCC", "Document controller", "SPR", "QA", ["SP-02"]),
    ("IA", "Internal auditor", "SPR", "QA", ["MP-02"]),
    ("PE", "Process engineer", "SPR", "ENG", ["CP-02"]),
    ("PM", "Production manager", "SPR", "PROD", ["CP-04"]),
    ("OD", "Operations director", "SPR", "PROD", ["MP-01"]),
    ("CNC", "CNC operator", "SPR", "PROD", ["CP-04"]),
    ("SET", "CNC setter", "SPR", "PROD", ["CP-04"]),
    ("INS", "Quality inspector", "SPR", "QA", ["CP-05"]),
    ("FLT", "Forklift driver", "SPR", "PROD", []),
    ("MNT", "Maintenance technician", "SPR", "MNT", []),
    ("BUY", "Buyer", "SPR", "PUR", ["CP-03"]),
    ("CNC", "CNC operator", "RVD", "PROD", ["CP-04"]),
    ("INS", "Quality inspector", "RVD", "QA", ["CP-05"]),
]

# username, first, last, title, site, department, manager
PEOPLE = [
    ("olga", "Olga", "Novak", "CNC operator", "SPR", "PROD", "reviewer"),
    ("omar", "Omar", "Haddad", "CNC setter", "SPR", "PROD", "reviewer"),
    ("priya", "Priya", "Nair", "Quality inspector", "SPR", "QA", "quality"),
    ("tomas", "Tomás", "Silva", "Maintenance technician", "SPR", "MNT", "approver"),
    ("lena", "Lena", "Fischer", "Buyer", "SPR", "PUR", "approver"),
    ("kofi", "Kofi", "Mensah", "Forklift driver", "SPR", "PROD", "reviewer"),
    ("chen", "Chen", "Wei", "CNC operator (new starter)", "SPR", "PROD", "reviewer"),
    ("ana", "Ana", "Costa", "CNC operator", "RVD", "PROD", "approver"),
    ("ben", "Ben", "Carter", "Quality inspector", "RVD", "QA", "quality"),
    ("dmitri", "Dmitri", "Petrov", "CNC operator", "RVD", "PROD", "approver"),
]

# username, [(position code, site)], days since the start
HOLDINGS = [
    ("quality", [("QM", "SPR"), ("IA", "SPR")], 420),
    ("controller", [("DCC", "SPR")], 400),
    ("author", [("PE", "SPR")], 390),
    ("reviewer", [("PM", "SPR")], 410),
    ("approver", [("OD", "SPR")], 430),
    ("auditor", [("IA", "SPR")], 380),
    ("employee", [("CNC", "SPR")], 370),
    ("olga", [("CNC", "SPR")], 360),
    ("omar", [("CNC", "SPR"), ("SET", "SPR")], 400),
    ("priya", [("INS", "SPR")], 350),
    ("tomas", [("MNT", "SPR"), ("FLT", "SPR")], 390),
    ("lena", [("BUY", "SPR")], 300),
    ("kofi", [("FLT", "SPR")], 330),
    ("chen", [("CNC", "SPR")], 10),
    ("ana", [("CNC", "RVD")], 380),
    ("ben", [("INS", "RVD")], 340),
    ("dmitri", [("CNC", "RVD")], 200),
]

# code, title of the document, method
DOCUMENT_REQUIREMENTS = [
    ("TR-POL-Q", "Quality policy", "read-and-understood"),
    ("TR-POL-ENV", "Environmental policy", "read-and-understood"),
    ("TR-POL-OHS", "Occupational health and safety policy", "read-and-understood"),
    ("TR-SOP-HAZ", "Hazard identification and risk assessment", "read-and-understood"),
    ("TR-SOP-DOC", "Control of documented information", "read-and-understood"),
    ("TR-SOP-IA", "Internal audit", "read-and-understood"),
    ("TR-SOP-MR", "Management review", "read-and-understood"),
    ("TR-SOP-PPC", "Production planning and control", "read-and-understood"),
    ("TR-SOP-NC", "Nonconformity and corrective action", "read-and-understood"),
    ("TR-MAN", "Quality manual", "read-and-understood"),
    ("TR-WI-LATHE", "CNC lathe set-up", "read-and-understood"),
    ("TR-WI-CMM", "CMM measurement of turned parts", "read-and-understood"),
    ("TR-FRM-NCR", "Nonconformity report form", "read-and-understood"),
    ("TR-FRM-TRN", "Training record form", "read-and-understood"),
    ("TR-SPEC-AL", "Raw material specification: aluminium 6061-T6", "read-and-understood"),
    ("TR-EXT-2859", "ISO 2859-1 sampling procedures for inspection by attributes", "read-and-understood"),
]

# code, title, kind, method, validity months, grace days, min level, mandatory
COURSES = [
    ("C-IND", "Company induction", "course", "classroom", None, 0, 1, True),
    ("C-FIRE", "Fire safety and evacuation", "course", "classroom", 12, 30, 1, True),
    ("C-ISO", "ISO 9001:2015 awareness", "course", "e-learning", None, 0, 1, True),
    ("C-ENV", "Environmental awareness", "course", "e-learning", 24, 0, 1, True),
    ("C-GDPR", "Data protection basics", "course", "e-learning", 24, 14, 1, True),
    ("C-MH", "Manual handling", "course", "e-learning", 36, 30, 1, True),
    ("C-5S", "5S workplace organisation", "course", "classroom", None, 0, 1, False),
    ("C-LOTO", "Lockout / tagout", "course", "classroom", 12, 14, 2, True),
    ("C-CHEM", "Handling of coolants and chemicals", "course", "classroom", 24, 30, 1, True),
    ("C-FA", "First aid at work", "course", "classroom", 36, 0, 2, False),
    ("C-CNC-OJT", "CNC lathe operation", "course", "on-the-job", None, 0, 3, True),
    ("C-SET-OJT", "CNC set-up and first-off", "course", "on-the-job", None, 0, 3, True),
    ("C-SPC", "Statistical process control basics", "course", "e-learning", None, 0, 2, True),
    ("C-8D", "8D problem solving", "course", "classroom", None, 0, 2, True),
    ("C-GDT", "Reading drawings: GD&T", "course", "classroom", None, 0, 2, True),
    ("Q-IA-9001", "Internal auditor ISO 9001", "qualification", "qualification", 36, 60, 3, True),
    ("Q-LA-9001", "Lead auditor ISO 9001", "qualification", "qualification", 36, 60, 3, False),
    ("Q-FORK", "Forklift truck licence", "qualification", "qualification", 12, 30, 3, True),
    ("Q-CMM", "CMM operator", "qualification", "qualification", 24, 30, 3, True),
    ("Q-CRANE", "Overhead crane operation", "qualification", "qualification", 24, 14, 3, True),
    ("Q-ELEC", "Electrical work authorisation", "qualification", "qualification", 12, 14, 3, True),
    ("Q-VISION", "Near-vision test for inspectors", "qualification", "qualification", 12, 30, 1, True),
    ("Q-FAI", "First-article inspection sign-off", "qualification", "qualification", None, 0, 4, True),
    ("Q-CAL", "Calibration of gauges", "qualification", "qualification", 24, 30, 3, True),
]

CURRICULA = [
    ("CUR-IND", "Induction (everyone)",
     ["C-IND", "C-FIRE", "C-ISO", "C-ENV", "C-GDPR", "TR-POL-Q", "TR-POL-ENV", "TR-POL-OHS", "TR-SOP-HAZ"]),
    ("CUR-PROD", "Production floor", ["C-MH", "C-5S", "C-CHEM", "TR-SOP-PPC", "TR-FRM-NCR"]),
    ("CUR-INSP", "Inspector", ["TR-WI-CMM", "TR-EXT-2859", "Q-CMM", "Q-VISION", "C-GDT"]),
]

# requirement or curriculum code -> position codes it applies to ("*": every position)
BY_POSITION = {
    "CUR-IND": ["*"],
    "CUR-INSP": ["INS"],
    "TR-SOP-DOC": ["QM", "DCC", "IA", "PE"],
    "TR-SOP-IA": ["IA"],
    "TR-SOP-MR": ["QM", "OD"],
    "TR-SOP-NC": ["QM", "PM", "INS"],
    "TR-MAN": ["QM", "DCC", "IA", "OD"],
    "TR-WI-LATHE": ["CNC", "SET"],
    "TR-FRM-TRN": ["QM"],
    "TR-SPEC-AL": ["BUY", "INS"],
    "C-LOTO": ["MNT", "SET"],
    "C-FA": ["MNT", "PM"],
    "C-CNC-OJT": ["CNC"],
    "C-SET-OJT": ["SET"],
    "C-SPC": ["INS", "PE", "PM"],
    "C-8D": ["QM", "PE", "PM"],
    "C-GDT": ["PE", "SET"],
    "Q-IA-9001": ["IA"],
    "Q-LA-9001": ["QM"],
    "Q-FORK": ["FLT"],
    "Q-CRANE": ["SET", "MNT"],
    "Q-ELEC": ["MNT"],
    "Q-FAI": ["INS"],
    "Q-CAL": ["INS"],
}
BY_DEPARTMENT = {"CUR-PROD": [("SPR", "PROD"), ("RVD", "PROD")]}

# Cells left as they are, so the matrix shows every status: no record (overdue), no renewal (expired).
NOT_TRAINED = {("kofi", "C-FIRE"), ("tomas", "C-LOTO"), ("dmitri", "C-CNC-OJT"), ("lena", "C-GDPR"),
               ("auditor", "C-ENV")}
NOT_RENEWED = {("kofi", "Q-FORK"), ("ben", "Q-VISION"), ("omar", "C-FIRE")}
NOT_READ = {"kofi", "lena", "dmitri", "approver", "tomas"}  # have not acknowledged their documents yet
TRAINERS = ["Riley Brooks", "Quinn Harper", "Acme Safety Ltd", "TÜV training centre", "Jordan Lee"]


def load() -> None:
    from qualitas.training.models import Requirement

    if Requirement.objects.filter(code="C-IND").exists():
        return
    rng = random.Random(13)  # noqa: S311 - the same demo every time, not a secret
    people = _people()
    positions = _positions()
    requirements = _requirements(people["quality"])
    _curricula_and_rules(people["quality"], positions, requirements)
    _holdings(people, positions)
    _history(rng, people, requirements)
    _acknowledgments(rng, people)
    from qualitas.documents.services import acknowledgment_tasks_sync_all
    from qualitas.training import services

    acknowledgment_tasks_sync_all()  # the new people are on the documents' distribution (role employee)
    services.renewals()
    from qualitas.training import quiz_demo

    quiz_demo.load(people, DEMO_PASSWORD)  # a quiz, a change decided to need it, one failed attempt
    _approval_gate(people)
    from qualitas.training import sessions_demo

    sessions_demo.load(people, DEMO_PASSWORD)  # sessions, competence entries, an effectiveness review


def _people() -> dict:
    from qualitas.accounts import services
    from qualitas.accounts.models import Department, Site, User
    from qualitas.core.signatures import services as signing

    system = services.system_actor()
    users = {u.username: u for u in User.objects.all()}
    sites = {s.code: s for s in Site.objects.all()}
    for username, first, last, title, site, department, manager in PEOPLE:
        if username in users:
            continue
        user = services.user_create(
            actor=system, username=username, password=None, first_name=first, last_name=last,
            email=f"{username}@acme-precision.example", job_title=title, site=sites[site],
            department=Department.objects.get(site=sites[site], code=department), manager=users[manager],
            roles=["employee"],
        )
        # The published demo password skips the strength validators on purpose (demo only).
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        users[username] = user
    for username in [p[0] for p in PEOPLE] + ["employee", "approver", "auditor", "controller", "author", "reviewer",
                                              "quality"]:
        if not signing.has_acknowledged_policy(users[username]):
            signing.acknowledge_policy(actor=users[username], password=DEMO_PASSWORD)
    return users


def _positions() -> dict:
    from qualitas.accounts.models import Department, Process, Site
    from qualitas.accounts.services import system_actor
    from qualitas.training import services

    system = system_actor()
    found = {}
    for code, name, site_code, department, processes in POSITIONS:
        site = Site.objects.get(code=site_code)
        found[code, site_code] = services.position_create(
            actor=system, code=code, name=name, site=site,
            department=Department.objects.get(site=site, code=department),
            processes=list(Process.objects.filter(code__in=processes)),
            description=f"{name} at the {site.name}.",
        )
    return found


def _requirements(quality) -> dict:
    from qualitas.documents.models import Document
    from qualitas.training import services

    found = {}
    for code, title, method in DOCUMENT_REQUIREMENTS:
        document = Document.objects.filter(title=title).first()
        if document is None:
            continue
        found[code] = services.requirement_create(
            actor=quality, code=code, title=f"{document.number} {title}", kind="document", method=method,
            document=document, new_starter_days=14, retraining_days=14,
            description=f"Read and understand {document.number} (each new revision).",
        )
    for code, title, kind, method, validity, grace, level, mandatory in COURSES:
        found[code] = services.requirement_create(
            actor=quality, code=code, title=title, kind=kind, method=method, validity_months=validity,
            grace_days=grace, min_level=level, mandatory=mandatory, new_starter_days=30 if kind == "course" else 60,
            retraining_days=30,
        )
    return found


def _curricula_and_rules(quality, positions, requirements) -> None:
    from qualitas.accounts.models import Department
    from qualitas.training import services

    curricula = {}
    for code, title, members in CURRICULA:
        curricula[code] = services.curriculum_create(
            actor=quality, code=code, title=title, requirements=[requirements[m] for m in members if m in requirements])
    for code, targets in BY_POSITION.items():
        subject = curricula.get(code) or requirements.get(code)
        if subject is None:
            continue
        field = "curriculum" if code in curricula else "requirement"
        for (position_code, _site), position in positions.items():
            if "*" in targets or position_code in targets:
                services.applies_to_add(actor=quality, kind="position", target=position, **{field: subject})
    for code, departments in BY_DEPARTMENT.items():
        for site_code, department_code in departments:
            services.applies_to_add(actor=quality, kind="department", curriculum=curricula[code],
                                    target=Department.objects.get(site__code=site_code, code=department_code))


def _holdings(people, positions) -> None:
    from qualitas.accounts.services import system_actor
    from qualitas.training import services

    system = system_actor()
    today = timezone.localdate()
    for username, held, days in HOLDINGS:
        for key in held:
            services.holding_start(actor=system, person=people[username], position=positions[key],
                                   start_date=today - dt.timedelta(days=days))


def _history(rng, people, requirements) -> None:
    """Completions of courses and qualifications since each person started, recorded by the quality
    manager; renewals where the validity ran out (except NOT_RENEWED), none for NOT_TRAINED."""
    from qualitas.training import generation, services
    from qualitas.training.models import Assignment

    quality = people["quality"]
    today = timezone.localdate()
    starts = {username: today - dt.timedelta(days=days) for username, _, days in HOLDINGS}
    by_code = {r.pk: r for r in requirements.values()}
    for username in [h[0] for h in HOLDINGS]:
        person = people[username]
        pending = Assignment.objects.filter(person=person, status__in=Assignment.OPEN_STATUSES).select_related(
            "requirement").order_by("requirement__code")
        for assignment in list(pending):
            requirement = by_code.get(assignment.requirement_id) or assignment.requirement
            if requirement.kind == "document" or (username, requirement.code) in NOT_TRAINED:
                continue
            if username == "chen":  # the new starter: one on-the-job training started, the rest to come
                if requirement.code == "C-CNC-OJT":
                    services.training_record(actor=quality, person=person, requirement=requirement,
                                             completed_on=today - dt.timedelta(days=3), level=2,
                                             trainer="Riley Brooks", notes="Runs the lathe under supervision.")
                continue
            done = min(starts[username] + dt.timedelta(days=rng.randint(5, 40)), today - dt.timedelta(days=1))
            if (username, requirement.code) in NOT_RENEWED and requirement.validity_months:
                # obtained before joining (a previous employer), lapsed since and not renewed: expired
                done = generation.add_months(today, -requirement.validity_months) - dt.timedelta(
                    days=requirement.grace_days + rng.randint(10, 40))
            level = requirement.min_level if rng.random() < 0.7 else min(4, requirement.min_level + 1)
            services.training_record(actor=quality, person=person, requirement=requirement, completed_on=done,
                                     level=level, trainer=rng.choice(TRAINERS),
                                     evidence=f"Sign-in sheet {done:%Y%m%d}-{requirement.code}")
            expires = generation.expiry_for(requirement, done)
            if expires is None or expires - dt.timedelta(days=requirement.retraining_days) > today:
                continue
            if (username, requirement.code) in NOT_RENEWED:
                continue
            renewed = min(expires - dt.timedelta(days=rng.randint(3, 20)), today - dt.timedelta(days=1))
            services.training_record(actor=quality, person=person, requirement=requirement, completed_on=renewed,
                                     level=level, trainer=rng.choice(TRAINERS), evidence=f"Renewal {renewed:%Y%m%d}")


def _acknowledgments(rng, people) -> None:
    """Most people have read and acknowledged the documents their positions require (real signatures)."""
    from qualitas.core.signatures import services as signing
    from qualitas.documents import services as documents
    from qualitas.training.models import READ_AND_UNDERSTOOD, Assignment

    credentials = signing.Credentials(DEMO_PASSWORD)
    for username in [h[0] for h in HOLDINGS]:
        if username in NOT_READ or username == "chen":
            continue
        person = people[username]
        for assignment in Assignment.objects.filter(person=person, status="open", method=READ_AND_UNDERSTOOD,
                                                    revision__isnull=False).select_related("revision").order_by("pk"):
            if rng.random() < 0.85:
                documents.acknowledge(actor=person, revision=assignment.revision, credentials=credentials)


# The qualification gate in force (P11-I): approving documents needs current training on the
# document-control procedure. The approvers are trained; Riley Brooks' training expired two months
# ago and was not renewed, so the demo shows the refusal when he tries to approve.
GATE_TRAINED = {"quality": 200, "approver": 120, "controller": 90}  # username: days since trained
GATE_EXPIRED = "reviewer"


def _approval_gate(people) -> None:
    from qualitas.documents.models import Document
    from qualitas.training import generation, services, services_gates

    quality = people["quality"]
    today = timezone.localdate()
    procedure = Document.objects.filter(title="Control of documented information").first()
    number = f"{procedure.number} " if procedure else ""
    requirement = services.requirement_create(
        actor=quality, code="C-DOC-APPR", title=f"Approving controlled documents ({number}document control)",
        kind="course", method="classroom", validity_months=24, grace_days=0, min_level=3, new_starter_days=30,
        retraining_days=30,
        description="How to review and approve a controlled document under the document-control procedure; "
                    "renewed every two years. Signing a document approval needs it (qualification gate).",
    )
    from qualitas.training.models import Position

    for position in Position.objects.filter(code__in=["QM", "OD", "PM", "DCC"], site__code="SPR").order_by("code"):
        services.applies_to_add(actor=quality, kind="position", target=position, requirement=requirement)
    for username, days in GATE_TRAINED.items():
        services.training_record(actor=quality, person=people[username], requirement=requirement,
                                 completed_on=today - dt.timedelta(days=days), level=3, trainer="Quinn Harper",
                                 evidence=f"Sign-in sheet DOC-APPR-{username}")
    lapsed = generation.add_months(today, -24) - dt.timedelta(days=60)
    services.training_record(actor=quality, person=people[GATE_EXPIRED], requirement=requirement,
                             completed_on=lapsed, level=3, trainer="Quinn Harper",
                             evidence=f"Sign-in sheet {lapsed:%Y%m%d}-DOC-APPR")
    services_gates.gate_create(
        actor=quality, kind="sign", requirement=requirement, meaning="approved", record_type="documents.revision",
        active_from=today - dt.timedelta(days=365),
        rationale=f"Only people currently trained on the document-control procedure {number}approve controlled "
                  "documents (21 CFR 11.10(i); ISO 9001 7.2).",
    )
