"""Setting up training: positions and their holders, requirements and what they apply to, curricula."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qualitas.core.forms import form_errors
from qualitas.core.permissions import authorize, has_perm
from qualitas.training import forms, selectors, services
from qualitas.training.views import REFUSALS, _int

PAGE_SIZE = 50


def _form_page(request, form, title: str, back: str):
    return render(request, "training/form.html", {"form": form, "title": title, "back": back})


# --- Positions -------------------------------------------------------------------------------------------


@login_required
def position_list(request):
    authorize(request.user, "training", "view")
    show = request.GET.get("show", "active")
    positions = selectors.position_list(request.user, active=None if show == "all" else True,
                                        query=request.GET.get("q", "")[:100])
    page = Paginator(positions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/positions.html", {
        "positions": page, "show": show, "q": request.GET.get("q", "")[:100],
        "may_create": has_perm(request.user, "training", "create"),
    })


@login_required
def position_detail(request, pk: int):
    position = selectors.position_get(request.user, pk)
    today = timezone.localdate()
    may_edit = has_perm(request.user, "training", "edit", position.site_id)
    holdings = list(position.holdings.select_related("person", "site").order_by("end_date", "-start_date", "pk"))
    apply_form = forms.ApplyRequirementForm(requirements=selectors.requirement_list(request.user),
                                            curricula=selectors.curriculum_list(request.user))
    return render(request, "training/position.html", {
        "position": position, "today": today, "may_edit": may_edit,
        "current": [h for h in holdings if h.is_current(today)],
        "past": [h for h in holdings if not h.is_current(today)],
        "rules": selectors.rules_of_position(position),
        "holding_form": forms.HoldingForm(initial={"start_date": today}, people=selectors.people_choices(request.user)),
        "apply_form": apply_form,
    })


@login_required
def position_new(request):
    authorize(request.user, "training", "create")
    form = forms.PositionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            position = services.position_create(
                actor=request.user, code=data["code"], name=data["name"], site=data["site"],
                department=data["department"], description=data["description"], processes=data["processes"],
            )
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Position {position.name} created.")
            return redirect("training:position", position.pk)
    return _form_page(request, form, "New position", reverse("training:positions"))


@login_required
def position_edit(request, pk: int):
    position = selectors.position_get(request.user, pk)
    authorize(request.user, "training", "edit", position.site_id)
    initial = {name: getattr(position, name) for name in services.POSITION_FIELDS}
    initial.update(version=position.version, processes=list(position.processes.all()))
    form = forms.PositionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason, processes = data.pop("version"), data.pop("reason", ""), data.pop("processes")
        try:
            services.position_update(actor=request.user, position=position, version=version, reason=reason,
                                     processes=processes, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Position saved.")
            return redirect("training:position", pk)
    return _form_page(request, form, f"Edit {position}", reverse("training:position", args=[pk]))


@login_required
@require_POST
def holding_new(request, pk: int):
    position = selectors.position_get(request.user, pk)
    form = forms.HoldingForm(request.POST, people=selectors.people_choices(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.holding_start(actor=request.user, person=data["person"], position=position,
                                   start_date=data["start_date"], site=data["site"])
        except REFUSALS as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"{data['person'].display_name} holds {position.name}; their training is "
                                      "assigned.")
    else:
        messages.error(request, "Choose the person and the start date.")
    return redirect("training:position", pk)


@login_required
def holding_end(request, pk: int):
    holding = selectors.holding_get(request.user, pk)
    authorize(request.user, "training", "edit", holding.site_id)
    form = forms.HoldingEndForm(request.POST or None,
                                initial={"version": holding.version, "end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.holding_end(actor=request.user, holding=holding, end_date=data["end_date"],
                                 reason=data["end_reason"], version=data["version"])
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"{holding.person.display_name} leaves {holding.position.name} on "
                                      f"{data['end_date']:%Y-%m-%d}.")
            return redirect("training:position", holding.position_id)
    return _form_page(request, form, f"{holding.person.display_name} leaves {holding.position.name}",
                      reverse("training:position", args=[holding.position_id]))


@login_required
@require_POST
def position_apply(request, pk: int):
    position = selectors.position_get(request.user, pk)
    form = forms.ApplyRequirementForm(request.POST, requirements=selectors.requirement_list(request.user),
                                      curricula=selectors.curriculum_list(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.applies_to_add(actor=request.user, kind="position", target=position,
                                    requirement=data["requirement"], curriculum=data["curriculum"])
        except REFUSALS as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"{(data['requirement'] or data['curriculum']).code} applies to {position.name}.")
    else:
        messages.error(request, " ".join(form.non_field_errors()) or "Choose a requirement or a curriculum.")
    return redirect("training:position", pk)


# --- Requirements -----------------------------------------------------------------------------------------


@login_required
def requirement_list(request):
    authorize(request.user, "training", "view")
    kind = request.GET.get("kind", "")[:20]
    requirements = selectors.requirement_list(request.user, kind=kind, query=request.GET.get("q", "")[:100],
                                              active=None if request.GET.get("show") == "all" else True)
    page = Paginator(requirements, PAGE_SIZE).get_page(request.GET.get("page"))
    from qualitas.training.models import KINDS

    return render(request, "training/requirements.html", {
        "requirements": page, "kind": kind, "kinds": KINDS, "q": request.GET.get("q", "")[:100],
        "may_create": has_perm(request.user, "training", "create"),
    })


@login_required
def requirement_detail(request, pk: int):
    requirement = selectors.requirement_get(request.user, pk)
    assignments = selectors.assignment_list(request.user, requirement_id=pk, status="open")
    return render(request, "training/requirement.html", {
        "requirement": requirement, "rules": selectors.applicabilities_of(requirement),
        "assignments": assignments[:100], "open_count": assignments.count(), "today": timezone.localdate(),
        "may_edit": has_perm(request.user, "training", "edit", requirement.site_id),
        "applies_form": forms.AppliesToForm(positions=selectors.position_list(request.user)),
        "curricula": requirement.curricula.order_by("code"),
    })


def _requirement_fields(data: dict) -> dict:
    return {name: data[name] for name in services.REQUIREMENT_FIELDS if name in data}


@login_required
def requirement_new(request):
    authorize(request.user, "training", "create")
    initial = {}
    if (document_id := _int(request.GET.get("document"))) is not None:
        initial.update(kind="document", method="read-and-understood", document=document_id)
    form = forms.RequirementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            requirement = services.requirement_create(actor=request.user, **_requirement_fields(form.cleaned_data))
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Requirement {requirement.code} created; say what it applies to.")
            return redirect("training:requirement", requirement.pk)
    return _form_page(request, form, "New training requirement", reverse("training:requirements"))


@login_required
def requirement_edit(request, pk: int):
    requirement = selectors.requirement_get(request.user, pk)
    authorize(request.user, "training", "edit", requirement.site_id)
    initial = {name: getattr(requirement, name) for name in services.REQUIREMENT_FIELDS}
    initial["version"] = requirement.version
    form = forms.RequirementForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.requirement_update(actor=request.user, requirement=requirement, version=data["version"],
                                        reason=data.get("reason", ""), **_requirement_fields(data))
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Requirement saved.")
            return redirect("training:requirement", pk)
    return _form_page(request, form, f"Edit {requirement.code}", reverse("training:requirement", args=[pk]))


def _apply(request, subject, form, field: str) -> None:
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return
    kind = form.cleaned_data["kind"]
    try:
        services.applies_to_add(actor=request.user, kind=kind, target=form.cleaned_data[kind], **{field: subject})
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"{subject.code} applies to {form.cleaned_data[kind]}; its people are assigned it.")


@login_required
@require_POST
def requirement_apply(request, pk: int):
    requirement = selectors.requirement_get(request.user, pk)
    form = forms.AppliesToForm(request.POST, positions=selectors.position_list(request.user))
    _apply(request, requirement, form, "requirement")
    return redirect("training:requirement", pk)


@login_required
@require_POST
def applicability_remove(request, pk: int):
    entry = selectors.applicability_get(request.user, pk)
    subject = entry.requirement or entry.curriculum
    try:
        services.applies_to_remove(actor=request.user, entry=entry, reason=request.POST.get("reason", "")[:2000])
    except REFUSALS as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"{subject.code} no longer applies to {entry.target}.")
    back = request.POST.get("next", "")
    if back.startswith("/training/"):
        return redirect(back)
    return redirect("training:requirement" if entry.requirement_id else "training:curriculum", subject.pk)


# --- Curricula ---------------------------------------------------------------------------------------------


@login_required
def curriculum_list(request):
    authorize(request.user, "training", "view")
    curricula = selectors.curriculum_list(request.user, active=None if request.GET.get("show") == "all" else True)
    return render(request, "training/curricula.html", {
        "curricula": Paginator(curricula, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_create": has_perm(request.user, "training", "create"),
    })


@login_required
def curriculum_detail(request, pk: int):
    curriculum = selectors.curriculum_get(request.user, pk)
    return render(request, "training/curriculum.html", {
        "curriculum": curriculum, "rules": selectors.applicabilities_of(curriculum),
        "may_edit": has_perm(request.user, "training", "edit", curriculum.site_id),
        "applies_form": forms.AppliesToForm(positions=selectors.position_list(request.user)),
    })


@login_required
def curriculum_new(request):
    authorize(request.user, "training", "create")
    form = forms.CurriculumForm(request.POST or None, requirements=selectors.requirement_list(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            curriculum = services.curriculum_create(
                actor=request.user, code=data["code"], title=data["title"], description=data["description"],
                site=data["site"], requirements=data["requirements"])
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Curriculum {curriculum.code} created.")
            return redirect("training:curriculum", curriculum.pk)
    return _form_page(request, form, "New curriculum", reverse("training:curricula"))


@login_required
def curriculum_edit(request, pk: int):
    curriculum = selectors.curriculum_get(request.user, pk)
    authorize(request.user, "training", "edit", curriculum.site_id)
    initial = {name: getattr(curriculum, name) for name in services.CURRICULUM_FIELDS}
    initial.update(version=curriculum.version, requirements=list(curriculum.requirements.all()))
    form = forms.CurriculumForm(request.POST or None, initial=initial, editing=True,
                                requirements=selectors.requirement_list(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason, requirements = data.pop("version"), data.pop("reason", ""), data.pop("requirements")
        try:
            services.curriculum_update(actor=request.user, curriculum=curriculum, version=version, reason=reason,
                                       requirements=requirements, **data)
        except REFUSALS as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Curriculum saved.")
            return redirect("training:curriculum", pk)
    return _form_page(request, form, f"Edit {curriculum.code}", reverse("training:curriculum", args=[pk]))


@login_required
@require_POST
def curriculum_apply(request, pk: int):
    curriculum = selectors.curriculum_get(request.user, pk)
    form = forms.AppliesToForm(request.POST, positions=selectors.position_list(request.user))
    _apply(request, curriculum, form, "curriculum")
    return redirect("training:curriculum", pk)
