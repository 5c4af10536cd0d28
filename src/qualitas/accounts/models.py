"""Users, roles, API tokens and the organisation: sites, departments and processes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from qualitas.core.regulated import RegulatedModel

# The account jobs, imports, the demo loader and migrations act as (`accounts.services.system_actor`).
# It has no usable password, no roles and no tokens, so nobody can sign in as it.
SYSTEM_USERNAME = "system"


class QualitasUserManager(UserManager):
    def people(self):
        """Active accounts of people: what may be chosen as an owner, assignee, reviewer or manager."""
        return self.filter(is_active=True).exclude(username__iexact=SYSTEM_USERNAME)


class User(RegulatedModel, AbstractUser):
    """A person with an account. Deactivated, never deleted, so usernames are never reused (P11-U)."""

    job_title = models.CharField(max_length=150, blank=True)
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Set when an administrator resets the password: the next sign-in leads to the password change,
    # and nothing else opens until the user has chosen a password only they know.
    password_change_required = models.BooleanField("must change password at next sign-in", default=False)

    objects = QualitasUserManager()

    # Sign-in bookkeeping is not part of the account's regulated content; password changes (and the
    # must-change flag an administrator's reset sets) are recorded as events without the hash.
    AUDIT_EXCLUDE = ("password", "last_login", "password_change_required")

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_system(self) -> bool:
        """The system account: every right, and no way to sign in with it."""
        return self.username == SYSTEM_USERNAME and not self.has_usable_password()

    def delete(self, *args, **kwargs):
        raise RuntimeError("Users are deactivated, never deleted (21 CFR 11.100(a)).")


class Site(RegulatedModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    country = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Department(RegulatedModel):
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="departments")
    manager = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="managed_departments"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="accounts_department_site_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Process(RegulatedModel):
    """A process of the management system (ISO 9001 4.4): owner, inputs, outputs and clauses."""

    CATEGORY_CHOICES = [
        ("management", "Management process"),
        ("core", "Core (realisation) process"),
        ("support", "Support process"),
    ]

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES, default="core")
    purpose = models.TextField(blank=True)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_processes")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="processes")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="processes"
    )
    inputs = models.TextField(blank=True, help_text="One input per line.")
    outputs = models.TextField(blank=True, help_text="One output per line.")
    clauses = models.ManyToManyField("standards.Clause", blank=True, related_name="processes")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "processes"

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def input_list(self) -> list[str]:
        return [line.strip() for line in self.inputs.splitlines() if line.strip()]

    @property
    def output_list(self) -> list[str]:
        return [line.strip() for line in self.outputs.splitlines() if line.strip()]


class Role(RegulatedModel):
    """A named set of permissions: {module: [actions]}, with "*" meaning every module."""

    # `defaults` is the synchronisation's bookkeeping, not the role's content (its changes to
    # `permissions` are audited); left out of the hash so existing rows keep verifying.
    AUDIT_EXCLUDE = ("defaults",)

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    permissions = models.JSONField(default=dict)
    builtin = models.BooleanField(default=False)
    # The default grants last applied to a built-in role: while `permissions` equal them, the role is
    # unchanged by an administrator and `migrate` brings it up to the installed modules' grants.
    defaults = models.JSONField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A user holds a role at one site, or at every site when `site` is empty."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    # The stored row the audit trail vouches for (qualitas.core.audit.covered); keep this list stable.
    AUDIT_HASHED_FIELDS = ("user_id", "role_id", "site_id", "assigned_at")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "site"], name="accounts_assignment_unique"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(site__isnull=True), name="accounts_assignment_all_sites"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} at {self.site or 'all sites'}"


class ApiToken(models.Model):
    """A bearer token for the API (people and instruments, P11-H). Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
