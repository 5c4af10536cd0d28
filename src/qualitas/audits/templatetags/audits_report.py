"""{% load audits_report %}{% audit_report_section audit %}: the report's card on the audit page
(draft or issued, the lead auditor's signature, findings by grade, distribution, links to the report
and its PDF). The caller's view authorised the audit."""

from django import template

register = template.Library()


@register.inclusion_tag("audits/report_section.html", takes_context=True)
def audit_report_section(context, audit):
    from qualitas.audits.selectors_report import EDITABLE_STATES, may_edit_report, report_overview

    request = context.get("request")
    user = getattr(request, "user", None)
    may_edit = audit.status in EDITABLE_STATES and user is not None and may_edit_report(user, audit) is None
    return {"audit": audit, "report": report_overview(audit), "may_edit": may_edit}
