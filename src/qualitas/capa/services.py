"""The only write path for nonconformities, dispositions, CAPAs, effectiveness checks, complaints and
satisfaction entries. Status changes go through the workflows in states.py (core engine)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qualitas.capa import analysis
from qualitas.capa.models import (
    Capa,
    Complaint,
    Disposition,
    EffectivenessCheck,
    Nonconformity,
    SatisfactionEntry,
    Severity,
    capa_sources,
    nc_sources,
)
from qualitas.config.env import env_int, env_str
from qualitas.core.links.services import link_create, link_follow_up
from qualitas.core.permissions import authorize
from qualitas.core.regulated import record_create, record_update
from qualitas.core.signatures import services as signing
from qualitas.core.workflow import engine

MODULE = "capa"
NC_FIELDS = (
    "title", "description", "source", "nc_type", "severity", "category", "site", "process", "product", "lot",
    "quantity_affected", "unit", "detected_by", "detected_on", "owner", "containment", "cost_of_poor_quality",
)
CAPA_FIELDS = (
    "title", "kind", "source", "problem", "site", "process", "owner", "containment", "effectiveness_criterion",
    "effectiveness_days", "due_date", "opened_on",
)
COMPLAINT_FIELDS = (
    "customer", "customer_reference", "contact", "product", "lot", "channel", "received_on", "description", "site",
    "owner", "investigation", "response", "responded_on", "justified", "acknowledge_by", "respond_by",
)
ANALYSIS_STATES = ("open", "investigation", "implementation")

DEFAULT_SEVERITIES = [
    {"code": "minor", "name": "Minor", "rank": 1, "capa_expected": False, "disposition_signature": False},
    {"code": "major", "name": "Major", "rank": 2, "capa_expected": True, "disposition_signature": True},
    {"code": "critical", "name": "Critical", "rank": 3, "capa_expected": True, "disposition_signature": True},
]


def _check(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")


def _number(key: str, pattern: str, description: str) -> str:
    from qualitas.core.numbering.services import ensure_scheme, next_number

    ensure_scheme(key, pattern, MODULE, description=description)
    return next_number(key)


def _not_future(day, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: "The date cannot be in the future."})


def _owner_task(actor, instance, title: str, due=None, kind: str = "action") -> None:
    from qualitas.core.tasks.services import task_create

    owner = instance.owner
    if owner is None or not owner.is_active:
        return
    due = due if due and due >= timezone.localdate() else None
    task_create(
        actor=actor, assignee=owner, title=title, kind=kind, instance=instance, due=due,
        key=f"{instance._meta.label_lower}:{instance.pk}:owner:{title[:40]}", manual_completion=False,
    )


def _close_tasks(actor, instance, note: str, *, cancelled: bool = False) -> None:
    from qualitas.core.tasks.services import tasks_cancel_for, tasks_complete_for

    if cancelled:
        # The step that makes the task moot was authorised and audited; the cancellation follows from it.
        tasks_cancel_for(instance, reason=note, actor=actor)
    else:
        for kind in ("action", "review", "acknowledge"):
            tasks_complete_for(instance, kind, actor=actor, note=note)


# --- Severities ----------------------------------------------------------------------------------------


def ensure_default_severities() -> None:
    for spec in DEFAULT_SEVERITIES:
        if not Severity.objects.filter(code=spec["code"]).exists():
            record_create(None, Severity(**spec), event="capa.severity_created")


@transaction.atomic
def severity_create(*, actor, **fields) -> Severity:
    authorize(actor, MODULE, "administer")
    _check(fields, ("code", "name", "rank", "capa_expected", "disposition_signature", "active"))
    return record_create(actor, Severity(**fields), event="capa.severity_created")


@transaction.atomic
def severity_update(*, actor, severity: Severity, version=None, reason: str = "", **fields) -> Severity:
    authorize(actor, MODULE, "administer")
    _check(fields, ("name", "rank", "capa_expected", "disposition_signature", "active"))
    return record_update(
        actor, severity, event="capa.severity_updated", changes=fields, expected_version=version, reason=reason
    )


# --- Nonconformities ---------------------------------------------------------------------------------------


@transaction.atomic
def nonconformity_create(*, actor, title: str, description: str, severity: Severity, raised_from=None, **fields):
    """Report a nonconformity. `raised_from` (a complaint, an audit finding, a characteristic …) is
    linked so both records show the thread."""
    authorize(actor, MODULE, "create", getattr(fields.get("site"), "pk", None))
    _check(fields, NC_FIELDS)
    if not severity.active:
        raise ValidationError({"severity": "This severity is no longer in use."})
    if fields.get("source", "internal") not in dict(nc_sources()):
        raise ValidationError({"source": "Unknown source."})
    _not_future(fields.get("detected_on"), "detected_on")
    fields.setdefault("owner", actor)
    fields.setdefault("detected_by", actor)
    if fields["owner"] is None:
        raise ValidationError({"owner": "A nonconformity needs an owner."})
    nc = record_create(
        actor,
        Nonconformity(
            number=_number("capa.nonconformity", "NC-{year}-{seq:04d}", "Nonconformities"),
            title=" ".join((title or "").split()), description=description, severity=severity, created_by=actor,
            **fields,
        ),
        event="capa.nonconformity_reported",
    )
    if raised_from is not None:
        # A reporter without the edit right (an operator) may still say where it came from.
        link_follow_up(actor=actor, source=nc, target=raised_from, kind="raised_from")
    if nc.owner_id != getattr(actor, "pk", None):
        _owner_task(actor, nc, f"Investigate nonconformity {nc.number}")
    return nc


@transaction.atomic
def nonconformity_update(*, actor, nonconformity: Nonconformity, version=None, reason: str = "", **fields):
    authorize(actor, MODULE, "edit", nonconformity.site_id)
    _check(fields, NC_FIELDS)
    if nonconformity.status == "cancelled":
        raise ValidationError("A cancelled nonconformity is not edited.")
    _not_future(fields.get("detected_on"), "detected_on")
    previous_owner = nonconformity.owner_id
    nc = record_update(
        actor, nonconformity, event="capa.nonconformity_updated", changes=fields, expected_version=version,
        reason=reason,
    )
    if nc.owner_id != previous_owner:
        _owner_task(actor, nc, f"Investigate nonconformity {nc.number}")
    return nc


@transaction.atomic
def nonconformity_evaluate(*, actor, nonconformity: Nonconformity, capa_required: bool, evaluation: str, version=None):
    """The risk-based decision whether corrective action is needed, with its reason (ISO 10.2.1 b)."""
    authorize(actor, MODULE, "edit", nonconformity.site_id)
    evaluation = (evaluation or "").strip()
    if not evaluation:
        raise ValidationError({"evaluation": "Give the reason for the decision."})
    if nonconformity.status not in ("open", "investigation"):
        raise ValidationError("Only open nonconformities are evaluated; reopen it first.")
    if not capa_required and nonconformity.severity.capa_expected and len(evaluation) < 20:
        raise ValidationError(
            {"evaluation": f"{nonconformity.severity} nonconformities normally need a CAPA: explain in more detail "
                           "why not."}
        )
    return record_update(
        actor, nonconformity, event="capa.nonconformity_evaluated", expected_version=version,
        changes={"capa_required": bool(capa_required), "evaluation": evaluation, "evaluated_by": actor,
                 "evaluated_at": timezone.now()},
    )


@transaction.atomic
def disposition_propose(
    *, actor, nonconformity: Nonconformity, decision: str, justification: str = "", quantity=None, cost=Decimal(0)
) -> Disposition:
    authorize(actor, MODULE, "edit", nonconformity.site_id)
    if nonconformity.status not in ("open", "investigation"):
        raise ValidationError("Dispositions are decided while the nonconformity is open.")
    if Decimal(cost or 0) < 0:
        raise ValidationError({"cost": "The cost cannot be negative."})
    if decision == "use_as_is" and not (justification or "").strip():
        raise ValidationError({"justification": "A concession (use as is) needs a justification."})
    disposition = record_create(
        actor,
        Disposition(
            nonconformity=nonconformity, decision=decision, justification=justification or "", quantity=quantity,
            cost=cost or 0, proposed_by=actor, site=nonconformity.site,
        ),
        event="capa.disposition_proposed",
    )
    # The cost of the disposition counts towards the nonconformity's cost of poor quality.
    if disposition.cost:
        record_update(
            actor, nonconformity, event="capa.cost_added", require_reason=False,
            changes={"cost_of_poor_quality": nonconformity.cost_of_poor_quality + disposition.cost},
        )
    return disposition


def default_severity() -> Severity:
    """The lowest active severity, for nonconformities raised by the system."""
    severity = Severity.objects.filter(active=True).order_by("rank").first()
    if severity is None:
        ensure_default_severities()
        severity = Severity.objects.filter(active=True).order_by("rank").first()
    return severity


def nonconformity_raise(*, actor, raised_from, source: str | None, severity: Severity | None = None, **fields):
    """A nonconformity raised from another module's record (qualitas.core.raising.raise_from): its
    source is that module's, it is linked to the record, and the system (actor None) may raise it
    when the cause is recorded data rather than a person's decision (an SPC signal)."""
    return nonconformity_create(actor=actor, raised_from=raised_from, source=source or "internal",
                                severity=severity or default_severity(), **fields)


def capa_raise(*, actor, raised_from, source: str | None, **fields) -> Capa:
    """A CAPA raised from another module's record (an audit finding, a risk, a review decision)."""
    return capa_create(actor=actor, raised_from=raised_from, source=source or "other", **fields)


# --- CAPA ---------------------------------------------------------------------------------------------------


@transaction.atomic
def capa_create(
    *, actor, title: str, owner=None, nonconformities=(), raised_from=None, team=(), **fields
) -> Capa:
    """Open a CAPA for one or more nonconformities (or from an audit, risk, complaint, review)."""
    authorize(actor, MODULE, "create", getattr(fields.get("site"), "pk", None))
    _check(fields, CAPA_FIELDS)
    if fields.get("source", "nonconformity") not in dict(capa_sources()):
        raise ValidationError({"source": "Unknown source."})
    opened_on = fields.setdefault("opened_on", timezone.localdate())
    _not_future(opened_on, "opened_on")
    if fields.get("due_date") and fields["due_date"] < opened_on:
        raise ValidationError({"due_date": "The target date cannot be before the CAPA was opened."})
    fields.setdefault("effectiveness_days", env_int("QUALITAS_EFFECTIVENESS_DAYS", 90))
    nonconformities = list(nonconformities)
    if nonconformities and not fields.get("site"):
        fields["site"] = nonconformities[0].site
    capa = record_create(
        actor,
        Capa(number=_number("capa.capa", "CAPA-{year}-{seq:04d}", "CAPAs"), title=" ".join((title or "").split()),
             owner=owner or actor, created_by=actor, **fields),
        event="capa.capa_opened",
    )
    capa.team.set(list(team))
    for nc in nonconformities:
        link_create(actor=actor, source=capa, target=nc, kind="addresses")
    if raised_from is not None:
        link_create(actor=actor, source=capa, target=raised_from, kind="raised_from")
    _owner_task(actor, capa, f"Lead CAPA {capa.number}", due=capa.due_date)
    return capa


@transaction.atomic
def capa_link_nonconformity(*, actor, capa: Capa, nonconformity: Nonconformity):
    authorize(actor, MODULE, "edit", capa.site_id)
    return link_create(actor=actor, source=capa, target=nonconformity, kind="addresses")


@transaction.atomic
def capa_update(*, actor, capa: Capa, version=None, reason: str = "", team=None, **fields) -> Capa:
    authorize(actor, MODULE, "edit", capa.site_id)
    _check(fields, CAPA_FIELDS)
    if capa.status in ("closed", "cancelled"):
        raise ValidationError("A closed or cancelled CAPA is not edited.")
    extra = None
    if team is not None:
        before = sorted(u.display_name for u in capa.team.all())
        after = sorted(u.display_name for u in team)
        extra = {"Team": [before, after]} if before != after else None
    capa = record_update(
        actor, capa, event="capa.capa_updated", changes=fields, expected_version=version, reason=reason,
        extra_changes=extra,
    )
    if team is not None:
        capa.team.set(list(team))
    return capa


@transaction.atomic
def capa_analysis_update(
    *, actor, capa: Capa, version=None, reason: str = "", why_chains=None, fishbone=None, root_causes=None
) -> Capa:
    """Change the 5-Why chains, the Ishikawa diagram or the root causes (D4). Only before closure."""
    authorize(actor, MODULE, "edit", capa.site_id)
    if capa.status not in ANALYSIS_STATES:
        raise ValidationError("The root cause analysis is edited before the effectiveness check; reopen the CAPA.")
    changes = {}
    if why_chains is not None:
        changes["why_chains"] = analysis.clean_why_chains(why_chains)
    if fishbone is not None:
        changes["fishbone"] = analysis.clean_fishbone(fishbone)
    if root_causes is not None:
        changes["root_causes"] = analysis.clean_root_causes(root_causes)
    return record_update(
        actor, capa, event="capa.analysis_updated", changes=changes, expected_version=version, reason=reason,
    )


def schedule_effectiveness_check(actor, capa: Capa) -> None:
    """On entering the effectiveness check: the implementation date and the check due a configured time later."""
    today = timezone.localdate()
    capa.implemented_on = today
    capa.effectiveness_due = today + dt.timedelta(days=capa.effectiveness_days)
    _owner_task(actor, capa, f"Effectiveness check of {capa.number}", due=capa.effectiveness_due, kind="review")


def close_capa_tasks(actor, capa: Capa, *, cancelled: bool = False) -> None:
    _close_tasks(actor, capa, "CAPA cancelled" if cancelled else "CAPA closed", cancelled=cancelled)


EARLY_POLICIES = ("justify", "refuse")
EARLY_JUSTIFICATION_MAX = 1500  # with the note before it, it fits the signature's 2,000-character comment


def early_effectiveness_policy() -> str:
    """QUALITAS_EARLY_EFFECTIVENESS: what an "effective" verdict before the check is due needs.

    `justify` (default): a justification, kept on the check, in its audit event and with its signature;
    `refuse`: it is refused until the due date. An unknown value is reported by `qualitas check` and
    treated as `refuse` meanwhile (the stricter reading).
    """
    value = env_str("QUALITAS_EARLY_EFFECTIVENESS", "justify").strip().lower() or "justify"
    return value if value in EARLY_POLICIES else "refuse"


def early_check(capa: Capa, performed_on: dt.date | None = None) -> int:
    """Days before the effectiveness check is due that a check on `performed_on` (default today) would be."""
    performed_on = performed_on or timezone.localdate()
    if capa.effectiveness_due is None or performed_on >= capa.effectiveness_due:
        return 0
    return (capa.effectiveness_due - performed_on).days


def effectiveness_check_record(
    *, actor, capa: Capa, passed: bool, result: str, credentials: signing.Credentials, performed_on=None,
    early_justification: str = "",
) -> EffectivenessCheck:
    """Record the effectiveness check, signed "verified". A failed check sends the CAPA back to
    implementation (with the reason) so new actions can be planned; a passed one allows closing.

    Judging the actions effective before the check is due needs `early_justification` (kept on the
    check, in the audit trail and as the signature's comment), or is refused, as
    QUALITAS_EARLY_EFFECTIVENESS says. Finding them not effective needs no justification at any time."""
    authorize(actor, MODULE, "edit", capa.site_id)
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": "Describe what was checked and what was found."})
    _not_future(performed_on, "performed_on")
    performed_on = performed_on or timezone.localdate()
    justification = " ".join((early_justification or "").split())
    _check_early(capa, bool(passed), performed_on, justification)
    days_early = early_check(capa, performed_on) if passed else 0
    if days_early:
        note = f"Judged effective {days_early} day(s) before the check was due ({capa.effectiveness_due}): "
        comment = note + justification + (f" | {credentials.comment}" if credentials.comment else "")
        credentials = signing.Credentials(credentials.password, credentials.otp, comment)
    signing.verify_signer(actor, credentials, instance=capa, meaning="verified")
    with transaction.atomic():
        current = Capa.objects.select_for_update().get(pk=capa.pk)
        if current.status != "verification":
            raise ValidationError("The effectiveness check is recorded once the actions are implemented.")
        if current.effectiveness_due != capa.effectiveness_due:  # rescheduled meanwhile: judge again
            _check_early(current, bool(passed), performed_on, justification)
        check = record_create(
            actor,
            EffectivenessCheck(
                capa=current, criterion=current.effectiveness_criterion, result=result, passed=bool(passed),
                performed_by=actor, performed_on=performed_on, site=current.site, due_on=current.effectiveness_due,
                early_justification=justification if days_early else "",
            ),
            event="capa.effectiveness_checked",
            reason=credentials.comment if days_early else "",
        )
        signing.sign(actor=actor, instance=check, meaning="verified", credentials=credentials, verified=True)
        from qualitas.core.tasks.services import tasks_complete_for

        tasks_complete_for(current, "review", actor=actor, note="effectiveness checked")
        if not passed:
            engine.perform(
                actor=actor, instance=current, transition="reopen",
                reason=f"Effectiveness check failed: {result}", by_service=True,
            )
            from qualitas.core.notifications.services import notify
            from qualitas.core.records import url_for

            if current.owner_id != actor.pk:
                notify(current.owner, f"{current.number}: effectiveness check failed",
                       f"{actor.display_name} found the actions not effective: {result}", url=url_for(current))
    capa.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return check


def _check_early(capa: Capa, passed: bool, performed_on: dt.date, justification: str) -> None:
    days = early_check(capa, performed_on)
    if not passed or not days:
        return
    due = capa.effectiveness_due
    if early_effectiveness_policy() == "refuse":
        raise ValidationError({"passed": (
            f"The effectiveness check is due on {due} ({days} day(s) from {performed_on}); the actions cannot be "
            "judged effective before then. A check finding them not effective can be recorded at any time."
        )})
    if not justification:
        raise ValidationError({"early_justification": (
            f"The effectiveness check is due on {due}, {days} day(s) after {performed_on}: say why the actions "
            "can be judged effective already (the justification is kept with the signature)."
        )})
    if len(justification) > EARLY_JUSTIFICATION_MAX:
        raise ValidationError({"early_justification": (
            f"The justification takes at most {EARLY_JUSTIFICATION_MAX:,} characters (it is signed with the check)."
        )})


# --- Complaints and satisfaction ----------------------------------------------------------------------------


@transaction.atomic
def complaint_create(*, actor, customer: str, description: str, owner=None, **fields) -> Complaint:
    authorize(actor, MODULE, "create", getattr(fields.get("site"), "pk", None))
    _check(fields, COMPLAINT_FIELDS)
    received = fields.setdefault("received_on", timezone.localdate())
    _not_future(received, "received_on")
    fields.setdefault("acknowledge_by", received + dt.timedelta(days=env_int("QUALITAS_COMPLAINT_ACK_DAYS", 2)))
    fields.setdefault("respond_by", received + dt.timedelta(days=env_int("QUALITAS_COMPLAINT_RESPONSE_DAYS", 14)))
    complaint = record_create(
        actor,
        Complaint(number=_number("capa.complaint", "CC-{year}-{seq:04d}", "Customer complaints"),
                  customer=" ".join((customer or "").split()), description=description, owner=owner or actor,
                  created_by=actor, **fields),
        event="capa.complaint_received",
    )
    _owner_task(actor, complaint, f"Acknowledge complaint {complaint.number}", due=complaint.acknowledge_by,
                kind="acknowledge")
    _owner_task(actor, complaint, f"Respond to complaint {complaint.number}", due=complaint.respond_by)
    return complaint


@transaction.atomic
def complaint_update(*, actor, complaint: Complaint, version=None, reason: str = "", **fields) -> Complaint:
    authorize(actor, MODULE, "edit", complaint.site_id)
    _check(fields, COMPLAINT_FIELDS)
    if complaint.status in ("closed", "rejected") and not reason:
        raise ValidationError({"reason": "A reason for the change is required for this record."})
    _not_future(fields.get("responded_on"), "responded_on")
    return record_update(
        actor, complaint, event="capa.complaint_updated", changes=fields, expected_version=version, reason=reason
    )


def complaint_tasks_after(actor, complaint: Complaint) -> None:
    """Close the owner's tasks the step has done (called on entering a complaint state)."""
    from qualitas.core.tasks.services import tasks_complete_for

    if complaint.status == "acknowledged":
        tasks_complete_for(complaint, "acknowledge", actor=actor, note="acknowledged")
    elif complaint.status in ("responded", "closed", "rejected"):
        _close_tasks(actor, complaint, f"complaint {complaint.get_status_display().lower()}")


@transaction.atomic
def complaint_raise_nonconformity(*, actor, complaint: Complaint, title: str, severity: Severity, **fields):
    fields.setdefault("source", "complaint")
    fields.setdefault("site", complaint.site)
    fields.setdefault("product", complaint.product)
    fields.setdefault("lot", complaint.lot)
    fields.setdefault("description", complaint.description)
    return nonconformity_create(actor=actor, title=title, severity=severity, raised_from=complaint, **fields)


@transaction.atomic
def satisfaction_record(*, actor, customer: str, score, scale_max=10, **fields) -> SatisfactionEntry:
    authorize(actor, MODULE, "create", getattr(fields.get("site"), "pk", None))
    _check(fields, ("received_on", "method", "comment", "site"))
    score, scale_max = Decimal(str(score)), Decimal(str(scale_max))
    if scale_max <= 0 or not (0 <= score <= scale_max):
        raise ValidationError({"score": f"The score must be between 0 and the scale maximum ({scale_max})."})
    _not_future(fields.get("received_on"), "received_on")
    return record_create(
        actor,
        SatisfactionEntry(customer=" ".join((customer or "").split()), score=score, scale_max=scale_max,
                          recorded_by=actor, **fields),
        event="capa.satisfaction_recorded",
    )


def ensure_may_close(actor, capa: Capa) -> None:
    """Raise with the reason when `actor` cannot close `capa` now (used by the API before asking for a signature)."""
    workflow = engine.workflow_for(capa)
    refusal = engine.check(actor, capa, workflow.transition("close"), workflow)
    if refusal:
        raise PermissionDenied(refusal) if "permission" in refusal else ValidationError(refusal)
