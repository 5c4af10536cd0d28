"""Demo data for the improvement loop: about 30 nonconformities over the past year, 8 CAPAs in every
stage (one whose first effectiveness check failed), complaints and satisfaction scores by month, all
created through the services so the audit trail, links and signatures are real."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from qualitas.core.demo import DEMO_PASSWORD

CATEGORIES = [
    ("Dimensional", 9),
    ("Surface finish", 6),
    ("Wrong material", 3),
    ("Documentation", 3),
    ("Labelling and packaging", 3),
    ("Assembly", 2),
    ("Supplier quality", 2),
    ("Near miss", 1),
    ("Spill", 1),
]
PRODUCTS = ["Hydraulic piston HP-40", "Valve body VB-12", "Bearing housing BH-7", "Shaft SH-220"]
CUSTOMERS = ["Northwind Hydraulics", "Contoso Motors", "Fabrikam Pumps", "Tailspin Aero", "Litware Agritech"]
TITLES = {
    "Dimensional": ["Bore diameter above tolerance", "Thread depth short", "Flatness out of specification"],
    "Surface finish": ["Scratches on sealing face", "Ra above 0.8 µm on bore", "Burrs left after deburring"],
    "Wrong material": ["Bar stock of the wrong grade issued", "Material certificate does not match heat number"],
    "Documentation": ["Inspection record incomplete", "Obsolete drawing at machine"],
    "Labelling and packaging": ["Wrong label on carton", "Parts packed without corrosion protection"],
    "Assembly": ["O-ring missing in assembly", "Torque not recorded"],
    "Supplier quality": ["Supplier lot with porosity", "Late certificate of conformity"],
    "Near miss": ["Forklift near miss in dispatch area"],
    "Spill": ["Coolant spill at machining cell 3"],
}
def load() -> None:
    from qualitas.accounts.models import Process, Site, User
    from qualitas.capa.models import Nonconformity, Severity
    from qualitas.capa.services import ensure_default_severities
    from qualitas.core.signatures import services as signing

    ensure_default_severities()
    if Nonconformity.objects.exists():
        return
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    if not {"quality", "approver", "reviewer", "author", "employee"} <= set(users):
        return
    for name in ("quality", "approver", "reviewer", "author"):
        if not signing.has_acknowledged_policy(users[name]):
            signing.acknowledge_policy(actor=users[name], password=DEMO_PASSWORD)
    context = {
        "users": users,
        "sites": list(Site.objects.order_by("pk")),
        "processes": {p.code: p for p in Process.objects.all()},
        "severities": {s.code: s for s in Severity.objects.all()},
        "sign": signing.Credentials(DEMO_PASSWORD),
        "rng": random.Random(2026),  # noqa: S311 — demo data, not security
        "today": timezone.localdate(),
    }
    complaints = _complaints(context)
    ncs = _nonconformities(context, complaints)
    _capas(context, ncs)
    _satisfaction(context)


def _day(context, days_ago: int) -> dt.date:
    return context["today"] - dt.timedelta(days=days_ago)


def _complaints(context) -> list:
    from qualitas.capa import services
    from qualitas.core.workflow import engine

    rng, users = context["rng"], context["users"]
    quality = users["quality"]
    complaints = []
    for i in range(18):
        days_ago = int(360 - i * 19.5)
        complaint = services.complaint_create(
            actor=quality,
            customer=CUSTOMERS[i % len(CUSTOMERS)],
            product=PRODUCTS[i % len(PRODUCTS)],
            lot=f"L{24100 + i * 7}",
            channel=rng.choice(["email", "phone", "web"]),
            received_on=_day(context, days_ago),
            description=rng.choice(
                [
                    "Parts rejected at incoming inspection: bore oversize.",
                    "Visible scratches on sealing faces.",
                    "Wrong quantity in delivery.",
                    "Label shows wrong part number.",
                    "Leak found at customer test rig.",
                ]
            ),
            site=context["sites"][0],
            owner=quality,
            customer_reference=f"CR-{1000 + i}",
        )
        complaints.append(complaint)
        if i >= 16:
            continue  # the newest are still waiting for acknowledgment
        engine.perform(actor=quality, instance=complaint, transition="acknowledge")
        if i >= 14:
            continue
        engine.perform(actor=quality, instance=complaint, transition="investigate")
        if i == 13:
            continue
        if i == 12:
            engine.perform(
                actor=users["approver"],
                instance=complaint,
                transition="reject",
                reason="Damage caused in the customer's own handling, shown by photos.",
            )
            continue
        complaint = services.complaint_update(
            actor=quality,
            complaint=complaint,
            investigation="Retained samples checked; cause confirmed.",
            response="Replacement parts shipped; corrective action started.",
            justified=True,
            responded_on=_day(context, max(days_ago - 10, 0)),
        )
        engine.perform(actor=quality, instance=complaint, transition="respond")
        if i < 11:
            engine.perform(actor=users["approver"], instance=complaint, transition="close")
    return complaints


def _nonconformities(context, complaints) -> list:
    from qualitas.actions import services as actions
    from qualitas.capa import services
    from qualitas.core.workflow import engine

    rng, users, severities = context["rng"], context["users"], context["severities"]
    quality, approver = users["quality"], users["approver"]
    processes = context["processes"]
    categories = [name for name, weight in CATEGORIES for _ in range(weight)]
    ncs = []
    for i, category in enumerate(categories[:30]):
        days_ago = int(355 - i * 11.8)
        severity = severities["critical" if i % 13 == 5 else "major" if i % 4 == 1 else "minor"]
        product_nc = category not in ("Documentation", "Near miss", "Spill")
        complaint = complaints[i // 2] if category in ("Dimensional", "Surface finish") and i % 5 == 0 else None
        nc = services.nonconformity_create(
            actor=users["employee"] if i % 3 == 0 else quality,
            title=rng.choice(TITLES[category]),
            description=f"{category} nonconformity found during "
            f"{'final inspection' if product_nc else 'a walk-through'}; see attached record.",
            severity=severity,
            source="complaint" if complaint else "internal",
            nc_type="product" if product_nc else "system",
            category=category,
            site=context["sites"][i % 2],
            process=processes.get("CP-04" if product_nc else "SP-02"),
            product=PRODUCTS[i % 4] if product_nc else "",
            lot=f"L{24000 + i * 13}" if product_nc else "",
            quantity_affected=Decimal(rng.randint(2, 120)) if product_nc else None,
            detected_on=_day(context, days_ago),
            owner=quality,
            containment="Lot quarantined and 100 % sorted." if product_nc else "",
            cost_of_poor_quality=Decimal(rng.randint(80, 2400)) if product_nc else Decimal(0),
            raised_from=complaint,
        )
        ncs.append(nc)
        if i >= 24:
            continue  # the last six are new
        engine.perform(actor=quality, instance=nc, transition="investigate")
        if i == 23:
            engine.perform(actor=approver, instance=nc, transition="cancel", reason="Duplicate of an earlier report.")
            continue
        if i >= 17 or i in (2, 6):
            continue  # still under investigation
        needs_capa = i in (0, 4, 8)
        services.nonconformity_evaluate(
            actor=quality,
            nonconformity=nc,
            capa_required=needs_capa,
            evaluation="Recurring problem with customer impact."
            if needs_capa
            else "Isolated event, low risk: correction and disposition are enough.",
        )
        containment = actions.action_create(
            actor=quality,
            title="Quarantine and sort affected stock",
            owner=users["reviewer"],
            kind="containment",
            parent=nc,
        )
        actions.action_complete(
            actor=users["reviewer"],
            action=containment,
            evidence="Sorted; rejects tagged red and moved to the MRB cage.",
        )
        if nc.nc_type == "product":
            disposition = services.disposition_propose(
                actor=quality,
                nonconformity=nc,
                decision=rng.choice(["rework", "scrap", "use_as_is"]),
                justification="Engineering assessed: no effect on form, fit or function.",
                quantity=nc.quantity_affected,
                cost=Decimal(rng.randint(50, 600)),
            )
            engine.perform(
                actor=approver,
                instance=disposition,
                transition="approve" if nc.severity.disposition_signature else "accept",
                credentials=context["sign"] if nc.severity.disposition_signature else None,
            )
        if not needs_capa:
            nc.refresh_from_db()
            engine.perform(actor=approver, instance=nc, transition="close", credentials=context["sign"])
    return ncs


def _capas(context, ncs) -> None:
    from qualitas.actions import services as actions
    from qualitas.capa import services
    from qualitas.core.workflow import engine

    users = context["users"]
    quality, author, approver = users["quality"], users["author"], users["approver"]
    stages = [
        "open",
        "investigation",
        "implementation",
        "implementation",
        "verification",
        "closed",
        "closed-failed",
        "cancelled",
    ]
    groups = [[ncs[0], ncs[4]], [ncs[8]], [ncs[2]], [ncs[6]], [ncs[17]], [ncs[18]], [ncs[19]], [ncs[20]]]
    for n, (stage, group) in enumerate(zip(stages, groups, strict=True)):
        opened = _day(context, [25, 50, 75, 110, 150, 240, 200, 40][n])
        cause = [
            ("method", "No tool-life management for the new insert grade"),
            ("machine", "Spindle bearing wear not in the maintenance plan"),
            ("method", "Inspection frequency not reviewed at process change"),
            ("material", "Bar stock hardness not checked at goods-in"),
            ("measurement", "Bore gauge not zeroed at shift start"),
            ("method", "Work instruction missing the deburring step"),
            ("man", "Night-shift operators not trained on the revised setup"),
            ("method", "No tool-life management for the new insert grade"),
        ][n]
        capa = services.capa_create(
            actor=quality,
            title=f"Stop recurrence: {group[0].title}",
            owner=author,
            nonconformities=group,
            problem=f"{group[0].description} Seen {len(group)} time(s) on {group[0].product or 'the process'}.",
            opened_on=opened,
            due_date=opened + dt.timedelta(days=300 if stage == "closed" else 90),
            containment="Affected lots quarantined and sorted.",
            team=[users["reviewer"], users["quality"]],
            effectiveness_criterion="No recurrence in the next 3 months of production; Cpk of the bore ≥ 1.33.",
            effectiveness_days=60,
        )
        if stage == "open":
            continue
        if stage == "cancelled":
            engine.perform(
                actor=approver,
                instance=capa,
                transition="cancel",
                reason="Merged into an earlier CAPA covering the same root cause.",
            )
            continue
        engine.perform(actor=author, instance=capa, transition="investigate")
        services.capa_analysis_update(
            actor=author,
            capa=capa,
            why_chains=[
                {
                    "problem": group[0].title,
                    "whys": [
                        "Tool wear not detected",
                        "No tool-life limit in the program",
                        "Tool-life limits never set for the new insert grade",
                    ],
                    "cause": "No tool-life management for the new insert grade",
                },
                {
                    "problem": "Escaped to the customer",
                    "whys": ["In-process check every 50 parts", "Sampling frequency set before the process changed"],
                    "cause": "Inspection frequency not reviewed at process change",
                },
            ],
            fishbone={
                "machine": ["Spindle runout"],
                "method": ["No tool-life limit", "Sampling frequency"],
                "material": ["Harder bar stock batch"],
                "measurement": ["Bore gauge not zeroed per shift"],
                "man": ["New operator on night shift"],
            },
            root_causes=[
                {
                    "statement": cause[1],
                    "category": cause[0],
                    "origin": "5-Why branch 1",
                    "verified": True,
                    "verification": "Trial: 40 parts with a fresh insert all within tolerance.",
                }
            ],
        )
        if stage == "investigation":
            continue
        action = actions.action_create(
            actor=author,
            title="Set tool-life limits in all CNC programs",
            owner=users["reviewer"],
            kind="corrective",
            parent=capa,
            due_date=context["today"] + dt.timedelta(days=20),
        )
        prevent = actions.action_create(
            actor=author,
            title="Review inspection frequency in change procedure",
            owner=quality,
            kind="preventive",
            parent=capa,
            due_date=context["today"] + dt.timedelta(days=30),
        )
        engine.perform(actor=author, instance=capa, transition="implement")
        if stage == "implementation":
            if n == 3:
                actions.action_complete(actor=users["reviewer"], action=action, evidence="Programs updated, rev C.")
            continue
        actions.action_complete(actor=users["reviewer"], action=action, evidence="Programs P100–P140 updated.")
        actions.action_complete(actor=quality, action=prevent, evidence="SOP-QA-007 rev 3 adds the review step.")
        engine.perform(actor=author, instance=capa, transition="implemented")
        if stage == "verification":
            continue
        if stage == "closed-failed":
            services.effectiveness_check_record(
                actor=quality,
                capa=capa,
                passed=False,
                result="Two more bores oversize in week 12.",
                credentials=context["sign"],
            )
            extra = actions.action_create(
                actor=author,
                title="Add in-process gauging with automatic stop",
                owner=users["reviewer"],
                kind="corrective",
                parent=capa,
            )
            actions.action_complete(actor=users["reviewer"], action=extra, evidence="Marposs gauge installed.")
            capa.refresh_from_db()
            engine.perform(actor=author, instance=capa, transition="implemented")
        services.effectiveness_check_record(
            actor=quality,
            capa=capa,
            passed=True,
            result="No recurrence in 3 months; Cpk 1.52.",
            # The demo's history is built today, so its checks are all "before the due date".
            early_justification="Demo data: the three months of production after the change are simulated; "
            "no recurrence over 3,000 bores and Cpk 1.52 meet the criterion.",
            credentials=context["sign"],
        )
        capa.refresh_from_db()
        engine.perform(actor=approver, instance=capa, transition="close", credentials=context["sign"])
    # Nonconformities that needed a CAPA can now be closed.
    for nc in (ncs[0], ncs[4], ncs[8]):
        nc.refresh_from_db()
        if nc.status == "investigation":
            engine.perform(actor=approver, instance=nc, transition="close", credentials=context["sign"])


def _satisfaction(context) -> None:
    from qualitas.capa import services

    rng = context["rng"]
    for month in range(12):
        for customer in CUSTOMERS[:4]:
            base = 7.0 + month * 0.12  # a slowly improving trend
            services.satisfaction_record(
                actor=context["users"]["quality"],
                customer=customer,
                score=Decimal(str(round(min(10.0, base + rng.uniform(-1.2, 1.0)), 1))),
                scale_max=10,
                received_on=_day(context, 350 - month * 30),
                method="survey",
            )
