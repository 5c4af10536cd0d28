"""{% load audits_checklists %}{% audit_checklist_section audit %} and {% audit_findings_section audit %}:
the checklist's and the findings' cards on the audit page (the caller's view authorised the audit)."""

from django import template

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("audits/checklist_section.html", takes_context=True)
def audit_checklist_section(context, audit):
    from qualitas.audits import selectors_checklists as selectors

    user = _user(context)
    return {"audit": audit, "progress": selectors.audit_progress(audit),
            "may_answer": user is not None and selectors.may_answer(user, audit),
            "may_generate": user is not None and selectors.may_generate(user, audit),
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("audits/findings_section.html", takes_context=True)
def audit_findings_section(context, audit):
    from qualitas.audits import selectors_checklists as selectors

    user = _user(context)
    findings = selectors.findings_of(user, audit) if user is not None else []
    return {"audit": audit, "findings": findings,
            "may_record": user is not None and selectors.may_answer(user, audit)}
