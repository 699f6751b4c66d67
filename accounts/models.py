"""Users, roles and the permission matrix, site assignments and the audit log (seed 004 §2, §12, §18)."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from accounts.crypto import EncryptedTextField
from accounts.scoping import Scope, ScopedQuerySet, Viewer, register_scope, scoped_manager


class Role(models.Model):
    """RBAC role with the seed's JSON matrix: {resource: {action: bool}}."""

    SUPER_ADMIN = "super_admin"
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"
    API_CLIENT = "api_client"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=50, unique=True)
    description = models.TextField(blank=True, null=True)
    permissions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("users", shared=True, why="Roles are one matrix for every site.")

    class Meta:
        db_table = "roles"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def allows(self, resource: str, action: str) -> bool:
        return bool(self.permissions.get(resource, {}).get(action, False))


class PermissionGrant(models.Model):
    """The normalised rows of a role's matrix, kept in step with `Role.permissions`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    resource = models.CharField(max_length=50, db_index=True)
    action = models.CharField(max_length=50)
    granted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("users", shared=True, why="Rows of the shared role matrix.")

    class Meta:
        db_table = "permissions_matrix"
        verbose_name = "permission grant"
        constraints = [
            models.UniqueConstraint(
                fields=["role", "resource", "action"],
                name="uq_permissions_role_resource_action",
            )
        ]
        indexes = [
            models.Index(
                fields=["role", "resource", "action"],
                name="idx_permissions_matrix_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.resource}.{self.action}={'yes' if self.granted else 'no'}"


class OrinUserManager(UserManager):
    _queryset_class = ScopedQuerySet

    def restrict(self, user, action: str = "read", api_key=None) -> ScopedQuerySet:
        return self.get_queryset().restrict(user, action, api_key)

    def _default_role(self, superuser: bool) -> Role:
        from accounts.services.roles import ensure_role

        return ensure_role(Role.SUPER_ADMIN if superuser else Role.VIEWER)

    def create_user(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", self._default_role(False))
        return super().create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", self._default_role(True))
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=255, unique=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users")
    mfa_enabled = models.BooleanField(default=False)
    mfa_secret = EncryptedTextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrinUserManager()

    class Meta:
        db_table = "users"
        ordering = ["username"]
        indexes = [
            models.Index(fields=["last_login"], name="idx_users_last_login"),
            models.Index(
                fields=["is_active"],
                name="idx_users_is_active",
                condition=models.Q(is_active=True),
            ),
        ]

    def save(self, *args, **kwargs):
        if self.role_id is None:
            self.role = User.objects._default_role(self.is_superuser)
        super().save(*args, **kwargs)


def _user_reach(viewer: Viewer) -> models.Q:
    """Oneself, the users of one's sites, accounts not yet assigned to any site (so a site
    administrator can assign the account they just created) and super admins (who belong to
    every site)."""
    shares_a_site = models.Q(site_assignments__site_id__in=viewer.site_ids)
    everywhere = models.Q(is_superuser=True) | models.Q(role__name=Role.SUPER_ADMIN)
    unassigned = ~models.Q(site_assignments__isnull=False)
    others = User.objects.filter(shares_a_site | unassigned | everywhere).values("pk")
    return models.Q(pk=viewer.user.pk) | models.Q(pk__in=others)


register_scope(
    User,
    Scope(
        "users",
        rule=lambda rows, viewer: rows.filter(_user_reach(viewer)),
        why="Accounts are seen by those who share one of their sites (and their owner); unassigned accounts "
        "by every account administrator.",
    ),
)


class UserSiteAssignment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="site_assignments")
    site = models.ForeignKey("surveillance.Site", on_delete=models.CASCADE, related_name="user_assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager("users", site="site")

    class Meta:
        db_table = "user_site_assignments"
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="uq_user_site")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.site}"


class AuditLog(models.Model):
    """Partitioned by month on `timestamp` (table created by migration SQL; pk kept as `id`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=100, db_index=True)
    resource_type = models.CharField(max_length=50, db_index=True)
    resource_id = models.UUIDField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(null=True, blank=True)
    timestamp = models.DateTimeField()

    objects = scoped_manager(
        "audit",
        rule=lambda rows, viewer: rows.filter(user_id=viewer.user.pk),
        why="The audit trail spans every site: users who see every site read all of it, others their own actions.",
    )

    class Meta:
        db_table = "audit_logs"
        ordering = ["-timestamp"]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.action} {self.resource_type}"


class APIKeyQuerySet(ScopedQuerySet):
    def active(self):
        from django.utils import timezone

        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )


class APIKey(models.Model):
    """A device/integration key: acts as its `user` (normally of role api_client), optionally
    narrowed to some sites or cameras. Only a SHA-256 of the key is stored; it is shown once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    sites = models.ManyToManyField("surveillance.Site", blank=True, related_name="+")
    cameras = models.ManyToManyField("surveillance.Camera", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(
        "users", queryset=APIKeyQuerySet, via="user", why="A key acts as its user: seen by those who see the user."
    )

    class Meta:
        db_table = "api_keys"
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# MFA devices live in their own module; importing them here registers them with the app.
from accounts.mfa_models import RecoveryCode, RecoveryCodeDevice, TOTPDevice  # noqa: E402, F401
