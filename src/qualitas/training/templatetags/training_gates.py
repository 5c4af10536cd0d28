"""{% load training_gates %}{% person_gates person %}: what the qualification gates in force let a
person do, and what they are not qualified for (the caller's view authorised the person)."""

from django import template

register = template.Library()


@register.inclusion_tag("training/_gates_person.html")
def person_gates(person):
    from qualitas.training.gates import qualifications_of

    return {"person": person, **qualifications_of(person)}
