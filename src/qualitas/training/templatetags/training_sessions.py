"""Panels of sessions, competence, effectiveness and the compliance trend, for the training pages."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.inclusion_tag("training/effectiveness_panel.html", takes_context=True)
def requirement_effectiveness(context, requirement):
    from qualitas.core.permissions import has_perm
    from qualitas.training import effectiveness

    user = context["request"].user
    data = effectiveness.requirement_effectiveness(requirement)
    data.update({"requirement": requirement, "request": context["request"], "csrf_token": context.get("csrf_token"),
                 "may_edit": has_perm(user, "training", "edit", requirement.site_id)})
    return data


@register.inclusion_tag("training/competence_panel.html", takes_context=True)
def person_competence(context, person):
    from qualitas.core.permissions import has_perm
    from qualitas.training import competence, sessions

    user = context["request"].user
    return {"person": person, "entries": competence.entries_of(person), "events": competence.history(person),
            "sessions": list(sessions.session_list(user, person_id=person.pk)[:20]),
            "may_edit": has_perm(user, "training", "edit", person.site_id)}


@register.inclusion_tag("training/trend_panel.html", takes_context=True)
def compliance_trend(context, filters=None):
    from qualitas.training import trend

    data = trend.compliance_trend(context["request"].user, **(filters or {}))
    overall = data["overall"]
    return {"trend": data, "spark": mark_safe(trend.sparkline(overall)),  # noqa: S308 - built from numbers only
            "rows": [{"label": d["label"], "values": d["percent"], "spark": mark_safe(trend.sparkline(d["percent"]))}  # noqa: S308
                     for d in data["departments"]]}
