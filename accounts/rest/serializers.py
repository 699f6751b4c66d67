"""Serializers for users, roles, site assignments, device keys, sessions and the audit log.
Secrets (password hashes, MFA secrets, key hashes) are never among the fields."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import policy
from accounts.models import APIKey, AuditLog, Role, User, UserSiteAssignment
from accounts.rest.access import ScopedRelatedField
from accounts.services.audit import REDACTED, redact
from surveillance.models import Camera, Site


class UUIDRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key by UUID; a malformed id is a field error, not a server error."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("pk_field", serializers.UUIDField(format="hex_verbose"))
        super().__init__(**kwargs)


class NameRelatedField(serializers.SlugRelatedField):
    """A foreign key by name; text PostgreSQL cannot hold (NUL) is a field error."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value="(text with NUL)")
        return super().to_internal_value(data)


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "name", "description", "permissions", "created_at"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    role = NameRelatedField(slug_field="name", queryset=Role.objects.all())
    password = serializers.CharField(
        write_only=True, required=False, max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )
    sites = serializers.SerializerMethodField(help_text="Sites assigned to the user")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "is_staff",
            "mfa_enabled",
            "sites",
            "last_login",
            "date_joined",
            "created_at",
            "updated_at",
            "password",
        ]
        read_only_fields = ["mfa_enabled", "last_login", "date_joined", "created_at", "updated_at"]

    def get_sites(self, user) -> list[str]:
        """The user's sites among those the requester may see."""
        request = self.context.get("request")
        visible = policy.site_ids_for(request.user) if request is not None else set()
        return [str(a.site_id) for a in user.site_assignments.all() if visible is None or a.site_id in visible]

    def validate_role(self, role: Role) -> Role:
        requester = self.context["request"].user
        if role.name == Role.SUPER_ADMIN and not policy.is_unrestricted(requester):
            raise serializers.ValidationError("only a super admin may grant the super_admin role")
        return role

    def validate(self, attrs: dict) -> dict:
        password = attrs.get("password")
        if password is not None:
            candidate = self.instance or User(**{k: v for k, v in attrs.items() if k != "password"})
            try:
                validate_password(password, user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from None
        elif self.instance is None:
            raise serializers.ValidationError({"password": ["a password is required for a new user"]})
        return attrs

    def create(self, validated_data: dict) -> User:
        password = validated_data.pop("password")
        user = User(**validated_data)
        user.set_password(password)
        user.save()
        return user

    def update(self, instance: User, validated_data: dict) -> User:
        password = validated_data.pop("password", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        if password is not None:
            instance.set_password(password)
        instance.save()
        return instance


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="role.name", read_only=True)
    permissions = serializers.SerializerMethodField()
    sites = serializers.SerializerMethodField(help_text="Visible sites; null means every site")

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "permissions", "sites", "mfa_enabled"]
        read_only_fields = fields

    def get_permissions(self, user) -> dict:
        if policy.is_unrestricted(user):
            return {"*": {"*": True}}
        return user.role.permissions if user.role_id else {}

    def get_sites(self, user) -> list[str] | None:
        sites = policy.site_ids_for(user)
        return None if sites is None else sorted(str(s) for s in sites)


class UserSiteAssignmentSerializer(serializers.ModelSerializer):
    user = UUIDRelatedField(queryset=User.objects.all())
    site = ScopedRelatedField(queryset=Site.objects.all())

    class Meta:
        model = UserSiteAssignment
        fields = ["id", "user", "site", "created_at"]
        read_only_fields = ["created_at"]


class APIKeySerializer(serializers.ModelSerializer):
    user = UUIDRelatedField(queryset=User.objects.all(), help_text="The device's user (normally role api_client)")
    sites = ScopedRelatedField(many=True, queryset=Site.objects.all(), required=False)
    cameras = ScopedRelatedField(many=True, queryset=Camera.objects.all(), required=False)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = APIKey
        fields = [
            "id",
            "name",
            "user",
            "prefix",
            "sites",
            "cameras",
            "expires_at",
            "is_active",
            "created_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
        ]
        read_only_fields = ["prefix", "created_at", "last_used_at", "last_used_ip", "revoked_at"]

    def get_is_active(self, api_key: APIKey) -> bool:
        return api_key.revoked_at is None and (api_key.expires_at is None or api_key.expires_at > timezone.now())

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("must be in the future")
        return value


class IssuedAPIKeySerializer(APIKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself: shown this once, never again")

    class Meta(APIKeySerializer.Meta):
        fields = [*APIKeySerializer.Meta.fields, "key"]


class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The session this request was made with")

    class Meta:
        model = OutstandingToken
        fields = ["id", "created_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, outstanding) -> bool:
        from accounts.services.sessions import session_id_of

        current = self.context.get("current_session")
        return bool(current) and session_id_of(outstanding) == current


# Values that carry credentials under names the audit trigger's pattern does not know: a site's
# VPN config (WireGuard "PrivateKey", OpenVPN <key> blocks) and URLs (webhook URLs embed tokens).
API_REDACTED_KEYS = ("vpn_config", "private_key", "privatekey", "url")


def _redact_details(value):
    if isinstance(value, dict):
        return {
            k: REDACTED if any(part in str(k).lower() for part in API_REDACTED_KEYS) else _redact_details(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_details(v) for v in value]
    return value


class AuditLogSerializer(serializers.ModelSerializer):
    details = serializers.SerializerMethodField()

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "timestamp",
            "user",
            "action",
            "resource_type",
            "resource_id",
            "details",
            "ip_address",
            "user_agent",
        ]
        read_only_fields = fields

    def get_details(self, log) -> dict:
        """Secrets redacted again on the way out: rows written before a redaction rule existed."""
        return _redact_details(redact(log.details or {}))
