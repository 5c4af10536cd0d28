"""The audits in the global search, and the steps waiting for a person in "My tasks": the audits they
lead or audit whose next step is theirs, and the impartiality exceptions they may approve."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from qualitas.core.permissions import has_perm
from qualitas.core.registry import SearchHit, TaskItem

MODULE_LABEL = "Audits"
# state -> (what the lead auditor does next, what an auditor does next (None: nothing))
NEXT_STEP = {
    "planned": ("Prepare the audit (team, plan, auditees)", None),
    "prepared": ("Start the audit", None),
    "in_progress": ("Complete the checklist and issue the report", "Answer the checklist"),
    "reported": ("Follow up the findings", None),
    "follow_up": ("Verify the corrections and close", None),
}


def search(actor, query: str, limit: int):
    from qualitas.audits import selectors

    if not has_perm(actor, "audits", "view") or not query.strip():
        return []
    query = query.strip()[:200]
    found = selectors.audits_visible(actor).filter(
        Q(number__icontains=query) | Q(title__icontains=query) | Q(scope__icontains=query)
        | Q(supplier__icontains=query)
    ).order_by("-planned_start")[:limit]
    return [SearchHit(f"{a.number} {a.title}", reverse("audits:audit-detail", args=[a.pk]), MODULE_LABEL, "Audit",
                      a.scope[:160], 1.0, detail=a.get_status_display())
            for a in found]


def tasks(user):
    from qualitas.audits import selectors

    if not has_perm(user, "audits", "view"):
        return
    today = timezone.localdate()
    mine = (selectors.audits_visible(user).filter(status__in=list(NEXT_STEP))
            .filter(Q(team__person=user, team__role__in=("lead", "auditor"))).distinct()
            .prefetch_related("team").order_by("planned_start", "pk")[:200])
    for audit in mine:
        roles = {m.role for m in audit.team.all() if m.person_id == user.pk}
        lead_step, auditor_step = NEXT_STEP[audit.status]
        step = lead_step if "lead" in roles else auditor_step
        if step is None:
            continue
        due = audit.planned_start if audit.status in ("planned", "prepared") else audit.planned_end
        yield TaskItem(title=f"{step}: {audit.number} {audit.title}",
                       url=reverse("audits:audit-detail", args=[audit.pk]), module=MODULE_LABEL, kind="Audit",
                       due=due, record=audit.number, overdue=due < today and audit.status != "reported")
    for exception in selectors.pending_exceptions(user)[:100]:
        yield TaskItem(title=f"Decide on the impartiality exception for {exception.person.display_name}",
                       url=reverse("audits:audit-detail", args=[exception.audit_id]) + "#impartiality",
                       module=MODULE_LABEL, kind="Impartiality exception", due=exception.audit.planned_start,
                       record=exception.audit.number)
