from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html

from accounts import admin_audit
from accounts.models import APIKey, AuditLog, PermissionGrant, Role, User, UserSiteAssignment
from accounts.services import lockout, mfa
from accounts.services.api_keys import issue_api_key, revoke_api_key
from accounts.services.audit import record_access
from accounts.services.roles import sync_permission_grants
from orin.admin_tools import (
    PartitionedModelAdmin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
)


class PermissionGrantInline(ScopedTabularInline):
    model = PermissionGrant
    extra = 0
    can_delete = False
    readonly_fields = ["resource", "action", "granted", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(ScopedModelAdmin):
    list_display = ["name", "description", "created_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at"]
    inlines = [PermissionGrantInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sync_permission_grants(obj)


@admin.register(PermissionGrant)
class PermissionGrantAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_display = ["role", "resource", "action", "granted"]
    list_filter = ["role", "resource", "granted"]
    search_fields = ["resource", "action", "role__name"]


class SiteAssignmentInline(ScopedTabularInline):
    model = UserSiteAssignment
    extra = 0
    autocomplete_fields = ["site"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "role",
        "is_active",
        "mfa_enabled",
        "last_login",
    ]
    list_filter = ["role", "is_active", "is_staff", "mfa_enabled"]
    search_fields = ["username", "email", "first_name", "last_name"]
    autocomplete_fields = ["role"]
    readonly_fields = ["last_login", "date_joined", "created_at", "updated_at", "mfa_enabled"]
    date_hierarchy = "created_at"
    inlines = [SiteAssignmentInline]
    actions = ["unlock_sign_in", "reset_second_factor"]

    @admin.action(description="Unlock sign-in (clear failed attempts)", permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        unlocked = lockout.unlock_users(queryset, request=request)
        self.message_user(request, f"{unlocked} user(s) unlocked")

    @admin.action(description="Reset two-step verification (lost phone)", permissions=["change"])
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            mfa.reset_mfa(user)
            record_access(request.user, "mfa_reset", "user", user.pk, request=request, username=user.username)
        self.message_user(request, f"{queryset.count()} user(s) must set up two-step verification again")

    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Access",
            {
                "fields": [
                    "role",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "mfa_enabled",
                ]
            },
        ),
        (
            "Dates",
            {"fields": ["last_login", "date_joined", "created_at", "updated_at"]},
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "role", "password1", "password2"],
            },
        ),
    ]


@admin.register(UserSiteAssignment)
class UserSiteAssignmentAdmin(ScopedModelAdmin):
    list_display = ["user", "site", "created_at"]
    list_filter = ["site"]
    search_fields = ["user__username", "site__name"]
    autocomplete_fields = ["user", "site"]
    readonly_fields = ["created_at"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, PartitionedModelAdmin):
    """Read-only (the table is append-only even for the database role), filterable trail."""

    list_display = ["timestamp", "actor", "action", "resource_type", "resource_link", "ip_address"]
    list_filter = [admin_audit.OperationFilter, admin_audit.ResourceTypeFilter]
    search_fields = ["=resource_id", "user__username", "=ip_address"]
    list_select_related = ["user"]
    fields = [
        "timestamp",
        "user",
        "actor",
        "action",
        "resource_type",
        "resource_link",
        "ip_address",
        "user_agent",
        "pretty_details",
    ]
    readonly_fields = fields
    # The per-object History links filter on these; they are exact matches on indexed columns.
    ALLOWED_LOOKUPS = {"resource_id", "resource_type", "user__id__exact", "ip_address"}

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.ALLOWED_LOOKUPS or super().lookup_allowed(lookup, value, request)

    @admin.display(description="actor")
    def actor(self, obj):
        return obj.user.username if obj.user_id and obj.user else (obj.details or {}).get("actor", "")

    @admin.display(description="resource id")
    def resource_link(self, obj):
        url = obj.resource_id and admin_audit.object_admin_url(obj.resource_type, obj.resource_id)
        return format_html('<a href="{}">{}</a>', url, obj.resource_id) if url else (obj.resource_id or "")

    @admin.display(description="details")
    def pretty_details(self, obj):
        return admin_audit.pretty_details(obj.details)


@admin.register(APIKey)
class APIKeyAdmin(ScopedModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user", "sites", "cameras"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "last_used_ip"]
    fields = ["name", "user", "sites", "cameras", "expires_at", "revoked_at", *readonly_fields]
    date_hierarchy = "created_at"
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        api_key, raw_key = issue_api_key(obj.user, obj.name, expires_at=obj.expires_at)
        obj.pk, obj.prefix = api_key.pk, api_key.prefix
        obj._state.adding = False
        messages.warning(request, f"New API key (shown once, copy it now): {raw_key}")

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            revoke_api_key(api_key)
        self.message_user(request, f"{queryset.count()} key(s) revoked")
