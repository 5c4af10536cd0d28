"""The only write path for users, roles, tokens and the organisation structure. Every change is an
audit event (configuration is audit-trailed too, P11-K)."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from qualitas.accounts import tokens
from qualitas.accounts.models import (
    SYSTEM_USERNAME,
    ApiToken,
    Department,
    Process,
    Role,
    RoleAssignment,
    Site,
    User,
)
from qualitas.core.audit import covered
from qualitas.core.audit.services import record
from qualitas.core.permissions import ACTIONS, PERMISSION_MODULES, authorize, clear_cache
from qualitas.core.regulated import record_create, record_update

USER_FIELDS = ("first_name", "last_name", "email", "job_title", "department", "site", "manager")


def _check_fields(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")


# --- The system account ------------------------------------------------------------------------------


def system_actor() -> User:
    """The account jobs, imports, migrations and the demo loader act as: a user row that cannot sign
    in, hold roles or tokens, or sign, and that every permission check lets through. Created (and
    audited) on first use."""
    user = User.objects.filter(username__iexact=SYSTEM_USERNAME).first()
    if user is None:
        user = _system_create()
    if not user.is_system:
        raise ImproperlyConfigured(
            f"The username {SYSTEM_USERNAME!r} is reserved for the system account, but a person's account "
            "has it: rename that account (qualitas shell) and run the command again.")
    return user


def _system_create() -> User:
    user = User(username=SYSTEM_USERNAME, first_name="System", job_title="Qualitas (automatic steps)")
    user.set_unusable_password()
    try:
        with transaction.atomic():
            # The only event without an actor: the one that creates the actor.
            return record_create(None, user, event="account.system_created")
    except IntegrityError:  # another process created it first
        return User.objects.get(username__iexact=SYSTEM_USERNAME)


def _not_system(user: User) -> None:
    if user.is_system:
        raise ValidationError("The system account is maintained by Qualitas: it cannot sign in, hold roles "
                              "or tokens, or be changed.")


# --- Users ---------------------------------------------------------------------------------------


@transaction.atomic
def user_create(*, actor: User, username: str, password: str | None = None, roles=(), **fields) -> User:
    """Create an account (by an administrator, or the system when installing or loading the demo)."""
    authorize(actor, "accounts", "administer")
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "A username is required."})
    if username.lower() == SYSTEM_USERNAME:
        raise ValidationError({"username": f"The username {SYSTEM_USERNAME!r} is reserved for the system account."})
    if User.objects.filter(username__iexact=username).exists():
        # Deactivated accounts keep their username forever (P11-U).
        raise ValidationError({"username": f"The username {username!r} is taken or was used before."})
    _check_fields(fields, USER_FIELDS)
    user = User(username=username, **fields)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    record_create(actor, user, event="account.user_created")
    for role in roles:
        role_assign(actor=actor, user=user, role=role)
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, version: int | None = None, reason: str = "", **fields) -> User:
    if actor.pk != user.pk:
        authorize(actor, "accounts", "administer")
    _not_system(user)
    _check_fields(fields, USER_FIELDS)
    manager = fields.get("manager")
    if manager is not None and getattr(manager, "pk", manager) == user.pk:
        raise ValidationError({"manager": "A user cannot be their own manager."})
    return record_update(
        actor, user, event="account.user_updated", changes=fields, expected_version=version, reason=reason
    )


@transaction.atomic
def user_deactivate(*, actor: User, user: User, reason: str = "") -> User:
    """Disable the account at once: sessions stop authenticating and API tokens stop working."""
    authorize(actor, "accounts", "administer")
    if actor.pk == user.pk:
        raise ValidationError("You cannot deactivate your own account.")
    _not_system(user)
    user = record_update(
        actor,
        user,
        event="account.user_deactivated",
        changes={"is_active": False, "deactivated_at": timezone.now()},
        reason=reason,
    )
    _end_sessions(user)
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User, reason: str = "") -> User:
    authorize(actor, "accounts", "administer")
    _not_system(user)
    return record_update(
        actor,
        user,
        event="account.user_reactivated",
        changes={"is_active": True, "deactivated_at": None},
        reason=reason,
    )


@transaction.atomic
def user_unlock(*, actor: User, user: User, reason: str = "") -> int:
    """Lift the lockout after failed sign-ins or signatures (P11-P): audited with the failures cleared."""
    from qualitas.core import lockout

    authorize(actor, "accounts", "administer")
    failures = lockout.failures(user)
    cleared = lockout.reset(user)
    record(actor, "configure", "account.unlocked", record_type="accounts.user", record_id=user.pk,
           record_label=user.username, changes={"failed attempts": [failures, 0]}, reason=(reason or "").strip())
    return cleared


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> User:
    if actor.pk != user.pk:
        authorize(actor, "accounts", "administer")
    _not_system(user)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    password_changed(actor=actor, user=user)
    return user


# No 0/O, 1/l/I: a generated password is read out or typed from a screen.
_GENERATED_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(user: User | None = None) -> str:
    """A random one-time password in four groups of five ("x7Kp2-…"), passing the validators."""
    while True:
        groups = ["".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(5)) for _ in range(4)]
        password = "-".join(groups)
        try:
            validate_password(password, user)
        except ValidationError:  # pragma: no cover - a random 20-character password practically always passes
            continue
        return password


@transaction.atomic
def user_password_reset(
    *, actor: User, user: User, reason: str, password: str = "", generate: bool = False, must_change: bool = True
) -> str | None:
    """An administrator sets a new password for `user` (who forgot theirs, or whose password may be
    known to others), or has one generated. The password must pass the validators; with
    `must_change` the user has to choose their own at the next sign-in. Their open sessions end (the
    password is part of the session). Returns the generated password, shown once and never stored.
    Audited with the reason, never with the password."""
    authorize(actor, "accounts", "administer")
    _not_system(user)
    if actor.pk == user.pk:
        raise ValidationError("Change your own password under Profile and security, with your current password.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "A reason for the password reset is required."})
    if bool(password) == bool(generate):
        raise ValidationError({"password": "Enter a new password or have one generated (not both)."})
    plain = generate_password(user) if generate else password
    validate_password(plain, user)
    before = user.password_change_required
    user.set_password(plain)
    user.password_change_required = bool(must_change)
    User.objects.filter(pk=user.pk).update(
        password=user.password, password_change_required=user.password_change_required)
    changes = {"password": ["(hidden)", "(generated)" if generate else "(set by administrator)"]}
    if before != user.password_change_required:
        changes["must change password at next sign-in"] = [before, user.password_change_required]
    record(actor, "update", "account.password_reset", record_type="accounts.user", record_id=user.pk,
           record_label=user.username, changes=changes, reason=reason)
    _end_sessions(user)
    return plain if generate else None


def password_changed(*, actor, user: User) -> None:
    """Record that `user`'s password changed (without it); a pending must-change is fulfilled."""
    changes = {"password": ["(hidden)", "(changed)"]}
    if user.password_change_required and actor.pk == user.pk:
        User.objects.filter(pk=user.pk).update(password_change_required=False)
        user.password_change_required = False
        changes["must change password at next sign-in"] = [True, False]
    record(
        actor,
        "update",
        "account.password_changed",
        record_type="accounts.user",
        record_id=user.pk,
        record_label=user.username,
        changes=changes,
    )


def _end_sessions(user: User) -> None:
    from django.contrib.sessions.models import Session

    # Sessions of inactive users are refused by the auth backend already; deleting them also
    # frees the rows. Session data is only decodable row by row.
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()


# --- Roles ------------------------------------------------------------------------------------------


def validate_permissions(permissions, allow_unknown: bool = False) -> dict:
    if not isinstance(permissions, dict):
        raise ValidationError({"permissions": "Permissions must map modules to lists of actions."})
    clean: dict[str, list[str]] = {}
    for module, actions in permissions.items():
        if module != "*" and module not in PERMISSION_MODULES and not allow_unknown:
            raise ValidationError({"permissions": f"Unknown module {module!r}."})
        if not isinstance(actions, list | tuple) or any(action not in ACTIONS for action in actions):
            raise ValidationError({"permissions": f"Actions for {module!r} must be among {', '.join(ACTIONS)}."})
        clean[module] = [action for action in ACTIONS if action in actions]
    return clean


@transaction.atomic
def role_create(
    *, actor: User, code: str, name: str, permissions: dict, description: str = "", builtin: bool = False,
    reason: str = "",
) -> Role:
    """A new role: a name and the actions it grants per permission module (administrators; audited).
    Built-in roles are created by the synchronisation after `migrate`, as the system."""
    authorize(actor, "accounts", "administer")
    code, name = (code or "").strip().lower(), (name or "").strip()
    if not code:
        raise ValidationError({"code": "A code is required (lower-case letters, digits and hyphens)."})
    if not name:
        raise ValidationError({"name": "A name is required."})
    if Role.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": f"A role with the code {code!r} exists already."})
    if Role.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A role named {name!r} exists already."})
    # Built-in roles may name modules that are not installed yet; they apply once the module is.
    role = Role(
        code=code,
        name=name,
        description=description or "",
        permissions=validate_permissions(permissions, allow_unknown=builtin),
        builtin=builtin,
    )
    if builtin:
        role.defaults = role.permissions
    return record_create(actor, role, event="account.role_created", reason=(reason or "").strip())


@transaction.atomic
def role_sync_defaults(*, actor: User, role: Role, permissions: dict) -> Role:
    """Bring an unchanged built-in role to the installed modules' default grants (run by `migrate`)."""
    authorize(actor, "accounts", "administer")
    clean = validate_permissions(permissions)
    role.defaults = clean
    Role.objects.filter(pk=role.pk).update(defaults=clean)
    return record_update(
        actor, role, event="account.role_synced", changes={"permissions": clean},
        reason="Default grants of the installed modules", require_reason=False,
    )


@transaction.atomic
def role_update(*, actor: User, role: Role, version: int | None = None, reason: str = "", **fields) -> Role:
    """Change a role's name, description, grants or whether it is in use: every change names its
    reason (it changes what people may do) and the version it was made on. A built-in role changed
    here is left alone by the synchronisation after `migrate` from then on."""
    authorize(actor, "accounts", "administer")
    _check_fields(fields, ("name", "description", "permissions", "active"))
    if "permissions" in fields:
        fields["permissions"] = _role_permissions(role, fields["permissions"])
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": "A name is required."})
        if Role.objects.filter(name__iexact=fields["name"]).exclude(pk=role.pk).exists():
            raise ValidationError({"name": f"A role named {fields['name']!r} exists already."})
    if not _someone_administers_accounts(role, fields):
        raise ValidationError({"permissions": "After this change no active user could administer users and "
                                              "roles: keep the Administer right on Users and roles for a role "
                                              "that someone holds."})
    return record_update(
        actor, role, event="account.role_updated", changes=fields, expected_version=version, reason=reason,
        require_reason=True,
    )


def _role_permissions(role: Role, permissions) -> dict:
    """Validated grants; a module that is not installed here may stay only as the role already had it
    (a built-in role carries the grants of modules installed later)."""
    if not isinstance(permissions, dict):
        return validate_permissions(permissions)
    kept = {
        key: actions for key, actions in permissions.items()
        if key != "*" and key not in PERMISSION_MODULES and key in role.permissions
        and isinstance(actions, list | tuple) and all(isinstance(action, str) for action in actions)
        and sorted(actions) == sorted(role.permissions[key] or [])
    }
    clean = validate_permissions({key: value for key, value in permissions.items() if key not in kept})
    clean.update(validate_permissions(kept, allow_unknown=True))
    return clean


def _someone_administers_accounts(changed: Role, fields: dict) -> bool:
    """Whether, with `fields` applied to role `changed`, an active person could still administer."""

    def administers(permissions: dict) -> bool:
        # "accounts" is an explicit module: a "*" grant reaches it only with the administer right.
        return "administer" in (permissions.get("accounts") or ()) or "administer" in (permissions.get("*") or ())

    roles = []
    for role in Role.objects.all():
        permissions, active = role.permissions, role.active
        if role.pk == changed.pk:
            permissions, active = fields.get("permissions", permissions), fields.get("active", active)
        if active and administers(permissions):
            roles.append(role.pk)
    return RoleAssignment.objects.filter(role_id__in=roles, user__is_active=True).exclude(
        user__username__iexact=SYSTEM_USERNAME).exists()


def _roles_of(user: User) -> list[str]:
    return sorted(
        f"{a.role.name}@{a.site.code if a.site else 'all sites'}"
        for a in user.role_assignments.select_related("role", "site")
    )


@transaction.atomic
def role_assign(*, actor: User, user: User, role: Role | str, site: Site | None = None) -> RoleAssignment:
    authorize(actor, "accounts", "administer")
    _not_system(user)
    if isinstance(role, str):
        role = Role.objects.get(code=role)
    before = _roles_of(user)
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, site=site)
    clear_cache(user)
    if created:
        record(
            actor,
            "configure",
            "account.role_assigned",
            record_type="accounts.user",
            record_id=user.pk,
            record_label=user.username,
            changes={"roles": [before, _roles_of(user)]},
        )
        covered.record_row(actor, "configure", "account.role_assignment_saved", assignment)
    return assignment


@transaction.atomic
def role_unassign(*, actor: User, assignment: RoleAssignment) -> None:
    authorize(actor, "accounts", "administer")
    if assignment.user_id == actor.pk and assignment.role.code == "administrator":
        raise ValidationError("You cannot remove your own administrator role.")
    user = assignment.user
    before = _roles_of(user)
    covered.record_row(actor, "configure", "account.role_assignment_deleted", assignment, deleted=True)
    assignment.delete()
    clear_cache(user)
    record(
        actor,
        "configure",
        "account.role_removed",
        record_type="accounts.user",
        record_id=user.pk,
        record_label=user.username,
        changes={"roles": [before, _roles_of(user)]},
    )


# --- API tokens --------------------------------------------------------------------------------------


@transaction.atomic
def token_create(
    *, actor: User, user: User, name: str = "", expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token; the plain value is returned once and never stored."""
    if actor.pk != user.pk:
        authorize(actor, "accounts", "administer")
    _not_system(user)
    if not user.is_active:
        raise ValidationError("Tokens cannot be issued to a deactivated user.")
    plain, prefix, key_hash = tokens.generate()
    api_token = ApiToken.objects.create(
        user=user, name=(name or "API token")[:100], prefix=prefix, key_hash=key_hash, expires_at=expires_at
    )
    record(
        actor,
        "configure",
        "account.token_created",
        record_type="accounts.user",
        record_id=user.pk,
        record_label=user.username,
        changes={"token": [None, f"{api_token.prefix} ({api_token.name})"]},
    )
    return api_token, plain


@transaction.atomic
def token_revoke(*, actor: User, api_token: ApiToken) -> ApiToken:
    if actor.pk != api_token.user_id:
        authorize(actor, "accounts", "administer")
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        record(
            actor,
            "configure",
            "account.token_revoked",
            record_type="accounts.user",
            record_id=api_token.user_id,
            record_label=api_token.user.username,
            changes={"token": [f"{api_token.prefix} ({api_token.name})", "revoked"]},
        )
    return api_token


def token_touch(api_token: ApiToken) -> None:
    """Record use at most once a minute, so reads do not turn into a write per request."""
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)


# --- Two-factor authentication ----------------------------------------------------------------------


def _own_or_administer(actor: User, user_id: int) -> None:
    if actor.pk != user_id:
        authorize(actor, "accounts", "administer")


@transaction.atomic
def totp_device_enrol(*, actor: User, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator device, created on the first visit to the enrolment page."""
    _own_or_administer(actor, user.pk)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment with a first code from the app. False, and nothing confirmed, when the
    code does not match (django-otp still counts the failure for its throttling)."""
    _own_or_administer(actor, device.user_id)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _totp_event(actor, device.user, "account.totp_enrolled", "enrolled")
    return True


@transaction.atomic
def totp_devices_delete(*, actor: User, user: User) -> None:
    """Turn two-factor authentication off: every authenticator device of the user is deleted."""
    _own_or_administer(actor, user.pk)
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        _totp_event(actor, user, "account.totp_disabled", "disabled")


def _totp_event(actor: User, user: User, event: str, state: str) -> None:
    record(actor, "configure", event, record_type="accounts.user", record_id=user.pk, record_label=user.username,
           changes={"two-factor authentication": [None, state]})


# --- Organisation -------------------------------------------------------------------------------------

SITE_FIELDS = ("code", "name", "address", "country", "active")
DEPARTMENT_FIELDS = ("code", "name", "site", "manager", "active")
PROCESS_FIELDS = ("code", "name", "category", "purpose", "owner", "site", "department", "inputs", "outputs", "active")


@transaction.atomic
def site_create(*, actor: User, **fields) -> Site:
    authorize(actor, "organisation", "create")
    _check_fields(fields, SITE_FIELDS)
    return record_create(actor, Site(**fields), event="organisation.site_created")


@transaction.atomic
def site_update(*, actor: User, site: Site, version: int | None = None, reason: str = "", **fields) -> Site:
    authorize(actor, "organisation", "edit", site)
    _check_fields(fields, SITE_FIELDS)
    return record_update(
        actor, site, event="organisation.site_updated", changes=fields, expected_version=version, reason=reason
    )


@transaction.atomic
def department_create(*, actor: User, **fields) -> Department:
    authorize(actor, "organisation", "create", fields.get("site"))
    _check_fields(fields, DEPARTMENT_FIELDS)
    return record_create(actor, Department(**fields), event="organisation.department_created")


@transaction.atomic
def department_update(
    *, actor: User, department: Department, version: int | None = None, reason: str = "", **fields
) -> Department:
    authorize(actor, "organisation", "edit", department.site_id)
    _check_fields(fields, DEPARTMENT_FIELDS)
    if "site" in fields:
        authorize(actor, "organisation", "edit", fields["site"])
    return record_update(
        actor,
        department,
        event="organisation.department_updated",
        changes=fields,
        expected_version=version,
        reason=reason,
    )


def _clause_labels(clauses) -> list[str]:
    return sorted(f"{c.edition} {c.number}" for c in clauses)


@transaction.atomic
def process_create(*, actor: User, clauses=None, **fields) -> Process:
    authorize(actor, "organisation", "create", fields.get("site"))
    _check_fields(fields, PROCESS_FIELDS)
    clauses = list(clauses or [])
    process = record_create(
        actor,
        Process(**fields),
        event="organisation.process_created",
        extra_changes={"Clauses": [None, _clause_labels(clauses)]} if clauses else None,
    )
    process.clauses.set(clauses)
    return process


@transaction.atomic
def process_update(
    *, actor: User, process: Process, version: int | None = None, reason: str = "", clauses=None, **fields
) -> Process:
    authorize(actor, "organisation", "edit", process.site_id)
    _check_fields(fields, PROCESS_FIELDS)
    if "site" in fields:
        authorize(actor, "organisation", "edit", fields["site"])
    extra = None
    if clauses is not None:
        clauses = list(clauses)
        before, after = _clause_labels(process.clauses.all()), _clause_labels(clauses)
        if before != after:
            extra = {"Clauses": [before, after]}
    process = record_update(
        actor,
        process,
        event="organisation.process_updated",
        changes=fields,
        expected_version=version,
        reason=reason,
        extra_changes=extra,
    )
    if clauses is not None:
        process.clauses.set(clauses)
    return process
