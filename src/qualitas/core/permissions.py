"""Role-based permissions per module and action, optionally scoped to sites.

A role grants actions on modules (`{"documents": ["view", "create"], "*": ["view"]}`); a user holds
roles through assignments that apply to every site or to one site. Every view, API route and
service asks `authorize()` or filters with `visible_to()`; nothing else decides access.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

ACTIONS = ("view", "create", "edit", "approve", "administer")
ALL_MODULES = "*"

# Modules known to the permission system, with a label for the role matrix. Domain apps add theirs.
PERMISSION_MODULES: dict[str, str] = {
    "organisation": "Organisation (sites, departments, processes)",
    "standards": "Standards and clause library",
    "accounts": "Users and roles",
}


# Modules a "*" grant does not reach unless the role holds every right (the administrator): reading
# the whole audit trail (who signed in, who failed) is a deliberate grant, not a side effect of "view all".
EXPLICIT_MODULES: set[str] = set()


def register_permission_module(key: str, label: str, explicit: bool = False) -> None:
    PERMISSION_MODULES[key] = label
    if explicit:
        EXPLICIT_MODULES.add(key)


def _grants(permissions: dict, module: str, action: str) -> bool:
    if action in permissions.get(module, ()):
        return True
    wildcard = permissions.get(ALL_MODULES, ())
    if module in EXPLICIT_MODULES:
        return action in wildcard and "administer" in wildcard
    return action in wildcard


def _assignments(user):
    cache = getattr(user, "_qualitas_assignments", None)
    if cache is None:
        cache = [
            (assignment.role.permissions, assignment.site_id)
            for assignment in user.role_assignments.select_related("role").filter(role__active=True)
        ]
        user._qualitas_assignments = cache
    return cache


def prefetch_assignments(users) -> None:
    """Load the role assignments of many users in one query, so that has_perm() over a list of people
    (a distribution, a route) does not ask the database once per person."""
    from qualitas.accounts.models import RoleAssignment

    pending = [user for user in users if getattr(user, "_qualitas_assignments", None) is None]
    if not pending:
        return
    by_user: dict[int, list] = {user.pk: [] for user in pending}
    assignments = RoleAssignment.objects.filter(user_id__in=list(by_user), role__active=True).select_related("role")
    for assignment in assignments:
        by_user[assignment.user_id].append((assignment.role.permissions, assignment.site_id))
    for user in pending:
        user._qualitas_assignments = by_user[user.pk]


def clear_cache(user) -> None:
    if hasattr(user, "_qualitas_assignments"):
        del user._qualitas_assignments


def is_system(user) -> bool:
    """The system account (`accounts.services.system_actor`): jobs, imports, migrations, the demo."""
    return getattr(user, "is_system", False) is True


def has_perm(user, module: str, action: str, site=None) -> bool:
    """Whether `user` may do `action` in `module`, at `site` when given (an object or id)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_system(user):
        return True
    site_id = getattr(site, "pk", site)
    for permissions, scope in _assignments(user):
        if _grants(permissions, module, action) and (scope is None or site_id is None or scope == site_id):
            return True
    return False


def sites_for(user, module: str, action: str = "view") -> set[int] | None:
    """Site ids where the user may act; None means every site."""
    if is_system(user):
        return None
    scopes: set[int] = set()
    for permissions, scope in _assignments(user) if user.is_authenticated and user.is_active else ():
        if _grants(permissions, module, action):
            if scope is None:
                return None
            scopes.add(scope)
    return scopes


def authorize(user, module: str, action: str, site=None) -> None:
    if user is None:
        # A programming error, never a user's: services are called by someone (a person or the system).
        raise TypeError("authorize() needs the acting user; jobs and imports act as accounts.services.system_actor()")
    if not has_perm(user, module, action, site):
        raise PermissionDenied(f"You do not have permission to {action} in {PERMISSION_MODULES.get(module, module)}.")


def visible_to(user, queryset: QuerySet, module: str, site_field: str | None = "site") -> QuerySet:
    """Restrict `queryset` to what `user` may view: nothing without the view right, and only the
    permitted sites when the role is site-scoped (records without a site stay visible)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    sites = sites_for(user, module, "view")
    if sites is None:
        return queryset
    if not sites:
        return queryset.none()
    if site_field is None:
        return queryset
    return queryset.filter(Q(**{f"{site_field}__in": sites}) | Q(**{f"{site_field}__isnull": True}))


def modules_visible(user, modules: Iterable) -> list:
    return [
        module
        for module in modules
        if module.permission is None or has_perm(user, module.permission, module.permission_action)
    ]


def requires(module: str, action: str):
    """A view decorator: the page (its form included) is for users holding `action` in `module` at
    some site; the service still checks the site of what is submitted. Without it, 403."""
    from functools import wraps

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            authorize(request.user, module, action)  # at any site: no site is chosen yet
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
