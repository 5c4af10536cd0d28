"""User and role administration (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qualitas.accounts import selectors, services
from qualitas.accounts.forms import RoleAssignForm, UserCreateForm, UserEditForm
from qualitas.accounts.views_org import _save
from qualitas.core import lockout
from qualitas.core.permissions import ACTIONS, PERMISSION_MODULES, authorize


def _admin(request) -> None:
    authorize(request.user, "accounts", "administer")


@login_required
def user_list(request):
    _admin(request)
    users = selectors.user_list(request.user, include_inactive=True, query=request.GET.get("q", "")[:100])
    return render(
        request,
        "accounts/user_list.html",
        {
            "users": users.prefetch_related("role_assignments__role", "role_assignments__site"),
            "query": request.GET.get("q", ""),
        },
    )


@login_required
def user_create(request):
    _admin(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST":

        def write(data):
            data = dict(data)
            role = data.pop("role")
            return services.user_create(actor=request.user, roles=[role] if role else [], **data)

        user = _save(request, form, write, "User created.")
        if user:
            return redirect("administration:user", user.pk)
    return render(request, "accounts/form.html", {"form": form, "title": "New user"})


@login_required
def user_detail(request, user_id: int):
    _admin(request)
    subject = selectors.user_get(request.user, user_id)
    form = UserEditForm(request.POST or None, instance=subject)
    if request.method == "POST":
        if _save(
            request, form, lambda data: services.user_update(actor=request.user, user=subject, **data), "User updated."
        ):
            return redirect("administration:user", subject.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "form": form,
            "assign_form": RoleAssignForm(),
            "assignments": subject.role_assignments.select_related("role", "site"),
            "tokens": selectors.token_list(request.user, subject),
            "locked": lockout.is_locked(subject),
        },
    )


@login_required
@require_POST
def user_deactivate(request, user_id: int):
    _admin(request)
    subject = selectors.user_get(request.user, user_id)
    try:
        services.user_deactivate(actor=request.user, user=subject)
        messages.success(request, f"{subject} is deactivated: sessions and API tokens stop working now.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("administration:user", subject.pk)


@login_required
@require_POST
def user_reactivate(request, user_id: int):
    _admin(request)
    subject = selectors.user_get(request.user, user_id)
    services.user_reactivate(actor=request.user, user=subject)
    messages.success(request, f"{subject} is active again.")
    return redirect("administration:user", subject.pk)


@login_required
@require_POST
def user_unlock(request, user_id: int):
    _admin(request)
    subject = selectors.user_get(request.user, user_id)
    services.user_unlock(actor=request.user, user=subject, reason=request.POST.get("reason", "")[:500])
    messages.success(request, f"{subject} is unlocked: sign-in, signatures and API tokens work again.")
    return redirect("administration:user", subject.pk)


@login_required
@require_POST
def role_assign(request, user_id: int):
    _admin(request)
    subject = selectors.user_get(request.user, user_id)
    form = RoleAssignForm(request.POST)
    if form.is_valid():
        services.role_assign(
            actor=request.user, user=subject, role=form.cleaned_data["role"], site=form.cleaned_data["site"]
        )
        messages.success(request, "Role assigned.")
    else:
        messages.error(request, "Choose a role.")
    return redirect("administration:user", subject.pk)


@login_required
@require_POST
def role_unassign(request, user_id: int, assignment_id: int):
    _admin(request)
    subject = selectors.user_get(request.user, user_id)
    assignment = selectors.role_assignment_get(request.user, subject, assignment_id)
    try:
        services.role_unassign(actor=request.user, assignment=assignment)
        messages.success(request, "Role removed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("administration:user", subject.pk)


@login_required
def role_list(request):
    _admin(request)
    roles = selectors.role_list(request.user)
    modules = [("*", "Every module")] + sorted(PERMISSION_MODULES.items())
    matrix = [
        {
            "role": role,
            "rows": [
                {"module": label, "actions": [action in role.permissions.get(key, []) for action in ACTIONS]}
                for key, label in modules
                if key in role.permissions
            ],
        }
        for role in roles
    ]
    return render(request, "accounts/role_list.html", {"matrix": matrix, "actions": ACTIONS})
