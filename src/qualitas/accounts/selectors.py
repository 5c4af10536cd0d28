"""Reads of users and the organisation, always scoped to what the actor may see."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from qualitas.accounts.models import SYSTEM_USERNAME, ApiToken, Department, Process, Role, RoleAssignment, Site, User
from qualitas.core.permissions import authorize, visible_to


def site_list(actor: User, *, include_inactive: bool = False) -> QuerySet[Site]:
    authorize(actor, "organisation", "view")
    queryset = visible_to(actor, Site.objects.all(), "organisation", site_field="id")
    return queryset if include_inactive else queryset.filter(active=True)


def site_get(actor: User, site_id: int) -> Site:
    return get_object_or_404(site_list(actor, include_inactive=True), pk=site_id)


def department_list(actor: User, *, site_id: int | None = None) -> QuerySet[Department]:
    authorize(actor, "organisation", "view")
    queryset = visible_to(actor, Department.objects.select_related("site", "manager"), "organisation")
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    return queryset


def department_get(actor: User, department_id: int) -> Department:
    return get_object_or_404(department_list(actor), pk=department_id)


def process_list(actor: User, *, site_id: int | None = None, clause_id: int | None = None) -> QuerySet[Process]:
    from qualitas.standards.models import Clause

    authorize(actor, "organisation", "view")
    queryset = visible_to(
        actor, Process.objects.select_related("owner", "site", "department"), "organisation"
    ).prefetch_related(Prefetch("clauses", queryset=Clause.objects.select_related("edition__standard")))
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    if clause_id is not None:
        queryset = queryset.filter(clauses__id=clause_id)
    return queryset


def process_get(actor: User, process_id: int) -> Process:
    return get_object_or_404(process_list(actor), pk=process_id)


def with_roles(users: QuerySet[User]) -> QuerySet[User]:
    """The users with their role assignments, each with its role and site: one query for them all."""
    return users.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("role", "site"))
    )


def user_list(actor: User, *, include_inactive: bool = False, query: str = "") -> QuerySet[User]:
    """Colleagues are visible to everyone signed in (to pick an owner or a reviewer); account
    administration details are limited to administrators in the views."""
    queryset = User.objects.select_related("department", "site", "manager")
    if not include_inactive:  # the colleagues to pick from; the administrators' list shows every account
        queryset = queryset.filter(is_active=True).exclude(username__iexact=SYSTEM_USERNAME)
    if query:
        from django.db.models import Q

        queryset = queryset.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    return queryset


def user_get(actor: User, user_id: int) -> User:
    return get_object_or_404(user_list(actor, include_inactive=True), pk=user_id)


def user_admin_get(actor: User, user_id: int) -> User:
    """A user account as a record (history, export): for those granted the accounts view right
    (administrators; quality managers and auditors by default)."""
    from qualitas.core.permissions import has_perm

    if not has_perm(actor, "accounts", "view"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only administrators see the history of user accounts.")
    return user_get(actor, user_id)


def role_list(actor: User) -> QuerySet[Role]:
    """Roles and their grants: for those who read user administration (administrators; quality
    managers and auditors by default)."""
    authorize(actor, "accounts", "view")
    return Role.objects.all()


def role_get(actor: User, role_id: int) -> Role:
    return get_object_or_404(role_list(actor), pk=role_id)


def role_history(actor: User, role: Role, *, limit: int = 20):
    """The audit events of one role, newest first (creation, grant changes, synchronisations)."""
    from qualitas.core.audit.models import AuditEvent

    authorize(actor, "accounts", "view")
    return AuditEvent.objects.filter(record_type="accounts.role", record_id=str(role.pk)).order_by("-sequence")[:limit]


def locked_usernames(actor: User) -> set[str]:
    """Usernames locked after failed sign-ins or signatures (one query, for the users list)."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum
    from django.utils import timezone

    authorize(actor, "accounts", "administer")
    attempts = AccessAttempt.objects.all()
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    if cooloff:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - timedelta(hours=float(cooloff)))
    rows = attempts.values("username").annotate(failures=Sum("failures_since_start"))
    return {row["username"] for row in rows if row["failures"] >= settings.AXES_FAILURE_LIMIT}


def token_list(actor: User, user: User) -> QuerySet[ApiToken]:
    if actor.pk != user.pk:
        authorize(actor, "accounts", "administer")
    return ApiToken.objects.filter(user=user)


def token_get(actor: User, user: User, token_id: int) -> ApiToken:
    """One of `user`'s API tokens: their own, or any user's for an administrator."""
    return get_object_or_404(token_list(actor, user), pk=token_id)


def role_assignment_get(actor: User, user: User, assignment_id: int) -> RoleAssignment:
    authorize(actor, "accounts", "administer")
    return get_object_or_404(user.role_assignments, pk=assignment_id)
