"""User and role administration (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qualitas.accounts import roles, selectors, services
from qualitas.accounts.forms import PasswordResetForm, RoleAssignForm, RoleForm, UserCreateForm, UserEditForm
from qualitas.accounts.views_org import _save, _write
from qualitas.core import lockout
from qualitas.core.forms import form_errors
from qualitas.core.permissions import ACTIONS, ALL_MODULES, PERMISSION_MODULES, authorize


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
            "users": selectors.with_roles(users),
            "query": request.GET.get("q", ""),
            "locked": selectors.locked_usernames(request.user),
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
    return _user_page(request, subject, form=form)


def _user_page(request, subject, *, form=None, password_form=None, status: int = 200):
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "form": form or UserEditForm(instance=subject),
            "assign_form": RoleAssignForm(),
            "password_form": password_form or PasswordResetForm(),
            "password_open": password_form is not None,
            "assignments": subject.role_assignments.select_related("role", "site"),
            "tokens": selectors.token_list(request.user, subject),
            "locked": lockout.is_locked(subject),
        },
        status=status,
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
@require_POST
def user_password_reset(request, user_id: int):
    """Set or generate a new password for a user (the form is on the user's page)."""
    _admin(request)
    subject = selectors.user_get(request.user, user_id)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plain = services.user_password_reset(
                actor=request.user, user=subject, reason=data["reason"], password=data["password"],
                generate=data["generate"], must_change=data["must_change"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if plain:
                return render(request, "accounts/password_reset_done.html", {"subject": subject, "plain": plain,
                                                                             "must_change": data["must_change"]})
            messages.success(request, f"The password of {subject} is reset"
                             + (": they choose their own at the next sign-in." if data["must_change"] else "."))
            return redirect("administration:user", subject.pk)
    return _user_page(request, subject, password_form=form, status=400)


def _modules() -> list[tuple[str, str]]:
    return [(ALL_MODULES, "Every module (except those granted explicitly)")] + sorted(
        PERMISSION_MODULES.items(), key=lambda item: item[1].lower())


@login_required
def role_list(request):
    _admin(request)
    role_rows = selectors.role_list(request.user)
    modules = _modules()
    matrix = [
        {
            "role": role,
            "rows": [
                {"module": label, "actions": [action in role.permissions.get(key, []) for action in ACTIONS]}
                for key, label in modules
                if role.permissions.get(key)
            ],
        }
        for role in role_rows
    ]
    return render(request, "accounts/role_list.html", {"matrix": matrix, "actions": ACTIONS})


@login_required
def role_create(request):
    _admin(request)
    form = RoleForm(request.POST or None, modules=_modules(), actions=ACTIONS)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role = _write(request, form, lambda: services.role_create(
            actor=request.user, code=data["code"], name=data["name"], description=data["description"],
            permissions=form.permissions(), reason=data["reason"]), "Role created.")
        if role:
            return redirect("administration:role", role.pk)
    return render(request, "accounts/role_form.html", {"form": form, "title": "New role"},
                  status=400 if form.errors else 200)


@login_required
def role_detail(request, role_id: int):
    _admin(request)
    role = selectors.role_get(request.user, role_id)
    form = RoleForm(request.POST or None, role=role, modules=_modules(), actions=ACTIONS)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _write(request, form, lambda: services.role_update(
            actor=request.user, role=role, version=data["version"], reason=data["reason"], name=data["name"],
            description=data["description"], active=data["active"], permissions=form.permissions()),
            "Role saved.")
        if saved:
            return redirect("administration:role", role.pk)
        role.refresh_from_db()
    return render(
        request,
        "accounts/role_form.html",
        {"form": form, "title": role.name, "role": role, "changed": roles.changed_by_administrator(role),
         "history": selectors.role_history(request.user, role),
         "holders": role.assignments.select_related("user", "site").order_by("user__username")},
        status=400 if form.errors else 200,
    )
